"""What every ``genomed cohort`` command shares: argument types and how numbers, notes and
plots are printed."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.output import console, err_console

CohortArgument = Annotated[
    str, typer.Argument(help="A saved cohort's name, or a definition in quotes.")
]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write the plot: .png, .html or .json.")
]
GenesOption = Annotated[
    str | None, typer.Option("--genes", help="Comma-separated genes (default: the most altered).")
]
TopOption = Annotated[int, typer.Option("--top", help="How many of the most altered genes.")]


def gene_list(text: str | None) -> list[str] | None:
    return [g.strip() for g in text.split(",") if g.strip()] if text else None


def number(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.2e}" if value != 0 and abs(value) < 10**-digits else f"{value:.{digits}g}"
    return str(value)


def months(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not reached"
    return f"{value:.1f}"


def notes(provenance: dict, warnings: list[str] | None = None) -> None:
    for warning in warnings or []:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    stale = provenance.get("stale_tables")
    if stale:
        err_console.print(
            f"[yellow]note:[/] cohort {provenance['cohort']} is read at the table versions it was defined on; "
            f"{', '.join(stale)} changed since (`genomed cohort refresh {provenance['cohort']}` to update)",
            highlight=False,
        )


def write_plot(result, output: Path | None, as_json: bool) -> None:
    if output is None:
        return
    from genomed.cohort.plots import save_plot

    save_plot(result, output)
    if not as_json:
        console.print(f"plot written to [bold]{output}[/]")


def frame_rows(frame, columns: list[str]) -> list[list]:
    return [
        [number(row[c]) if isinstance(row[c], float) else row[c] for c in columns]
        for _, row in frame.iterrows()
    ]
