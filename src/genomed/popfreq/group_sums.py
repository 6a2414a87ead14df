"""Integer sums of count rows per (allele, group), vectorised with NumPy.

Two steps of the database are sums of many small rows into one row per allele and group:
:func:`genomed.popfreq.counts.group_counts` sums per-*cell* rows into the groups each cell
belongs to (a cell is in up to five groups: all, population, super-population,
karyotype, super-population x karyotype), and :func:`merge_totals` adds signed
contributions to stored totals. Both come down to :func:`sum_by_allele_and_group`:
``np.bincount`` over the flat index ``allele * n_groups + group``, one block of alleles
at a time so memory stays flat however many alleles the database holds.

Inputs and outputs use the columns of ``popfreq_counts`` (see
:mod:`genomed.store.schema`); output rows come in genome order (``chrom``, ``pos``,
``variant_key``, ``grp``), rows whose eight counts are all zero are left out. The sums
are exact: bincount adds in float64, exact for integers below 2**53, and the results are
checked to fit the table's int32 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COUNT_COLUMNS = (
    "ac",
    "an",
    "nhomalt",
    "nhemi",
    "ac_raw",
    "an_raw",
    "nhomalt_raw",
    "nhemi_raw",
)
#: (alleles in a block) x (groups) at most: 8 int64 columns of 1M cells is 64 MB.
BLOCK_CELLS = 1 << 20
_INT32 = np.iinfo(np.int32)


@dataclass
class CountRows:
    """Rows to add: allele index ``allele`` [n], column index ``slot`` [n] (a cell, or a
    group), ``values`` [8, n] in :data:`COUNT_COLUMNS` order, and a ``sign`` (+1 add,
    -1 subtract)."""

    allele: np.ndarray
    slot: np.ndarray
    values: np.ndarray
    sign: int = 1


@dataclass
class BaseAlleleNumbers:
    """AN (adj and raw) shared by alleles: allele ``i`` gets ``an[pattern[i]]`` [groups]
    (``pattern`` -1: none). Alleles genotyped by the same batches in the same kind of
    region get the same base AN, so this is a few rows, not alleles x cells."""

    pattern: np.ndarray
    an: np.ndarray


def level_maps(membership: list[tuple[int, int]], n_slots: int) -> list[np.ndarray]:
    """(slot, group) pairs, at most one group per slot and level -> one slot -> group
    array per level (-1 where the slot has no group at that level)."""
    maps: list[np.ndarray] = []
    used = np.zeros(n_slots, np.int64)
    for slot, group in membership:
        if used[slot] == len(maps):
            maps.append(np.full(n_slots, -1, np.int64))
        maps[used[slot]][slot] = group
        used[slot] += 1
    return maps


def pattern_sums(
    rows: CountRows, n_patterns: int, levels: list[np.ndarray], n_groups: int
) -> np.ndarray:
    """[patterns, groups] sums of one-column ``rows`` whose ``allele`` is a pattern."""
    total = np.zeros(n_patterns * n_groups, np.float64)
    for level in levels:
        group = level[rows.slot]
        keep = group >= 0
        flat = rows.allele[keep].astype(np.int64) * n_groups + group[keep]
        total += np.bincount(flat, weights=rows.values[0, keep], minlength=total.size)
    return total.reshape(n_patterns, n_groups)


def sum_by_allele_and_group(
    parts: list[CountRows],
    n_alleles: int,
    levels: list[np.ndarray] | None,
    n_groups: int,
    base: BaseAlleleNumbers | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum ``parts`` per (allele, group): (allele [m], group [m], sums [m, 8] int64),
    sorted by allele then group, all-zero rows left out.

    ``levels`` (see :func:`level_maps`) send a row's slot (cell) to its groups, one
    ``np.bincount`` per level and column; ``None``: slots are groups already. ``base``
    adds shared AN to the ``an`` and ``an_raw`` columns.
    """
    width = len(COUNT_COLUMNS)
    if n_alleles == 0 or n_groups == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, width), np.int64)
    maps = levels if levels is not None else [None]
    weights = [np.ascontiguousarray(p.values, dtype=np.float64) for p in parts]
    per_block = max(1, BLOCK_CELLS // n_groups)
    n_blocks = -(-n_alleles // per_block)
    if n_blocks == 1:
        orders = [None] * len(parts)
        spans = [[(0, len(p.allele))] for p in parts]
    else:  # rows of each part grouped by block of alleles
        orders, spans = [], []
        edges = np.arange(n_blocks + 1, dtype=np.int64) * per_block
        for p in parts:
            order = np.argsort(p.allele, kind="stable")
            bounds = np.searchsorted(p.allele[order], edges)
            orders.append(order)
            spans.append(list(zip(bounds[:-1], bounds[1:], strict=True)))
    out_allele, out_group, out_values = [], [], []
    for b in range(n_blocks):
        first = b * per_block
        block = min(per_block, n_alleles - first)
        size = block * n_groups
        dense = np.zeros((width, size), np.float64)
        for p, w, order, span in zip(parts, weights, orders, spans, strict=True):
            lo, hi = span[b]
            if hi <= lo:
                continue
            rows = slice(lo, hi) if order is None else order[lo:hi]
            offset = (p.allele[rows].astype(np.int64) - first) * n_groups
            slot = p.slot[rows]
            values = w[:, rows]
            # one bincount per column over the rows repeated once per level they reach
            flats, picks = [], []
            for level in maps:
                group = slot if level is None else level[slot]
                keep = np.flatnonzero(group >= 0)
                flats.append(offset[keep] + group[keep])
                picks.append(keep)
            flat, pick = np.concatenate(flats), np.concatenate(picks)
            for c in range(width):
                counted = np.bincount(flat, weights=values[c, pick], minlength=size)
                dense[c] += counted if p.sign == 1 else -counted
        if base is not None:
            pattern = base.pattern[first : first + block]
            shared = np.zeros((block, n_groups), np.float64)
            has = pattern >= 0
            shared[has] = base.an[pattern[has]]
            for c in (COUNT_COLUMNS.index("an"), COUNT_COLUMNS.index("an_raw")):
                dense[c] += shared.ravel()
        sums = np.rint(dense).astype(np.int64)
        nonzero = np.flatnonzero(np.any(sums != 0, axis=0))
        out_allele.append(nonzero // n_groups + first)
        out_group.append(nonzero % n_groups)
        out_values.append(sums[:, nonzero].T)
    values = np.concatenate(out_values)
    if values.size and (values.min() < _INT32.min or values.max() > _INT32.max):
        raise OverflowError("a population count does not fit the int32 columns of popfreq_counts")
    return np.concatenate(out_allele), np.concatenate(out_group), values


def counts_table(
    alleles: pa.Table, group_names: list[str], allele: np.ndarray, group: np.ndarray, sums
) -> pa.Table:
    """Rows of ``popfreq_counts`` from :func:`sum_by_allele_and_group`'s output;
    ``alleles`` (``variant_key``, ``chrom``, ``pos``) is indexed by ``allele``."""
    take = pa.array(allele, pa.int64())
    columns = {
        "variant_key": alleles.column("variant_key").take(take),
        "chrom": alleles.column("chrom").take(take),
        "pos": alleles.column("pos").take(take),
        "grp": pa.array(group_names, pa.string()).take(pa.array(group, pa.int64())),
    }
    for c, name in enumerate(COUNT_COLUMNS):
        columns[name] = pa.array(sums[:, c].astype(np.int32), pa.int32())
    return pa.table(columns)


def count_values(table: pa.Table) -> np.ndarray:
    """The eight count columns of ``table`` as one [8, rows] float64 array."""
    if table.num_rows == 0:
        return np.zeros((len(COUNT_COLUMNS), 0), np.float64)
    values = np.empty((len(COUNT_COLUMNS), table.num_rows), np.float64)
    for i, name in enumerate(COUNT_COLUMNS):
        column = table.column(name)
        values[i] = (column.fill_null(0) if column.null_count else column).to_numpy()
    return values


def merge_totals(base: pa.Table, deltas: list[tuple[pa.Table, int]]) -> pa.Table:
    """``base`` plus each delta times its sign (tables of ``popfreq_counts`` rows), zero
    rows dropped, in genome order."""
    tables = [base] + [d for d, _ in deltas]
    signs = [1] + [s for _, s in deltas]
    keys = np.concatenate(
        [t.column("variant_key").to_numpy() for t in tables if t.num_rows]
        or [np.zeros(0, np.int64)]
    )
    unique_keys, first = np.unique(keys, return_index=True)
    located = pa.concat_tables([t.select(["variant_key", "chrom", "pos"]) for t in tables])
    alleles = located.take(pa.array(first, pa.int64()))
    genome_order = pc.sort_indices(
        alleles, [("chrom", "ascending"), ("pos", "ascending"), ("variant_key", "ascending")]
    ).to_numpy()
    alleles = alleles.take(pa.array(genome_order, pa.int64()))
    rank = np.empty(len(unique_keys), np.int64)
    rank[genome_order] = np.arange(len(unique_keys))
    names = sorted(set().union(*(t.column("grp").unique().to_pylist() for t in tables)))
    name_set = pa.array(names, pa.string())
    n_groups = len(names)
    # Each table has one row per (allele, group) in genome order (the stored totals and
    # group_counts output do), so a row's flat index allele * groups + group is unique and
    # increasing: it is added with a plain integer scatter, block by block.
    flats, sources = [], []
    for table, sign in zip(tables, signs, strict=True):
        if table.num_rows == 0:
            continue
        allele = rank[np.searchsorted(unique_keys, table.column("variant_key").to_numpy())]
        group = pc.index_in(table.column("grp"), value_set=name_set).to_numpy()
        flat = allele * n_groups + group.astype(np.int64)
        order = None
        if flat.size > 1 and not (np.diff(flat) > 0).all():
            order = np.argsort(flat, kind="stable")
            flat = flat[order]
        flats.append(flat)
        sources.append((table, sign, order, flat.size > 1 and (np.diff(flat) == 0).any()))
    width = len(COUNT_COLUMNS)
    n_alleles = len(unique_keys)
    per_block = max(1, BLOCK_CELLS // max(n_groups, 1))
    out_allele, out_group, out_values = [], [], []
    columns = [
        [_int_column(table, name, order) for name in COUNT_COLUMNS]
        for table, _, order, _ in sources
    ]
    for first in range(0, n_alleles, per_block):
        block = min(per_block, n_alleles - first)
        lo_flat, hi_flat = first * n_groups, (first + block) * n_groups
        dense = np.zeros((width, block * n_groups), np.int64)
        for flat, (_, sign, _, repeated), values in zip(flats, sources, columns, strict=True):
            lo, hi = np.searchsorted(flat, [lo_flat, hi_flat])
            at = flat[lo:hi] - lo_flat
            for c in range(width):
                part = values[c][lo:hi] if sign == 1 else -values[c][lo:hi]
                if repeated:
                    np.add.at(dense[c], at, part)
                else:
                    dense[c, at] += part
        nonzero = np.flatnonzero(np.any(dense != 0, axis=0))
        out_allele.append(nonzero // n_groups + first)
        out_group.append(nonzero % n_groups)
        out_values.append(dense[:, nonzero].T)
    if not out_values:
        return counts_table(alleles, names, *(np.zeros(0, np.int64),) * 2, np.zeros((0, width)))
    sums = np.concatenate(out_values)
    if sums.size and (sums.min() < _INT32.min or sums.max() > _INT32.max):
        raise OverflowError("a population count does not fit the int32 columns of popfreq_counts")
    return counts_table(alleles, names, np.concatenate(out_allele), np.concatenate(out_group), sums)


def _int_column(table: pa.Table, name: str, order: np.ndarray | None) -> np.ndarray:
    column = table.column(name)
    values = (column.fill_null(0) if column.null_count else column).to_numpy().astype(np.int64)
    return values if order is None else values[order]
