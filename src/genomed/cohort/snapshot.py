"""DuckDB over the workspace as it was at given table versions (a saved cohort's snapshot).

A saved cohort records the Delta version of every table it was evaluated on; analyses of
it read those versions, so the same cohort gives the same numbers after later ingests
(``genomed cohort refresh`` moves it to the current versions). Delta keeps every version
(genomed never vacuums), so an old version stays readable.
"""

from __future__ import annotations

import duckdb

from genomed.cohort.alterations import create_gene_calls
from genomed.store.schema import TABLES
from genomed.store.workspace import Workspace, duckdb_view

#: Tables a cohort's evaluation and analyses never read (their versions are not recorded).
NOT_RECORDED = ("cohorts", "ingests")


def recorded_versions(ws: Workspace) -> dict[str, int]:
    """The pinned versions a cohort evaluated now depends on."""
    return {name: v for name, v in sorted(ws.versions().items()) if name not in NOT_RECORDED}


def snapshot_connection(
    ws: Workspace, versions: dict[str, int] | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per workspace table, plus the ``gene_calls`` view.

    ``versions`` None reads the catalog's pinned versions; otherwise every recorded table
    is read at its recorded version and a table that did not exist then is empty.
    ``cohorts`` and ``ingests`` are always read at their current versions.
    """
    if versions is None:
        con = ws.connect()
    else:
        current = ws.versions()
        at = {name: versions.get(name) for name in TABLES if name not in NOT_RECORDED}
        at |= {name: current.get(name) for name in NOT_RECORDED}
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        for name, version in at.items():
            duckdb_view(con, name, ws.table_files(name, version) if version is not None else [])
    create_gene_calls(con)
    return con


def changed_tables(ws: Workspace, versions: dict[str, int]) -> list[str]:
    """Tables whose current version differs from ``versions`` (the cohort is stale for them)."""
    now = recorded_versions(ws)
    return sorted(name for name in set(now) | set(versions) if now.get(name) != versions.get(name))
