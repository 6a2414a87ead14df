"""What every ingest shares: idempotence by sha256, one atomic commit, a summary.

An ingest reader (VCF, MAF, cBioPortal, Phenopacket, clinical tables) turns its input into
rows of workspace tables; :func:`commit_ingest` writes them together with the ``ingests``
row that records provenance, or writes nothing when the same content was ingested before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from genomed.store.workspace import Transaction, Workspace


@dataclass
class IngestResult:
    """What an ingest did; printed by the CLI as a table or JSON (no patient-level data)."""

    kind: str
    source: str
    batch_id: str
    sha256: str
    skipped: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "source": self.source,
            "batch_id": self.batch_id,
            "sha256": self.sha256,
            "skipped": self.skipped,
            "rows": self.rows,
            "report": self.report,
        }


def sha256_of(paths: Iterable[Path]) -> str:
    """Digest of the content of one file or of several (a study folder), order-independent
    of how the caller listed them (sorted by relative name)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def batch_id_for(sha256: str) -> str:
    """Batch ids derive from content, so a re-run of an interrupted ingest reuses its id."""
    return "b" + sha256[:15]


def already_ingested(ws: Workspace, sha256: str) -> str | None:
    """Batch id of an earlier ingest with this content, if any (read through DuckDB: a
    pyarrow dataset scan would import pandas, a quarter of a second of every ingest)."""
    con = ws.connect(tables=["ingests"])
    try:
        found = con.execute(
            "SELECT batch_id FROM ingests WHERE sha256 = ? LIMIT 1", [sha256]
        ).fetchall()
    finally:
        con.close()
    return found[0][0] if found else None


def commit_ingest(
    ws: Workspace,
    *,
    kind: str,
    source: str,
    sha256: str,
    write: Callable[[Transaction, str], tuple[dict[str, int], dict]],
    build: str | None = None,
    institution_id: str | None = None,
) -> IngestResult:
    """Run ``write(tx, batch_id)`` inside one transaction and record the ingest.

    ``write`` stages rows with ``tx.append(...)`` and returns (rows per table, report).
    If content with this sha256 was ingested before, nothing runs and the result is
    marked ``skipped``. An exception inside ``write`` leaves the workspace unchanged.
    """
    with ws.transaction() as tx:
        previous = already_ingested(ws, sha256)
        if previous is not None:
            return IngestResult(kind, source, previous, sha256, skipped=True)
        batch_id = batch_id_for(sha256)
        rows, report = write(tx, batch_id)
        tx.append(
            "ingests",
            {
                "batch_id": [batch_id],
                "kind": [kind],
                "source": [source],
                "sha256": [sha256],
                "build": [build or ws.build],
                "institution_id": [institution_id or ws.institution_id],
                "rows": [json.dumps(rows, sort_keys=True)],
                "report": [json.dumps(report, sort_keys=True, default=str)],
                "at": pa.array([datetime.now(UTC)], type=pa.timestamp("us", tz="UTC")),
            },
        )
    return IngestResult(kind, source, batch_id, sha256, rows=rows, report=report)
