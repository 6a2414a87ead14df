"""The current totals of the population database: the one way every reader gets its counts.

The database is kept as a *base*, ``popfreq_counts`` (one row per allele and group, as of
the last build or compaction), plus signed *deltas*, ``popfreq_deltas`` (the rows each
``add`` and ``withdraw`` appended since). The current totals are their sum per allele and
group, computed at read time by :func:`totals_sql`, with rows whose eight counts sum to
zero left out: exactly the table a full rebuild would write (integers, nothing rounded).
Compaction (:func:`genomed.popfreq.database.compact_popfreq`) folds the deltas into the
base; it changes no total.

Everything derived from totals (AF, grpmax, FAF, the public-release rule, Beacon
``frequencyInPopulations``, annotation's ``popfreq_af``, interpretation frequencies) is
computed from these summed rows, never from the base alone.

Readers: :mod:`genomed.popfreq.lookup`, :mod:`genomed.popfreq.export`,
``genomed.network.node_data.popfreq_rows``, ``genomed.annotate.workspace_annotate``,
``genomed.interpret.variant_input.frequencies_from_workspace``.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from genomed.store.schema import conform

#: the tables a connection needs views of to read the totals
TOTALS_TABLES = ("popfreq_counts", "popfreq_deltas")

_COUNTS = ("ac", "an", "nhomalt", "nhemi", "ac_raw", "an_raw", "nhomalt_raw", "nhemi_raw")
_KEYS = "variant_key, chrom, pos, grp"


def totals_sql(where: str = "TRUE") -> str:
    """A SELECT of the current totals, columns of ``popfreq_counts``, no order.

    ``where`` is a predicate over ``variant_key``, ``chrom``, ``pos`` and ``grp`` only
    (e.g. ``grp = 'all'``, ``chrom = '1' AND pos BETWEEN 100 AND 200``, ``variant_key IN
    (SELECT variant_key FROM wanted)``): it is applied to the base and delta rows before
    they are summed, which gives the same rows as filtering the sums (those columns are
    the grouping key) and reads only what it selects. Filters on counts (``an >= 20``)
    go outside, on the sums.
    """
    sums = ", ".join(f"sum({c})::INTEGER AS {c}" for c in _COUNTS)
    nonzero = " OR ".join(f"coalesce(sum({c}), 0) <> 0" for c in _COUNTS)
    columns = f"{_KEYS}, {', '.join(_COUNTS)}"
    return f"""
        SELECT {_KEYS}, {sums}
        FROM (SELECT {columns} FROM popfreq_counts WHERE {where}
              UNION ALL
              SELECT {columns} FROM popfreq_deltas WHERE {where})
        GROUP BY {_KEYS}
        HAVING {nonzero}
    """


def read_totals(con: duckdb.DuckDBPyConnection, where: str = "TRUE") -> pa.Table:
    """The current totals matching ``where`` (see :func:`totals_sql`) as rows of
    ``popfreq_counts``, in genome order (``chrom``, ``pos``, ``variant_key``, ``grp``).
    ``con`` needs views of :data:`TOTALS_TABLES` (``Workspace.connect``)."""
    table = con.sql(
        f"SELECT * FROM ({totals_sql(where)}) ORDER BY chrom, pos, variant_key, grp"
    ).to_arrow_table()
    return conform("popfreq_counts", table)


def totals_source(versions: dict[str, int]) -> str:
    """Which table versions the totals are read from (for provenance strings)."""
    text = f"popfreq_counts v{versions.get('popfreq_counts')}"
    if versions.get("popfreq_deltas") is not None:
        text += f" + popfreq_deltas v{versions['popfreq_deltas']}"
    return text
