"""``genomed report``: a patient report (.html, .pdf, .json, .fhir.json) for a single case
from files, or for a sample of the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import (
    DEFAULT_WS,
    CallableBedOption,
    CnaOption,
    FusionsOption,
    TargetSizeOption,
    WorkspaceOption,
)
from genomed.cli.output import console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@reports_errors
def report(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Report file: .html, .pdf, .json or .fhir.json.")
    ],
    tumor_vcf: Annotated[
        Path | None, typer.Argument(help="Tumour VCF (single case from files).")
    ] = None,
    sample: Annotated[
        str | None, typer.Option("--sample", help="Sample id in the workspace.")
    ] = None,
    tumor_type: Annotated[
        str | None, typer.Option("--tumor-type", help="OncoTree code, e.g. COAD.")
    ] = None,
    normal: Annotated[
        Path | None, typer.Option(help="Matched normal VCF: germline secondary findings.")
    ] = None,
    cna: CnaOption = None,
    fusions: FusionsOption = None,
    msi: Annotated[str | None, typer.Option(help="MSI status when known (MSI-H, MSS).")] = None,
    callable_bed: CallableBedOption = None,
    target_size_mb: TargetSizeOption = None,
    knowledge: Annotated[
        Path | None, typer.Option(help="Knowledge bundle (default: shipped).")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WS,
) -> None:
    """Write a tumour report: tiers, therapies, evidence, TMB, germline findings, methods."""
    from genomed.errors import InputError
    from genomed.report.write import report_format, report_from_vcf, report_from_workspace

    report_format(out)
    options = {
        "knowledge": knowledge,
        "msi": msi,
        "callable_bed": callable_bed,
        "territory_mb": target_size_mb,
    }
    with console.status("interpreting and writing the report ..."):
        if tumor_vcf is not None:
            if sample is not None:
                raise InputError("give a tumour VCF or --sample, not both")
            if not tumor_type:
                raise InputError(
                    "--tumor-type is required with a tumour VCF (an OncoTree code, e.g. COAD)"
                )
            path = report_from_vcf(
                tumor_vcf,
                out,
                tumor_type=tumor_type,
                normal=normal,
                cna=cna,
                fusions=fusions,
                **options,
            )
        elif sample is not None:
            if normal or cna or fusions:
                raise InputError(
                    "--normal/--cna/--fusions are for a VCF case; a workspace sample uses its own tables"
                )
            path = report_from_workspace(workspace, sample, out, tumor_type=tumor_type, **options)
        else:
            raise InputError(
                "give a tumour VCF (genomed report TUMOR.vcf --tumor-type CODE -o FILE) or --sample ID"
            )
    console.print(f"[bold green]✓[/] report written to {path}")
