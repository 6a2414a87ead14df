"""What a node reads from its workspace to answer Beacon and genomed queries.

One DuckDB connection per serving thread (DuckDB connections are not shared across
threads), with the workspace's native Parquet views, rebuilt when the workspace catalog
changes (a new ingest is served
without a restart). Every function takes the *scope*: the datasets the caller may see
in this query; nothing outside it is read into an answer.

Member sets (for the differencing guard) are DuckDB ``hash(patient_id)`` values.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from genomed.network.datasets import Dataset, batch_dataset_table, workspace_datasets
from genomed.network.node_config import NodeConfig
from genomed.store.workspace import CATALOG, Workspace


@dataclass
class _Snapshot:
    stamp: tuple
    workspace: Workspace
    datasets: list[Dataset]


class NodeData:
    """The workspace as the node serves it (thread-safe: one connection per thread)."""

    def __init__(self, workspace: str | Path, config: NodeConfig) -> None:
        self.path = Path(workspace)
        self.config = config
        self._local = threading.local()
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._open: list[duckdb.DuckDBPyConnection] = []

    def _stamp(self) -> tuple:
        stat = (self.path / CATALOG).stat()
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def snapshot(self) -> _Snapshot:
        stamp = self._stamp()
        with self._lock:
            if self._snapshot is None or self._snapshot.stamp != stamp:
                ws = Workspace.open(self.path)
                con = ws.connect()
                try:
                    datasets = workspace_datasets(con, self.config.datasets)
                finally:
                    con.close()
                self._snapshot = _Snapshot(stamp, ws, datasets)
            return self._snapshot

    @property
    def workspace(self) -> Workspace:
        return self.snapshot().workspace

    @property
    def datasets(self) -> list[Dataset]:
        return self.snapshot().datasets

    def connection(self) -> duckdb.DuckDBPyConnection:
        snap = self.snapshot()
        current = getattr(self._local, "con", None)
        if current is None or self._local.stamp != snap.stamp:
            if current is not None:
                current.close()
                with self._lock:
                    self._open = [c for c in self._open if c is not current]
            con = snap.workspace.connect()
            # the files of a pinned version never change: keep their Parquet footers
            con.execute("SET parquet_metadata_cache = true")
            # concurrency comes from requests (one thread each): one DuckDB thread per query
            con.execute("SET threads = 1")
            con.register("_node_batches", batch_dataset_table(snap.datasets))
            self._local.con, self._local.stamp = con, snap.stamp
            with self._lock:
                self._open.append(con)
        return self._local.con

    def scope_patients(self, con: duckdb.DuckDBPyConnection, scope: list[str]) -> pa.Table:
        """:func:`scoped_patients` of a whole scope (no selection), cached per thread and
        catalog version (the patients of a dataset change only with a new ingest)."""
        cache = self._local.__dict__.setdefault("scopes", {})
        key = (self._local.stamp, tuple(scope))
        table = cache.get(key)
        if table is None:
            table = cache[key] = scoped_patients(con, scope, None)
        else:
            con.register("_scope_patients", table)
        return table

    def close(self) -> None:
        """Close every thread's connection (at shutdown: DuckDB objects must not be left
        to thread-exit destructors, which abort the interpreter)."""
        with self._lock:
            for con in self._open:
                with contextlib.suppress(duckdb.Error):
                    con.close()
            self._open.clear()


def _in_list(values: list[str]) -> tuple[str, list]:
    if not values:
        return "(NULL)", []
    return "(" + ", ".join("?" for _ in values) + ")", list(values)


def scoped_patients(
    con: duckdb.DuckDBPyConnection, scope: list[str], selected: list[str] | None
) -> pa.Table:
    """(patient_id, dataset_id, h) of patients in ``scope`` (and in ``selected`` if given),
    sorted by dataset then id; registered as ``_scope_patients`` on ``con``."""
    marks, params = _in_list(scope)
    sql = (
        "SELECT p.patient_id, b.dataset_id, hash(p.patient_id) AS h FROM patients p "
        f"JOIN _node_batches b USING (batch_id) WHERE b.dataset_id IN {marks}"
    )
    if selected is not None:
        con.register("_selected_ids", pa.table({"patient_id": pa.array(selected, pa.string())}))
        sql += " AND p.patient_id IN (SELECT patient_id FROM _selected_ids)"
    table = con.sql(sql + " ORDER BY b.dataset_id, p.patient_id", params=params).to_arrow_table()
    con.register("_scope_patients", table)
    return table


def scoped_samples(
    con: duckdb.DuckDBPyConnection, tumor_types: list[str] | None = None
) -> pa.Table:
    """Samples of ``_scope_patients`` (optionally of some tumour types), with dataset and h."""
    sql = (
        "SELECT s.sample_id, s.patient_id, s.kind, s.tumor_type, s.panel_id, a.dataset_id, "
        "hash(s.sample_id) AS h FROM samples s JOIN _scope_patients a USING (patient_id)"
    )
    params: list = []
    if tumor_types:
        marks, params = _in_list([t.upper() for t in tumor_types])
        sql += f" WHERE upper(s.tumor_type) IN {marks}"
    return con.sql(sql + " ORDER BY a.dataset_id, s.sample_id", params=params).to_arrow_table()


def carriers(con: duckdb.DuckDBPyConnection, variant_sql: str, params: list) -> pa.Table:
    """Calls of ``_scope_patients`` at the selected alleles (sample, patient, dataset)."""
    return con.sql(
        f"""
        SELECT c.variant_key, c.sample_id, s.patient_id, a.dataset_id, c.alt_count, c.ploidy,
               c.origin, hash(s.patient_id) AS h
        FROM calls c JOIN samples s USING (sample_id) JOIN _scope_patients a USING (patient_id)
        WHERE c.variant_key IN ({variant_sql})
        """,
        params=params,
    ).to_arrow_table()


def matched_variants(
    con: duckdb.DuckDBPyConnection,
    where: str,
    params: list,
    per_sample: str | None = None,
    per_sample_params: list | None = None,
    chrom: str | None = None,
    positions: tuple[int, int] | None = None,
) -> pa.Table:
    """Alleles matching ``where`` (alias ``v``) carried by someone in scope, genome order.

    ``per_sample`` restricts carriers further (SQL over ``c``, e.g. one sample id).
    ``chrom``/``positions`` (when the selection is known to lie there) let DuckDB skip the
    other chromosomes' partitions and row groups of ``calls``.
    """
    extra = f" AND {per_sample}" if per_sample else ""
    prune, prune_params = "", []
    if chrom is not None:
        prune += " AND c.chrom = ?"
        prune_params.append(chrom)
        if positions is not None:
            prune += " AND c.pos BETWEEN ? AND ?"
            prune_params.extend(positions)
    return con.sql(
        f"""
        WITH sel AS (SELECT v.variant_key, v.chrom, v.pos, v.ref, v.alt, v.rsid FROM variants v WHERE {where})
        SELECT * FROM sel WHERE variant_key IN (
            SELECT c.variant_key FROM calls c JOIN samples s USING (sample_id)
            JOIN _scope_patients a USING (patient_id)
            WHERE c.variant_key IN (SELECT variant_key FROM sel){prune}{extra})
        ORDER BY variant_key
        """,
        params=list(params) + prune_params + list(per_sample_params or []),
    ).to_arrow_table()


def variant_annotations(con: duckdb.DuckDBPyConnection, keys: list[int]) -> dict[int, dict]:
    """Genes and protein changes recorded with the calls of ``keys`` (MAF/cBioPortal)."""
    if not keys:
        return {}
    con.register("_page_keys", pa.table({"variant_key": pa.array(keys, pa.int64())}))
    rows = con.sql(
        """
        SELECT variant_key, list(DISTINCT gene) FILTER (WHERE gene IS NOT NULL) AS genes,
               list(DISTINCT protein_change) FILTER (WHERE protein_change IS NOT NULL) AS changes
        FROM calls WHERE variant_key IN (SELECT variant_key FROM _page_keys) GROUP BY 1
        """
    ).fetchall()
    return {k: {"genes": g or [], "changes": p or []} for k, g, p in rows}


def popfreq_rows(con: duckdb.DuckDBPyConnection, keys: list[int]) -> dict[int, list[dict]]:
    """Current population-database totals (adj counts; :mod:`genomed.popfreq.totals`) per
    allele, groups in a stable order."""
    from genomed.popfreq.totals import totals_sql

    if not keys:
        return {}
    con.register("_pf_keys", pa.table({"variant_key": pa.array(keys, pa.int64())}))
    table = con.sql(
        f"""
        SELECT variant_key, grp, ac, an, nhomalt, nhemi
        FROM ({totals_sql("variant_key IN (SELECT variant_key FROM _pf_keys)")})
        ORDER BY variant_key, grp <> 'all', grp
        """
    ).to_arrow_table()
    out: dict[int, list[dict]] = {}
    for row in table.to_pylist():
        out.setdefault(row.pop("variant_key"), []).append(row)
    return out


def popfreq_datasets(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """Datasets whose samples the population database counts; None if it is not built."""
    built = con.sql("SELECT count(*) FROM popfreq_samples").fetchall()[0][0]
    if not built:
        return None
    rows = con.sql(
        """
        SELECT DISTINCT b.dataset_id FROM popfreq_samples f
        JOIN patients p ON p.patient_id = f.patient_id JOIN _node_batches b ON b.batch_id = p.batch_id
        WHERE f.status = 'counted'
        """
    ).fetchall()
    return sorted(r[0] for r in rows)


def popfreq_version(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.sql('SELECT max(op), max("at") FROM popfreq_log').fetchall()
    op, at = rows[0]
    return f"genomed popfreq op {op} ({at})" if op is not None else "genomed popfreq"


def member_codes(table: pa.Table, column: str = "h") -> np.ndarray:
    return np.asarray(table.column(column).to_numpy(zero_copy_only=False))


def individual_details(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict]:
    """Patient row, phenotypes, diagnoses and outcomes of ``ids`` (a record page)."""
    if not ids:
        return {}
    con.register("_page_ids", pa.table({"patient_id": pa.array(ids, pa.string())}))
    flt = "WHERE patient_id IN (SELECT patient_id FROM _page_ids)"
    out = {
        r["patient_id"]: {"patient": r, "phenotypes": [], "diagnoses": [], "outcomes": []}
        for r in con.sql(f"SELECT * FROM patients {flt}").to_arrow_table().to_pylist()
    }
    for table, key in (
        ("phenotypes", "phenotypes"),
        ("diagnoses", "diagnoses"),
        ("outcomes", "outcomes"),
    ):
        for row in con.sql(f"SELECT * FROM {table} {flt}").to_arrow_table().to_pylist():
            if row["patient_id"] in out:
                out[row["patient_id"]][key].append(row)
    return out
