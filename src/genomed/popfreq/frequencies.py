"""One wide record per allele: AC/AN/AF/nhomalt/nhemi per group, grpmax, FAF.

Column names are the gnomAD-style INFO keys the sites VCF carries (so the Parquet export,
the VCF and the look-ups all show the same numbers): ``AC``, ``AN``, ``AF``, ``nhomalt``,
``nhemi`` for all samples (adj); ``AC_raw``... over all genotypes; ``AC_<grp>``... per
group (``AC_eas``, ``AC_chb``, ``AC_XX``, ``AC_eas_XX``); ``grpmax`` with ``AC_grpmax``,
``AN_grpmax``, ``AF_grpmax``, ``nhomalt_grpmax``; ``faf95``, ``faf99`` (all samples) and
per grpmax group ``faf95_<grp>``, with ``fafmax_faf95_max`` and its group
``fafmax_faf95_max_gen_anc`` (likewise for faf99).

grpmax (gnomAD's ``pop_max_expr``): among the groups of the grpmax level (super-
populations by default) that are not excluded and have AC > 0, the one with the highest
adj AF; ties go to the group listed first (East and South Asian first). FAF and fafmax
use adj counts too.

Public release (``min_ac``). Rare alleles can identify people, so a group whose AC is
below ``min_ac`` (but not 0) has its AC, AF, nhomalt and nhemi withheld (AN is kept); when
exactly one group of a set of sibling groups (super-populations; the populations of one
super-population; XX/XY; EAS_XX/EAS_XY) is withheld, the sibling with the smallest AC is
withheld too, so the published sums do not give it away. An allele whose overall AC is
withheld is left out. grpmax and fafmax are taken over published groups only.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.model.chromosome import chrom_codes
from genomed.popfreq.filtering_allele_frequency import CONFIDENCES, filtering_allele_frequency
from genomed.popfreq.group_sums import COUNT_COLUMNS
from genomed.popfreq.groups import ALL, GrpmaxSettings, display_order, group_kind, vcf_suffix

METRICS = ("AC", "AN", "AF", "nhomalt", "nhemi")


@dataclass(frozen=True)
class GroupInfo:
    """A sample group of the database: name, kind, parent group, counted samples."""

    name: str
    kind: str  # all | population | super_population | sex | super_population_sex
    parent: str | None
    n_samples: int

    @property
    def suffix(self) -> str:
        return vcf_suffix(self.name)

    def to_dict(self) -> dict:
        return {
            "group": self.name,
            "kind": self.kind,
            "parent": self.parent,
            "samples": self.n_samples,
        }


def load_groups(con: duckdb.DuckDBPyConnection) -> list[GroupInfo]:
    """The groups of the counted samples, in display order (East Asian first)."""
    rows = con.sql(
        """
        WITH s AS (SELECT * FROM popfreq_samples WHERE status = 'counted')
        SELECT 'all' AS grp, NULL AS parent, count(*) AS n FROM s
        UNION ALL SELECT population, mode(super_population), count(*) FROM s
            WHERE population IS NOT NULL GROUP BY population
        UNION ALL SELECT super_population, 'all', count(*) FROM s
            WHERE super_population IS NOT NULL GROUP BY super_population
        UNION ALL SELECT karyotype, 'all', count(*) FROM s
            WHERE karyotype IS NOT NULL GROUP BY karyotype
        UNION ALL SELECT super_population || '_' || karyotype, super_population, count(*) FROM s
            WHERE super_population IS NOT NULL AND karyotype IS NOT NULL GROUP BY ALL
        """
    ).fetchall()
    supers = {
        r[0]
        for r in con.sql(
            "SELECT DISTINCT super_population FROM popfreq_samples WHERE super_population IS NOT NULL"
        ).fetchall()
    }
    info = {name: (parent, n) for name, parent, n in rows if n}
    order = display_order(list(info), supers, {k: v[0] for k, v in info.items()})
    return [GroupInfo(g, group_kind(g, supers), info[g][0], int(info[g][1])) for g in order]


def _dense(counts: pa.Table, groups: list[str]):
    """Long counts -> (variant keys, chrom, pos, {column: int64 [V, G]})."""
    keys = counts.column("variant_key").to_numpy()
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    g_index = pc.index_in(counts.column("grp"), value_set=pa.array(groups, pa.string()))
    g_index = g_index.to_numpy(zero_copy_only=False)
    known = ~np.isnan(g_index.astype(np.float64)) if g_index.dtype == object else g_index >= 0
    g_index = np.where(known, g_index, 0).astype(np.int64)
    shape = (len(uniq), len(groups))
    dense = {}
    for column in ("ac", "an", "nhomalt", "nhemi", "ac_raw", "an_raw", "nhomalt_raw", "nhemi_raw"):
        values = counts.column(column).fill_null(0).to_numpy().astype(np.int64)
        matrix = np.zeros(shape, dtype=np.int64)
        np.add.at(matrix, (inverse[known], g_index[known]), values[known])
        dense[column] = matrix
    chrom = counts.column("chrom").take(pa.array(first))
    pos = counts.column("pos").take(pa.array(first))
    return uniq, chrom, pos, dense


def _withheld(ac: np.ndarray, groups: list[GroupInfo], min_ac: int) -> np.ndarray:
    """[V, G] mask of group counts withheld from a public release (see module doc)."""
    hidden = (ac > 0) & (ac < min_ac)
    index = {g.name: i for i, g in enumerate(groups)}
    sets: dict[tuple[str, str | None], list[int]] = {}
    for g in groups:
        if g.kind == "all":
            continue
        parent = g.parent if g.kind in ("population", "super_population_sex") else ALL
        sets.setdefault((g.kind, parent), []).append(index[g.name])
    for members in sets.values():
        if len(members) < 2:
            continue
        sub_hidden = hidden[:, members]
        single = sub_hidden.sum(axis=1) == 1
        if not single.any():
            continue
        sub_ac = np.where(
            sub_hidden | (ac[:, members] == 0), np.iinfo(np.int64).max, ac[:, members]
        )
        pick = np.argmin(sub_ac, axis=1)
        can = single & (sub_ac[np.arange(len(pick)), pick] != np.iinfo(np.int64).max)
        rows = np.flatnonzero(can)
        hidden[rows, np.asarray(members)[pick[rows]]] = True
    return hidden


def _int_column(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int32), mask=mask)


def site_frequencies(
    counts: pa.Table,
    groups: list[GroupInfo],
    grpmax: GrpmaxSettings,
    *,
    min_ac: int | None = None,
) -> pa.Table:
    """Wide records (one per allele, genome order) from ``popfreq_counts`` rows.

    ``groups`` (from :func:`load_groups`) fixes the columns and their order. With
    ``min_ac``, the public-release rule of the module doc applies.
    """
    names = [g.name for g in groups]
    if counts.num_rows == 0:
        keys, chrom, pos = (
            np.zeros(0, np.int64),
            pa.array([], pa.string()),
            pa.array([], pa.int32()),
        )
        dense = {c: np.zeros((0, len(names)), np.int64) for c in COUNT_COLUMNS}
    else:
        keys, chrom, pos, dense = _dense(counts, names)
    ac, an = dense["ac"], dense["an"]
    hidden = np.zeros(ac.shape, dtype=bool)
    all_i = names.index(ALL) if ALL in names else None
    keep = np.ones(len(keys), dtype=bool)
    if min_ac and min_ac > 1:
        hidden = _withheld(ac, groups, min_ac)
        if all_i is not None:
            keep = ~hidden[:, all_i]
    with np.errstate(invalid="ignore", divide="ignore"):
        af = np.where(an > 0, ac / np.maximum(an, 1), np.nan)
    columns: dict[str, pa.Array] = {
        "variant_key": pa.array(keys, pa.int64()),
        "chrom": chrom,
        "pos": pos,
    }
    for i, g in enumerate(groups):
        s = g.suffix
        withheld = hidden[:, i]
        columns[f"AC{s}"] = _int_column(ac[:, i], withheld)
        columns[f"AN{s}"] = _int_column(an[:, i])
        columns[f"AF{s}"] = pa.array(af[:, i], mask=withheld | np.isnan(af[:, i]))
        columns[f"nhomalt{s}"] = _int_column(dense["nhomalt"][:, i], withheld)
        columns[f"nhemi{s}"] = _int_column(dense["nhemi"][:, i], withheld)
        if g.kind == "all":
            raw_ac, raw_an = dense["ac_raw"][:, i], dense["an_raw"][:, i]
            raw_hidden = (raw_ac > 0) & (raw_ac < (min_ac or 0))
            with np.errstate(invalid="ignore", divide="ignore"):
                raw_af = np.where(raw_an > 0, raw_ac / np.maximum(raw_an, 1), np.nan)
            columns["AC_raw"] = _int_column(raw_ac, raw_hidden)
            columns["AN_raw"] = _int_column(raw_an)
            columns["AF_raw"] = pa.array(raw_af, mask=raw_hidden | np.isnan(raw_af))
            columns["nhomalt_raw"] = _int_column(dense["nhomalt_raw"][:, i], raw_hidden)
            columns["nhemi_raw"] = _int_column(dense["nhemi_raw"][:, i], raw_hidden)
    # grpmax over candidate groups that are published and carry the allele
    candidates = [
        i for i, g in enumerate(groups) if g.kind == grpmax.level and not grpmax.excluded(g.name)
    ]
    n = len(keys)
    if candidates:
        cand_af = np.where(
            (ac[:, candidates] > 0) & ~hidden[:, candidates], af[:, candidates], -1.0
        )
        best = np.argmax(cand_af, axis=1)  # first maximum = first in display order
        found = cand_af[np.arange(n), best] > 0
        chosen = np.asarray(candidates)[best]
    else:
        found = np.zeros(n, dtype=bool)
        chosen = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    columns["grpmax"] = pa.array(
        np.asarray(names, dtype=object)[chosen] if n else [],
        pa.string(),
        mask=~found if n else None,
    )
    columns["AC_grpmax"] = _int_column(ac[rows, chosen], ~found)
    columns["AN_grpmax"] = _int_column(an[rows, chosen], ~found)
    columns["AF_grpmax"] = pa.array(af[rows, chosen] if n else np.zeros(0), mask=~found)
    columns["nhomalt_grpmax"] = _int_column(dense["nhomalt"][rows, chosen], ~found)
    # filtering allele frequencies (adj)
    for label, ci in CONFIDENCES.items():
        if all_i is not None:
            columns[label] = pa.array(filtering_allele_frequency(ac[:, all_i], an[:, all_i], ci))
        per_group = np.zeros((n, len(candidates)))
        for j, i in enumerate(candidates):
            value = filtering_allele_frequency(ac[:, i], an[:, i], ci)
            columns[f"{label}{groups[i].suffix}"] = pa.array(value, mask=hidden[:, i])
            per_group[:, j] = np.where(hidden[:, i], -1.0, value)
        if candidates:
            best = np.argmax(per_group, axis=1)
            has = per_group[rows, best] > 0
            columns[f"fafmax_{label}_max"] = pa.array(
                per_group[rows, best] if n else np.zeros(0), mask=~has
            )
            columns[f"fafmax_{label}_max_gen_anc"] = pa.array(
                np.asarray([groups[i].name for i in candidates], dtype=object)[best] if n else [],
                pa.string(),
                mask=~has if n else None,
            )
    table = pa.table(columns)
    codes = chrom_codes(np.asarray(chrom.to_pylist(), dtype=object)) if n else np.zeros(0, np.int64)
    order = np.lexsort((keys, pos.to_numpy(), np.where(codes == 0, 100, codes)))
    order = order[keep[order]]
    return table.take(pa.array(order, pa.int64()))


def attach_alleles(wide: pa.Table, alleles: pa.Table) -> pa.Table:
    """Add ``ref``/``alt``/``rsid`` (from rows of ``variants``) to wide rows, keeping their order."""
    alleles = alleles.group_by("variant_key", use_threads=False).aggregate(
        [("ref", "first"), ("alt", "first"), ("rsid", "first")]
    )
    index = pc.index_in(wide.column("variant_key"), value_set=alleles.column("variant_key"))
    for name in ("ref", "alt", "rsid"):
        wide = wide.append_column(name, alleles.column(f"{name}_first").take(index))
    return wide
