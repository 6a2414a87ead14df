"""``genomed export vcf``: samples' genotypes back out as a bgzipped, indexed VCF.

Alleles come out split (one ALT per record, as stored). A sample's genotype at a site is
rebuilt from what the workspace recorded: its call (copies, allele mask, phase) where it
carries the allele; ``./.`` where it had an explicit no-call; ``0/0`` where its batch
genotyped the site and it carried nothing; ``./.`` where it was not genotyped at all.
Calls without a genotype in the source (e.g. MAF, Strelka2) come out as ``0/1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from genomed import __version__
from genomed.errors import InputError
from genomed.io.vcf_writer import bgzip_and_index
from genomed.model.chromosome import normalise_chrom, sort_key
from genomed.store.workspace import Workspace


def parse_region(region: str) -> tuple[str, int | None, int | None]:
    """``chr1``, ``1:1000-2000`` or ``1:1,000-2,000`` -> (canonical chrom, start, end)."""
    text = region.replace(",", "")
    if ":" not in text:
        return normalise_chrom(text), None, None
    chrom, span = text.split(":", 1)
    try:
        start_text, _, end_text = span.partition("-")
        start = int(start_text)
        end = int(end_text) if end_text else start
    except ValueError:
        raise InputError(
            f"bad region {region!r}", field="--region", expected="CHROM[:START-END]"
        ) from None
    return normalise_chrom(chrom), start, end


def _genotype_text(alt_count, ploidy, phased, mask) -> str:
    if alt_count is None:
        return "0/1"
    ploidy = ploidy or 2
    if phased and mask is not None:
        return "|".join("1" if mask >> j & 1 else "0" for j in range(ploidy))
    alleles = ["0"] * (ploidy - alt_count) + ["1"] * alt_count
    return "/".join(alleles)


def export_vcf(
    ws: Workspace, out: str | Path, samples: list[str], region: str | None = None
) -> int:
    """Write the samples' genotypes to ``out`` (.vcf.gz, bgzipped + tabix index).

    Returns the number of records written. Unknown sample ids are an InputError.
    """
    con = ws.connect()
    known = {r[0] for r in con.sql("SELECT sample_id FROM samples").fetchall()}
    missing = [s for s in samples if s not in known]
    if missing:
        raise InputError(
            f"unknown samples {missing[:5]}",
            field="--samples",
            expected="ids from `genomed query 'select sample_id from samples'`",
        )
    con.register("_wanted", _table_of(samples))
    where = "TRUE"
    if region:
        chrom, start, end = parse_region(region)
        where = f"v.chrom = '{chrom}'"
        if start is not None:
            where += f" AND v.pos BETWEEN {start} AND {end}"
    sites = con.sql(
        f"""
        SELECT DISTINCT v.variant_key, v.chrom, v.pos, v.ref, v.alt, v.rsid
        FROM variants v
        WHERE {where} AND (
            v.variant_key IN (SELECT variant_key FROM calls WHERE sample_id IN (SELECT s FROM _wanted))
            OR v.variant_key IN (
                SELECT variant_key FROM batch_sites WHERE batch_id IN (
                    SELECT batch_id FROM batch_samples WHERE sample_id IN (SELECT s FROM _wanted))))
        """
    ).fetchall()
    sites.sort(key=lambda r: (sort_key(r[1]), r[2], r[0]))
    index = {r[0]: i for i, r in enumerate(sites)}
    column = {s: j for j, s in enumerate(samples)}
    gts = np.full((len(sites), len(samples)), "./.", dtype=object)
    covered = con.sql(
        """
        SELECT bs.variant_key, m.sample_id FROM batch_sites bs
        JOIN batch_samples m USING (batch_id) WHERE m.sample_id IN (SELECT s FROM _wanted)
        """
    ).fetchall()
    for key, sample in covered:
        if key in index:
            gts[index[key], column[sample]] = "0/0"
    nocalls = con.sql(
        "SELECT variant_key, sample_id FROM nocalls WHERE sample_id IN (SELECT s FROM _wanted)"
    ).fetchall()
    for key, sample in nocalls:
        if key in index:
            gts[index[key], column[sample]] = "./."
    calls = con.sql(
        "SELECT variant_key, sample_id, alt_count, ploidy, phased, allele_mask FROM calls "
        "WHERE sample_id IN (SELECT s FROM _wanted)"
    ).fetchall()
    for key, sample, alt_count, ploidy, phased, mask in calls:
        if key in index:
            gts[index[key], column[sample]] = _genotype_text(alt_count, ploidy, phased, mask)
    return _write(Path(out), sites, gts, samples, ws.build)


def _table_of(samples: list[str]):
    import pyarrow as pa

    return pa.table({"s": pa.array(samples, pa.string())})


def _write(out: Path, sites: list, gts: np.ndarray, samples: list[str], build: str) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    plain = out.with_name(out.name.removesuffix(".gz") + f".tmp-{os.getpid()}")
    chroms = []
    for r in sites:
        if r[1] not in chroms:
            chroms.append(r[1])
    with open(plain, "w") as handle:
        handle.write("##fileformat=VCFv4.2\n")
        handle.write(f"##source=genomed {__version__}\n##reference={build}\n")
        for chrom in chroms:
            handle.write(f"##contig=<ID={chrom}>\n")
        handle.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        handle.write(
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n"
        )
        for i, (_key, chrom, pos, ref, alt, rsid) in enumerate(sites):
            fixed = f"{chrom}\t{pos}\t{rsid or '.'}\t{ref}\t{alt}\t.\t.\t.\tGT\t"
            handle.write(fixed + "\t".join(gts[i]) + "\n")
    bgzip_and_index(plain, out)
    return len(sites)
