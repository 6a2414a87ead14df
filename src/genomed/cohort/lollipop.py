"""Lollipop data: a gene's protein changes in a cohort along the protein sequence.

Reads ``calls.protein_change`` (one-letter HGVS, ``p.R882H``; three-letter ``p.Arg882His``
is read too). The position is the first residue number; changes without one (splice
sites) are counted apart. Each lollipop is one protein change with the number of
patients carrying it, coloured by its OncoPrint class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from genomed.cohort.alterations import COUNTED_CLASSES, mutation_rows
from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.cohort.variant_classes import oncoprint_class_sql
from genomed.store.workspace import Workspace

POSITION = r"^(?:p\.)?(?:[A-Z][a-z]{2}|[A-Z*])(\d+)"


@dataclass
class Lollipop:
    gene: str
    changes: pd.DataFrame  # protein_change, position, glyph, patients
    without_position: int  # patients with a counted mutation lacking a protein position
    mutated_patients: int
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from genomed.cohort.survival import _records

        return {
            "gene": self.gene,
            "changes": _records(self.changes),
            "patients_without_position": self.without_position,
            "mutated_patients": self.mutated_patients,
            "provenance": self.provenance,
        }


def lollipop_of(data: CohortData, gene: str) -> Lollipop:
    """:func:`lollipop` on an open cohort."""
    rows = mutation_rows(f"c.gene = $gene AND {COUNTED_CLASSES}")
    sql = (
        f"WITH m AS (SELECT r.* FROM ({rows}) r JOIN cohort_patients p ON p.patient_id = r.patient_id) "
        "SELECT regexp_replace(protein_change, '^p\\.', '') AS protein_change, "
        f"TRY_CAST(regexp_extract(protein_change, '{POSITION}', 1) AS INTEGER) AS position, "
        f"{oncoprint_class_sql('variant_class')} AS glyph, count(DISTINCT patient_id) AS patients "
        "FROM m GROUP BY 1, 2, 3 ORDER BY position NULLS LAST, patients DESC, 1, 3"
    )
    frame = data.con.execute(sql, {"gene": gene}).df()
    totals = data.con.execute(
        f"SELECT count(DISTINCT patient_id), count(DISTINCT patient_id) FILTER (WHERE TRY_CAST(regexp_extract("
        f"protein_change, '{POSITION}', 1) AS INTEGER) IS NULL) FROM ({rows}) r "
        "WHERE r.patient_id IN (SELECT patient_id FROM cohort_patients)",
        {"gene": gene},
    ).fetchall()[0]
    changes = frame[frame["position"].notna()].reset_index(drop=True)
    changes["position"] = changes["position"].astype("int64")
    return Lollipop(gene, changes, int(totals[1]), int(totals[0]), data.provenance())


def lollipop(ws: Workspace, cohort: CohortLike, gene: str) -> Lollipop:
    """Protein changes of ``gene`` in a cohort: position, change, class, patients."""
    with open_cohort(ws, cohort) as data:
        return lollipop_of(data, gene)
