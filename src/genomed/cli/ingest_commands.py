"""``genomed ingest ...``: one command per input format."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption

if TYPE_CHECKING:
    from genomed.store.ingest import IngestResult
from genomed.cli.output import console, err_console, print_json, print_table, reports_errors

ingest_app = typer.Typer(
    help="Ingest genomes and clinical records into the workspace.", no_args_is_help=True
)


@contextmanager
def record_progress(label: str, enabled: bool = True):
    """A rich progress line counting records (stderr; hidden for --json and non-terminals)."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    columns = [
        SpinnerColumn(),
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.update(task, completed=n)


def print_ingest_result(result: IngestResult, as_json: bool) -> None:
    """The summary every ingest prints: rows per table, or why nothing was written."""
    if as_json:
        print_json(result.to_dict())
        return
    if result.skipped:
        console.print(
            f"[yellow]{result.source}[/] was already ingested (batch {result.batch_id}): nothing changed."
        )
        return
    rows = [[name, f"{count:,}"] for name, count in sorted(result.rows.items())]
    print_table(
        f"Ingested {result.source} ({result.kind}, batch {result.batch_id})",
        ["table", "rows added"],
        rows,
    )
    report = result.report
    if report.get("unlifted_count"):
        console.print(
            f"[yellow]{report['unlifted_count']} records could not be lifted to {report.get('workspace_build')}[/]"
            ' (listed in the ingest report: `genomed query "select report from ingests"`)'
        )
    if report.get("deviation_count"):
        console.print(
            f"[yellow]{report['deviation_count']} deviations from the VCF specification accepted[/] (use --strict to reject)"
        )


@ingest_app.command("vcf")
@reports_errors
def ingest_vcf_command(
    path: Annotated[Path, typer.Argument(help=".vcf, .vcf.gz or .bcf")],
    workspace: WorkspaceOption = DEFAULT_WS,
    sample_map: Annotated[
        Path | None,
        typer.Option(
            help="TSV: source_name, sample_id, patient_id, kind, tumor_type, sex, population (a 1000 Genomes panel works as is)"
        ),
    ] = None,
    institution: Annotated[
        str | None, typer.Option(help="Institution id recorded with the patients.")
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            help="germline | tumor | normal (tumor: a second column named normal is the matched normal)"
        ),
    ] = "germline",
    build: Annotated[
        str | None, typer.Option(help="GRCh37 | GRCh38 (default: from the header)")
    ] = None,
    tumor_type: Annotated[
        str | None, typer.Option(help="OncoTree code of the tumour samples.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Reject anything the VCF specification forbids.")
    ] = False,
    fasta: Annotated[Path | None, typer.Option(help="Reference FASTA: left-align indels.")] = None,
    callable_bed: Annotated[
        Path | None, typer.Option("--callable", help="BED of callable regions for these samples.")
    ] = None,
    chain: Annotated[
        Path | None, typer.Option(help="UCSC chain file for lifting to the workspace build.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest a VCF/BCF: split multi-allelics, normalise, record calls and callability."""
    from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf

    if kind not in ("germline", "tumor", "normal"):
        raise typer.BadParameter("expected germline, tumor or normal", param_hint="--kind")
    options = VcfIngestOptions(
        kind=kind,
        build=build,
        sample_map=sample_map,
        institution_id=institution,
        tumor_type=tumor_type,
        strict=strict,
        fasta=fasta,
        callable_bed=callable_bed,
        chain=chain,
    )
    with record_progress(f"ingest {path.name}", enabled=not as_json) as progress:
        result = ingest_vcf(workspace, path, options, progress=progress)
    print_ingest_result(result, as_json)
