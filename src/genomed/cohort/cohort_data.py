"""The data an analysis of one cohort reads: its members and the workspace at its versions.

Every analysis function of :mod:`genomed.cohort` accepts a cohort as a saved name, a
:class:`~genomed.cohort.cohort_store.SavedCohort`, or a definition (text, JSON, node) to
evaluate on the current workspace, and opens it with :func:`open_cohort`. A saved cohort
is analysed on the table versions it was evaluated on, so its numbers do not move when
data is added; :attr:`CohortData.stale_tables` says what changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from genomed.cohort.cohort_store import NAME, SavedCohort, find_cohort, get_cohort
from genomed.cohort.definition_language import Node, to_text
from genomed.cohort.evaluate import Selection, select_patients
from genomed.cohort.snapshot import recorded_versions, snapshot_connection
from genomed.errors import GenomedError
from genomed.store.workspace import Workspace

CohortLike = str | dict | Node | SavedCohort


@dataclass
class CohortData:
    """An open cohort: ``con`` sees the workspace tables plus ``cohort_patients``."""

    con: duckdb.DuckDBPyConnection
    name: str
    definition: str
    patient_ids: list[str]
    table_versions: dict[str, int]
    stale_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    workspace: Path | None = None  # where snapshot caches live (None: none kept)

    def __enter__(self) -> CohortData:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def select(self, definition: str | dict | Node) -> Selection:
        """Members of this cohort that also satisfy ``definition`` (evaluated on the same
        snapshot); warnings are added to this cohort's."""
        selection = select_patients(self.con, definition)
        members = set(self.patient_ids)
        selection.patient_ids = [p for p in selection.patient_ids if p in members]
        self.warnings.extend(w for w in selection.warnings if w not in self.warnings)
        return selection

    def provenance(self) -> dict:
        """What an analysis result records about the cohort it used."""
        return {
            "cohort": self.name,
            "definition": self.definition,
            "n_patients": len(self.patient_ids),
            "table_versions": self.table_versions,
            "stale_tables": self.stale_tables,
        }


def _register(con: duckdb.DuckDBPyConnection, ids: list[str] | tuple[str, ...]) -> None:
    con.register("cohort_patients", pa.table({"patient_id": pa.array(list(ids), pa.string())}))


def open_cohort(ws: Workspace, cohort: CohortLike) -> CohortData:
    """Open a saved cohort (by name or object) or evaluate a definition now.

    A single word is a saved cohort's name (``all`` excepted); anything else is a
    definition. Close the result (or use it as a context manager).
    """
    saved: SavedCohort | None = None
    if isinstance(cohort, SavedCohort):
        saved = cohort
    elif isinstance(cohort, str) and NAME.match(cohort.strip()) and cohort.strip().lower() != "all":
        saved = find_cohort(ws, cohort.strip())
        if saved is None:
            get_cohort(ws, cohort.strip())  # raises with the list of saved cohorts
    if saved is not None:
        con = snapshot_connection(ws, saved.table_versions)
        _register(con, saved.patient_ids)
        return CohortData(
            con,
            saved.name,
            saved.definition,
            list(saved.patient_ids),
            saved.table_versions,
            saved.stale_tables(ws),
            workspace=ws.path,
        )
    con = snapshot_connection(ws)
    try:
        selection = select_patients(con, cohort, members_of=lambda n: _saved_members(ws, n))
    except GenomedError:
        con.close()
        raise
    _register(con, selection.patient_ids)
    return CohortData(
        con,
        "(ad hoc)",
        to_text(selection.definition),
        selection.patient_ids,
        recorded_versions(ws),
        [],
        list(selection.warnings),
        workspace=ws.path,
    )


def _saved_members(ws: Workspace, name: str) -> list[str] | None:
    saved = find_cohort(ws, name)
    return None if saved is None else list(saved.patient_ids)
