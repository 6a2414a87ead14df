"""Benchmark: "multi-sample VCF + population panel -> per-population AC/AN/AF".

genomed (ingest + ``popfreq build``) against ``bcftools +fill-tags -- -S groups -t AC,AN,AF``
on the same 2,504-sample 1000 Genomes file, in one run; then adding 100 new genomes to a
database of all the other genomes incrementally (``popfreq add``) against a full rebuild.
Prints wall time, peak RSS and the ratios. Each job runs in its own process (interpreter
start-up included, like bcftools'); the in-process seconds of each genomed step are shown
too.

``--sites N`` repeats the file's records N times at shifted positions (copies carry no
rsIDs); ``--samples N`` repeats its genotype columns N times as new samples
(``HG00096_2``...) with the same panel labels. Both show how the jobs scale.

    .venv/bin/python benchmarks/popfreq.py [--repeat 3] [--sites 1] [--samples 1]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from _measure import Measurement, measure

VCF = Path(str(files("genomed") / "data" / "demo" / "1000G_phase3_chr1_11697036-11836540.vcf.gz"))
PANEL = VCF.parent / "integrated_call_samples_v3.20130502.ALL.panel"

_JOB = """
import json, sys, time
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.popfreq.database import add_new_batches, build_popfreq
ws, step, vcf, panel = sys.argv[1:5]
t = {}
if vcf != "-":
    start = time.perf_counter()
    ingest_vcf(ws, vcf, VcfIngestOptions(build="GRCh37", sample_map=panel))
    t["ingest"] = time.perf_counter() - start
start = time.perf_counter()
(build_popfreq if step == "build" else add_new_batches)(ws)
t[step] = time.perf_counter() - start
print(json.dumps(t))
"""


def genomed(
    ws: Path, step: str, vcf: Path | None, out: Path, panel: Path = PANEL
) -> tuple[Measurement, dict]:
    """Run one genomed job in a fresh process; (wall/RSS, in-process seconds per step)."""
    with open(out, "w") as handle:
        m = measure(
            [sys.executable, "-c", _JOB, str(ws), step, str(vcf) if vcf else "-", str(panel)],
            stdout=handle,
        )
    return m, json.loads(out.read_text().strip().splitlines()[-1])


def median_of(runs: list[tuple[Measurement, dict]]) -> tuple[Measurement, dict]:
    seconds = statistics.median(m.seconds for m, _ in runs)
    rss = max(m.peak_rss_mb for m, _ in runs)
    steps = {k: statistics.median(t[k] for _, t in runs) for k in runs[0][1]}
    return Measurement(seconds, rss), steps


#: distance between copies of the records with --sites (the file spans ~140 kb)
SITE_SHIFT = 200_000
_END = re.compile(r"(?<![A-Z_])END=(\d+)")


def scaled_input(work: Path, sites: int, samples: int) -> tuple[Path, Path]:
    """(VCF, panel): the demo file with records x ``sites`` and samples x ``samples``."""
    if sites == 1 and samples == 1:
        return VCF, PANEL
    header = subprocess.run(
        ["bcftools", "view", "-h", str(VCF)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    body = subprocess.run(
        ["bcftools", "view", "-H", str(VCF)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    names = header[-1].split("\t")[9:]
    columns = header[-1].split("\t")[:9]
    copies = [names] + [[f"{n}_{j}" for n in names] for j in range(2, samples + 1)]
    plain = work / f"scaled_{sites}x{samples}.vcf"
    with open(plain, "w") as out:
        out.write("\n".join(header[:-1]) + "\n")
        out.write("\t".join(columns + [n for c in copies for n in c]) + "\n")
        for k in range(sites):
            for line in body:
                fields = line.split("\t", 9)
                if k:
                    fields[1] = str(int(fields[1]) + k * SITE_SHIFT)
                    fields[2] = "."
                    fields[7] = _END.sub(
                        lambda m, d=k * SITE_SHIFT: f"END={int(m[1]) + d}", fields[7]
                    )
                genotypes = fields[9]
                out.write("\t".join(fields[:9]) + ("\t" + genotypes) * samples + "\n")
    vcf = plain.with_suffix(".vcf.gz")
    subprocess.run(["bcftools", "view", "-Oz", "-o", str(vcf), str(plain)], check=True)
    plain.unlink()
    lines = PANEL.read_text().splitlines()
    panel = work / "scaled.panel"
    rows = [lines[0]] + lines[1:]
    for j in range(2, samples + 1):
        rows += [f"{f.split(chr(9), 1)[0]}_{j}\t{f.split(chr(9), 1)[1]}" for f in lines[1:]]
    panel.write_text("\n".join(rows) + "\n")
    return vcf, panel


def row(label: str, m: Measurement, note: str = "") -> None:
    print(f"  {label:<44} {m.seconds:7.2f} s   peak RSS {m.peak_rss_mb:7.1f} MB   {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per job (median reported)")
    parser.add_argument("--sites", type=int, default=1, help="repeat the records N times")
    parser.add_argument("--samples", type=int, default=1, help="repeat the samples N times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        vcf, panel = scaled_input(work, args.sites, args.samples)
        groups = work / "groups.tsv"
        lines = panel.read_text().splitlines()[1:]
        groups.write_text("".join(f"{f.split()[0]}\t{f.split()[1]}\n" for f in lines))
        fill_tags = [
            "bcftools", "+fill-tags", str(vcf), "-Ob", "-o", str(work / "filled.bcf"),
            "--", "-S", str(groups), "-t", "AC,AN,AF",
        ]  # fmt: skip
        bcf = [measure(fill_tags) for _ in range(args.repeat)]
        bcf_m = Measurement(
            statistics.median(m.seconds for m in bcf), max(m.peak_rss_mb for m in bcf)
        )
        runs = []
        for i in range(args.repeat):
            runs.append(genomed(work / f"full{i}", "build", vcf, work / f"full{i}.json", panel))
        ours, steps = median_of(runs)
        names = subprocess.run(
            ["bcftools", "query", "-l", str(vcf)], capture_output=True, text=True, check=True
        ).stdout.split()
        records = 4296 * args.sites
        print(
            f"input: {VCF.name} x{args.sites} sites x{args.samples} samples "
            f"({len(names):,} samples, {records:,} records), 26 populations"
        )
        print("whole job: VCF + panel -> per-population AC/AN/AF")
        row("bcftools +fill-tags -S groups -t AC,AN,AF", bcf_m)
        row(
            "genomed ingest + popfreq build",
            ours,
            f"(in process: ingest {steps['ingest']:.2f} s, build {steps['build']:.2f} s)",
        )
        print(f"  ratio genomed / bcftools: {ours.seconds / bcf_m.seconds:.2f}x the time")
        # incremental: all but 100 genomes built, then the last 100 (one population)
        old, new = work / "old.vcf.gz", work / "new100.vcf.gz"
        for path, subset in ((old, names[:-100]), (new, names[-100:])):
            subprocess.run(
                ["bcftools", "view", "-s", ",".join(subset), "-Oz", "-o", str(path), str(vcf)],
                check=True,
            )
        base = work / "base"
        genomed(base, "build", old, work / "base.json", panel)
        add_runs, rebuild_runs = [], []
        for i in range(args.repeat):
            for kind, bucket in (("add", add_runs), ("build", rebuild_runs)):
                ws = work / f"{kind}{i}"
                shutil.copytree(base, ws)
                ingest_only = [sys.executable, "-c", _JOB.split("start = time.perf_counter()\n(")[0],
                               str(ws), kind, str(new), str(panel)]  # fmt: skip
                subprocess.run(ingest_only, check=True, capture_output=True)
                bucket.append(genomed(ws, kind, None, work / f"{kind}{i}.json", panel))
        add_m, add_t = median_of(add_runs)
        rebuild_m, rebuild_t = median_of(rebuild_runs)
        print(
            f"incremental: {len(names) - 100:,} genomes in the database, 100 new genomes ingested"
        )
        row("genomed popfreq add (incremental)", add_m, f"(in process {add_t['add']:.2f} s)")
        row(
            "genomed popfreq build (full rebuild)",
            rebuild_m,
            f"(in process {rebuild_t['build']:.2f} s)",
        )
        print(
            f"  ratio rebuild / incremental: {rebuild_m.seconds / add_m.seconds:.2f}x wall, "
            f"{rebuild_t['build'] / add_t['add']:.2f}x in process"
        )


if __name__ == "__main__":
    main()
