"""``genomed cohort ...``: define cohorts and analyse them (each analysis: table, --json, -o plot).

A COHORT argument is a saved cohort's name or a definition in quotes, e.g.
``genomed cohort genes "tumor_type = LAML and age >= 60"``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption
from genomed.cli.output import console, err_console, print_json, print_table, reports_errors
from genomed.store.workspace import Workspace

cohort_app = typer.Typer(
    help="Research cohorts: define by genotype, clinical data, treatment and time order; analyse.",
    no_args_is_help=True,
)

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


def _genes(text: str | None) -> list[str] | None:
    return [g.strip() for g in text.split(",") if g.strip()] if text else None


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.2e}" if value != 0 and abs(value) < 10**-digits else f"{value:.{digits}g}"
    return str(value)


def _months(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not reached"
    return f"{value:.1f}"


def _notes(provenance: dict, warnings: list[str] | None = None) -> None:
    for warning in warnings or []:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    stale = provenance.get("stale_tables")
    if stale:
        err_console.print(
            f"[yellow]note:[/] cohort {provenance['cohort']} is read at the table versions it was defined on; "
            f"{', '.join(stale)} changed since (`genomed cohort refresh {provenance['cohort']}` to update)",
            highlight=False,
        )


def _plot(result, output: Path | None, as_json: bool) -> None:
    if output is None:
        return
    from genomed.cohort.plots import save_plot

    save_plot(result, output)
    if not as_json:
        console.print(f"plot written to [bold]{output}[/]")


def _frame_rows(frame, columns: list[str]) -> list[list]:
    return [
        [_num(row[c]) if isinstance(row[c], float) else row[c] for c in columns]
        for _, row in frame.iterrows()
    ]


# -- definitions -----------------------------------------------------------------------------


@cohort_app.command("define")
@reports_errors
def define(
    name: Annotated[str, typer.Argument(help="Cohort name (letters, digits, _ . -).")],
    definition: Annotated[
        str | None,
        typer.Argument(help='e.g. "tumor_type = LAML and mutated(DNMT3A) and age >= 60"'),
    ] = None,
    from_json: Annotated[
        Path | None,
        typer.Option("--from-json", help="Read the definition's JSON form from a file."),
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="Free-text note saved with the cohort.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Redefine an existing cohort.")
    ] = False,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Evaluate a definition and save it, with the table versions it was evaluated on."""
    from genomed.cohort.cohort_store import CohortError, define_cohort

    if (definition is None) == (from_json is None):
        raise CohortError("give a definition or --from-json FILE (one of them)")
    source = json.loads(from_json.read_text()) if from_json else definition
    cohort, warnings = define_cohort(
        Workspace.open(workspace), name, source, description=description, replace=replace
    )
    if as_json:
        print_json(cohort.to_dict() | {"warnings": warnings})
        return
    _notes({}, warnings)
    console.print(
        f"cohort [bold]{cohort.name}[/]: {cohort.n_patients:,} patients  ({cohort.definition})",
        highlight=False,
    )


@cohort_app.command("list")
@reports_errors
def list_command(workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False) -> None:
    """Saved cohorts."""
    from genomed.cohort.cohort_store import list_cohorts

    ws = Workspace.open(workspace)
    cohorts = list_cohorts(ws)
    if as_json:
        print_json([c.to_dict() | {"stale_tables": c.stale_tables(ws)} for c in cohorts])
        return
    rows = [
        [
            c.name,
            f"{c.n_patients:,}",
            c.definition,
            c.defined_at.strftime("%Y-%m-%d %H:%M"),
            "yes" if c.stale_tables(ws) else "",
        ]
        for c in cohorts
    ]
    print_table(
        f"{len(cohorts)} cohorts",
        ["name", "patients", "definition", "defined (UTC)", "data changed since"],
        rows,
    )


@cohort_app.command("show")
@reports_errors
def show(
    name: str,
    members: Annotated[bool, typer.Option("--members", help="List the patient ids.")] = False,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """A saved cohort: definition (text and JSON), table versions, members."""
    from genomed.cohort.cohort_store import get_cohort

    ws = Workspace.open(workspace)
    cohort = get_cohort(ws, name)
    stale = cohort.stale_tables(ws)
    if as_json:
        print_json(cohort.to_dict(members=members) | {"stale_tables": stale})
        return
    console.print(
        f"[bold]{cohort.name}[/]: {cohort.n_patients:,} patients, defined {cohort.defined_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    console.print(f"definition: {cohort.definition}", highlight=False)
    console.print(f"json: {json.dumps(cohort.definition_json)}", highlight=False)
    if cohort.description:
        console.print(f"description: {cohort.description}", highlight=False)
    versions = ", ".join(f"{t} v{v}" for t, v in cohort.table_versions.items())
    console.print(f"evaluated on: {versions}", highlight=False)
    if stale:
        console.print(
            f"[yellow]changed since:[/] {', '.join(stale)} (`genomed cohort refresh {name}`)"
        )
    if members:
        console.print("\n".join(cohort.patient_ids), highlight=False)


@cohort_app.command("refresh")
@reports_errors
def refresh(
    name: str, workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False
) -> None:
    """Re-evaluate a saved cohort on the current workspace."""
    from genomed.cohort.cohort_store import get_cohort, refresh_cohort

    ws = Workspace.open(workspace)
    before = get_cohort(ws, name).n_patients
    cohort, warnings = refresh_cohort(ws, name)
    if as_json:
        print_json(cohort.to_dict() | {"patients_before": before, "warnings": warnings})
        return
    _notes({}, warnings)
    console.print(f"cohort [bold]{name}[/]: {before:,} -> {cohort.n_patients:,} patients")


@cohort_app.command("delete")
@reports_errors
def delete(name: str, workspace: WorkspaceOption = DEFAULT_WS) -> None:
    """Delete a saved cohort (its earlier versions stay in the table's history)."""
    from genomed.cohort.cohort_store import delete_cohort

    delete_cohort(Workspace.open(workspace), name)
    console.print(f"deleted cohort {name}")


# -- analyses ------------------------------------------------------------------------------


@cohort_app.command("summary")
@reports_errors
def summary(
    cohort: CohortArgument,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Counts and the distribution of every clinical attribute."""
    from genomed.cohort.summary import cohort_summary

    result = cohort_summary(Workspace.open(workspace), cohort)
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    _notes(result.provenance)
    console.print(", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in result.counts.items()))
    print_table(
        "Clinical attributes",
        ["attribute", "type", "patients", "missing", "distribution"],
        _frame_rows(result.attributes, ["attribute", "kind", "patients", "missing", "summary"]),
    )


@cohort_app.command("genes")
@reports_errors
def genes(
    cohort: CohortArgument,
    genes: GenesOption = None,
    top: TopOption = 20,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Altered patients per gene (% of patients profiled for the gene), by alteration type."""
    from genomed.cohort.cohort_data import open_cohort
    from genomed.cohort.frequencies import gene_frequencies_of

    with open_cohort(Workspace.open(workspace), cohort) as data:
        frame = gene_frequencies_of(data, _genes(genes), None if genes else top)
        provenance, warnings = data.provenance(), data.warnings
    _plot(frame, output, as_json)
    if as_json:
        from genomed.cohort.survival import _records

        print_json({"genes": _records(frame), "provenance": provenance, "warnings": warnings})
        return
    _notes(provenance, warnings)
    wide = frame.pivot_table(
        index="gene",
        columns="alteration",
        values="altered",
        aggfunc="sum",
        fill_value=0,
        sort=False,
    )
    rows = []
    for _, row in frame[frame["alteration"] == "any"].iterrows():
        parts = wide.loc[row["gene"]]
        detail = ", ".join(
            f"{a} {int(parts[a])}"
            for a in ("mutation", "amplification", "deep_deletion", "fusion")
            if a in parts and parts[a]
        )
        rows.append(
            [
                row["gene"],
                row["altered"],
                row["profiled"],
                f"{row['percent']:.1f}%" if row["profiled"] else "",
                detail,
            ]
        )
    print_table(
        f"{provenance['cohort']}: {provenance['n_patients']:,} patients",
        ["gene", "altered", "profiled", "%", "by type"],
        rows,
    )


@cohort_app.command("oncoprint")
@reports_errors
def oncoprint_command(
    cohort: CohortArgument,
    genes: GenesOption = None,
    top: TopOption = 10,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """OncoPrint of the given or most altered genes."""
    from genomed.cohort.oncoprint import oncoprint

    result = oncoprint(Workspace.open(workspace), cohort, _genes(genes), top)
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    _notes(result.provenance)
    counts = result.events.groupby(["gene", "glyph"])["patient_id"].nunique().unstack(fill_value=0)
    glyphs = list(counts.columns)
    rows = []
    for _, row in result.frequencies.iterrows():
        by_glyph = [
            int(counts.loc[row["gene"], g]) if row["gene"] in counts.index else 0 for g in glyphs
        ]
        rows.append(
            [
                row["gene"],
                row["altered"],
                row["profiled"],
                f"{row['percent']:.1f}%" if row["profiled"] else "",
                *by_glyph,
            ]
        )
    print_table(
        f"OncoPrint: {len(result.patients):,} patients",
        ["gene", "altered", "profiled", "%", *glyphs],
        rows,
    )
    if output is None:
        console.print("add -o oncoprint.png (or .html) to draw it")


@cohort_app.command("lollipop")
@reports_errors
def lollipop_command(
    cohort: CohortArgument,
    gene: Annotated[str, typer.Argument(help="Gene symbol.")],
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Protein changes of a gene along the protein."""
    from genomed.cohort.lollipop import lollipop

    result = lollipop(Workspace.open(workspace), cohort, gene)
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    _notes(result.provenance)
    rows = _frame_rows(
        result.changes.sort_values(["patients", "position"], ascending=[False, True]),
        ["protein_change", "position", "glyph", "patients"],
    )
    print_table(
        f"{gene}: {result.mutated_patients} mutated patients",
        ["change", "position", "class", "patients"],
        rows,
    )


@cohort_app.command("survival")
@reports_errors
def survival(
    cohort: CohortArgument,
    by: Annotated[
        str | None,
        typer.Option("--by", help='An expression ("mutated(DNMT3A)") or a text attribute.'),
    ] = None,
    endpoint: Annotated[str, typer.Option("--endpoint", help="os | pfs | dfs | dss")] = "os",
    covariate: Annotated[
        list[str] | None, typer.Option("--covariate", help="Adjust the Cox model (repeatable).")
    ] = None,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Kaplan-Meier with medians (95% CI), log-rank p, Cox hazard ratios; numbers at risk in the plot."""
    from genomed.cohort.survival import survival_analysis

    result = survival_analysis(
        Workspace.open(workspace), cohort, by=by, endpoint=endpoint, covariates=covariate
    )
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    _notes(result.provenance, result.warnings)
    rows = [
        [
            r["group"],
            r["patients"],
            r["events"],
            _months(r["median"]),
            f"{_months(r['median_lower'])} - {_months(r['median_upper'])}",
        ]
        for _, r in result.groups.iterrows()
    ]
    print_table(
        f"{result.endpoint.upper()} (months)",
        ["group", "patients", "events", "median", "95% CI"],
        rows,
    )
    if result.logrank:
        console.print(
            f"log-rank: chi2 {result.logrank['statistic']:.3f} (df {result.logrank['df']}), p = {_num(result.logrank['p'])}"
        )
    if result.cox is not None and len(result.cox):
        print_table(
            f"Cox proportional hazards (reference: {result.cox.attrs.get('reference')})",
            ["term", "HR", "95% CI", "p"],
            [
                [
                    r["term"],
                    _num(r["hazard_ratio"]),
                    f"{_num(r['lower'])}-{_num(r['upper'])}",
                    _num(r["p"]),
                ]
                for _, r in result.cox.iterrows()
            ],
        )
    if result.excluded:
        console.print(f"{result.excluded} patients of the cohort have no {result.endpoint} outcome")


@cohort_app.command("compare")
@reports_errors
def compare(
    cohorts: Annotated[list[str], typer.Argument(help="Two or more saved cohorts or definitions.")],
    alteration: Annotated[
        str, typer.Option(help="any | mutation | amplification | deep_deletion | fusion")
    ] = "any",
    top: TopOption = 20,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Alteration enrichment (Fisher / chi-squared, BH q) and clinical differences between cohorts."""
    from genomed.cohort.compare import compare_cohorts

    result = compare_cohorts(Workspace.open(workspace), cohorts, alteration=alteration)
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    for cohort in result.provenance["cohorts"]:
        _notes(cohort)
    groups = list(result.groups["group"])
    console.print(
        ", ".join(
            f"{g}: {n:,} patients" for g, n in zip(groups, result.groups["patients"], strict=True)
        )
        + (f" ({result.overlap} in several groups left out)" if result.overlap else "")
    )
    columns = ["gene", *[f"{g}_percent" for g in groups], "p", "q"] + (
        ["enriched_in"] if len(groups) == 2 else []
    )
    rows = _frame_rows(result.alterations.head(top), columns)
    print_table(
        "Alterations",
        ["gene", *[f"{g} %" for g in groups], "p", "q"]
        + (["enriched in"] if len(groups) == 2 else []),
        rows,
    )
    columns = ["attribute", "test", *[f"{g}_summary" for g in groups], "p", "q"]
    print_table(
        "Clinical attributes",
        ["attribute", "test", *groups, "p", "q"],
        _frame_rows(result.attributes, [c for c in columns if c in result.attributes]),
    )


@cohort_app.command("cooccurrence")
@reports_errors
def cooccurrence_command(
    cohort: CohortArgument,
    genes: GenesOption = None,
    top: TopOption = 10,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Mutual exclusivity / co-occurrence of gene pairs (one-sided Fisher, log2 OR, BH q)."""
    from genomed.cohort.cooccurrence import cooccurrence

    frame = cooccurrence(Workspace.open(workspace), cohort, _genes(genes), top)
    _plot(frame, output, as_json)
    if as_json:
        from genomed.cohort.survival import _records

        print_json({"pairs": _records(frame)})
        return
    rows = []
    for _, r in frame.iterrows():
        log2 = r["log2_odds_ratio"]
        shown = ">3" if log2 > 3 else "<-3" if log2 < -3 else _num(log2)
        rows.append(
            [
                r["gene_a"],
                r["gene_b"],
                r["neither"],
                r["a_only"],
                r["b_only"],
                r["both"],
                shown,
                _num(r["p"]),
                _num(r["q"]),
                r["tendency"],
            ]
        )
    print_table(
        "Gene pairs",
        ["A", "B", "neither", "A only", "B only", "both", "log2 OR", "p", "q", "tendency"],
        rows,
    )


@cohort_app.command("response")
@reports_errors
def response(
    cohort: CohortArgument,
    drug: Annotated[str, typer.Option("--drug", help="Drug (generic name).")],
    by: Annotated[
        str | None,
        typer.Option("--by", help='Split by an expression ("mutated(KRAS)") or attribute.'),
    ] = None,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Response rates (CR+PR of assessed, Wilson 95% CI) and time on treatment by genotype."""
    from genomed.cohort.response import treatment_response

    result = treatment_response(Workspace.open(workspace), cohort, drug, by)
    _plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    _notes(result.provenance)
    rows = []
    for _, r in result.groups.iterrows():
        rate = (
            ""
            if r["response_rate"] is None or r["response_rate"] != r["response_rate"]
            else f"{100 * r['response_rate']:.0f}% ({100 * r['rate_lower']:.0f}-{100 * r['rate_upper']:.0f})"
        )
        rows.append(
            [
                r["group"],
                r["treated"],
                r["assessed"],
                r["CR"],
                r["PR"],
                r["SD"],
                r["PD"],
                rate,
                _months(r["median_months_on_treatment"]),
                r["ongoing"],
            ]
        )
    print_table(
        f"Response to {result.drug}",
        [
            "group",
            "treated",
            "assessed",
            "CR",
            "PR",
            "SD",
            "PD",
            "response rate (95% CI)",
            "median months on treatment",
            "ongoing",
        ],
        rows,
    )
    if result.fisher_p is not None:
        console.print(f"response rate: Fisher p = {_num(result.fisher_p)}")
    if result.logrank_p is not None:
        console.print(f"time on treatment: log-rank p = {_num(result.logrank_p)}")
