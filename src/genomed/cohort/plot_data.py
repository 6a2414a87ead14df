"""What both plot renderers share: colours, titles, and the grids the OncoPrint and
the co-occurrence heatmap are drawn from (:mod:`genomed.cohort.plots` draws them with
Plotly, :mod:`genomed.cohort.plots_png` with matplotlib)."""

from __future__ import annotations

import numpy as np

from genomed.errors import GenomedError

#: Colours shared by both renderers (cBioPortal's OncoPrint palette where it has one).
GLYPH_COLOURS = {
    "truncating": "#000000",
    "splice": "#e5802b",
    "inframe": "#993404",
    "missense": "#008000",
    "other": "#cf58bc",
    "fusion": "#8b00c9",
    "amplification": "#ff0000",
    "deep_deletion": "#0000ff",
}
NOT_PROFILED = "#ffffff"
PROFILED = "#d3d3d3"
GROUP_COLOURS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
RESPONSE_COLOURS = {
    "CR": "#1a9850",
    "PR": "#91cf60",
    "SD": "#fee08b",
    "PD": "#d73027",
    "other": "#bdbdbd",
}
#: The OncoPrint draws at most this many patients (the most altered first).
MAX_ONCOPRINT_PATIENTS = 2000


class PlotError(GenomedError):
    """An output path of an unsupported kind."""


def _fmt_p(p: float | None) -> str:
    if p is None or not np.isfinite(p):
        return "n/a"
    return f"{p:.2e}" if p < 0.001 else f"{p:.3f}"


def km_title(result) -> str:
    parts = [f"{result.endpoint.upper()} by {result.provenance.get('by') or 'cohort'}"]
    if result.logrank:
        parts.append(f"log-rank p = {_fmt_p(result.logrank['p'])}")
    if result.cox is not None and len(result.cox) == 1:
        row = result.cox.iloc[0]
        parts.append(f"HR {row['hazard_ratio']:.2f} ({row['lower']:.2f}-{row['upper']:.2f})")
    return " · ".join(parts)


def oncoprint_grid(result) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Patients drawn, a background code per cell (0 not profiled, 1 profiled, 2 amp,
    3 deep deletion, 4 fusion) and per mutation glyph a boolean cell mask."""
    patients = result.patients[:MAX_ONCOPRINT_PATIENTS]
    genes = result.genes
    index = {p: i for i, p in enumerate(patients)}
    background = result.profiled.loc[patients, genes].to_numpy().T.astype(int)
    masks = {
        g: np.zeros((len(genes), len(patients)), dtype=bool)
        for g in ("truncating", "splice", "inframe", "missense", "other")
    }
    codes = {"amplification": 2, "deep_deletion": 3, "fusion": 4}
    for event in result.events.itertuples(index=False):
        col = index.get(event.patient_id)
        if col is None:
            continue
        row = genes.index(event.gene)
        if event.glyph in codes:
            background[row, col] = codes[event.glyph]
        elif event.glyph in masks and not any(m[row, col] for m in masks.values()):
            masks[event.glyph][row, col] = True
    return patients, background, masks


def cooccurrence_matrix(frame) -> tuple[list[str], np.ndarray, np.ndarray]:
    genes = list(dict.fromkeys([*frame["gene_a"], *frame["gene_b"]]))
    log2 = np.full((len(genes), len(genes)), np.nan)
    q = np.full_like(log2, np.nan)
    for row in frame.itertuples(index=False):
        i, j = genes.index(row.gene_a), genes.index(row.gene_b)
        value = (
            float(np.clip(row.log2_odds_ratio, -3, 3))
            if not np.isnan(row.log2_odds_ratio)
            else np.nan
        )
        log2[i, j] = log2[j, i] = value
        q[i, j] = q[j, i] = row.q
    return genes, log2, q
