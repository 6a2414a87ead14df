"""Interactive plots of cohort analyses as Plotly figures (HTML, and JSON for the web pages).

One ``*_figure`` function per analysis result; :func:`save_plot` writes any result to
``.html`` (self-contained: plotly.js is embedded, nothing is fetched when it opens),
``.json`` (the Plotly figure, for pages that render it client-side) or ``.png`` (drawn by
:mod:`genomed.cohort.plots_png` with matplotlib, which lifelines already depends on, so
a PNG needs no browser).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def km_figure(result) -> go.Figure:
    """Kaplan-Meier curves with 95% bands, censoring ticks and numbers at risk below."""
    groups = list(result.curves)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.06
    )
    for i, group in enumerate(groups):
        curve = result.curves[group]
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        row = result.groups[result.groups["group"] == group].iloc[0]
        median = (
            "not reached"
            if row["median"] is None or not np.isfinite(row["median"])
            else f"{row['median']:.1f}"
        )
        name = f"{group} (n={row['patients']}, median {median})"
        fig.add_trace(
            go.Scatter(
                x=curve["time"],
                y=curve["upper"],
                line={"width": 0, "shape": "hv"},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=group,
            ),
            1,
            1,
        )
        fig.add_trace(
            go.Scatter(
                x=curve["time"],
                y=curve["lower"],
                line={"width": 0, "shape": "hv"},
                fill="tonexty",
                fillcolor=_alpha(colour, 0.15),
                showlegend=False,
                hoverinfo="skip",
                legendgroup=group,
            ),
            1,
            1,
        )
        fig.add_trace(
            go.Scatter(
                x=curve["time"],
                y=curve["survival"],
                name=name,
                legendgroup=group,
                line={"color": colour, "shape": "hv", "width": 2},
            ),
            1,
            1,
        )
        censored = curve[(curve["events"] == 0) & (curve["time"] > 0)]
        fig.add_trace(
            go.Scatter(
                x=censored["time"],
                y=censored["survival"],
                mode="markers",
                showlegend=False,
                legendgroup=group,
                marker={"symbol": "line-ns-open", "color": colour, "size": 8},
                hoverinfo="skip",
            ),
            1,
            1,
        )
        fig.add_trace(
            go.Scatter(
                x=result.at_risk["time"],
                y=[group] * len(result.at_risk),
                mode="text",
                text=[str(v) for v in result.at_risk[group]],
                textfont={"color": colour},
                showlegend=False,
                hoverinfo="skip",
            ),
            2,
            1,
        )
    fig.update_yaxes(title_text="survival probability", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(title_text="at risk", autorange="reversed", row=2, col=1, showgrid=False)
    fig.update_xaxes(title_text="months", row=2, col=1, tickvals=result.at_risk["time"])
    fig.update_layout(
        title=km_title(result), template="plotly_white", legend={"x": 0.55, "y": 0.98}
    )
    return fig


def _alpha(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def oncoprint_figure(result) -> go.Figure:
    patients, background, masks = oncoprint_grid(result)
    colours = [
        NOT_PROFILED,
        PROFILED,
        GLYPH_COLOURS["amplification"],
        GLYPH_COLOURS["deep_deletion"],
        GLYPH_COLOURS["fusion"],
    ]
    scale = [[i / 4, c] for i, c in enumerate(colours)]
    labels = [
        f"{g} {p:.0f}%"
        for g, p in zip(result.frequencies["gene"], result.frequencies["percent"], strict=False)
    ]
    by_gene = dict(zip(result.frequencies["gene"], labels, strict=False))
    ylabels = [by_gene.get(g, g) for g in result.genes]
    fig = go.Figure(
        go.Heatmap(
            z=background,
            x=list(range(len(patients))),
            y=ylabels,
            zmin=0,
            zmax=4,
            colorscale=scale,
            showscale=False,
            xgap=1,
            ygap=3,
            customdata=np.array([patients] * len(ylabels)),
            hovertemplate="%{customdata}<br>%{y}<extra></extra>",
        )
    )
    for glyph, mask in masks.items():
        rows, cols = np.nonzero(mask)
        if len(rows):
            fig.add_trace(
                go.Scatter(
                    x=cols,
                    y=[ylabels[r] for r in rows],
                    mode="markers",
                    name=glyph,
                    marker={"symbol": "square", "color": GLYPH_COLOURS[glyph], "size": 6},
                    text=[patients[c] for c in cols],
                    hovertemplate="%{text}<br>%{y}: " + glyph + "<extra></extra>",
                )
            )
    for name in ("amplification", "deep_deletion", "fusion"):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker={"symbol": "square", "color": GLYPH_COLOURS[name]},
            )
        )
    shown = (
        f"{len(patients)} of {len(result.patients)} patients"
        if len(patients) < len(result.patients)
        else f"{len(patients)} patients"
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(showticklabels=False, title_text=shown)
    fig.update_layout(
        title="OncoPrint", template="plotly_white", height=120 + 28 * len(result.genes)
    )
    return fig


def lollipop_figure(result) -> go.Figure:
    changes = result.changes
    fig = go.Figure()
    length = int(changes["position"].max() * 1.05) + 1 if len(changes) else 100
    for glyph in changes["glyph"].unique() if len(changes) else []:
        part = changes[changes["glyph"] == glyph]
        xs, ys = [], []
        for x, y in zip(part["position"], part["patients"], strict=True):
            xs += [x, x, None]
            ys += [0, y, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": "#999999", "width": 1},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part["position"],
                y=part["patients"],
                mode="markers",
                name=glyph,
                text=part["protein_change"],
                marker={"color": GLYPH_COLOURS.get(glyph, "#777777"), "size": 10},
                hovertemplate="%{text}: %{y} patients<extra></extra>",
            )
        )
    top = changes[changes["patients"] >= 2].nlargest(5, "patients")
    for row in top.itertuples(index=False):
        fig.add_annotation(
            x=row.position, y=row.patients, text=row.protein_change, showarrow=False, yshift=12
        )
    fig.add_shape(
        type="rect", x0=0, x1=length, y0=-0.25, y1=0, fillcolor="#cccccc", line={"width": 0}
    )
    fig.update_layout(
        title=f"{result.gene}: {result.mutated_patients} mutated patients"
        + (
            f" ({result.without_position} without a protein position)"
            if result.without_position
            else ""
        ),
        xaxis_title="protein position (aa; protein length not known to this workspace)",
        yaxis_title="patients",
        template="plotly_white",
    )
    return fig


def frequencies_figure(frame) -> go.Figure:
    """Horizontal bars: percent of profiled patients altered per gene, by alteration type."""
    genes = frame[frame["alteration"] == "any"]["gene"].tolist()[::-1]
    fig = go.Figure()
    for alteration in ("mutation", "amplification", "deep_deletion", "fusion"):
        part = frame[frame["alteration"] == alteration].set_index("gene").reindex(genes)
        if part["altered"].notna().any():
            colour = GLYPH_COLOURS["missense" if alteration == "mutation" else alteration]
            fig.add_trace(
                go.Bar(
                    y=genes,
                    x=part["percent"],
                    name=alteration,
                    orientation="h",
                    marker_color=colour,
                    customdata=np.stack([part["altered"], part["profiled"]], axis=1),
                    hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} (%{x:.1f}%)<extra>"
                    + alteration
                    + "</extra>",
                )
            )
    fig.update_layout(
        barmode="group",
        title="Altered patients per gene (% of profiled)",
        xaxis_title="% of profiled patients",
        template="plotly_white",
        height=150 + 22 * len(genes),
    )
    return fig


def summary_figure(result) -> go.Figure:
    names = list(result.values)[:6] + list(result.numbers)[:3]
    cols = 3
    rows = max(1, -(-len(names) // cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names or ["no attributes"])
    for i, name in enumerate(names):
        r, c = i // cols + 1, i % cols + 1
        if name in result.values:
            values = result.values[name]
            fig.add_trace(
                go.Bar(
                    x=values["value"].astype(str),
                    y=values["patients"],
                    showlegend=False,
                    marker_color=GROUP_COLOURS[0],
                ),
                r,
                c,
            )
        else:
            fig.add_trace(
                go.Histogram(
                    x=result.numbers[name], showlegend=False, marker_color=GROUP_COLOURS[1]
                ),
                r,
                c,
            )
    fig.update_layout(
        title=f"{result.counts['patients']} patients, {result.counts['samples']} samples",
        template="plotly_white",
        height=300 * rows,
    )
    return fig


def compare_figure(result, top: int = 15) -> go.Figure:
    table = result.alterations.head(top)
    fig = go.Figure()
    for i, group in enumerate(result.groups["group"]):
        fig.add_trace(
            go.Bar(
                x=table["gene"],
                y=table[f"{group}_percent"],
                name=group,
                marker_color=GROUP_COLOURS[i % 10],
            )
        )
    fig.update_layout(
        barmode="group",
        title="Most different genes (altered % of profiled; lowest p first)",
        yaxis_title="% altered",
        template="plotly_white",
    )
    return fig


def cooccurrence_figure(frame) -> go.Figure:
    genes, log2, q = cooccurrence_matrix(frame)
    text = np.where(q < 0.05, "*", "")
    fig = go.Figure(
        go.Heatmap(
            z=log2,
            x=genes,
            y=genes,
            zmin=-3,
            zmax=3,
            colorscale="RdBu_r",
            text=text,
            texttemplate="%{text}",
            colorbar={"title": "log2 OR"},
            hovertemplate="%{x} / %{y}: log2 OR %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Co-occurrence (red) and mutual exclusivity (blue); * q < 0.05",
        template="plotly_white",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def response_figure(result) -> go.Figure:
    groups = result.groups
    fig = go.Figure()
    for response in ("CR", "PR", "SD", "PD", "other"):
        if len(groups) and response in groups:
            share = 100 * groups[response] / groups["assessed"].replace(0, np.nan)
            fig.add_trace(
                go.Bar(
                    x=groups["group"],
                    y=share,
                    name=response,
                    marker_color=RESPONSE_COLOURS[response],
                )
            )
    fig.update_layout(
        barmode="stack",
        title=f"Best response to {result.drug}",
        yaxis_title="% of assessed patients",
        template="plotly_white",
    )
    return fig


def figure_for(result) -> go.Figure:
    """The Plotly figure of any analysis result."""
    import pandas as pd

    from genomed.cohort.compare import ComparisonResult
    from genomed.cohort.lollipop import Lollipop
    from genomed.cohort.oncoprint import Oncoprint
    from genomed.cohort.response import ResponseResult
    from genomed.cohort.summary import CohortSummary
    from genomed.cohort.survival import SurvivalResult

    if isinstance(result, SurvivalResult):
        return km_figure(result)
    if isinstance(result, Oncoprint):
        return oncoprint_figure(result)
    if isinstance(result, Lollipop):
        return lollipop_figure(result)
    if isinstance(result, CohortSummary):
        return summary_figure(result)
    if isinstance(result, ComparisonResult):
        return compare_figure(result)
    if isinstance(result, ResponseResult):
        return response_figure(result)
    if isinstance(result, pd.DataFrame) and "gene_a" in result:
        return cooccurrence_figure(result)
    if isinstance(result, pd.DataFrame) and "alteration" in result:
        return frequencies_figure(result)
    raise PlotError(f"no plot for {type(result).__name__}")


def save_plot(result, path: str | Path) -> Path:
    """Write the plot of an analysis result to ``path`` (.html, .json or .png)."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".html", ".htm"):
        figure_for(result).write_html(path, include_plotlyjs=True, full_html=True)
    elif suffix == ".json":
        path.write_text(figure_for(result).to_json())
    elif suffix == ".png":
        from genomed.cohort.plots_png import save_png

        save_png(result, path)
    else:
        raise PlotError(f"{path}: plots are written as .html, .png or .json")
    return path
