"""What a cohort is made of: counts and the distribution of every clinical attribute."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from genomed.cohort.attributes import BUILTIN_ATTRIBUTES, AttributeCatalog
from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.store.workspace import Workspace

#: Built-in attributes summarised (identifiers are not).
SUMMARISED_BUILTINS = (
    "sex",
    "age",
    "tumor_type",
    "institution",
    "population",
    "super_population",
    "sample_kind",
    "panel",
)
TOP_VALUES = 10


@dataclass
class CohortSummary:
    counts: dict
    attributes: pd.DataFrame  # attribute, kind, patients, missing, summary columns
    values: dict[str, pd.DataFrame]  # text attribute -> value, patients (top values)
    numbers: dict[str, pd.Series] = field(default_factory=dict)  # numeric attribute -> values
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from genomed.cohort.survival import _records

        return {
            "counts": self.counts,
            "attributes": _records(self.attributes),
            "values": {k: _records(v) for k, v in self.values.items()},
            "provenance": self.provenance,
        }


def summary_of(data: CohortData) -> CohortSummary:
    """:func:`cohort_summary` on an open cohort."""
    con = data.con
    counts = dict(
        zip(
            [
                "patients",
                "samples",
                "patients_with_calls",
                "patients_with_outcomes",
                "patients_treated",
            ],
            con.execute(
                "SELECT (SELECT count(*) FROM cohort_patients), "
                "(SELECT count(*) FROM samples s JOIN cohort_patients m ON m.patient_id = s.patient_id), "
                "(SELECT count(DISTINCT s.patient_id) FROM samples s JOIN cohort_patients m ON m.patient_id = s.patient_id "
                " WHERE s.sample_id IN (SELECT DISTINCT sample_id FROM calls)), "
                "(SELECT count(DISTINCT o.patient_id) FROM outcomes o JOIN cohort_patients m ON m.patient_id = o.patient_id), "
                "(SELECT count(DISTINCT t.patient_id) FROM treatments t JOIN cohort_patients m ON m.patient_id = t.patient_id)"
            ).fetchall()[0],
            strict=True,
        )
    )
    catalog = AttributeCatalog(con)
    # the chosen built-ins, then outcomes, clinical attributes and observations
    names = [*SUMMARISED_BUILTINS, *(n for n in catalog.names() if n not in BUILTIN_ATTRIBUTES)]
    rows, values, numbers = [], {}, {}
    n = counts["patients"]
    seen = set()
    for name in names:
        attribute = catalog.resolve(name)
        if attribute is None or attribute.name in seen:
            continue
        seen.add(attribute.name)
        if attribute.kind == "number":
            frame = con.execute(
                f"SELECT a.patient_id, min(a.value) AS value FROM ({attribute.sql}) a JOIN cohort_patients m "
                "ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL GROUP BY a.patient_id"
            ).df()
            if frame.empty:
                continue
            v = pd.to_numeric(frame["value"])
            numbers[attribute.name] = v
            rows.append(
                {
                    "attribute": attribute.name,
                    "kind": "number",
                    "patients": len(v),
                    "missing": n - len(v),
                    "summary": f"median {v.median():.4g} (range {v.min():.4g}-{v.max():.4g}), mean {v.mean():.4g}",
                }
            )
        else:
            frame = con.execute(
                f"SELECT CAST(a.value AS VARCHAR) AS value, count(DISTINCT a.patient_id) AS patients FROM ({attribute.sql}) a "
                "JOIN cohort_patients m ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL "
                "GROUP BY 1 ORDER BY 2 DESC, 1"
            ).df()
            if frame.empty:
                continue
            with_value = con.execute(
                f"SELECT count(DISTINCT a.patient_id) FROM ({attribute.sql}) a JOIN cohort_patients m "
                "ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL"
            ).fetchall()[0][0]
            values[attribute.name] = frame.head(TOP_VALUES).reset_index(drop=True)
            top = ", ".join(
                f"{v} {c}"
                for v, c in zip(frame["value"].head(5), frame["patients"].head(5), strict=True)
            )
            more = f", ... ({len(frame)} values)" if len(frame) > 5 else ""
            rows.append(
                {
                    "attribute": attribute.name,
                    "kind": attribute.kind,
                    "patients": int(with_value),
                    "missing": n - int(with_value),
                    "summary": top + more,
                }
            )
    return CohortSummary(counts, pd.DataFrame(rows), values, numbers, data.provenance())


def cohort_summary(ws: Workspace, cohort: CohortLike) -> CohortSummary:
    """Patient, sample, sequenced, outcome and treated counts of a cohort, and per
    clinical attribute: patients with a value, missing, and its distribution."""
    with open_cohort(ws, cohort) as data:
        return summary_of(data)
