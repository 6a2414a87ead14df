"""OncoPrint data: which patient has which alteration in which gene, sorted as cBioPortal does.

Genes are ordered by altered patients (or as given); patients by the "memo sort": altered
in the first gene before not, then the second gene, and so on, so mutually exclusive
patterns show as a staircase. Patients not profiled for a gene are marked so (grey in
the plot); the cohort's unaltered patients follow the altered ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.cohort.frequencies import gene_frequencies_of
from genomed.cohort.gene_matrix import altered_events, profiled_matrix
from genomed.cohort.variant_classes import ONCOPRINT_ORDER
from genomed.store.workspace import Workspace


@dataclass
class Oncoprint:
    genes: list[str]  # top to bottom
    patients: list[str]  # left to right
    events: pd.DataFrame  # patient_id, gene, alteration, glyph
    profiled: pd.DataFrame  # bool, patients x genes (same orders)
    frequencies: pd.DataFrame  # gene, altered, profiled, percent (alteration any)
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from genomed.cohort.survival import _records

        return {
            "genes": self.genes,
            "patients": self.patients,
            "events": _records(self.events),
            "not_profiled": [
                {"patient_id": p, "gene": g}
                for g in self.genes
                for p in self.profiled.index[~self.profiled[g].to_numpy()]
            ],
            "frequencies": _records(self.frequencies),
            "provenance": self.provenance,
        }


def oncoprint_of(data: CohortData, genes: list[str] | None = None, top: int = 10) -> Oncoprint:
    """:func:`oncoprint` on an open cohort."""
    freq = gene_frequencies_of(data, genes=genes, top=None if genes else top)
    freq = freq[freq["alteration"] == "any"].reset_index(drop=True)
    genes = list(genes) if genes else freq["gene"].tolist()
    events = altered_events(data, genes)
    priority = {g: i for i, g in enumerate(ONCOPRINT_ORDER)}
    events = (
        events.assign(_p=events["glyph"].map(priority))
        .sort_values(["gene", "patient_id", "_p"])
        .drop(columns="_p")
    )
    profiled = profiled_matrix(data, genes)
    altered = np.zeros((len(data.patient_ids), len(genes)), dtype=bool)
    index = pd.Index(data.patient_ids)
    if len(events):
        altered[
            index.get_indexer(events["patient_id"]), [genes.index(g) for g in events["gene"]]
        ] = True
    # memo sort: lexicographic on (altered in gene 1, gene 2, ...), then by alteration count
    profiled_count = profiled.loc[data.patient_ids, genes].to_numpy().sum(axis=1)
    keys = [~altered[:, j] for j in reversed(range(len(genes)))]
    ids = np.array(data.patient_ids, dtype=str)
    order = np.lexsort([ids, -profiled_count, -altered.sum(axis=1), *keys])
    patients = [data.patient_ids[i] for i in order]
    profiled = profiled.loc[patients, genes]
    return Oncoprint(
        genes, patients, events.reset_index(drop=True), profiled, freq, data.provenance()
    )


def oncoprint(
    ws: Workspace, cohort: CohortLike, genes: list[str] | None = None, top: int = 10
) -> Oncoprint:
    """OncoPrint of ``genes`` (default: the ``top`` most altered) in a cohort."""
    with open_cohort(ws, cohort) as data:
        return oncoprint_of(data, genes, top)
