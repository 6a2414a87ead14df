"""Benchmark: ingest the 2,504-sample 1000 Genomes VCF vs ``bcftools view -Ou`` decoding it.

Both run on the same file in the same run; the script prints wall time, peak RSS and the
ratio (genomed speed as a fraction of bcftools'). ``--scale N`` also ingests a file N times
larger (the records repeated at shifted positions) to show that peak memory stays flat.

    .venv/bin/python benchmarks/ingest_vcf.py [--scale 4]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from _measure import measure

VCF = Path(str(files("genomed") / "data" / "demo" / "1000G_phase3_chr1_11697036-11836540.vcf.gz"))
PANEL = VCF.parent / "integrated_call_samples_v3.20130502.ALL.panel"


def scaled_copy(source: Path, times: int, out: Path) -> Path:
    """The records of ``source`` repeated ``times`` times, each copy shifted 200 kb."""
    with gzip.open(source, "rt") as handle:
        lines = handle.readlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line.split("\t", 2) for line in lines if not line.startswith("#")]
    with gzip.open(out, "wt", compresslevel=1) as handle:
        handle.writelines(header)
        for copy in range(times):
            shift = copy * 200_000
            for chrom, pos, rest in body:
                handle.write(f"{chrom}\t{int(pos) + shift}\t{rest}")
    return out


def genomed_ingest(vcf: Path, workdir: Path):
    ws = workdir / f"ws-{vcf.stem}"
    code = (
        "import sys; from genomed.store.ingest_vcf import ingest_vcf, VcfIngestOptions; "
        "ingest_vcf(sys.argv[1], sys.argv[2], VcfIngestOptions(build='GRCh37', sample_map=sys.argv[3]))"
    )
    return measure([sys.executable, "-c", code, str(ws), str(vcf), str(PANEL)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="also ingest a file N times larger")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bcftools = measure(["bcftools", "view", "-Ou", "-o", "/dev/null", str(VCF)])
        ours = genomed_ingest(VCF, workdir)
        print(f"input: {VCF.name} (2,504 samples, 4,296 records)")
        print(
            f"bcftools view -Ou : {bcftools.seconds:6.2f} s   peak RSS {bcftools.peak_rss_mb:7.1f} MB"
        )
        print(f"genomed ingest vcf: {ours.seconds:6.2f} s   peak RSS {ours.peak_rss_mb:7.1f} MB")
        print(
            f"ratio (genomed speed / bcftools decode speed): {bcftools.seconds / ours.seconds:.2f}"
        )
        if args.scale > 1:
            big = scaled_copy(VCF, args.scale, workdir / "scaled.vcf.gz")
            scaled = genomed_ingest(big, workdir)
            print(
                f"genomed ingest vcf x{args.scale}: {scaled.seconds:6.2f} s   "
                f"peak RSS {scaled.peak_rss_mb:7.1f} MB (flat memory: compare with x1)"
            )


if __name__ == "__main__":
    main()
