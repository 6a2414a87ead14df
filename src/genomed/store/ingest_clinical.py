"""``genomed ingest clinical KIND FILE``: a validated clinical table into its workspace table.

The file is read and checked completely (:func:`genomed.io.clinical_table.read_clinical_table`)
before the workspace is opened; any bad value raises :class:`InputError` and nothing is
written. Patient ids the workspace does not know are accepted and counted in the ingest
report (``unknown_patients``); with ``strict=True`` the first such row is an error.

Idempotence: the ingest digest covers the file *and* the KIND, so one file read as two
kinds (a cBioPortal ``data_clinical_patient.txt`` as ``patients`` and as ``outcomes``)
is two ingests, while the same file as the same kind is ingested once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.clinical_table import CONTRACTS, ClinicalTable, read_clinical_table
from genomed.store.ingest import IngestResult, commit_ingest, sha256_of
from genomed.store.workspace import CATALOG, Transaction, Workspace


def clinical_digest(path: Path, kind: str) -> str:
    """sha256 of ``clinical:<kind>`` and the file's own sha256."""
    return hashlib.sha256(f"clinical:{kind}\0{sha256_of([path])}".encode()).hexdigest()


def ingest_clinical(
    workspace: str | Path | Workspace,
    kind: str,
    path: str | Path,
    *,
    strict: bool = False,
    build: str = "GRCh38",
    institution_id: str | None = None,
) -> IngestResult:
    """Ingest one clinical table of ``kind`` (treatments, responses, outcomes,
    observations, diagnoses, patients); see ``docs/clinical-tables.md``.

    A missing workspace is created with ``build``. ``strict`` rejects rows whose patient
    id is not in the workspace's patients table (never applies to ``patients``)."""
    table = read_clinical_table(path, kind)
    if strict and not isinstance(workspace, Workspace) and not (Path(workspace) / CATALOG).exists():
        _check_patients(table, pa.array([], pa.string()), strict=True)  # no patients yet
    ws = (
        workspace
        if isinstance(workspace, Workspace)
        else Workspace.open_or_create(workspace, build=build, institution_id=institution_id)
    )

    def write(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        return _write(tx, ws, table, batch_id, strict, institution_id)

    return commit_ingest(
        ws,
        kind=f"clinical:{kind}",
        source=table.path.name,
        sha256=clinical_digest(table.path, kind),
        write=write,
        institution_id=institution_id,
    )


def _check_patients(clinical: ClinicalTable, known: pa.Array, strict: bool) -> np.ndarray:
    """Mask of rows whose patient id is in ``known``; with ``strict`` an unknown id is an
    error at the first row that has one (never for the patients kind)."""
    ids = clinical.table.column("patient_id")
    is_known = np.asarray(pc.is_in(ids, value_set=known).to_numpy(zero_copy_only=False), bool)
    if strict and clinical.kind != "patients" and not is_known.all():
        row = int(np.flatnonzero(~is_known)[0])
        n = len(set(ids.filter(pa.array(~is_known)).to_pylist()))
        raise InputError(
            f"patient {ids[row].as_py()!r} is not in the workspace "
            f"({n} unknown patient id{'s' if n > 1 else ''} in this file)",
            path=str(clinical.path),
            line=clinical.line_of_row(row),
            field=clinical.column_name("patient_id"),
            expected="a patient id already ingested (ingest patients first, or drop --strict)",
        )
    return is_known


def _write(
    tx: Transaction,
    ws: Workspace,
    clinical: ClinicalTable,
    batch_id: str,
    strict: bool,
    institution_id: str | None,
) -> tuple[dict[str, int], dict]:
    contract = CONTRACTS[clinical.kind]
    rows = clinical.table
    known = ws.read("patients", columns=["patient_id"]).column(0).combine_chunks()
    is_known = _check_patients(clinical, known.cast(pa.string()), strict)
    report: dict = {
        "format": clinical.format,
        "file_sha256": sha256_of([clinical.path]),
        "rows_read": rows.num_rows,
    }
    if clinical.ignored_columns:
        report["ignored_columns"] = clinical.ignored_columns
    if clinical.skipped:
        report["skipped"] = clinical.skipped
    if contract.table == "patients":
        report["patients_already_present"] = int(is_known.sum())
        rows = rows.filter(pa.array(~is_known))
        rows = rows.append_column(
            "institution_id",
            pa.array([institution_id or ws.institution_id] * rows.num_rows, pa.string()),
        )
    else:
        unknown = rows.column("patient_id").filter(pa.array(~is_known))
        report["unknown_patients"] = len(set(unknown.to_pylist()))
        report["rows_with_unknown_patients"] = len(unknown)
    rows = rows.append_column("batch_id", pa.array([batch_id] * rows.num_rows, pa.string()))
    tx.append(contract.table, rows)
    return ({contract.table: rows.num_rows} if rows.num_rows else {}), report
