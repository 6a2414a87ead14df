"""``genomed annotate``: consequences, HGVS and knowledge matches, file to file or in a
workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import JsonOption
from genomed.cli.output import console, err_console, print_json, print_table, reports_errors


def register(app: typer.Typer) -> None:
    """Add ``genomed annotate`` to the top-level app."""
    app.command("annotate")(annotate)


@reports_errors
def annotate(
    vcf: Annotated[
        Path | None,
        typer.Argument(help="Input .vcf, .vcf.gz or .bcf; without it the workspace is annotated."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Output file (.vcf.gz, .vcf, .tsv, .parquet, .json)."),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(help="Reference bundle directory (default: the shipped one of --build)."),
    ] = None,
    build: Annotated[
        str | None,
        typer.Option(
            help="GRCh38 | GRCh37: use the shipped bundle of this build (default: the build "
            "the VCF header declares, else GRCh38; in a workspace, its build)."
        ),
    ] = None,
    all_transcripts: Annotated[
        bool, typer.Option("--all-transcripts", help="Every transcript, not only canonical/MANE.")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="vcf | tsv | parquet | json (default: from -o).")
    ] = None,
    fasta: Annotated[
        Path | None, typer.Option(help="Genome FASTA (indexed) for 3' shifting of intronic indels.")
    ] = None,
    knowledge: Annotated[
        Path | None, typer.Option(help="Knowledge bundle (default: the shipped one).")
    ] = None,
    no_knowledge: Annotated[
        bool, typer.Option("--no-knowledge", help="Skip ClinVar/hotspot/CIViC matches.")
    ] = False,
    sites: Annotated[
        list[Path] | None,
        typer.Option("--frequencies", help="gnomAD-style sites VCF (AF, AF_<pop>); repeatable."),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="GENOMED_WORKSPACE", help="Workspace directory."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Consequences (VEP terms), HGVS, ClinVar, hotspots, CIViC and frequencies: a VCF into a file, or the workspace's new variants."""
    from genomed.annotate.knowledge_matches import KnowledgeSources

    if vcf is None:
        from genomed.annotate.workspace_annotate import annotate_workspace
        from genomed.store.workspace import default_workspace_path

        result = annotate_workspace(
            workspace or default_workspace_path(),
            bundle=bundle,
            knowledge=None if no_knowledge else knowledge,
            sites_vcfs=sites,
            all_transcripts=all_transcripts,
        )
        if as_json:
            print_json(result.to_dict())
        elif result.variants_annotated == 0:
            console.print(
                f"nothing to do: all {result.already_annotated:,} variants are annotated with "
                f"{result.bundle}"
            )
        else:
            console.print(
                f"annotated {result.variants_annotated:,} new variants with {result.bundle} "
                f"({result.rows_written:,} rows; {result.already_annotated:,} were already done)"
            )
        return
    if out is None:
        raise typer.BadParameter("give -o/--output for file annotation", param_hint="-o")
    from genomed.annotate.vcf_annotate import annotate_vcf

    sources = None  # --no-knowledge and no --frequencies: consequences only
    if not no_knowledge or sites:
        sources = KnowledgeSources(
            None if no_knowledge else knowledge,
            sites_vcfs=sites,
            use_default_knowledge=not no_knowledge,
        )
    show = not as_json and err_console.is_terminal
    if show:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(
            SpinnerColumn(),
            TextColumn(f"annotate {vcf.name}"),
            TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("annotate", total=None)
            result = annotate_vcf(
                vcf, out, bundle=bundle, all_transcripts=all_transcripts, fmt=fmt, fasta=fasta,
                knowledge=sources, progress=lambda n: bar.update(task, completed=n), build=build,
            )  # fmt: skip
    else:
        result = annotate_vcf(
            vcf, out, bundle=bundle, all_transcripts=all_transcripts, fmt=fmt, fasta=fasta,
            knowledge=sources, build=build,
        )  # fmt: skip
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"wrote {out} ({result.format}{', indexed' if result.indexed else ''}): "
        f"{result.records:,} records, {result.alleles:,} alleles, {result.rows:,} annotations "
        f"with {result.bundle} in {result.seconds:.1f} s"
    )
    rows = [[name, f"{count:,}"] for name, count in list(result.consequences.items())[:12]]
    print_table("Most severe consequence per annotation", ["consequence", "rows"], rows)
