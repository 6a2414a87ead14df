"""Per-gene alteration frequencies of a cohort with panel-aware denominators.

``altered`` counts patients with at least one alteration of the type in the gene (on a
sample profiled for it); ``profiled`` counts the cohort's patients with a sample profiled
for the type with a panel holding the gene (rules in :mod:`genomed.cohort.alterations`);
``percent = 100 * altered / profiled``. Alteration ``any`` pools the four types: altered
by any of them, profiled for any of them.
"""

from __future__ import annotations

import pandas as pd

from genomed.cohort.alteration_index import alteration_index, use_index
from genomed.cohort.alterations import (
    ALTERATION_TYPES,
    PROFILE_OF,
    prepare,
    profiled_counts,
    whole_genome_count,
)
from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.store.workspace import Workspace

COLUMNS = ["gene", "alteration", "altered", "profiled", "percent"]
PROFILE_SETS = {
    "any": ("mutations", "cna", "structural_variants"),
    **{alteration: (profile,) for alteration, profile in PROFILE_OF.items()},
}


def altered_counts(data: CohortData) -> pd.DataFrame:
    """gene, alteration, altered: patients of the cohort with each alteration type (and any),
    counted on the snapshot's :class:`~genomed.cohort.alteration_index.AlterationIndex`."""
    index = alteration_index(data.con, data.table_versions, data.workspace)
    use_index(data.con, index)
    members = data.con.sql("SELECT patient_id FROM cohort_patients").to_arrow_table()
    return index.altered_counts(members["patient_id"])


def profiled_patients(data: CohortData, alteration: str, genes: list[str]) -> pd.Series:
    """Per gene of ``genes``: the cohort's patients profiled for ``alteration`` in it."""
    prepare(data.con)
    profiles = PROFILE_SETS[alteration]
    whole = data.con.execute(whole_genome_count(profiles)).fetchall()[0][0]
    panel = data.con.sql(profiled_counts(profiles)).df().set_index("gene")["panel_patients"]
    counts = pd.Series(whole, index=pd.Index(genes, name="gene"), dtype="int64")
    overlap = panel.reindex(counts.index).fillna(0).astype("int64")
    return counts + overlap


def gene_frequencies_of(
    data: CohortData, genes: list[str] | None = None, top: int | None = None
) -> pd.DataFrame:
    """:func:`gene_frequencies` on an open cohort."""
    altered = altered_counts(data)
    if genes is not None:
        altered = altered[altered["gene"].isin(genes)]
        extra = [g for g in genes if g not in set(altered["gene"])]
        altered = pd.concat(
            [altered, pd.DataFrame({"gene": extra, "alteration": "any", "altered": 0})],
            ignore_index=True,
        )
    frames = []
    for alteration in ("any", *ALTERATION_TYPES):
        part = altered[altered["alteration"] == alteration]
        if part.empty:
            continue
        profiled = profiled_patients(data, alteration, part["gene"].tolist())
        part = part.assign(profiled=profiled.loc[part["gene"]].to_numpy())
        frames.append(part)
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(
                    COLUMNS, ["object", "object", "int64", "int64", "float64"], strict=True
                )
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out["altered"] = out["altered"].astype("int64")
    out["profiled"] = out["profiled"].astype("int64")
    out["percent"] = (100.0 * out["altered"] / out["profiled"].where(out["profiled"] > 0)).astype(
        "float64"
    )
    any_rank = out[out["alteration"] == "any"].set_index("gene")["altered"]
    order = {a: i for i, a in enumerate(("any", *ALTERATION_TYPES))}
    out["_type"] = out["alteration"].map(order)
    if genes is not None:
        out["_rank"] = out["gene"].map({g: i for i, g in enumerate(genes)})
        out = out.sort_values(["_rank", "_type"])
    else:
        out["_rank"] = out["gene"].map(any_rank).fillna(0)
        out = out.sort_values(["_rank", "gene", "_type"], ascending=[False, True, True])
    out = out.drop(columns=["_rank", "_type"])
    if top is not None:
        keep = out[out["alteration"] == "any"]["gene"].head(top)
        out = out[out["gene"].isin(set(keep))]
    return out[COLUMNS].reset_index(drop=True)


def gene_frequencies(
    ws: Workspace, cohort: CohortLike, genes: list[str] | None = None, top: int | None = None
) -> pd.DataFrame:
    """Altered and profiled patients per gene and alteration type of a cohort.

    Parameters
    ----------
    ws, cohort
        The workspace and a saved cohort name / definition (see :func:`open_cohort`).
    genes
        Only these genes, in this order (genes without alterations get ``altered`` 0).
    top
        Only the ``top`` genes by patients altered by any type.

    Returns
    -------
    DataFrame with columns gene, alteration (any, mutation, amplification, deep_deletion,
    fusion), altered, profiled, percent; genes by descending ``any`` count.
    """
    with open_cohort(ws, cohort) as data:
        return gene_frequencies_of(data, genes, top)
