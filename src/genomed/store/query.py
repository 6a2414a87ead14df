"""Read-only SQL over the workspace, and the summary behind ``genomed stats``."""

from __future__ import annotations

import json
import re

import duckdb
import pyarrow as pa

from genomed.errors import GenomedError
from genomed.store.schema import TABLES
from genomed.store.workspace import Workspace

_READ_ONLY = re.compile(
    r"^\s*(select|with|describe|show|explain|summarize|from|pivot|unpivot)\b", re.I
)


class QueryError(GenomedError):
    """A query that is not read-only or that DuckDB rejects."""


def read_only_connection(ws: Workspace) -> duckdb.DuckDBPyConnection:
    """Views of every table at the pinned versions; no file access beyond them.

    ``enable_external_access = false`` with the tables folder as the only allowed
    directory stops read_csv/ATTACH from reading anything else; :func:`run_query` only
    lets one read-only statement through, so nothing can be written either.
    """
    con = ws.connect()
    tables_dir = str(ws.path.resolve() / "tables") + "/"
    con.execute(f"SET allowed_directories = [{tables_dir!r}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(ws: Workspace, sql: str, limit: int | None = None) -> pa.Table:
    """Run one read-only statement and return its result as an Arrow table."""
    statement = sql.strip().rstrip(";")
    if ";" in statement or not _READ_ONLY.match(statement):
        raise QueryError(
            "genomed query runs one read-only statement (SELECT/WITH/DESCRIBE/SHOW/EXPLAIN/SUMMARIZE)"
        )
    con = read_only_connection(ws)
    try:
        relation = con.sql(statement)
        if limit is not None:
            relation = relation.limit(limit)
        return relation.arrow().read_all()
    except duckdb.Error as error:
        raise QueryError(str(error).splitlines()[0]) from None
    finally:
        con.close()


def workspace_stats(ws: Workspace, last: int = 10) -> dict:
    """Rows and pinned version per table, the build, and the last ingests (no patient data)."""
    con = ws.connect()
    versions = ws.versions()
    tables = {}
    for name in TABLES:
        rows = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        tables[name] = {"rows": rows, "version": versions.get(name)}
    ingests = con.sql(
        'SELECT batch_id, kind, source, rows, "at" FROM ingests '
        f'ORDER BY "at" DESC LIMIT {int(last)}'
    ).fetchall()
    return {
        "workspace": str(ws.path),
        "build": ws.build,
        "institution_id": ws.institution_id,
        "tables": tables,
        "last_ingests": [
            {"batch_id": b, "kind": k, "source": s, "rows": json.loads(r or "{}"), "at": str(a)}
            for b, k, s, r, a in ingests
        ],
    }
