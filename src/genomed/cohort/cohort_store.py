"""Saved cohorts: the ``cohorts`` workspace table (see :mod:`genomed.store.schema`).

A cohort is saved with its definition (text and JSON), the Delta version of every table
it was evaluated on, and its members at those versions. Saving is one workspace
transaction: the definition is evaluated under the workspace lock on the versions the
catalog pins at that moment, and the row is written (replacing an older one of the same
name) in the same atomic commit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from genomed.cohort.definition_language import Node, parse_definition, to_json, to_text
from genomed.cohort.evaluate import select_patients
from genomed.cohort.snapshot import changed_tables, recorded_versions, snapshot_connection
from genomed.errors import GenomedError
from genomed.store.workspace import Workspace

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


class CohortError(GenomedError):
    """A saved cohort that does not exist, already exists, or has a bad name."""


@dataclass(frozen=True)
class SavedCohort:
    """One row of ``cohorts``: what was asked, what it was evaluated on, who is in it."""

    name: str
    definition: str
    definition_json: dict
    table_versions: dict[str, int]
    patient_ids: tuple[str, ...]  # empty when listed without members
    n_patients: int
    description: str | None
    defined_at: datetime

    @property
    def node(self) -> Node:
        return parse_definition(self.definition_json)

    def stale_tables(self, ws: Workspace) -> list[str]:
        """Tables changed since the cohort was evaluated (empty: it is current)."""
        return changed_tables(ws, self.table_versions)

    def to_dict(self, members: bool = False) -> dict:
        out = {
            "name": self.name,
            "definition": self.definition,
            "definition_json": self.definition_json,
            "table_versions": self.table_versions,
            "n_patients": self.n_patients,
            "description": self.description,
            "defined_at": self.defined_at.isoformat(),
        }
        if members:
            out["patient_ids"] = list(self.patient_ids)
        return out


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise CohortError(
            f"bad cohort name {name!r}: use letters, digits, '_', '.' and '-' (up to 100, starting "
            "with a letter or digit)"
        )
    return name


def _rows(ws: Workspace, name: str | None = None, members: bool = True) -> list[dict]:
    columns = [
        "name",
        "definition",
        "definition_json",
        "table_versions",
        "n_patients",
        "description",
        "defined_at",
    ]
    if members:
        columns.append("patient_ids")
    dataset = ws.dataset("cohorts")
    table = dataset.to_table(columns=columns, filter=(pc.field("name") == name) if name else None)
    return table.to_pylist()


def _saved(row: dict) -> SavedCohort:
    return SavedCohort(
        name=row["name"],
        definition=row["definition"],
        definition_json=json.loads(row["definition_json"]),
        table_versions={k: int(v) for k, v in json.loads(row["table_versions"]).items()},
        patient_ids=tuple(row.get("patient_ids") or ()),
        n_patients=int(row["n_patients"]),
        description=row["description"],
        defined_at=row["defined_at"],
    )


def get_cohort(ws: Workspace, name: str) -> SavedCohort:
    """The saved cohort ``name`` (:class:`CohortError` lists the saved ones if absent)."""
    rows = _rows(ws, check_name(name))
    if not rows:
        names = [r["name"] for r in _rows(ws, members=False)]
        known = (
            f"; saved cohorts: {', '.join(sorted(names))}" if names else "; no cohort is saved yet"
        )
        raise CohortError(
            f'no saved cohort named {name!r}{known} (`genomed cohort define NAME "..."`)'
        )
    return _saved(rows[-1])


def find_cohort(ws: Workspace, name: str) -> SavedCohort | None:
    rows = _rows(ws, name) if NAME.match(name) else []
    return _saved(rows[-1]) if rows else None


def list_cohorts(ws: Workspace) -> list[SavedCohort]:
    """Every saved cohort (without members), by name."""
    return sorted((_saved(r) for r in _rows(ws, members=False)), key=lambda c: c.name)


def define_cohort(
    ws: Workspace,
    name: str,
    definition: str | dict | Node,
    *,
    description: str | None = None,
    replace: bool = False,
) -> tuple[SavedCohort, list[str]]:
    """Evaluate ``definition`` on the current workspace and save it as ``name``.

    Returns the saved cohort and warnings (genes or drugs the workspace has never seen).
    An existing cohort of that name is replaced only with ``replace=True``. Syntax and
    evaluation errors raise before anything is written.
    """
    check_name(name)
    node = parse_definition(definition)
    with ws.transaction() as tx:
        existing = find_cohort(ws, name)
        if existing is not None and not replace:
            raise CohortError(
                f"cohort {name!r} exists: use --replace to redefine it, or `cohort refresh`"
            )
        con = snapshot_connection(ws)
        try:
            selection = select_patients(
                con,
                definition if isinstance(definition, str | dict) else node,
                members_of=lambda other: _members(ws, other, name),
            )
        finally:
            con.close()
        versions = recorded_versions(ws)
        cohort = SavedCohort(
            name=name,
            definition=to_text(selection.definition),
            definition_json=to_json(selection.definition),
            table_versions=versions,
            patient_ids=tuple(selection.patient_ids),
            n_patients=len(selection.patient_ids),
            description=description,
            defined_at=datetime.now(UTC),
        )
        if existing is not None:
            tx.delete("cohorts", f"name = '{name}'")
        tx.append(
            "cohorts",
            {
                "name": [cohort.name],
                "definition": [cohort.definition],
                "definition_json": [json.dumps(cohort.definition_json, sort_keys=True)],
                "table_versions": [json.dumps(versions, sort_keys=True)],
                "patient_ids": pa.array([list(cohort.patient_ids)], pa.list_(pa.string())),
                "n_patients": [cohort.n_patients],
                "description": [description],
                "defined_at": pa.array([cohort.defined_at], pa.timestamp("us", tz="UTC")),
            },
        )
    return cohort, selection.warnings


def _members(ws: Workspace, other: str, defining: str) -> list[str] | None:
    if other == defining:
        raise CohortError(f"cohort {defining!r} cannot refer to itself")
    saved = find_cohort(ws, other)
    return None if saved is None else list(saved.patient_ids)


def refresh_cohort(ws: Workspace, name: str) -> tuple[SavedCohort, list[str]]:
    """Re-evaluate a saved cohort on the current workspace versions."""
    old = get_cohort(ws, name)
    return define_cohort(ws, name, old.definition_json, description=old.description, replace=True)


def delete_cohort(ws: Workspace, name: str) -> None:
    get_cohort(ws, name)
    with ws.transaction() as tx:
        tx.delete("cohorts", f"name = '{check_name(name)}'")
