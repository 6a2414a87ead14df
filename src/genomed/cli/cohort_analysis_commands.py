"""``genomed cohort`` analyses: summary, genes, oncoprint, lollipop, survival, compare,
cooccurrence, response (each: a terminal table, ``--json``, and a plot with ``-o``)."""

from __future__ import annotations

from typing import Annotated

import typer

from genomed.cli.cohort_output import (
    CohortArgument,
    GenesOption,
    OutputOption,
    TopOption,
    frame_rows,
    gene_list,
    months,
    notes,
    number,
    write_plot,
)
from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption, open_workspace
from genomed.cli.output import console, print_json, print_table, reports_errors


@reports_errors
def summary(
    cohort: CohortArgument,
    output: OutputOption = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Counts and the distribution of every clinical attribute."""
    from genomed.cohort.summary import cohort_summary

    result = cohort_summary(open_workspace(workspace), cohort)
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    notes(result.provenance)
    console.print(", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in result.counts.items()))
    print_table(
        "Clinical attributes",
        ["attribute", "type", "patients", "missing", "distribution"],
        frame_rows(result.attributes, ["attribute", "kind", "patients", "missing", "summary"]),
    )


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

    with open_cohort(open_workspace(workspace), cohort) as data:
        frame = gene_frequencies_of(data, gene_list(genes), None if genes else top)
        provenance, warnings = data.provenance(), data.warnings
    write_plot(frame, output, as_json)
    if as_json:
        from genomed.cohort.survival import _records

        print_json({"genes": _records(frame), "provenance": provenance, "warnings": warnings})
        return
    notes(provenance, warnings)
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

    result = oncoprint(open_workspace(workspace), cohort, gene_list(genes), top)
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    notes(result.provenance)
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

    result = lollipop(open_workspace(workspace), cohort, gene)
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    notes(result.provenance)
    rows = frame_rows(
        result.changes.sort_values(["patients", "position"], ascending=[False, True]),
        ["protein_change", "position", "glyph", "patients"],
    )
    print_table(
        f"{gene}: {result.mutated_patients} mutated patients",
        ["change", "position", "class", "patients"],
        rows,
    )


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
        open_workspace(workspace), cohort, by=by, endpoint=endpoint, covariates=covariate
    )
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    notes(result.provenance, result.warnings)
    rows = [
        [
            r["group"],
            r["patients"],
            r["events"],
            months(r["median"]),
            f"{months(r['median_lower'])} - {months(r['median_upper'])}",
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
            f"log-rank: chi2 {result.logrank['statistic']:.3f} (df {result.logrank['df']}), p = {number(result.logrank['p'])}"
        )
    if result.cox is not None and len(result.cox):
        print_table(
            f"Cox proportional hazards (reference: {result.cox.attrs.get('reference')})",
            ["term", "HR", "95% CI", "p"],
            [
                [
                    r["term"],
                    number(r["hazard_ratio"]),
                    f"{number(r['lower'])}-{number(r['upper'])}",
                    number(r["p"]),
                ]
                for _, r in result.cox.iterrows()
            ],
        )
    if result.excluded:
        console.print(f"{result.excluded} patients of the cohort have no {result.endpoint} outcome")


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

    result = compare_cohorts(open_workspace(workspace), cohorts, alteration=alteration)
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    for cohort in result.provenance["cohorts"]:
        notes(cohort)
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
    rows = frame_rows(result.alterations.head(top), columns)
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
        frame_rows(result.attributes, [c for c in columns if c in result.attributes]),
    )


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

    frame = cooccurrence(open_workspace(workspace), cohort, gene_list(genes), top)
    write_plot(frame, output, as_json)
    if as_json:
        from genomed.cohort.survival import _records

        print_json({"pairs": _records(frame)})
        return
    rows = []
    for _, r in frame.iterrows():
        log2 = r["log2_odds_ratio"]
        shown = ">3" if log2 > 3 else "<-3" if log2 < -3 else number(log2)
        rows.append(
            [
                r["gene_a"],
                r["gene_b"],
                r["neither"],
                r["a_only"],
                r["b_only"],
                r["both"],
                shown,
                number(r["p"]),
                number(r["q"]),
                r["tendency"],
            ]
        )
    print_table(
        "Gene pairs",
        ["A", "B", "neither", "A only", "B only", "both", "log2 OR", "p", "q", "tendency"],
        rows,
    )


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

    result = treatment_response(open_workspace(workspace), cohort, drug, by)
    write_plot(result, output, as_json)
    if as_json:
        print_json(result.to_dict())
        return
    notes(result.provenance)
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
                months(r["median_months_on_treatment"]),
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
        console.print(f"response rate: Fisher p = {number(result.fisher_p)}")
    if result.logrank_p is not None:
        console.print(f"time on treatment: log-rank p = {number(result.logrank_p)}")


def register(app: typer.Typer) -> None:
    """Add the analyses to ``genomed cohort``."""
    app.command("summary")(summary)
    app.command("genes")(genes)
    app.command("oncoprint")(oncoprint_command)
    app.command("lollipop")(lollipop_command)
    app.command("survival")(survival)
    app.command("compare")(compare)
    app.command("cooccurrence")(cooccurrence_command)
    app.command("response")(response)
