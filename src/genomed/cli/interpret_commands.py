"""``genomed interpret somatic|germline``: variant tables (.tsv / .json);
``genomed interpret workspace``: the workspace's ``interpretations`` table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import (
    DEFAULT_WS,
    CallableBedOption,
    CnaOption,
    FusionsOption,
    JsonOption,
    TargetSizeOption,
    WorkspaceOption,
)
from genomed.cli.output import console, err_console, print_json, print_table, reports_errors

interpret_app = typer.Typer(
    help="Interpret variants: somatic tiers/therapies/oncogenicity/TMB, germline ACMG classes.",
    no_args_is_help=True,
)

KnowledgeOption = Annotated[
    Path | None, typer.Option("--knowledge", help="Knowledge bundle (default: the shipped one).")
]
ReferenceOption = Annotated[
    Path | None,
    typer.Option("--reference", help="Reference bundle for annotation (default: shipped)."),
]
FrequenciesOption = Annotated[
    Path | None, typer.Option("--frequencies", help="gnomAD-style sites VCF with AF / AF_<pop>.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(interpret_app, name="interpret")


@interpret_app.command("somatic")
@reports_errors
def somatic(
    vcf: Annotated[Path, typer.Argument(help="Tumour VCF (annotated with CSQ, or not).")],
    tumor_type: Annotated[str, typer.Option("--tumor-type", help="OncoTree code, e.g. COAD.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table (.tsv or .json).")],
    cna: CnaOption = None,
    fusions: FusionsOption = None,
    sample: Annotated[str | None, typer.Option(help="Tumour sample name in the VCF.")] = None,
    callable_bed: CallableBedOption = None,
    target_size_mb: TargetSizeOption = None,
    tmb_measure: Annotated[
        str, typer.Option(help="TMB numerator: nonsynonymous (default) or all_coding.")
    ] = "nonsynonymous",
    msi: Annotated[str | None, typer.Option(help="MSI status when known (MSI-H, MSS).")] = None,
    knowledge: KnowledgeOption = None,
    reference: ReferenceOption = None,
    frequencies: FrequenciesOption = None,
    json_out: JsonOption = False,
) -> None:
    """Tier a tumour's variants (AMP/ASCO/CAP), list therapies and evidence, TMB."""
    from genomed.interpret.somatic import interpret_somatic
    from genomed.interpret.tables import write_table

    with console.status("interpreting ..."):
        result = interpret_somatic(
            vcf, tumor_type=tumor_type, knowledge=knowledge, reference=reference, sample=sample,
            cna=cna, fusions=fusions, frequencies=frequencies, callable_bed=callable_bed,
            territory_mb=target_size_mb, msi=msi, tmb_measure=tmb_measure,
        )  # fmt: skip
        write_table(result, out, "somatic")
    summary = {"output": str(out), "tiers": result.tier_counts, "tmb": result.tmb.mutations_per_mb}
    if json_out:
        print_json(summary)
        return
    tiers = ", ".join(f"{k}: {v}" for k, v in result.tier_counts.items())
    console.print(f"[bold green]✓[/] {out} — {tiers}; TMB {result.tmb.mutations_per_mb}/Mb")


@interpret_app.command("germline")
@reports_errors
def germline(
    vcf: Annotated[Path, typer.Argument(help="Germline VCF.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table (.tsv or .json).")],
    popfreq: Annotated[
        bool,
        typer.Option(
            "--popfreq", help="Also take frequencies from the workspace's population database (-w)."
        ),
    ] = False,
    workspace: WorkspaceOption = DEFAULT_WS,
    use_clinvar_assertions: Annotated[
        bool,
        typer.Option(
            help="Use the variant's own ClinVar assertion as evidence (PP5/BP6). Off by default."
        ),
    ] = False,
    sample: Annotated[str | None, typer.Option(help="Sample name in the VCF.")] = None,
    knowledge: KnowledgeOption = None,
    reference: ReferenceOption = None,
    frequencies: FrequenciesOption = None,
    json_out: JsonOption = False,
) -> None:
    """Classify germline variants with ACMG/AMP points; ClinVar shown beside."""
    from genomed.interpret.germline import interpret_germline
    from genomed.interpret.tables import write_table

    with console.status("interpreting ..."):
        result = interpret_germline(
            vcf, knowledge=knowledge, reference=reference, sample=sample,
            frequencies=frequencies, use_clinvar_assertions=use_clinvar_assertions,
            popfreq_workspace=workspace if popfreq else None,
        )  # fmt: skip
        write_table(result, out, "germline")
    summary = {
        "output": str(out),
        "classes": result.class_counts,
        "secondary_findings": len(result.secondary_findings()),
    }
    if json_out:
        print_json(summary)
        return
    classes = ", ".join(f"{k}: {v}" for k, v in result.class_counts.items())
    console.print(
        f"[bold green]✓[/] {out} — {classes}; {summary['secondary_findings']} secondary findings"
    )


@interpret_app.command("workspace")
@reports_errors
def workspace_command(
    workspace: WorkspaceOption = DEFAULT_WS,
    sample: Annotated[
        list[str] | None,
        typer.Option(
            "--sample",
            help="Sample id (repeat for several; default: every tumour sample). Germline or "
            "normal samples named here get ACMG classes.",
        ),
    ] = None,
    tumor_type: Annotated[
        str | None,
        typer.Option(
            "--tumor-type", help="OncoTree code for every sample (default: samples.tumor_type)."
        ),
    ] = None,
    knowledge: KnowledgeOption = None,
    reference: ReferenceOption = None,
    json_out: JsonOption = False,
) -> None:
    """Tier the workspace's tumour samples into its interpretations table (for cohorts:
    mutated(KRAS, tier1)); re-running replaces a sample's rows for the same bundle."""
    from genomed.interpret.workspace_interpretation import interpret_workspace

    options = {"tumor_type": tumor_type, "knowledge": knowledge, "reference": reference}
    if json_out or not err_console.is_terminal:
        result = interpret_workspace(workspace, sample, **options)
    else:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("interpreting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("", total=None)

            def advance(sample_id: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=sample_id)

            result = interpret_workspace(workspace, sample, progress=advance, **options)
    if json_out:
        print_json(result.to_dict())
        return
    for skipped in result.skipped:
        console.print(f"[yellow]skipped {skipped.sample_id}:[/] {skipped.reason}")
    if not result.interpreted:
        console.print("nothing interpreted: the workspace has no tumour samples to interpret")
        return
    rows = [
        [
            s.sample_id,
            s.tumor_type or s.kind,
            f"{s.rows:,}",
            " ".join(f"{k}:{v}" for k, v in (s.tiers or s.classes).items() if v),
        ]
        for s in result.interpreted
    ]
    print_table(
        f"Interpreted {len(result.interpreted)} samples with {result.knowledge} "
        f"(run {result.batch_id})",
        ["sample", "tumour type", "rows", "tiers / ACMG classes"],
        rows,
    )
