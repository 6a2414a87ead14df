"""Mutual exclusivity and co-occurrence of alterations in pairs of genes (as cBioPortal).

For each pair (A, B), among the cohort's patients profiled for both: ``neither``,
``a_only``, ``b_only``, ``both``; ``log2_odds_ratio = log2(both * neither / (a_only *
b_only))`` (+/-inf when a cell is 0); the tendency is co-occurrence when it is > 0, mutual
exclusivity when < 0; ``p`` is the one-sided Fisher exact test in that direction
(``alternative="greater"`` / ``"less"``), ``q`` its Benjamini-Hochberg correction over
the pairs.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.cohort.frequencies import gene_frequencies_of
from genomed.cohort.gene_matrix import altered_matrix, profiled_matrix
from genomed.cohort.multiple_testing import benjamini_hochberg
from genomed.store.workspace import Workspace

COLUMNS = [
    "gene_a",
    "gene_b",
    "neither",
    "a_only",
    "b_only",
    "both",
    "log2_odds_ratio",
    "p",
    "q",
    "tendency",
]


def pair_test(neither: int, a_only: int, b_only: int, both: int) -> tuple[float, float, str]:
    """(log2 odds ratio, one-sided Fisher p in the direction of the tendency, tendency)."""
    table = [[both, a_only], [b_only, neither]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.float64(both) * neither / (np.float64(a_only) * b_only)
        log2 = float(np.log2(ratio)) if not np.isnan(ratio) else float("nan")
    if log2 > 0:
        tendency, alternative = "co-occurrence", "greater"
    elif log2 < 0:
        tendency, alternative = "mutual exclusivity", "less"
    else:
        tendency, alternative = "none", "two-sided"
    p = stats.fisher_exact(table, alternative=alternative)[1]
    return log2, float(p), tendency


def cooccurrence_of(
    data: CohortData, genes: list[str] | None = None, top: int = 10, alteration: str = "any"
) -> pd.DataFrame:
    """:func:`cooccurrence` on an open cohort."""
    if genes is None:
        freq = gene_frequencies_of(data, top=top)
        genes = freq[freq["alteration"] == "any"]["gene"].tolist()
    altered = altered_matrix(data, genes, alteration).to_numpy()
    profiled = profiled_matrix(data, genes, "any" if alteration == "any" else alteration).to_numpy()
    rows = []
    for i, j in combinations(range(len(genes)), 2):
        both_profiled = profiled[:, i] & profiled[:, j]
        a = altered[both_profiled, i]
        b = altered[both_profiled, j]
        counts = (
            int((~a & ~b).sum()),
            int((a & ~b).sum()),
            int((~a & b).sum()),
            int((a & b).sum()),
        )
        log2, p, tendency = pair_test(*counts)
        rows.append([genes[i], genes[j], *counts, log2, p, np.nan, tendency])
    out = pd.DataFrame(rows, columns=COLUMNS)
    if len(out):
        out["q"] = benjamini_hochberg(out["p"])
        out = out.sort_values(["p", "gene_a", "gene_b"]).reset_index(drop=True)
    return out


def cooccurrence(
    ws: Workspace,
    cohort: CohortLike,
    genes: list[str] | None = None,
    top: int = 10,
    alteration: str = "any",
) -> pd.DataFrame:
    """Pairwise co-occurrence / mutual exclusivity of ``genes`` (default: the ``top`` most
    altered) in a cohort; columns :data:`COLUMNS`, most significant first."""
    with open_cohort(ws, cohort) as data:
        return cooccurrence_of(data, genes, top, alteration)
