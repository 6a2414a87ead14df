"""Static PNG plots of cohort analyses, drawn with matplotlib.

matplotlib is already installed with lifelines (a hard dependency of it), renders
without a browser or display (the Agg canvas of ``matplotlib.figure.Figure``; pyplot and
its global state are not used), and takes ~0.1 s a plot. Colours and layout follow
:mod:`genomed.cohort.plots`, so the PNG and the interactive HTML show the same thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from genomed.cohort.plot_data import (
    GLYPH_COLOURS,
    GROUP_COLOURS,
    NOT_PROFILED,
    PROFILED,
    RESPONSE_COLOURS,
    PlotError,
    cooccurrence_matrix,
    km_title,
    oncoprint_grid,
)


def km_png(result) -> Figure:
    groups = list(result.curves)
    fig = Figure(figsize=(8, 5.5 + 0.25 * len(groups)))
    grid = fig.add_gridspec(2, 1, height_ratios=[4, 0.35 + 0.3 * len(groups)], hspace=0.08)
    ax = fig.add_subplot(grid[0])
    table = fig.add_subplot(grid[1], sharex=ax)
    for i, group in enumerate(groups):
        curve = result.curves[group]
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        row = result.groups[result.groups["group"] == group].iloc[0]
        median = row["median"]
        median_text = (
            "not reached" if median is None or not np.isfinite(median) else f"{median:.1f}"
        )
        ax.step(
            curve["time"],
            curve["survival"],
            where="post",
            color=colour,
            lw=2,
            label=f"{group} (n={row['patients']}, median {median_text})",
        )
        ax.fill_between(
            curve["time"],
            curve["lower"],
            curve["upper"],
            step="post",
            color=colour,
            alpha=0.15,
            lw=0,
        )
        censored = curve[(curve["events"] == 0) & (curve["time"] > 0)]
        ax.plot(censored["time"], censored["survival"], "|", color=colour, ms=8)
        y = len(groups) - 1 - i
        for t, n in zip(result.at_risk["time"], result.at_risk[group], strict=True):
            table.text(t, y, str(n), ha="center", va="center", color=colour, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("survival probability")
    ax.set_title(km_title(result), fontsize=11)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.tick_params(labelbottom=False)
    ax.grid(alpha=0.3)
    table.set_ylim(-0.5, len(groups) - 0.5)
    table.set_yticks(range(len(groups)))
    table.set_yticklabels([g[:28] for g in reversed(groups)], fontsize=8)
    table.set_xticks(result.at_risk["time"])
    table.set_xlabel("months")
    table.set_title("number at risk", fontsize=9, loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(left=False)
    fig.subplots_adjust(left=0.22, right=0.97, top=0.93, bottom=0.09)
    return fig


def oncoprint_png(result) -> Figure:
    patients, background, masks = oncoprint_grid(result)
    n_genes, n_patients = background.shape
    fig = Figure(figsize=(min(20, 3 + 0.04 * n_patients + 2), 1.2 + 0.35 * n_genes))
    ax = fig.add_subplot()
    colours = [
        NOT_PROFILED,
        PROFILED,
        GLYPH_COLOURS["amplification"],
        GLYPH_COLOURS["deep_deletion"],
        GLYPH_COLOURS["fusion"],
    ]
    ax.imshow(
        background,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=4.5,
    )
    for glyph, mask in masks.items():
        rows, cols = np.nonzero(mask)
        if len(rows):
            ax.bar(
                cols,
                0.36,
                bottom=rows - 0.18,
                width=1.0,
                color=GLYPH_COLOURS[glyph],
                label=glyph,
                linewidth=0,
            )
    for name in ("amplification", "deep_deletion", "fusion"):
        ax.bar([0], [0], color=GLYPH_COLOURS[name], label=name)
    labels = dict(zip(result.frequencies["gene"], result.frequencies["percent"], strict=False))
    ax.set_yticks(range(n_genes))
    ax.set_yticklabels([f"{g}  {labels.get(g, 0):.0f}%" for g in result.genes], fontsize=9)
    ax.set_xticks([])
    ax.hlines(np.arange(-0.5, n_genes), -0.5, n_patients - 0.5, color="white", lw=3)
    shown = (
        f"{n_patients} of {len(result.patients)} patients"
        if n_patients < len(result.patients)
        else f"{n_patients} patients"
    )
    ax.set_xlabel(shown)
    ax.set_title("OncoPrint", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.12, right=0.85)
    return fig


def lollipop_png(result) -> Figure:
    changes = result.changes
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot()
    length = int(changes["position"].max() * 1.05) + 1 if len(changes) else 100
    ax.vlines(changes["position"], 0, changes["patients"], color="#999999", lw=1)
    for glyph in changes["glyph"].unique():
        part = changes[changes["glyph"] == glyph]
        ax.scatter(
            part["position"],
            part["patients"],
            color=GLYPH_COLOURS.get(glyph, "#777777"),
            s=50,
            zorder=3,
            label=glyph,
        )
    for row in changes[changes["patients"] >= 2].nlargest(5, "patients").itertuples(index=False):
        ax.annotate(
            row.protein_change,
            (row.position, row.patients),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    top = max(1, int(changes["patients"].max()) if len(changes) else 1)
    ax.add_patch(Rectangle((0, -0.06 * top), length, 0.05 * top, color="#cccccc"))
    ax.set_xlim(0, length)
    ax.set_ylim(-0.08 * top, top * 1.2)
    ax.set_xlabel("protein position (aa; protein length not known to this workspace)")
    ax.set_ylabel("patients")
    extra = (
        f" ({result.without_position} without a protein position)"
        if result.without_position
        else ""
    )
    ax.set_title(f"{result.gene}: {result.mutated_patients} mutated patients{extra}", fontsize=11)
    if len(changes):
        ax.legend(fontsize=8, frameon=False)
    return fig


def frequencies_png(frame) -> Figure:
    genes = frame[frame["alteration"] == "any"]["gene"].tolist()[::-1]
    fig = Figure(figsize=(7, 1.5 + 0.3 * len(genes)))
    ax = fig.add_subplot()
    types = [
        a
        for a in ("mutation", "amplification", "deep_deletion", "fusion")
        if (frame["alteration"] == a).any()
    ]
    height = 0.8 / max(1, len(types))
    for k, alteration in enumerate(types):
        part = frame[frame["alteration"] == alteration].set_index("gene").reindex(genes)
        colour = GLYPH_COLOURS["missense" if alteration == "mutation" else alteration]
        ax.barh(
            np.arange(len(genes)) + k * height - 0.4 + height / 2,
            part["percent"].fillna(0),
            height=height,
            color=colour,
            label=alteration,
        )
    ax.set_yticks(range(len(genes)))
    ax.set_yticklabels(genes, fontsize=9)
    ax.set_xlabel("% of profiled patients")
    ax.set_title("Altered patients per gene", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def summary_png(result) -> Figure:
    names = list(result.values)[:6] + list(result.numbers)[:3]
    cols = 3
    rows = max(1, -(-len(names) // cols))
    fig = Figure(figsize=(12, 3.2 * rows))
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        if name in result.values:
            values = result.values[name]
            ax.bar(values["value"].astype(str), values["patients"], color=GROUP_COLOURS[0])
            ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        else:
            ax.hist(result.numbers[name].dropna(), bins=20, color=GROUP_COLOURS[1])
        ax.set_title(name, fontsize=9)
    fig.suptitle(f"{result.counts['patients']} patients, {result.counts['samples']} samples")
    fig.tight_layout()
    return fig


def compare_png(result, top: int = 15) -> Figure:
    table = result.alterations.head(top)
    groups = list(result.groups["group"])
    fig = Figure(figsize=(max(6, 0.6 * len(table) + 2), 4.5))
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(groups))
    for i, group in enumerate(groups):
        ax.bar(
            np.arange(len(table)) + i * width - 0.4 + width / 2,
            table[f"{group}_percent"].fillna(0),
            width=width,
            color=GROUP_COLOURS[i % 10],
            label=group,
        )
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(table["gene"], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("% altered")
    ax.set_title("Most different genes (lowest p first)", fontsize=11)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def cooccurrence_png(frame) -> Figure:
    genes, log2, q = cooccurrence_matrix(frame)
    fig = Figure(figsize=(1.5 + 0.5 * len(genes), 1.2 + 0.5 * len(genes)))
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(log2), cmap="RdBu_r", vmin=-3, vmax=3)
    for i, j in zip(*np.nonzero(q < 0.05), strict=True):
        ax.text(j, i, "*", ha="center", va="center")
    ax.set_xticks(range(len(genes)))
    ax.set_xticklabels(genes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(genes)))
    ax.set_yticklabels(genes, fontsize=8)
    fig.colorbar(image, ax=ax, label="log2 odds ratio")
    ax.set_title("Co-occurrence (red) / exclusivity (blue); * q < 0.05", fontsize=9)
    fig.tight_layout()
    return fig


def response_png(result) -> Figure:
    groups = result.groups
    fig = Figure(figsize=(max(5, 1.5 * len(groups) + 2), 4.5))
    ax = fig.add_subplot()
    bottom = np.zeros(len(groups))
    for response in ("CR", "PR", "SD", "PD", "other"):
        if len(groups) and response in groups:
            share = (
                (100 * groups[response] / groups["assessed"].replace(0, np.nan))
                .fillna(0)
                .to_numpy()
            )
            ax.bar(
                groups["group"],
                share,
                bottom=bottom,
                color=RESPONSE_COLOURS[response],
                label=response,
            )
            bottom += share
    ax.set_ylabel("% of assessed patients")
    ax.set_title(f"Best response to {result.drug}", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def save_png(result, path: Path) -> None:
    """Draw ``result`` (any analysis result) into a PNG file."""
    import pandas as pd

    from genomed.cohort.compare import ComparisonResult
    from genomed.cohort.lollipop import Lollipop
    from genomed.cohort.oncoprint import Oncoprint
    from genomed.cohort.response import ResponseResult
    from genomed.cohort.summary import CohortSummary
    from genomed.cohort.survival import SurvivalResult

    if isinstance(result, SurvivalResult):
        fig = km_png(result)
    elif isinstance(result, Oncoprint):
        fig = oncoprint_png(result)
    elif isinstance(result, Lollipop):
        fig = lollipop_png(result)
    elif isinstance(result, CohortSummary):
        fig = summary_png(result)
    elif isinstance(result, ComparisonResult):
        fig = compare_png(result)
    elif isinstance(result, ResponseResult):
        fig = response_png(result)
    elif isinstance(result, pd.DataFrame) and "gene_a" in result:
        fig = cooccurrence_png(result)
    elif isinstance(result, pd.DataFrame) and "alteration" in result:
        fig = frequencies_png(result)
    else:
        raise PlotError(f"no plot for {type(result).__name__}")
    fig.savefig(path, dpi=120)
