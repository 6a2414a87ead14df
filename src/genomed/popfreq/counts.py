"""Per-group AC, AN, nhomalt and nhemi (adj and raw) of a set of samples over a set of alleles.

One function, :func:`group_counts`, computes the contribution of a *cohort* of samples
(each counted from one VCF batch) to a *scope* of alleles, in DuckDB over the workspace
tables (see :mod:`genomed.store.schema` for their columns). The database is the sum of
such contributions, so adding a batch adds its contribution and withdrawing a sample
subtracts its own: the sums equal a rebuild exactly (integers, no rounding).

Who is callable where (AN). A sample is callable at an allele when its batch genotyped the
allele's site (``batch_samples`` x ``batch_sites``) or when one of its ``callable``
intervals (gVCF reference blocks, ``--callable`` BED) covers the position. Callable
without a stored call means homozygous reference with the expected ploidy of
:mod:`genomed.popfreq.sex_chromosomes`. The sparse rows change that default:

- a ``nocalls`` row: only ``called_alleles`` alleles were called (``./.`` -> 0,
  ``./1`` -> 1); on haploid ground (XY outside the PARs, MT) any gap makes the genotype
  missing;
- a ``calls`` row: ``alt_count`` copies of the allele in a genotype of ``ploidy`` alleles.
  On haploid ground a diploid call is made haploid as gnomAD does
  (``adjusted_sex_ploidy_expr``): hom-alt -> one alt allele (hemizygous), het -> missing.

Nothing is done per sample or per allele in Python. Base AN (every sample of a batch at
every site the batch genotyped) depends only on which batches genotyped an allele and on
its kind of region, so it is computed once per such *pattern* (samples per batch and cell
x expected ploidy) and given to each allele of the pattern. Interval hom-ref rows and the
stored genotypes are aggregated per (allele, cell) in DuckDB; cells are summed into
groups with ``np.bincount`` (:mod:`genomed.popfreq.group_sums`). The previous layout, one
row per allele x cell summed in a DuckDB GROUP BY with eight 128-bit sums, was most of a
build's time.

Output columns are those of the ``popfreq_counts`` table.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.popfreq.adj import AdjFilter
from genomed.popfreq.group_sums import (
    COUNT_COLUMNS,
    BaseAlleleNumbers,
    CountRows,
    count_values,
    counts_table,
    level_maps,
    pattern_sums,
    sum_by_allele_and_group,
)
from genomed.popfreq.groups import GROUP_LEVELS
from genomed.popfreq.sex_chromosomes import ploidy_table, region_sql

#: expected ploidy of a karyotype column at a scope row ``v`` (p_xx/p_xy/p_unknown)
_EXPECTED = "(CASE {kt} WHEN 'XX' THEN v.p_xx WHEN 'XY' THEN v.p_xy ELSE v.p_unknown END)"


_COHORT_SCHEMA = pa.schema(
    [
        ("sample_id", pa.string()),
        ("batch_id", pa.string()),
        ("population", pa.string()),
        ("super_population", pa.string()),
        ("karyotype", pa.string()),
    ]
)


def empty_counts() -> pa.Table:
    from genomed.store.schema import empty_table

    return empty_table("popfreq_counts")


def _prepare(con: duckdb.DuckDBPyConnection, cohort: pa.Table, scope_sql: str, build: str) -> None:
    con.register("_pf_cohort_in", cohort.select(_COHORT_SCHEMA.names).cast(_COHORT_SCHEMA))
    con.register("_pf_ploidy", ploidy_table())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pf_scope AS
        SELECT (row_number() OVER (ORDER BY s.chrom, s.pos, s.variant_key) - 1)::BIGINT AS ord,
               s.variant_key, s.chrom, s.pos, s.region,
               max(p.ploidy) FILTER (WHERE p.karyotype = 'XX') AS p_xx,
               max(p.ploidy) FILTER (WHERE p.karyotype = 'XY') AS p_xy,
               max(p.ploidy) FILTER (WHERE p.karyotype = 'unknown') AS p_unknown
        FROM (SELECT variant_key, chrom, pos, {region_sql(build)} AS region FROM (
                SELECT variant_key, any_value(chrom) AS chrom, any_value(pos) AS pos
                FROM ({scope_sql}) GROUP BY variant_key)) s
        JOIN _pf_ploidy p ON p.region = s.region
        GROUP BY s.variant_key, s.chrom, s.pos, s.region
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pf_cells AS
        SELECT row_number() OVER (ORDER BY population, super_population, karyotype) AS cell_id, *
        FROM (SELECT DISTINCT population, super_population, karyotype FROM _pf_cohort_in)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pf_cohort AS
        SELECT c.sample_id, c.batch_id, k.cell_id, coalesce(c.karyotype, 'unknown') AS kt
        FROM _pf_cohort_in c JOIN _pf_cells k
          ON k.population IS NOT DISTINCT FROM c.population
         AND k.super_population IS NOT DISTINCT FROM c.super_population
         AND k.karyotype IS NOT DISTINCT FROM c.karyotype
        """
    )
    # Each cell belongs to at most one group per level: (cell_id, grp) pairs, so the
    # cell -> group expansion is one join and one aggregation over integer keys.
    levels = " UNION ALL ".join(
        f"SELECT cell_id, {label} AS grp FROM _pf_cells WHERE {condition}"
        for label, condition in GROUP_LEVELS
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pf_cell_groups AS
        SELECT cell_id::INTEGER AS cell_id, grp FROM ({levels})
        """
    )


def _base_alleles(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """Base AN of the cohort's batches: (``ord``, ``pattern``) per allele genotyped by
    one of the batches, and (``pattern``, ``cell_id``, ``an``): samples of the cell in
    those batches x their expected ploidy. Alleles share a pattern when the same batches
    genotyped them and they lie in the same kind of region."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pf_batch_cells AS
        SELECT batch_id, cell_id, kt, count(*) AS n FROM _pf_cohort GROUP BY ALL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pf_pairs AS
        SELECT DISTINCT s.batch_id, v.ord FROM batch_sites s JOIN _pf_scope v USING (variant_key)
        WHERE s.batch_id IN (SELECT batch_id FROM _pf_batch_cells)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pf_allele_pattern AS
        SELECT x.ord, v.p_xx, v.p_xy, v.p_unknown,
               (dense_rank() OVER (ORDER BY x.batches, v.p_xx, v.p_xy, v.p_unknown) - 1)::BIGINT
                   AS pattern
        FROM (SELECT ord, string_agg(batch_id, ',' ORDER BY batch_id) AS batches
              FROM _pf_pairs GROUP BY ord) x
        JOIN _pf_scope v USING (ord)
        """
    )
    alleles = con.sql("SELECT ord, pattern FROM _pf_allele_pattern").arrow().read_all()
    cells = (
        con.sql(
            f"""
        SELECT p.pattern, bc.cell_id::INTEGER AS cell_id,
               sum(bc.n * {_EXPECTED.format(kt="bc.kt").replace("v.", "p.")})::BIGINT AS an
        FROM (SELECT DISTINCT a.pattern, x.batch_id, a.p_xx, a.p_xy, a.p_unknown
              FROM _pf_pairs x JOIN _pf_allele_pattern a USING (ord)) p
        JOIN _pf_batch_cells bc USING (batch_id)
        GROUP BY ALL
        """
        )
        .arrow()
        .read_all()
    )
    return alleles, cells


def _per_cell_sql(adj: AdjFilter) -> str:
    zeros = ", ".join(f"0 AS {c}" for c in ("ac", "nhomalt", "nhemi"))
    zeros_raw = ", ".join(f"0 AS {c}" for c in ("ac_raw", "nhomalt_raw", "nhemi_raw"))
    return f"""
    WITH
    interval_pairs AS (
        SELECT DISTINCT k.sample_id, v.variant_key, v.p_xx, v.p_xy, v.p_unknown
        FROM callable k
        JOIN _pf_cohort c ON c.sample_id = k.sample_id AND c.batch_id = k.batch_id
        JOIN _pf_scope v ON v.chrom = k.chrom AND v.pos BETWEEN k.start AND k."end"
        WHERE NOT EXISTS (SELECT 1 FROM batch_sites b
                          WHERE b.batch_id = k.batch_id AND b.variant_key = v.variant_key)
    ),
    interval_base AS (
        SELECT x.variant_key, c.cell_id, sum({
        _EXPECTED.format(kt="c.kt").replace("v.", "x.")
    }) AS an
        FROM interval_pairs x JOIN _pf_cohort c USING (sample_id)
        GROUP BY ALL
    ),
    calls_c AS (
        SELECT c.sample_id, c.variant_key, h.cell_id, h.kt, c.alt_count, c.ploidy, c.dp, c.gq,
               c.ad_ref, c.ad_alt
        FROM calls c JOIN _pf_cohort h ON h.sample_id = c.sample_id AND h.batch_id = c.batch_id
        WHERE c.alt_count > 0 AND c.variant_key IN (SELECT variant_key FROM _pf_scope)
    ),
    nocalls_c AS (
        SELECT n.sample_id, n.variant_key, h.cell_id, h.kt, min(n.called_alleles) AS called
        FROM nocalls n JOIN _pf_cohort h ON h.sample_id = n.sample_id AND h.batch_id = n.batch_id
        WHERE n.variant_key IN (SELECT variant_key FROM _pf_scope)
        GROUP BY ALL
    ),
    exceptions AS (
        SELECT coalesce(a.sample_id, b.sample_id) AS sample_id,
               coalesce(a.variant_key, b.variant_key) AS variant_key,
               coalesce(a.cell_id, b.cell_id) AS cell_id, coalesce(a.kt, b.kt) AS kt,
               a.alt_count, coalesce(a.ploidy, 2) AS gt_ploidy, a.dp, a.gq, a.ad_ref, a.ad_alt,
               b.called
        FROM calls_c a FULL OUTER JOIN nocalls_c b
          ON a.sample_id = b.sample_id AND a.variant_key = b.variant_key
    ),
    typed AS (
        SELECT * FROM (
            SELECT e.*, v.region, {_EXPECTED.format(kt="e.kt")} AS expected
            FROM exceptions e JOIN _pf_scope v USING (variant_key))
        WHERE expected > 0
    ),
    genotypes AS (
        SELECT variant_key, cell_id, expected, alt_count IS NOT NULL AS has_call,
               dp, gq, ad_ref, ad_alt,
               CASE WHEN expected >= 2 THEN coalesce(called, gt_ploidy)
                    WHEN called IS NOT NULL THEN 0
                    WHEN gt_ploidy = 1 OR alt_count >= gt_ploidy THEN 1
                    ELSE 0 END AS an_eff,
               CASE WHEN expected >= 2 THEN coalesce(alt_count, 0)
                    WHEN called IS NOT NULL THEN 0
                    WHEN gt_ploidy = 1 THEN least(coalesce(alt_count, 0), 1)
                    WHEN alt_count >= gt_ploidy THEN 1
                    ELSE 0 END AS ac_eff,
               coalesce(expected >= 2 AND called IS NULL AND gt_ploidy >= 2
                        AND alt_count >= gt_ploidy, FALSE) AS hom,
               coalesce(expected >= 2 AND called IS NULL AND alt_count = 1
                        AND gt_ploidy = 2, FALSE) AS het,
               (expected = 1 OR gt_ploidy = 1) AS haploid_gt,
               region IN ('X_nonpar', 'Y_nonpar') AND expected = 1 AS hemizygous_ground
        FROM typed
    ),
    judged AS (
        SELECT *, (NOT has_call OR {adj.pass_sql(het="het", haploid="haploid_gt")}) AS pass,
               hemizygous_ground AND ac_eff > 0 AS hemi
        FROM genotypes
    ),
    exception_sums AS (
        SELECT variant_key, cell_id,
               sum(CASE WHEN pass THEN ac_eff ELSE 0 END) AS ac,
               sum(CASE WHEN pass THEN an_eff ELSE 0 END - expected) AS an,
               sum((pass AND hom)::INT) AS nhomalt,
               sum((pass AND hemi)::INT) AS nhemi,
               sum(ac_eff) AS ac_raw,
               sum(an_eff - expected) AS an_raw,
               sum(hom::INT) AS nhomalt_raw,
               sum(hemi::INT) AS nhemi_raw
        FROM judged GROUP BY ALL
    ),
    per_cell AS (
        SELECT variant_key, cell_id, {zeros}, an, {zeros_raw}, an AS an_raw FROM interval_base
        UNION ALL
        SELECT variant_key, cell_id, ac, nhomalt, nhemi, an, ac_raw, nhomalt_raw, nhemi_raw,
               an_raw FROM exception_sums
    )
    SELECT v.ord, x.cell_id::INTEGER AS cell_id,
           {", ".join(f"x.{c}::BIGINT AS {c}" for c in COUNT_COLUMNS)}
    FROM per_cell x JOIN _pf_scope v USING (variant_key)
    """


def group_counts(
    con: duckdb.DuckDBPyConnection,
    cohort: pa.Table,
    scope_sql: str,
    *,
    build: str,
    adj: AdjFilter,
) -> pa.Table:
    """Counts contributed by ``cohort`` to the alleles of ``scope_sql``.

    ``con`` is a workspace connection (:meth:`Workspace.connect`). ``cohort`` has
    ``sample_id``, ``batch_id`` (the batch whose genotypes count), ``population``,
    ``super_population``, ``karyotype`` (XX | XY | null). ``scope_sql`` is a SELECT
    returning ``variant_key``, ``chrom``, ``pos``. Returns rows of ``popfreq_counts``
    (groups whose counts are all zero are left out) in genome order.
    """
    if cohort.num_rows == 0:
        return empty_counts()
    _prepare(con, cohort, scope_sql, build)
    cells = con.sql(_per_cell_sql(adj)).arrow().read_all()
    alleles = (
        con.sql("SELECT variant_key, chrom, pos FROM _pf_scope ORDER BY ord").arrow().read_all()
    )
    membership = con.execute("SELECT cell_id, grp FROM _pf_cell_groups").fetchall()
    names = sorted({grp for _, grp in membership})
    index = {grp: i for i, grp in enumerate(names)}
    n_cells = max(cell for cell, _ in membership) + 1
    levels = level_maps([(cell, index[grp]) for cell, grp in membership], n_cells)
    base_alleles, base_cells = _base_alleles(con)
    n_patterns = int(pc.max(base_alleles.column("pattern")).as_py() or 0) + 1
    pattern_rows = CountRows(
        allele=base_cells.column("pattern").to_numpy(),
        slot=base_cells.column("cell_id").to_numpy().astype(np.int64),
        values=base_cells.column("an").to_numpy().astype(np.float64)[None, :],
    )
    pattern_of = np.full(alleles.num_rows, -1, np.int64)
    pattern_of[base_alleles.column("ord").to_numpy()] = base_alleles.column("pattern").to_numpy()
    base = BaseAlleleNumbers(pattern_of, pattern_sums(pattern_rows, n_patterns, levels, len(names)))
    rows = CountRows(
        allele=cells.column("ord").to_numpy(),
        slot=cells.column("cell_id").to_numpy().astype(np.int64),
        values=count_values(cells),
    )
    allele, group, sums = sum_by_allele_and_group(
        [rows], alleles.num_rows, levels, len(names), base
    )
    return counts_table(alleles, names, allele, group, sums)


def missing_field_counts(con: duckdb.DuckDBPyConnection, cohort: pa.Table) -> dict[str, int]:
    """How many non-reference calls of ``cohort`` lack GQ, DP or AD (the adj filter
    cannot judge them; see :mod:`genomed.popfreq.adj`)."""
    if cohort.num_rows == 0:
        return {"calls": 0, "without_gq": 0, "without_dp": 0, "without_ad": 0}
    con.register("_pf_mf", cohort.select(["sample_id", "batch_id"]))
    n, gq, dp, ad = con.execute(
        """
        SELECT count(*), count(*) - count(c.gq), count(*) - count(c.dp), count(*) - count(c.ad_alt)
        FROM calls c JOIN _pf_mf h ON h.sample_id = c.sample_id AND h.batch_id = c.batch_id
        WHERE c.alt_count > 0
        """
    ).fetchall()[0]
    con.unregister("_pf_mf")
    return {"calls": n, "without_gq": gq, "without_dp": dp, "without_ad": ad}
