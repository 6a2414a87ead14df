"""Build, grow and shrink the population database, each change one atomic commit.

- :func:`build_popfreq` recomputes everything from the workspace (a *full rebuild*);
- :func:`add_new_batches` adds the contribution of VCF batches ingested since the last
  change (*incremental*: new genotypes are read, old ones are not);
- :func:`withdraw_samples` subtracts the contribution of samples whose consent was
  withdrawn;
- :func:`compact_popfreq` folds the pending changes into the base table.

Storage (see :mod:`genomed.popfreq.totals`): a build writes the totals to
``popfreq_counts`` (the base); an add or a withdrawal appends its signed contribution to
``popfreq_deltas`` and leaves the base alone, so it costs in proportion to the batch, not
to alleles x groups. Readers sum base and deltas. When the pending delta rows would
exceed :data:`AUTO_COMPACT_FRACTION` of the base rows, the operation compacts instead
(base + deltas + its own contribution written as the new base, deltas emptied) in the
same transaction.

Because the totals are integer sums of per-sample contributions, any sequence of adds,
withdrawals and compactions ends where a full rebuild would (the property tests check
this, with deltas pending and after compaction).

Who is counted. Germline samples (``samples.kind = 'germline'``) of VCF ingests, each from
the first batch (by ingest time) that genotyped it, one sample per patient (a patient's
later samples are recorded as ``duplicate``). Withdrawn samples stay withdrawn through
rebuilds. The settings (adj thresholds, grpmax) live in the catalog under ``popfreq`` and
every change is logged in ``popfreq_log`` with the table versions it read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import GenomedError, InputError
from genomed.popfreq.adj import AdjFilter
from genomed.popfreq.counts import group_counts, missing_field_counts
from genomed.popfreq.group_sums import COUNT_COLUMNS, merge_totals
from genomed.popfreq.groups import GrpmaxSettings, check_labels, read_population_labels
from genomed.popfreq.totals import TOTALS_TABLES
from genomed.store.schema import conform
from genomed.store.workspace import Transaction, Workspace

#: an add/withdraw compacts when pending delta rows (its own included) would exceed this
#: fraction of the base rows, so a reader sums at most 1.5 rows per total
AUTO_COMPACT_FRACTION = 0.5


class PopfreqError(GenomedError):
    """The population database cannot do what was asked (not built yet, unknown sample...)."""


@dataclass(frozen=True)
class PopfreqSettings:
    """What a build fixes for later incremental changes."""

    adj: AdjFilter = field(default_factory=AdjFilter)
    grpmax: GrpmaxSettings = field(default_factory=GrpmaxSettings)

    def to_dict(self) -> dict:
        return {"adj": self.adj.to_dict(), "grpmax": self.grpmax.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> PopfreqSettings:
        return cls(AdjFilter.from_dict(data["adj"]), GrpmaxSettings.from_dict(data["grpmax"]))


def stored_settings(ws: Workspace) -> PopfreqSettings | None:
    """The settings of the last build, or None if the database was never built."""
    data = ws.catalog.get("popfreq")
    return PopfreqSettings.from_dict(data) if data else None


@dataclass
class PopfreqResult:
    """What one change did (printed by the CLI; no patient-level data)."""

    op: int
    kind: str
    batches: list[str] = field(default_factory=list)
    samples_added: int = 0
    samples_withdrawn: int = 0
    duplicates: int = 0
    samples_counted: int = 0
    alleles: int = 0  # alleles of the totals; of the change for an add/withdraw not compacted
    rows: int = 0  # (allele, group) rows of the totals; delta rows appended, likewise
    compacted: bool = False  # the base table was rewritten (build, compact, automatic)
    pending_rows: int = 0  # delta rows waiting for compaction after this change
    missing_fields: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    changed: bool = True

    def to_dict(self) -> dict:
        return dict(self.__dict__)


#: the tables a change of the database reads
_READS = [
    "batch_samples", "samples", "ingests", "patients", "batch_sites", "calls", "nocalls",
    "callable", "popfreq_samples", "popfreq_log", *TOTALS_TABLES,
]  # fmt: skip

_CANDIDATES = """
    WITH cand AS (
        SELECT m.batch_id, m.sample_id, s.patient_id, i."at" AS ingested_at,
               p.population, p.super_population, p.sex
        FROM batch_samples m
        JOIN samples s ON s.sample_id = m.sample_id
        JOIN ingests i ON i.batch_id = m.batch_id
        LEFT JOIN (SELECT patient_id, any_value(population) AS population,
                          any_value(super_population) AS super_population,
                          any_value(sex) AS sex
                   FROM patients GROUP BY patient_id) p ON p.patient_id = s.patient_id
        WHERE s.kind = 'germline' AND i.kind = 'vcf' {where}
    ),
    first_batch AS (
        SELECT * FROM cand
        QUALIFY row_number() OVER (PARTITION BY sample_id ORDER BY ingested_at, batch_id) = 1
    )
    SELECT *, row_number() OVER (PARTITION BY patient_id ORDER BY ingested_at, batch_id, sample_id)
              AS patient_rank
    FROM first_batch
"""

_KARYOTYPE_SQL = """CASE WHEN lower({x}) IN ('female', 'xx', 'f') THEN 'XX'
                         WHEN lower({x}) IN ('male', 'xy', 'm') THEN 'XY' END"""


def _label_table(labels: dict[str, dict] | None) -> pa.Table:
    labels = labels or {}
    return pa.table(
        {
            "sample_id": pa.array(list(labels), pa.string()),
            "population": pa.array([v["population"] for v in labels.values()], pa.string()),
            "super_population": pa.array(
                [v["super_population"] for v in labels.values()], pa.string()
            ),
            "karyotype": pa.array([v["karyotype"] for v in labels.values()], pa.string()),
        }
    )


def _candidate_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    incremental: bool,
    labels: dict[str, dict] | None,
    op: int,
) -> pa.Table:
    """popfreq_samples rows for samples not considered yet (incremental) or for all."""
    where = ""
    if incremental:
        where = (
            "AND m.batch_id NOT IN (SELECT batch_id FROM popfreq_samples) "
            "AND m.sample_id NOT IN (SELECT sample_id FROM popfreq_samples)"
        )
    con.register("_pf_labels", _label_table(labels))
    previous = (
        "popfreq_samples" if not incremental else "(SELECT * FROM popfreq_samples WHERE FALSE)"
    )
    seen_patients = (
        "SELECT patient_id FROM popfreq_samples" if incremental else "SELECT NULL WHERE FALSE"
    )
    withdrawn = "SELECT sample_id FROM popfreq_samples WHERE status = 'withdrawn'"
    sql = f"""
        SELECT c.sample_id, c.patient_id, c.batch_id,
               CASE WHEN l.sample_id IS NOT NULL THEN l.population
                    WHEN o.sample_id IS NOT NULL THEN o.population
                    ELSE c.population END AS population,
               CASE WHEN l.sample_id IS NOT NULL THEN l.super_population
                    WHEN o.sample_id IS NOT NULL THEN o.super_population
                    ELSE c.super_population END AS super_population,
               CASE WHEN l.sample_id IS NOT NULL THEN l.karyotype
                    WHEN o.sample_id IS NOT NULL THEN o.karyotype
                    ELSE {_KARYOTYPE_SQL.format(x="c.sex")} END AS karyotype,
               CASE WHEN c.sample_id IN ({withdrawn}) THEN 'withdrawn'
                    WHEN c.patient_rank > 1 OR c.patient_id IN ({seen_patients}) THEN 'duplicate'
                    ELSE 'counted' END AS status,
               {op}::BIGINT AS op
        FROM ({_CANDIDATES.format(where=where)}) c
        LEFT JOIN _pf_labels l ON l.sample_id = c.sample_id
        LEFT JOIN {previous} o ON o.sample_id = c.sample_id
        ORDER BY c.ingested_at, c.batch_id, c.sample_id
    """
    rows = con.sql(sql).arrow().read_all()
    con.unregister("_pf_labels")
    return conform("popfreq_samples", rows)


def _sites_of(batches_sql: str) -> str:
    return f"SELECT variant_key, chrom, pos FROM batch_sites WHERE batch_id IN ({batches_sql})"


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _next_op(con: duckdb.DuckDBPyConnection) -> int:
    return _scalar(con, "SELECT coalesce(max(op), 0) + 1 FROM popfreq_log")


def _log(
    tx: Transaction,
    result: PopfreqResult,
    settings: PopfreqSettings,
    versions: dict[str, int],
) -> None:
    tx.append(
        "popfreq_log",
        {
            "op": [result.op],
            "kind": [result.kind],
            "batches": [json.dumps(result.batches)],
            "samples": [result.samples_added or result.samples_withdrawn],
            "config": [json.dumps(settings.to_dict(), sort_keys=True)],
            "read_versions": [json.dumps(versions, sort_keys=True)],
            "at": pa.array([datetime.now(UTC)], type=pa.timestamp("us", tz="UTC")),
        },
    )
    tx.catalog_updates["popfreq"] = settings.to_dict() | {"op": result.op}


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    return conform(name, con.sql(f"SELECT * FROM {name}").arrow().read_all())


def _replace_counts(tx: Transaction, ws: Workspace, totals: pa.Table) -> None:
    """Write ``totals`` as the new base and empty the deltas (they are folded in)."""
    for name in TOTALS_TABLES:
        if name in ws.versions():
            tx.delete(name, "true")
    tx.append("popfreq_counts", conform("popfreq_counts", totals))


def _apply_change(
    tx: Transaction,
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    change: pa.Table,
    op: int,
    compact_fraction: float,
) -> pa.Table | None:
    """Record ``change`` (signed ``popfreq_counts`` rows) as delta rows of operation ``op``,
    or, when too many delta rows would be pending, compact: write base + deltas + change
    as the new base. Returns the new totals when it compacted, else None."""
    base_rows = _scalar(con, "SELECT count(*) FROM popfreq_counts")
    pending = _scalar(con, "SELECT count(*) FROM popfreq_deltas")
    if pending + change.num_rows > compact_fraction * base_rows:
        totals = merge_totals(
            _stored(con, "popfreq_counts"), [(_stored(con, "popfreq_deltas"), 1), (change, 1)]
        )
        _replace_counts(tx, ws, totals)
        return totals
    tx.append(
        "popfreq_deltas",
        conform("popfreq_deltas", change).set_column(
            0, "op", pa.array([op] * change.num_rows, pa.int64())
        ),
    )
    return None


def _record_change(
    con: duckdb.DuckDBPyConnection,
    result: PopfreqResult,
    change: pa.Table,
    totals: pa.Table | None,
    samples_sql: str,
) -> None:
    """Fill the result's sizes: of the totals when compacted, else of the change."""
    if totals is not None:
        result.compacted = True
        _summarise(con, result, totals, samples_sql)
        return
    _summarise(con, result, change, samples_sql)
    result.pending_rows = _scalar(con, "SELECT count(*) FROM popfreq_deltas") + change.num_rows


def _negated(counts: pa.Table) -> pa.Table:
    for name in COUNT_COLUMNS:
        i = counts.column_names.index(name)
        counts = counts.set_column(i, name, pc.negate_checked(counts.column(name)))
    return counts


def _summarise(
    con: duckdb.DuckDBPyConnection, result: PopfreqResult, totals: pa.Table, samples_sql: str
) -> None:
    con.register("_pf_totals", totals)
    result.alleles = _scalar(con, "SELECT count(DISTINCT variant_key) FROM _pf_totals")
    result.rows = totals.num_rows
    result.samples_counted = _scalar(
        con, f"SELECT count(*) FROM ({samples_sql}) WHERE status = 'counted'"
    )
    con.unregister("_pf_totals")


def build_popfreq(
    workspace: str | Path | Workspace,
    *,
    populations: str | Path | None = None,
    adj: AdjFilter | None = None,
    grpmax: GrpmaxSettings | None = None,
) -> PopfreqResult:
    """Full rebuild of the database from every eligible sample of the workspace.

    ``populations``: a sample map whose labels override the patients table (and labels
    recorded by earlier builds). ``adj``/``grpmax`` default to the stored settings, or
    to gnomAD's. Withdrawn samples stay withdrawn.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    labels = read_population_labels(populations) if populations else None
    with ws.transaction() as tx:
        previous = stored_settings(ws) or PopfreqSettings()
        settings = PopfreqSettings(adj or previous.adj, grpmax or previous.grpmax)
        con = ws.connect(tables=_READS)
        op = _next_op(con)
        rows = _candidate_rows(con, incremental=False, labels=labels, op=op)
        check_labels(rows, str(populations) if populations else None)
        counted = rows.filter(pc.equal(rows.column("status"), "counted"))
        con.register("_pf_rows", rows)
        delta = group_counts(
            con,
            counted,
            _sites_of("SELECT batch_id FROM _pf_rows"),
            build=ws.build,
            adj=settings.adj,
        )
        totals = delta  # already summed per allele and group, zero rows out, genome order
        result = PopfreqResult(
            op=op,
            kind="build",
            batches=sorted(set(rows.column("batch_id").to_pylist())),
            samples_added=counted.num_rows,
            duplicates=rows.num_rows
            - counted.num_rows
            - pc.sum(pc.equal(rows.column("status"), "withdrawn")).as_py(),
            missing_fields=missing_field_counts(con, counted),
            settings=settings.to_dict(),
            compacted=True,
        )
        _summarise(con, result, totals, "SELECT * FROM _pf_rows")
        if "popfreq_samples" in ws.versions():
            tx.delete("popfreq_samples", "true")
        tx.append("popfreq_samples", rows)
        _replace_counts(tx, ws, totals)
        _log(tx, result, settings, ws.versions())
    return result


def _built_settings(ws: Workspace):
    """The stored build settings; an incremental operation on a never-built database is
    an error that says what to run."""
    settings = stored_settings(ws)
    if settings is None:
        raise PopfreqError(
            "the population database was never built: run `genomed popfreq build` first"
        )
    return settings


def add_new_batches(
    workspace: str | Path | Workspace,
    *,
    populations: str | Path | None = None,
    compact_fraction: float = AUTO_COMPACT_FRACTION,
) -> PopfreqResult:
    """Add the contribution of every VCF batch ingested since the last change.

    Reads only the new batches' genotypes, plus the callable intervals of samples already
    counted (their hom-ref calls at alleles the new batches discovered), and appends it to
    ``popfreq_deltas`` (compacting instead when pending delta rows would exceed
    ``compact_fraction`` of the base rows).
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    labels = read_population_labels(populations) if populations else None
    with ws.transaction() as tx:
        settings = _built_settings(ws)
        con = ws.connect(tables=_READS)
        op = _next_op(con)
        new = _candidate_rows(con, incremental=True, labels=labels, op=op)
        result = PopfreqResult(op=op, kind="add", settings=settings.to_dict())
        if new.num_rows == 0:
            result.changed = False
            result.op = op - 1
            result.pending_rows = _scalar(con, "SELECT count(*) FROM popfreq_deltas")
            result.samples_counted = _scalar(
                con, "SELECT count(*) FROM popfreq_samples WHERE status = 'counted'"
            )
            return result
        check_labels(new, str(populations) if populations else None)
        con.register("_pf_new", new)
        counted = new.filter(pc.equal(new.column("status"), "counted"))
        old_batches = "SELECT batch_id FROM popfreq_samples"
        all_batches = f"{old_batches} UNION SELECT batch_id FROM _pf_new"
        delta_new = group_counts(
            con, counted, _sites_of(all_batches), build=ws.build, adj=settings.adj
        )
        missing = missing_field_counts(con, counted)
        # Samples counted before whose callable intervals cover alleles first seen now.
        interval_samples = (
            con.sql(
                """
            SELECT p.sample_id, p.batch_id, p.population, p.super_population, p.karyotype
            FROM popfreq_samples p
            WHERE p.status = 'counted' AND EXISTS (
                SELECT 1 FROM callable k WHERE k.sample_id = p.sample_id AND k.batch_id = p.batch_id)
            """
            )
            .arrow()
            .read_all()
        )
        fresh_sites = (
            f"SELECT * FROM ({_sites_of('SELECT batch_id FROM _pf_new')}) "
            f"WHERE variant_key NOT IN (SELECT variant_key FROM ({_sites_of(old_batches)}))"
        )
        delta_old = group_counts(
            con, interval_samples, fresh_sites, build=ws.build, adj=settings.adj
        )
        change = delta_new if delta_old.num_rows == 0 else merge_totals(delta_new, [(delta_old, 1)])
        result.batches = sorted(set(new.column("batch_id").to_pylist()))
        result.samples_added = counted.num_rows
        result.duplicates = new.num_rows - counted.num_rows
        result.missing_fields = missing
        totals = _apply_change(tx, ws, con, change, op, compact_fraction)
        _record_change(
            con,
            result,
            change,
            totals,
            "SELECT * FROM popfreq_samples UNION ALL SELECT * FROM _pf_new",
        )
        tx.append("popfreq_samples", new)
        _log(tx, result, settings, ws.versions())
    return result


def withdraw_samples(
    workspace: str | Path | Workspace,
    sample_ids: list[str],
    *,
    compact_fraction: float = AUTO_COMPACT_FRACTION,
) -> PopfreqResult:
    """Subtract the samples' contributions (appended to ``popfreq_deltas``, or compacted
    as in :func:`add_new_batches`) and mark them withdrawn (for good)."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    wanted = sorted(set(sample_ids))
    with ws.transaction() as tx:
        settings = _built_settings(ws)
        con = ws.connect(tables=_READS)
        con.register("_pf_wanted", pa.table({"sample_id": pa.array(wanted, pa.string())}))
        rows = (
            con.sql(
                "SELECT * FROM popfreq_samples WHERE sample_id IN (SELECT sample_id FROM _pf_wanted)"
            )
            .arrow()
            .read_all()
        )
        found = dict(
            zip(
                rows.column("sample_id").to_pylist(), rows.column("status").to_pylist(), strict=True
            )
        )
        unknown = [s for s in wanted if s not in found]
        if unknown:
            raise InputError(
                f"samples not in the population database: {unknown[:5]}",
                field="SAMPLE_ID",
                expected='ids of counted samples (`genomed query "select sample_id from popfreq_samples"`)',
            )
        op = _next_op(con)
        to_remove = rows.filter(pc.equal(rows.column("status"), "counted"))
        delta = group_counts(
            con,
            to_remove,
            _sites_of("SELECT DISTINCT batch_id FROM popfreq_samples"),
            build=ws.build,
            adj=settings.adj,
        )
        change = _negated(delta)
        updated = rows.set_column(
            rows.column_names.index("status"),
            "status",
            pa.array(
                ["withdrawn" if s == "counted" else s for s in rows.column("status").to_pylist()],
                pa.string(),
            ),
        ).set_column(
            rows.column_names.index("op"), "op", pa.array([op] * rows.num_rows, pa.int64())
        )
        result = PopfreqResult(
            op=op,
            kind="withdraw",
            samples_withdrawn=to_remove.num_rows,
            settings=settings.to_dict(),
        )
        con.register("_pf_updated", updated)
        totals = _apply_change(tx, ws, con, change, op, compact_fraction)
        _record_change(
            con,
            result,
            change,
            totals,
            "SELECT * FROM popfreq_samples WHERE sample_id NOT IN (SELECT sample_id FROM _pf_wanted) "
            "UNION ALL SELECT * FROM _pf_updated",
        )
        quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in wanted)
        tx.delete("popfreq_samples", f"sample_id IN ({quoted})")
        tx.append("popfreq_samples", updated)
        _log(tx, result, settings, ws.versions())
    return result


def compact_popfreq(workspace: str | Path | Workspace) -> PopfreqResult:
    """Fold the pending delta rows into the base table (``popfreq_counts``) and empty
    ``popfreq_deltas``. No total changes; readers then sum one row per total. A no-op
    (``changed`` False) when nothing is pending."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    with ws.transaction() as tx:
        settings = _built_settings(ws)
        con = ws.connect(tables=_READS)
        op = _next_op(con)
        result = PopfreqResult(op=op, kind="compact", settings=settings.to_dict())
        deltas = _stored(con, "popfreq_deltas")
        if deltas.num_rows == 0:
            result.changed = False
            result.op = op - 1
            result.samples_counted = _scalar(
                con, "SELECT count(*) FROM popfreq_samples WHERE status = 'counted'"
            )
            return result
        totals = merge_totals(_stored(con, "popfreq_counts"), [(deltas, 1)])
        _replace_counts(tx, ws, totals)
        result.compacted = True
        _summarise(con, result, totals, "SELECT * FROM popfreq_samples")
        _log(tx, result, settings, ws.versions())
    return result
