"""Compare two or more cohorts: alteration enrichment and clinical attribute differences.

Alterations, per gene: altered vs profiled-but-unaltered patients of each group. Two
groups: Fisher's exact test (two-sided) and the log2 ratio of the altered fractions;
more groups: chi-squared on the 2 x k table. Clinical attributes: text attributes by
chi-squared on the value x group table, numeric ones by Mann-Whitney U (two groups,
two-sided) or Kruskal-Wallis (more). Each family gets Benjamini-Hochberg q-values.

Patients in more than one group are left out of all of them (and counted), as
cBioPortal's group comparison does by default. Groups are read from one snapshot: the
saved cohorts' table versions when they all share them, else the current workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from genomed.cohort.attributes import BUILTIN_ATTRIBUTES, AttributeCatalog
from genomed.cohort.cohort_data import CohortData, CohortLike, _register, open_cohort
from genomed.cohort.frequencies import altered_counts, profiled_patients
from genomed.cohort.multiple_testing import benjamini_hochberg
from genomed.cohort.snapshot import recorded_versions, snapshot_connection
from genomed.errors import GenomedError
from genomed.store.workspace import Workspace

#: Built-in attributes compared by default (ids and free-text labels are not).
COMPARED_BUILTINS = ("sex", "age", "tumor_type", "institution", "population", "super_population")
#: A text attribute with more distinct values than this among the groups is not compared.
MAX_CATEGORIES = 30


class CompareError(GenomedError):
    """Fewer than two non-empty groups."""


@dataclass
class ComparisonResult:
    groups: pd.DataFrame  # group, patients (after removing overlaps)
    alterations: pd.DataFrame
    attributes: pd.DataFrame
    overlap: int
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from genomed.cohort.survival import _records

        return {
            "groups": _records(self.groups),
            "overlapping_patients_excluded": self.overlap,
            "alterations": _records(self.alterations),
            "attributes": _records(self.attributes),
            "provenance": self.provenance,
        }


def _open_groups(ws: Workspace, cohorts: list[CohortLike]) -> tuple[list[CohortData], CohortData]:
    opened = [open_cohort(ws, c) for c in cohorts]
    versions = {tuple(sorted(o.table_versions.items())) for o in opened}
    snapshot = opened[0].table_versions if len(versions) == 1 else recorded_versions(ws)
    con = snapshot_connection(ws, snapshot if len(versions) == 1 else None)
    for o in opened:
        o.close()
    shared = CohortData(con, "comparison", "", [], snapshot, workspace=ws.path)
    return opened, shared


def alteration_enrichment(
    shared: CohortData, members: dict[str, list[str]], alteration: str = "any"
) -> pd.DataFrame:
    """Per gene: altered/profiled/percent per group, the test statistic, p and q."""
    altered: dict[str, pd.Series] = {}
    for name, ids in members.items():
        _use(shared, ids)
        counts = altered_counts(shared)
        altered[name] = counts[counts["alteration"] == alteration].set_index("gene")["altered"]
    genes = sorted(set().union(*(a.index for a in altered.values())))
    if not genes:
        return pd.DataFrame(columns=["gene", "statistic", "test", "p", "q"])
    table = pd.DataFrame({"gene": genes})
    for name, ids in members.items():
        _use(shared, ids)
        table[f"{name}_altered"] = altered[name].reindex(genes).fillna(0).astype("int64").to_numpy()
        table[f"{name}_profiled"] = profiled_patients(shared, alteration, genes).to_numpy()
        table[f"{name}_percent"] = (
            100 * table[f"{name}_altered"] / table[f"{name}_profiled"].replace(0, np.nan)
        )
    names = list(members)
    altered_m = table[[f"{n}_altered" for n in names]].to_numpy()
    unaltered_m = table[[f"{n}_profiled" for n in names]].to_numpy() - altered_m
    p_values, statistics = [], []
    for alt, unalt in zip(altered_m, unaltered_m, strict=True):
        if len(names) == 2:
            odds, p = stats.fisher_exact([[alt[0], unalt[0]], [alt[1], unalt[1]]])
            statistics.append(odds)
        else:
            observed = np.vstack([alt, unalt])
            observed = observed[:, observed.sum(axis=0) > 0]
            if observed.shape[1] < 2 or (observed.sum(axis=1) == 0).any():
                statistics.append(np.nan)
                p = np.nan
            else:
                chi2, p, _, _ = stats.chi2_contingency(observed, correction=False)
                statistics.append(chi2)
        p_values.append(p)
    table["statistic"] = statistics
    table["test"] = "fisher" if len(names) == 2 else "chi-squared"
    table["p"] = p_values
    table["q"] = benjamini_hochberg(table["p"])
    if len(names) == 2:
        a, b = (table[f"{n}_percent"].to_numpy(float) for n in names)
        with np.errstate(divide="ignore", invalid="ignore"):
            table["log2_ratio"] = np.log2(a / b)
        table["enriched_in"] = np.where(a > b, names[0], np.where(b > a, names[1], ""))
    return table.sort_values(["p", "gene"]).reset_index(drop=True)


def _use(shared: CohortData, ids: list[str]) -> None:
    _register(shared.con, ids)
    shared.patient_ids = ids


def attribute_differences(
    shared: CohortData, members: dict[str, list[str]], attributes: list[str] | None = None
) -> pd.DataFrame:
    """Per attribute: the test, statistic, p, q, and a per-group summary."""
    catalog = AttributeCatalog(shared.con)
    names = attributes or [
        *COMPARED_BUILTINS,
        *[n for n in catalog.names() if n not in BUILTIN_ATTRIBUTES],
    ]
    labels = pd.DataFrame(
        [(p, g) for g, ids in members.items() for p in ids], columns=["patient_id", "grp"]
    )
    shared.con.register("group_members", labels)
    rows = []
    for name in names:
        attribute = catalog.resolve(name)
        if attribute is None:
            raise CompareError(f"unknown attribute {name!r}")
        values = shared.con.execute(
            f"SELECT m.grp, a.patient_id, min(a.value) AS value FROM ({attribute.sql}) a "
            "JOIN group_members m ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL GROUP BY ALL"
        ).df()
        per_group = [values.loc[values["grp"] == g, "value"] for g in members]
        if sum(len(v) > 0 for v in per_group) < 2:
            continue
        row = {"attribute": attribute.name, "kind": attribute.kind}
        if attribute.kind == "number":
            samples = [pd.to_numeric(v).to_numpy(float) for v in per_group]
            nonempty = [s for s in samples if len(s)]
            if len(np.unique(np.concatenate(nonempty))) < 2:
                continue
            if len(members) == 2:
                result = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
                row["test"] = "mann-whitney"
            else:
                result = stats.kruskal(*nonempty)
                row["test"] = "kruskal-wallis"
            row["statistic"], row["p"] = float(result.statistic), float(result.pvalue)
            for g, s in zip(members, samples, strict=True):
                row[f"{g}_n"] = len(s)
                row[f"{g}_summary"] = f"median {np.median(s):.3g}" if len(s) else ""
        else:
            table = pd.crosstab(values["value"].astype(str), values["grp"]).reindex(
                columns=list(members), fill_value=0
            )
            if len(table) < 2 or len(table) > MAX_CATEGORIES:
                continue
            chi2, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
            row.update(test="chi-squared", statistic=float(chi2), p=float(p))
            for g in members:
                column = table[g]
                row[f"{g}_n"] = int(column.sum())
                top = column.idxmax() if column.sum() else ""
                row[f"{g}_summary"] = (
                    f"{top} {100 * column.max() / column.sum():.0f}%" if column.sum() else ""
                )
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=["attribute", "kind", "test", "statistic", "p", "q"])
    out["q"] = benjamini_hochberg(out["p"])
    return out.sort_values(["p", "attribute"]).reset_index(drop=True)


def compare_cohorts(
    ws: Workspace,
    cohorts: list[CohortLike],
    *,
    alteration: str = "any",
    attributes: list[str] | None = None,
    names: list[str] | None = None,
) -> ComparisonResult:
    """Compare cohorts (saved names or definitions) by alterations and clinical attributes.

    Returns a :class:`ComparisonResult`: ``alterations`` has per group ``<g>_altered``,
    ``<g>_profiled``, ``<g>_percent`` and ``statistic`` (odds ratio or chi-squared),
    ``p``, ``q``; two groups also ``log2_ratio`` and ``enriched_in``. ``attributes``
    has ``test``, ``statistic``, ``p``, ``q`` and per group ``<g>_n``, ``<g>_summary``.
    """
    if len(cohorts) < 2:
        raise CompareError("compare needs at least two cohorts")
    opened, shared = _open_groups(ws, cohorts)
    try:
        labels = names or [
            o.name if o.name != "(ad hoc)" else f"group{i + 1}" for i, o in enumerate(opened)
        ]
        if len(set(labels)) != len(labels):
            labels = [f"{label}_{i + 1}" for i, label in enumerate(labels)]
        seen: dict[str, int] = {}
        for o in opened:
            for p in set(o.patient_ids):
                seen[p] = seen.get(p, 0) + 1
        overlap = {p for p, n in seen.items() if n > 1}
        members = {
            label: [p for p in o.patient_ids if p not in overlap]
            for label, o in zip(labels, opened, strict=True)
        }
        empty = [g for g, ids in members.items() if not ids]
        if empty:
            raise CompareError(
                f"no patients left in {', '.join(empty)} after removing {len(overlap)} shared patients"
            )
        alterations = alteration_enrichment(shared, members, alteration)
        attribute_table = attribute_differences(shared, members, attributes)
        groups = pd.DataFrame(
            {
                "group": list(members),
                "definition": [o.definition for o in opened],
                "patients": [len(v) for v in members.values()],
            }
        )
        provenance = {
            "cohorts": [o.provenance() for o in opened],
            "table_versions": shared.table_versions,
            "alteration": alteration,
        }
        return ComparisonResult(groups, alterations, attribute_table, len(overlap), provenance)
    finally:
        shared.close()
