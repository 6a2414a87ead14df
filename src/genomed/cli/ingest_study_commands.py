"""``genomed ingest maf`` and ``genomed ingest cbioportal``: somatic mutation files and
whole cBioPortal study folders (registered on :data:`genomed.cli.ingest_commands.ingest_app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.ingest_commands import ingest_app, print_ingest_result
from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption
from genomed.cli.output import console, reports_errors

BuildOption = Annotated[
    str | None,
    typer.Option(
        help="GRCh37 | GRCh38 (also 37/hg19, 38/hg38); overrides what the input declares."
    ),
]
InstitutionOption = Annotated[
    str | None, typer.Option("--institution", help="Institution id recorded with the patients.")
]
FastaOption = Annotated[
    Path | None,
    typer.Option(
        help="Reference FASTA of the input's build: gives MAF indels their VCF anchor base "
        "and left-aligns them, so their keys match VCF-ingested indels."
    ),
]
ChainOption = Annotated[
    Path | None, typer.Option(help="UCSC chain file for lifting to the workspace build.")
]


@ingest_app.command("maf")
@reports_errors
def ingest_maf_command(
    path: Annotated[Path, typer.Argument(help="MAF (.maf, .txt, or gzip-compressed)")],
    workspace: WorkspaceOption = DEFAULT_WS,
    build: BuildOption = None,
    sample_map: Annotated[
        Path | None,
        typer.Option(
            help="TSV with a header: source_name (the Tumor_Sample_Barcode), sample_id, "
            "patient_id, tumor_type, sex. Default patient: a TCGA barcode's first 12 characters."
        ),
    ] = None,
    institution: InstitutionOption = None,
    fasta: FastaOption = None,
    chain: ChainOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest a MAF (GDC/TCGA or cBioPortal data_mutations): somatic calls per tumour sample."""
    from genomed.store.ingest_maf import MafIngestOptions, ingest_maf

    options = MafIngestOptions(
        build=build, sample_map=sample_map, institution_id=institution, fasta=fasta, chain=chain
    )
    result = ingest_maf(workspace, path, options)
    print_ingest_result(result, as_json)
    if as_json or result.skipped:
        return
    report = result.report
    console.print(
        f"{report['mutations']:,} mutations of {report['samples']} samples "
        f"({report['source_build']} -> workspace {report['workspace_build']}); "
        f"not lifted: {report['unlifted_count']}",
        highlight=False,
    )


@ingest_app.command("cbioportal")
@reports_errors
def ingest_cbioportal_command(
    folder: Annotated[Path, typer.Argument(help="cBioPortal study folder (with meta_study.txt)")],
    workspace: WorkspaceOption = DEFAULT_WS,
    build: BuildOption = None,
    institution: InstitutionOption = None,
    fasta: FastaOption = None,
    chain: ChainOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest a cBioPortal study folder: clinical data, outcomes, mutations, CNA, SVs,
    gene panels and timelines, as one atomic ingest."""
    from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal

    options = StudyIngestOptions(build=build, institution_id=institution, fasta=fasta, chain=chain)
    result = ingest_cbioportal(workspace, folder, options)
    print_ingest_result(result, as_json)
    if as_json or result.skipped:
        return
    report = result.report
    console.print(
        f"study {report['study_id']} ({report['type_of_cancer']}, {report['source_build']}): "
        f"{report['patients']} patients, {report['samples']} samples; "
        f"not lifted: {report['unlifted_count']}"
        + (
            f" ({report['samples_already_in_workspace']} samples already in the workspace)"
            if report["samples_already_in_workspace"]
            else ""
        ),
        highlight=False,
    )
    for item in report["files_not_read"]:
        console.print(
            f"[yellow]not read:[/] {item['meta']} ({item['genetic_alteration_type']} / {item['datatype']})",
            highlight=False,
        )
    if report["undefined_panels"]:
        console.print(
            f"[yellow]gene panels used but not defined:[/] {', '.join(report['undefined_panels'])}",
            highlight=False,
        )
