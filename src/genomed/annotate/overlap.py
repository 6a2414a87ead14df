"""Which transcripts each variant touches: one interval join in DuckDB.

A variant "touches" a transcript when it lies within the transcript or within
``flank`` bases of it (5,000 in VEP, for upstream/downstream terms). The join is binned:
transcripts (extended by the flank) are exploded into the 64 kb bins they cover,
variants into the bins their span covers, and DuckDB hash-joins on (chrom, bin) and
filters on overlap; a variant spanning two bins is de-duplicated. Work is proportional
to the number of overlapping pairs, not to variants x transcripts.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

BIN_BITS = 16
FLANK = 5000


def transcript_bins(
    chrom_code: np.ndarray, start: np.ndarray, end: np.ndarray, selected: np.ndarray, flank: int
) -> pa.Table:
    """(chrom, bin, tx, lo, hi) rows: every bin each selected transcript covers."""
    idx = np.flatnonzero(selected)
    lo = np.maximum(start[idx] - flank, 1)
    hi = end[idx] + flank
    first, last = lo >> BIN_BITS, hi >> BIN_BITS
    counts = (last - first + 1).astype(np.int64)
    rep = np.repeat(np.arange(len(idx)), counts)
    offsets = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
    return pa.table(
        {
            "chrom": chrom_code[idx][rep].astype(np.int32),
            "bin": (first[rep] + offsets).astype(np.int64),
            "tx": idx[rep].astype(np.int64),
            "lo": lo[rep].astype(np.int64),
            "hi": hi[rep].astype(np.int64),
        }
    )


def overlapping_pairs(
    var_chrom: np.ndarray,
    var_start: np.ndarray,
    var_end: np.ndarray,
    bins: pa.Table,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(variant row, transcript index) of every overlapping pair, sorted by variant row.

    ``var_end`` may be ``var_start - 1`` (an insertion); the pair is kept when the
    insertion point is inside the extended transcript.
    """
    lo = np.minimum(var_start, var_end)
    hi = np.maximum(var_start, var_end)
    first, last = lo >> BIN_BITS, hi >> BIN_BITS
    variants = pa.table(
        {
            "v": np.arange(len(var_start), dtype=np.int64),
            "chrom": var_chrom.astype(np.int32),
            "bin": first.astype(np.int64),
            "s": var_start.astype(np.int64),
            "e": var_end.astype(np.int64),
        }
    )
    spill = np.flatnonzero(last > first)
    own = con is None
    con = con or duckdb.connect()
    try:
        con.register("tb", bins)
        con.register("vv", variants)
        sql = (
            "SELECT vv.v, tb.tx FROM vv JOIN tb ON vv.chrom = tb.chrom AND vv.bin = tb.bin "
            "WHERE vv.e >= tb.lo AND vv.s <= tb.hi"
        )
        if len(spill):
            extra = pa.table(
                {
                    "v": spill.astype(np.int64),
                    "chrom": var_chrom[spill].astype(np.int32),
                    "first": first[spill].astype(np.int64),
                    "last": last[spill].astype(np.int64),
                    "s": var_start[spill].astype(np.int64),
                    "e": var_end[spill].astype(np.int64),
                }
            )
            con.register("vx", extra)
            sql = (
                f"SELECT DISTINCT v, tx FROM ({sql} UNION ALL "
                "SELECT vx.v, tb.tx FROM vx JOIN tb ON vx.chrom = tb.chrom "
                "AND tb.bin > vx.first AND tb.bin <= vx.last "
                "WHERE vx.e >= tb.lo AND vx.s <= tb.hi)"
            )
        result = con.sql(f"SELECT v, tx FROM ({sql}) ORDER BY v, tx").to_arrow_table()
    finally:
        if own:
            con.close()
        else:
            con.unregister("tb")
            con.unregister("vv")
    return (
        result.column("v").to_numpy().astype(np.int64),
        result.column("tx").to_numpy().astype(np.int64),
    )
