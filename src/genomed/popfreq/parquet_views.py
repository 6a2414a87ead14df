"""DuckDB views over the workspace tables read by DuckDB's own Parquet reader.

:meth:`genomed.store.workspace.Workspace.connect` registers each table as a pyarrow
dataset, which DuckDB scans through Arrow; for the large tables the population database
reads (calls, nocalls, batch_sites, popfreq_counts) DuckDB's native reader over the same
files of the same pinned Delta versions is about ten times faster. The views have the
columns and types of :data:`genomed.store.schema.TABLES`; a table never written (or with
a column type the reader cannot cast) falls back to the Arrow dataset.
"""

from __future__ import annotations

import duckdb

from genomed.store.schema import TABLES
from genomed.store.workspace import Workspace

_SQL_TYPES = {
    "string": "VARCHAR",
    "int8": "TINYINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
}


def connect_native(ws: Workspace, tables: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with one view per table (all, or ``tables``) at the pinned versions."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in tables or list(TABLES):
        spec = TABLES[name]
        dataset = ws.dataset(name)
        files = list(getattr(dataset, "files", []) or []) if name in ws.versions() else []
        types = [_SQL_TYPES.get(str(f.type)) for f in spec.schema]
        if not files or any(t is None for t in types):
            con.register(name, dataset)
            continue
        columns = ", ".join(
            f'CAST("{f.name}" AS {t}) AS "{f.name}"'
            for f, t in zip(spec.schema, types, strict=True)
        )
        options = "union_by_name = true"
        if spec.partition_by:
            hive = ", ".join(f"'{c}': 'VARCHAR'" for c in spec.partition_by)
            options += f", hive_partitioning = true, hive_types = {{{hive}}}"
        else:
            options += ", hive_partitioning = false"
        file_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            f"SELECT {columns} FROM read_parquet({file_list}, {options})"
        )
    return con
