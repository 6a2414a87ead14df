"""Benchmark: ingest the 2,504-sample 1000 Genomes VCF vs ``bcftools view -Ou`` decoding it.

Both run on the same file in the same run; the script prints wall time, peak RSS and the
ratio (genomed speed as a fraction of bcftools'). genomed is timed twice: as the command a
user types (``genomed ingest vcf``, interpreter start-up and imports included) and as
the in-process call (``ingest_vcf(...)`` timed inside the child, after its imports).
``--scale N`` also ingests a file N times larger (the records repeated at shifted
positions) to show that time grows linearly and peak memory stays flat. ``--repeat N``
runs every measurement N times, interleaved (the machine is shared; single runs vary by
tens of percent), and reports medians. ``--baseline SRC`` also times another checkout's
``src`` folder in the same rounds (before/after a change).

    .venv/bin/python benchmarks/ingest_vcf.py [--scale 4] [--repeat 5] [--baseline /tmp/old/src]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from _measure import measure

VCF = Path(str(files("genomed") / "data" / "demo" / "1000G_phase3_chr1_11697036-11836540.vcf.gz"))
PANEL = VCF.parent / "integrated_call_samples_v3.20130502.ALL.panel"
GENOMED = Path(sys.executable).parent / "genomed"

IN_PROCESS = """
import sys, time
from genomed.store.ingest_vcf import ingest_vcf, VcfIngestOptions
start = time.perf_counter()
ingest_vcf(sys.argv[1], sys.argv[2], VcfIngestOptions(build="GRCh37", sample_map=sys.argv[3]))
print(time.perf_counter() - start)
"""


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


def _env(src: str | None) -> dict | None:
    if src is None:
        return None
    return os.environ | {"PYTHONPATH": src}


def genomed_command(vcf: Path, ws: Path, src: str | None = None):
    """``genomed ingest vcf`` as a user runs it: wall time and peak RSS."""
    args = [str(GENOMED), "ingest", "vcf", str(vcf), "-w", str(ws), "--build", "GRCh37"]
    return measure([*args, "--sample-map", str(PANEL)], env=_env(src))


def genomed_in_process(vcf: Path, ws: Path, src: str | None = None) -> float:
    """Seconds of the ``ingest_vcf`` call alone (after the child's imports)."""
    args = [sys.executable, "-c", IN_PROCESS, str(ws), str(vcf), str(PANEL)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=_env(src))
    return float(out.stdout.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="also ingest a file N times larger")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs; medians shown")
    parser.add_argument("--baseline", help="another checkout's src/ to time in the same rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inputs = [("x1", VCF)]
        if args.scale > 1:
            inputs.append((f"x{args.scale}", scaled_copy(VCF, args.scale, work / "scaled.vcf.gz")))
        variants = [("genomed", None)] + ([("baseline", args.baseline)] if args.baseline else [])
        results: dict = {}
        bcftools_s, bcftools_rss = [], []
        for i in range(args.repeat):  # one round: every tool and input once
            b = measure(["bcftools", "view", "-Ou", "-o", "/dev/null", str(VCF)])
            bcftools_s.append(b.seconds)
            bcftools_rss.append(b.peak_rss_mb)
            for name, src in variants:
                for scale, vcf in inputs:
                    slot = results.setdefault((name, scale), {"command": [], "rss": [], "in": []})
                    run = genomed_command(vcf, work / f"{name}-{scale}-{i}-command", src)
                    slot["command"].append(run.seconds)
                    slot["rss"].append(run.peak_rss_mb)
                    slot["in"].append(genomed_in_process(vcf, work / f"{name}-{scale}-{i}", src))
        print(f"input: {VCF.name} (2,504 samples, 4,296 records); medians of {args.repeat} runs")
        b_sec = _median(bcftools_s)
        b_rss = _median(bcftools_rss)  # medians: a run's reading can include the forked parent
        print(f"bcftools view -Ou        : {b_sec:6.2f} s   peak RSS {b_rss:7.1f} MB")
        for (name, scale), r in results.items():
            cmd, inside = _median(r["command"]), _median(r["in"])
            line = (
                f"{name:8s} {scale:>4s} command: {cmd:6.2f} s (in-process {inside:5.2f} s)"
                f"   peak RSS {_median(r['rss']):7.1f} MB"
            )
            if scale == "x1":
                line += f"   ratio to bcftools {b_sec / cmd:.2f} ({b_sec / inside:.2f} in-process)"
            print(line)
            if args.repeat > 1:
                runs = ", ".join(f"{s:.2f}" for s in r["command"])
                print(f"{'':14s}runs: {runs}")


if __name__ == "__main__":
    main()
