"""Benchmark: tumour reports end to end (read + annotate + interpret + render).

Cases, both run in this one invocation:

1. the PCGR COAD example (TCGA-A6-2686, 3,313 variants, with its CNA and fusion files),
   to .json, .html, .fhir.json and .pdf;
2. an exome-scale case of 50,000 variants: the COAD records repeated at shifted positions
   (each copy moved 11 bp, so most stay in the same exons), to .json.

Each report is written by ``genomed report`` in a child process (wall time, peak RSS) and
the script prints variants/second. The reference tool for this job is PCGR, which cannot
run here (it needs Ensembl VEP and its ~20 GB data bundle); as a floor the same VCFs are
decoded by ``bcftools view`` and the ratio printed.

    .venv/bin/python benchmarks/report.py
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from _measure import measure

DEMO = Path(str(files("genomed") / "data" / "demo"))
COAD = DEMO / "T001-COAD.grch38.vcf.gz"
TESTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "interpret"
CNA = TESTS / "T001-COAD.grch38.cna.tsv"
FUSIONS = TESTS / "T001-COAD.grch38.fusions.tsv"
GENOMED = str(Path(sys.executable).parent / "genomed")


def exome_scale_copy(source: Path, n: int, out: Path) -> Path:
    """``n`` records: the records of ``source`` repeated, copy k shifted by 11*k bp."""
    with gzip.open(source, "rt") as handle:
        lines = handle.readlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line.split("\t", 2) for line in lines if not line.startswith("#")]
    written = 0
    records = []
    copy = 0
    while written < n:
        for chrom, pos, rest in body:
            if written == n:
                break
            records.append((chrom, int(pos) + 11 * copy, rest))
            written += 1
        copy += 1
    records.sort(key=lambda r: (r[0], r[1]))
    with gzip.open(out, "wt", compresslevel=1) as handle:
        handle.writelines(header)
        for chrom, pos, rest in records:
            handle.write(f"{chrom}\t{pos}\t{rest}")
    return out


def count_records(path: Path) -> int:
    with gzip.open(path, "rt") as handle:
        return sum(1 for line in handle if not line.startswith("#"))


def run_case(title: str, vcf: Path, outputs: list[str], workdir: Path, extra: list[str]) -> None:
    n = count_records(vcf)
    print(f"\n{title}: {n:,} variants")
    floor = None
    if shutil.which("bcftools"):
        floor = measure(["bcftools", "view", "-Ov", "-o", "/dev/null", str(vcf)])
        print(f"  bcftools view (decode only, floor)   {floor.seconds:7.2f} s")
    for suffix in outputs:
        out = workdir / f"report{suffix}"
        m = measure([GENOMED, "report", str(vcf), "--tumor-type", "COAD", "-o", str(out), *extra])
        ratio = f"  ({m.seconds / floor.seconds:,.0f}x bcftools decode)" if floor else ""
        print(
            f"  genomed report -> {suffix:<11} {m.seconds:7.2f} s  {n / m.seconds:10,.0f} variants/s  "
            f"peak {m.peak_rss_mb:6.0f} MB  {out.stat().st_size / 1024:8.0f} KiB{ratio}"
        )


def main() -> None:
    outputs = [".json", ".html", ".fhir.json"]
    if shutil.which("chromium"):
        outputs.append(".pdf")
    with tempfile.TemporaryDirectory(prefix="genomed-bench-report-") as tmp:
        workdir = Path(tmp)
        run_case(
            "PCGR COAD example (with CNA and fusions)",
            COAD,
            outputs,
            workdir,
            ["--cna", str(CNA), "--fusions", str(FUSIONS)],
        )
        big = exome_scale_copy(COAD, 50_000, workdir / "exome50k.vcf.gz")
        run_case("Exome-scale synthetic case", big, [".json", ".html"], workdir, [])
    print(
        "\nPCGR (the reference tool) is not run: it needs Ensembl VEP and its data bundle, "
        "which cannot be installed on this machine."
    )


if __name__ == "__main__":
    main()
