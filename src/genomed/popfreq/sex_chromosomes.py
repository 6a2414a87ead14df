"""Expected ploidy of a genotype from where the allele is and the sample's karyotype.

Two data tables (``data/``) hold the constants: ``pseudoautosomal_regions.tsv`` (GRC's
PAR1/PAR2 on X and Y for GRCh37 and GRCh38) and ``ploidy_by_region.tsv`` (the ploidy
each karyotype contributes in each region class). Region classes: ``autosome``
(1..22 and any other contig), ``X_par``, ``X_nonpar``, ``Y_par``, ``Y_nonpar``, ``MT``.
Karyotypes: ``XX``, ``XY`` and ``unknown``.

An XY sample contributes one allele outside the PARs (hemizygous); an XX sample none on
Y; a sample of unknown karyotype is left out of non-PAR X/Y (gnomAD counts only samples
whose sex karyotype was inferred as XX or XY there).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

import pyarrow as pa

REGIONS = ("autosome", "X_par", "X_nonpar", "Y_par", "Y_nonpar", "MT")
KARYOTYPES = ("XX", "XY", "unknown")


def _data(name: str):
    return files("genomed.popfreq") / "data" / name


@cache
def pseudoautosomal_regions(build: str) -> tuple[tuple[str, int, int, str], ...]:
    """(chrom, start, end, name) of each PAR of ``build``, 1-based inclusive."""
    with _data("pseudoautosomal_regions.tsv").open() as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["build"] == build]
    if not rows:
        raise ValueError(f"no pseudo-autosomal regions for build {build!r}")
    return tuple((r["chrom"], int(r["start"]), int(r["end"]), r["name"]) for r in rows)


@cache
def ploidy_table() -> pa.Table:
    """``ploidy_by_region.tsv`` as an Arrow table (region, karyotype, ploidy)."""
    with _data("ploidy_by_region.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return pa.table(
        {
            "region": [r["region"] for r in rows],
            "karyotype": [r["karyotype"] for r in rows],
            "ploidy": pa.array([int(r["ploidy"]) for r in rows], pa.int32()),
        }
    )


def expected_ploidy(region: str, karyotype: str | None) -> int:
    """Alleles one sample of ``karyotype`` (XX, XY, None = unknown) contributes in ``region``."""
    table = ploidy_table().to_pylist()
    wanted = karyotype or "unknown"
    for row in table:
        if row["region"] == region and row["karyotype"] == wanted:
            return row["ploidy"]
    raise KeyError((region, karyotype))


def region_sql(build: str, chrom: str = "chrom", pos: str = "pos") -> str:
    """A DuckDB expression giving the region class of ``chrom``/``pos`` columns."""

    def inside(name: str) -> str:
        spans = [
            f"{pos} BETWEEN {start} AND {end}"
            for c, start, end, _ in pseudoautosomal_regions(build)
            if c == name
        ]
        return "(" + " OR ".join(spans) + ")" if spans else "FALSE"

    return (
        f"CASE WHEN {chrom} = 'X' THEN (CASE WHEN {inside('X')} THEN 'X_par' ELSE 'X_nonpar' END) "
        f"WHEN {chrom} = 'Y' THEN (CASE WHEN {inside('Y')} THEN 'Y_par' ELSE 'Y_nonpar' END) "
        f"WHEN {chrom} = 'MT' THEN 'MT' ELSE 'autosome' END"
    )


def region_of(build: str, chrom: str, pos: int) -> str:
    """Region class of one position (see :func:`region_sql`)."""
    if chrom == "MT":
        return "MT"
    if chrom not in ("X", "Y"):
        return "autosome"
    for c, start, end, _ in pseudoautosomal_regions(build):
        if c == chrom and start <= pos <= end:
            return f"{chrom}_par"
    return f"{chrom}_nonpar"
