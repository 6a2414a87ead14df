"""The NumPy sums behind the population database (genomed.popfreq.group_sums) equal a
plain dictionary sum: per cell into groups, in blocks of alleles or in one, and signed
merges of stored totals with deltas (add then withdraw gives the totals back)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genomed.popfreq import group_sums
from genomed.popfreq.group_sums import (
    COUNT_COLUMNS,
    BaseAlleleNumbers,
    CountRows,
    level_maps,
    merge_totals,
    pattern_sums,
    sum_by_allele_and_group,
)
from genomed.store.schema import conform

WIDTH = len(COUNT_COLUMNS)

rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 9),  # allele
        st.integers(0, 3),  # cell
        st.lists(st.integers(-3, 3), min_size=WIDTH, max_size=WIDTH),
    ),
    max_size=60,
)
#: cell -> groups: cells 0, 1 in group 0 (all) and 1 (a population); cells 2, 3 in all
#: and group 2; cell 3 also in group 3; group 4 has no cell
MEMBERSHIP = np.array(
    [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [1, 0, 1, 0, 0], [1, 0, 1, 1, 0]], dtype=np.int8
)
LEVELS = level_maps([(int(c), int(g)) for c, g in zip(*np.nonzero(MEMBERSHIP), strict=True)], 4)


def _expected(rows, membership) -> dict[tuple[int, int], list[int]]:
    sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * WIDTH)
    for allele, cell, values in rows:
        for group in np.flatnonzero(membership[cell]):
            totals = sums[(allele, int(group))]
            for c in range(WIDTH):
                totals[c] += values[c]
    return {k: v for k, v in sums.items() if any(v)}


def _as_rows(rows) -> CountRows:
    return CountRows(
        allele=np.array([r[0] for r in rows], np.int64),
        slot=np.array([r[1] for r in rows], np.int64),
        values=np.array([r[2] for r in rows], np.float64).reshape(-1, WIDTH).T,
    )


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, block_cells=st.sampled_from([1, 7, 20, 1 << 20]))
def test_cells_summed_into_groups_equal_a_dictionary_sum(rows, block_cells) -> None:
    original = group_sums.BLOCK_CELLS
    group_sums.BLOCK_CELLS = block_cells  # 1 and 7: one or two alleles a block
    try:
        allele, group, sums = sum_by_allele_and_group([_as_rows(rows)], 10, LEVELS, 5)
    finally:
        group_sums.BLOCK_CELLS = original
    got = {(int(a), int(g)): s.tolist() for a, g, s in zip(allele, group, sums, strict=True)}
    assert got == _expected(rows, MEMBERSHIP)
    assert list(zip(allele.tolist(), group.tolist(), strict=True)) == sorted(got)


def test_worked_example() -> None:
    """Two cells of one population at allele 0: AC 1 + 2 in the population and in all."""
    rows = CountRows(
        allele=np.array([0, 0, 1]),
        slot=np.array([0, 1, 2]),
        values=np.array(
            [[1, 4, 0, 0, 1, 4, 0, 0], [2, 6, 1, 0, 2, 6, 1, 0], [0, 2, 0, 0, 0, 2, 0, 0]]
        )
        .astype(np.float64)
        .T,
    )
    allele, group, sums = sum_by_allele_and_group([rows], 2, LEVELS, 5)
    assert allele.tolist() == [0, 0, 1, 1]
    assert group.tolist() == [0, 1, 0, 2]
    assert sums[:, 0].tolist() == [3, 3, 0, 0]  # ac
    assert sums[:, 1].tolist() == [10, 10, 2, 2]  # an
    assert sums[:, 2].tolist() == [1, 1, 0, 0]  # nhomalt


@pytest.mark.parametrize("block_cells", [1, 1 << 20])
def test_shared_base_allele_numbers(block_cells, monkeypatch) -> None:
    """Alleles 0 and 2 share pattern 0 (cells 0 and 2: 4 + 6 alleles), allele 1 has
    pattern 1 (cell 3 only: 2 alleles); allele 3 has none. AN adds to an and an_raw."""
    base_rows = CountRows(np.array([0, 0, 1]), np.array([0, 2, 3]), np.array([[4.0, 6.0, 2.0]]))
    per_pattern = pattern_sums(base_rows, 2, LEVELS, 5)
    assert per_pattern.tolist() == [[10, 4, 6, 0, 0], [2, 0, 2, 2, 0]]
    base = BaseAlleleNumbers(np.array([0, 1, 0, -1]), per_pattern)
    monkeypatch.setattr(group_sums, "BLOCK_CELLS", block_cells)  # 1: an allele a block
    calls = CountRows(np.array([2]), np.array([1]), np.array([[1, -1, 0, 0, 1, -1, 0, 0]]).T)
    allele, group, sums = sum_by_allele_and_group([calls], 4, LEVELS, 5, base)
    got = {
        (int(a), int(g)): (int(s[0]), int(s[1]), int(s[5]))
        for a, g, s in zip(allele, group, sums, strict=True)
    }
    assert got == {
        (0, 0): (0, 10, 10), (0, 1): (0, 4, 4), (0, 2): (0, 6, 6),
        (1, 0): (0, 2, 2), (1, 2): (0, 2, 2), (1, 3): (0, 2, 2),
        (2, 0): (1, 9, 9), (2, 1): (1, 3, 3), (2, 2): (0, 6, 6),
    }  # fmt: skip


def test_counts_beyond_int32_are_an_error() -> None:
    rows = CountRows(np.array([0]), np.array([0]), np.full((WIDTH, 1), 2.0**31))
    with pytest.raises(OverflowError):
        sum_by_allele_and_group([rows], 1, None, 1)


def _counts(entries: list[tuple[int, str, int, str, int]]) -> pa.Table:
    """(variant_key, chrom, pos, grp, ac) -> popfreq_counts rows with an = 2 * ac + 10."""
    return (
        conform(
            "popfreq_counts",
            {
                "variant_key": [e[0] for e in entries],
                "chrom": [e[1] for e in entries],
                "pos": [e[2] for e in entries],
                "grp": [e[3] for e in entries],
                **{c: [0] * len(entries) for c in COUNT_COLUMNS},
            },
        )
        .set_column(4, "ac", pa.array([e[4] for e in entries], pa.int32()))
        .set_column(5, "an", pa.array([2 * e[4] + 10 for e in entries], pa.int32()))
    )


def test_merge_adds_signed_deltas_in_genome_order() -> None:
    base = _counts([(5, "1", 100, "EAS", 1), (5, "1", 100, "all", 1), (9, "2", 50, "all", 0)])
    delta = _counts([(5, "1", 100, "all", 2), (7, "10", 20, "SAS", 1), (9, "2", 50, "all", 3)])
    merged = merge_totals(base, [(delta, 1)])
    assert merged.select(["variant_key", "chrom", "grp", "ac", "an"]).to_pylist() == [
        {"variant_key": 5, "chrom": "1", "grp": "EAS", "ac": 1, "an": 12},
        {"variant_key": 5, "chrom": "1", "grp": "all", "ac": 3, "an": 26},
        {"variant_key": 7, "chrom": "10", "grp": "SAS", "ac": 1, "an": 12},  # "10" < "2"
        {"variant_key": 9, "chrom": "2", "grp": "all", "ac": 3, "an": 26},
    ]
    # withdrawing what was added gives the stored totals back, zero rows left out
    assert conform("popfreq_counts", merge_totals(merged, [(delta, -1)])).equals(base)
    assert merge_totals(base, [(base, -1)]).num_rows == 0
    assert merge_totals(base.slice(0, 0), []).num_rows == 0


def test_merge_accepts_rows_out_of_order_and_repeated() -> None:
    """The fast path needs one row per (allele, group) in genome order; anything else is
    sorted and summed with np.add.at, to the same totals."""
    base = _counts([(5, "1", 100, "all", 1), (9, "2", 50, "all", 2)])
    shuffled = _counts([(9, "2", 50, "all", 1), (5, "1", 100, "all", 1), (9, "2", 50, "all", 1)])
    merged = merge_totals(base, [(shuffled, 1)])
    assert merged.select(["variant_key", "ac", "an"]).to_pylist() == [
        {"variant_key": 5, "ac": 2, "an": 24},
        {"variant_key": 9, "ac": 4, "an": 38},
    ]
