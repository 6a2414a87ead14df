"""``genomed ingest phenopacket`` and ``genomed ingest clinical``: case records and
clinical tables. Parse the options, call one ingest function, print its summary."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from genomed.cli.ingest_commands import ingest_app
from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption

if TYPE_CHECKING:
    from genomed.store.ingest import IngestResult
from genomed.cli.output import console, print_json, print_table, reports_errors


class ClinicalKind(StrEnum):
    """KIND of ``genomed ingest clinical`` (the keys of the column contracts)."""

    treatments = "treatments"
    responses = "responses"
    outcomes = "outcomes"
    observations = "observations"
    diagnoses = "diagnoses"
    patients = "patients"


class PatientIdSource(StrEnum):
    subject = "subject"
    phenopacket = "phenopacket"


BuildOption = Annotated[
    str, typer.Option(help="Genome build of the workspace if this ingest creates it.")
]
InstitutionOption = Annotated[
    str | None, typer.Option(help="Institution id recorded with new patients and the ingest.")
]

#: Report entries worth a line under the summary table: (key, sentence with {n}).
_NOTES = (
    ("files_already_ingested", "{n} file(s) skipped: an earlier ingest stored the same content"),
    ("patients_already_present", "{n} patient(s) already in the workspace were left unchanged"),
    ("phenotypes_excluded", "{n} phenotypic feature(s) stored as excluded (observed absent)"),
    ("diseases_excluded_not_written", "{n} excluded (ruled-out) disease(s) not written as diagnoses"),
    ("calls_already_present", "{n} variant call(s) were already in the workspace"),
    ("unlifted_count", "{n} variant(s) could not be lifted to the workspace build (see the ingest report)"),
    ("measurements_without_simple_value", "{n} measurement(s) with a complex value not stored"),
    ("unknown_patients", "{n} patient id(s) not in the workspace were accepted (use --strict to reject)"),
)  # fmt: skip


def print_result(result: IngestResult, as_json: bool) -> None:
    """Rows per table and the notable report entries, or the JSON of the result."""
    if as_json:
        print_json(result.to_dict())
        return
    if result.skipped:
        console.print(
            f"[yellow]{escape(result.source)}[/] was already ingested (batch {result.batch_id}): "
            "nothing changed."
        )
        return
    print_table(
        f"Ingested {result.source} ({result.kind}, batch {result.batch_id})",
        ["table", "rows added"],
        [[name, f"{count:,}"] for name, count in sorted(result.rows.items())] or [["(none)", "0"]],
    )
    report = result.report
    for key, sentence in _NOTES:
        if report.get(key):
            console.print("  " + sentence.format(n=report[key]), highlight=False)
    if report.get("variants_not_stored"):
        n = len(report["variants_not_stored"])
        console.print(f"  {n} variant(s) without a position or structural type not stored")
    for reason, n in (report.get("skipped") or {}).items():
        console.print(f"  skipped {n}: {reason}", highlight=False)
    if report.get("ignored_columns"):
        console.print(
            "  columns not read: " + ", ".join(report["ignored_columns"]), highlight=False
        )


@ingest_app.command("phenopacket")
@reports_errors
def ingest_phenopacket_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Phenopacket v2 JSON files, or folders of them.")
    ],
    workspace: WorkspaceOption = DEFAULT_WS,
    build: BuildOption = "GRCh38",
    institution: InstitutionOption = None,
    patient_id: Annotated[
        PatientIdSource,
        typer.Option(
            "--patient-id",
            help="Patient id from subject.id, or from the phenopacket's own id (for "
            "collections that reuse subject ids such as 'Patient 1').",
        ),
    ] = PatientIdSource.subject,
    chain: Annotated[
        Path | None, typer.Option(help="UCSC chain file for records of the other build.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest GA4GH phenopackets: patients, HPO phenotypes (excluded kept), diagnoses,
    biosamples, variants and measurements, all files in one atomic ingest."""
    from genomed.store.ingest_phenopacket import ingest_phenopackets

    result = ingest_phenopackets(
        workspace,
        paths,
        build=build,
        institution_id=institution,
        patient_id_from=patient_id.value,
        chain=chain,
    )
    print_result(result, as_json)


@ingest_app.command("clinical")
@reports_errors
def ingest_clinical_command(
    kind: Annotated[ClinicalKind, typer.Argument(help="What the table holds.")],
    path: Annotated[
        Path, typer.Argument(help="CSV or TSV (columns: docs/clinical-tables.md).", metavar="CSV")
    ],
    workspace: WorkspaceOption = DEFAULT_WS,
    build: BuildOption = "GRCh38",
    institution: InstitutionOption = None,
    strict: Annotated[
        bool, typer.Option(help="Reject rows whose patient id is not in the workspace.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest a clinical table (treatments, responses, outcomes, observations, diagnoses,
    patients); every value is checked and a bad file writes nothing."""
    from genomed.store.ingest_clinical import ingest_clinical

    result = ingest_clinical(
        workspace, kind.value, path, strict=strict, build=build, institution_id=institution
    )
    print_result(result, as_json)
