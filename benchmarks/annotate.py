"""Benchmark ``genomed annotate`` against ``bcftools csq`` on the same FASTA + GFF3 + VCF.

Two inputs, both run through both tools in one go:

1. **real**: the real RefSeqGene records in benchmarks/data/mutalyzer_refseqgene
   (NG_017013.2 (TP53), NG_007485.1 (CDKN2A), NG_012337.3 (SDHD), NG_008376.4 (CYP2D6),
   NG_012772.1 (BRCA2) with their GFF3; see PROVENANCE.md there), each its own contig; every SNV at every position plus
   a 1-bp deletion, a 1-bp insertion and a 3-bp deletion at every third position.
2. **generated**: a random genome (default 10 contigs x 10 Mb) with thousands of genes
   (valid ORFs, GT-AG introns, 1-3 transcripts each) and 1,000,000 variants (88% SNVs,
   the rest 1-10 bp indels; 60% near genes).

For each: variants/second of both tools (wall clock, whole command including start-up
and bundle/GFF loading; both read the same FASTA; the genomed bundle is built beforehand
and its build time is reported separately), the ratio, and each tool's peak RSS. On the real input it also
prints the consequence agreement with bcftools csq (genomed.annotate.agreement), by
disagreement class.

Usage: ``python benchmarks/annotate.py [--variants 1000000]
[--workdir DIR] [--skip-real] [--skip-generated] [--repeat N] [--json]``; with
``--repeat N`` each tool runs N times, interleaved, and the median is reported (the
machine is shared: single runs vary by tens of percent).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
REAL_SLICES = Path(__file__).resolve().parent / "data" / "mutalyzer_refseqgene"
GENOMED = [sys.executable, "-c", "from genomed.cli.main import app; app()"]

CODONS = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"]
SENSE = [c for c in CODONS if c not in ("TAA", "TAG", "TGA")]
COMP = str.maketrans("ACGT", "TGCA")


def rc(s: str) -> str:
    return s.translate(COMP)[::-1]


# -- running a tool ----------------------------------------------------------------------
def run(cmd: list[str], **kw) -> tuple[float, int]:
    """(wall seconds, peak RSS in MiB) of one command. RSS comes from GNU time when it is
    installed (a child forked from this large process would report our pages too)."""
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    full = [timer, "-f", "peak_rss_kib=%M", *cmd] if timer else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode()
    if status != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err[-2000:]}")
    peak = usage.ru_maxrss
    for line in err.splitlines():
        if line.startswith("peak_rss_kib="):
            peak = int(line.split("=")[1])
    return seconds, peak // 1024


# -- GFF3 written the way bcftools csq wants it (Ensembl style) ---------------------------
def write_gff3(models, path: Path, contig_of=lambda c: c) -> None:
    lines = ["##gff-version 3"]
    genes = defaultdict(list)
    for m in models:
        genes[(m.chrom, m.gene or m.transcript_id)].append(m)
    for (_, gene), group in genes.items():
        chrom = contig_of(group[0].chrom)
        strand = "+" if group[0].strand > 0 else "-"
        start, end = min(m.start for m in group), max(m.end for m in group)
        gid = f"G_{chrom}_{gene}"
        coding = any(m.cds for m in group)
        biotype = "protein_coding" if coding else "lncRNA"
        lines.append(
            f"{chrom}\tbench\tgene\t{start}\t{end}\t.\t{strand}\t.\tID=gene:{gid};Name={gene};biotype={biotype}"
        )
        for m in group:
            tid = m.transcript_id
            kind = "mRNA" if m.cds else "lnc_RNA"
            tb = "protein_coding" if m.cds else "lncRNA"
            lines.append(
                f"{chrom}\tbench\t{kind}\t{m.start}\t{m.end}\t.\t{strand}\t.\t"
                f"ID=transcript:{tid};Parent=gene:{gid};Name={tid};biotype={tb}"
            )
            for s, e in m.exons:
                lines.append(
                    f"{chrom}\tbench\texon\t{s}\t{e}\t.\t{strand}\t.\tParent=transcript:{tid}"
                )
            if m.cds:
                segs = [
                    (max(s, m.cds[0]), min(e, m.cds[1]))
                    for s, e in m.exons
                    if min(e, m.cds[1]) >= max(s, m.cds[0])
                ]
                ordered = segs if m.strand > 0 else segs[::-1]
                done = 0
                phases = {}
                for s, e in ordered:
                    phases[(s, e)] = (3 - done % 3) % 3
                    done += e - s + 1
                for s, e in segs:
                    lines.append(
                        f"{chrom}\tbench\tCDS\t{s}\t{e}\t.\t{strand}\t{phases[(s, e)]}\t"
                        f"ID=CDS:{tid};Parent=transcript:{tid}"
                    )
                # bcftools csq takes UTRs from UTR features, not from exons minus CDS
                for s, e in m.exons:
                    for lo, hi, left in (
                        (s, min(e, m.cds[0] - 1), True),
                        (max(s, m.cds[1] + 1), e, False),
                    ):
                        if lo <= hi:
                            five = left == (m.strand > 0)
                            kind = "five_prime_UTR" if five else "three_prime_UTR"
                            lines.append(
                                f"{chrom}\tbench\t{kind}\t{lo}\t{hi}\t.\t{strand}\t.\tParent=transcript:{tid}"
                            )
    path.write_text("\n".join(lines) + "\n")


def write_fasta(contigs: dict[str, str], path: Path) -> None:
    with open(path, "w") as handle:
        for name, seq in contigs.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                handle.write(seq[i : i + 60] + "\n")
    import pysam

    pysam.faidx(str(path))


def write_vcf(contigs: dict[str, str], variants, path: Path) -> None:
    """Sorted, bgzipped, indexed sites-only VCF."""
    plain = path.with_suffix("")
    with open(plain, "w") as handle:
        handle.write("##fileformat=VCFv4.2\n")
        for name, seq in contigs.items():
            handle.write(f"##contig=<ID={name},length={len(seq)}>\n")
        handle.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for chrom, pos, ref, alt in variants:
            handle.write(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\n")
    import pysam

    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    plain.unlink()


# -- the real input ----------------------------------------------------------------------
def real_input(work: Path):
    """Contigs, models and variants from the real RefSeqGene records in benchmarks/data."""
    sys.path.insert(0, str(REPO / "src"))
    from genomed.reference.fasta import read_fasta_records
    from genomed.reference.gff import read_gff3

    contigs: dict[str, str] = {}
    models = []
    for ng in ("NG_017013.2", "NG_007485.1", "NG_012337.3", "NG_008376.4", "NG_012772.1"):
        name, _, seq = next(read_fasta_records(REAL_SLICES / f"{ng}.fasta"))
        contig = ng.replace(".", "_")
        contigs[contig] = seq
        for m in read_gff3(REAL_SLICES / f"{ng}.gff3"):
            if m.chrom != ng and m.chrom != contig:
                pass
            if m.exons[-1][1] > len(seq):
                continue
            models.append(
                m.__class__(
                    m.transcript_id,
                    contig,
                    m.strand,
                    m.exons,
                    m.cds,
                    m.gene,
                    m.gene_id,
                    m.biotype,
                    m.transcript_name,
                )
            )
    variants = []
    rng = random.Random(11)
    for contig, seq in contigs.items():
        for p in range(2, len(seq) - 5):
            r = seq[p - 1]
            if r not in "ACGT":
                continue
            variants += [(contig, p, r, a) for a in "ACGT" if a != r]
            if p % 3 == 0 and set(seq[p - 1 : p + 4]) <= set("ACGT"):
                variants.append((contig, p, seq[p - 1 : p + 1], r))
                variants.append((contig, p, r, r + rng.choice("ACGT")))
                variants.append((contig, p, seq[p - 1 : p + 4], r))
    return contigs, models, variants


# -- the generated input -----------------------------------------------------------------
def generated_input(
    n_contigs: int, contig_len: int, genes_per_contig: int, n_variants: int, seed: int = 5
):
    sys.path.insert(0, str(REPO / "src"))
    from genomed.reference.transcript_model import TranscriptModel

    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    contigs, models = {}, []
    gene_spans = []
    for c in range(1, n_contigs + 1):
        chrom = str(c)
        seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, contig_len)].copy()
        slot = contig_len // genes_per_contig
        for g in range(genes_per_contig):
            start = g * slot + 2000 + py.randrange(0, max(1, slot // 10))
            n_exons = py.randint(2, 12)
            exon_lens = [py.randint(60, 300) for _ in range(n_exons)]
            intron_lens = [py.randint(120, 1500) for _ in range(n_exons - 1)]
            span = sum(exon_lens) + sum(intron_lens)
            if start + span + 2000 > (g + 1) * slot:
                continue
            exons, pos = [], start
            for i, length in enumerate(exon_lens):
                exons.append((pos, pos + length - 1))
                pos += length
                if i < n_exons - 1:
                    seq[pos - 1 : pos + 1] = np.frombuffer(b"GT", np.uint8)
                    seq[pos + intron_lens[i] - 3 : pos + intron_lens[i] - 1] = np.frombuffer(
                        b"AG", np.uint8
                    )
                    pos += intron_lens[i]
            total = sum(exon_lens)
            strand = py.choice((1, -1))
            utr5, utr3 = py.randint(20, 80), py.randint(30, 200)
            cds_len = (total - utr5 - utr3) // 3 * 3
            gene = f"GEN{c}_{g}"
            coding = cds_len >= 60 and py.random() < 0.9
            # transcript-orientation cDNA, then written onto the exons
            if coding:
                body = (
                    "ATG"
                    + "".join(py.choice(SENSE) for _ in range(cds_len // 3 - 2))
                    + py.choice(("TAA", "TAG", "TGA"))
                )
                left = "".join(py.choice("ACGT") for _ in range(utr5))
                right = "".join(py.choice("ACGT") for _ in range(total - utr5 - len(body)))
                cdna = left + body + right
            else:
                cdna = "".join(py.choice("ACGT") for _ in range(total))
            plus_strand = cdna if strand > 0 else rc(cdna)
            k = 0
            for s, e in exons:
                seq[s - 1 : e] = np.frombuffer(plus_strand[k : k + e - s + 1].encode(), np.uint8)
                k += e - s + 1
            cds = None
            if coding:
                # genomic span of cDNA positions utr5+1 .. utr5+len(body)
                def genomic(cpos, exons=exons, strand=strand, total=total):
                    x = cpos if strand > 0 else total - cpos + 1
                    for s, e in exons:
                        if x <= e - s + 1:
                            return s + x - 1
                        x -= e - s + 1
                    raise ValueError

                a, b = genomic(utr5 + 1), genomic(utr5 + len(body))
                cds = (min(a, b), max(a, b))
            tx = TranscriptModel(
                f"TX{c}_{g}_1",
                chrom,
                strand,
                tuple(exons),
                cds,
                gene,
                gene,
                "protein_coding" if coding else "lncRNA",
                f"{gene}-201",
            )
            models.append(tx)
            skippable = [i for i in range(1, n_exons - 1) if exon_lens[i] % 3 == 0]
            if py.random() < 0.5 and skippable:  # an isoform skipping an in-frame inner exon
                skip = py.choice(skippable)
                iso = tuple(x for i, x in enumerate(exons) if i != skip)
                if cds is None or (
                    iso[0][0] <= cds[0]
                    and cds[1] <= iso[-1][1]
                    and all(not (s <= cds[0] <= e) or True for s, e in iso)
                ):
                    starts_ok = (
                        cds is None
                        or any(s <= cds[0] <= e for s, e in iso)
                        and any(s <= cds[1] <= e for s, e in iso)
                    )
                    if starts_ok:
                        models.append(
                            TranscriptModel(
                                f"TX{c}_{g}_2",
                                chrom,
                                strand,
                                iso,
                                cds,
                                gene,
                                gene,
                                tx.biotype,
                                f"{gene}-202",
                            )
                        )
            gene_spans.append((chrom, start - 5000, pos + 5000))
        contigs[chrom] = seq.tobytes().decode()
    # variants
    variants = []
    n_gene = int(n_variants * 0.6)
    spans = np.array([(int(s), int(e)) for _, s, e in gene_spans])
    span_chrom = [c for c, _, _ in gene_spans]
    picks = rng.integers(0, len(gene_spans), n_gene)
    positions = []
    for i in picks:
        s, e = spans[i]
        positions.append((span_chrom[i], int(rng.integers(max(2, s), min(e, contig_len - 20)))))
    for _ in range(n_variants - n_gene):
        c = str(int(rng.integers(1, n_contigs + 1)))
        positions.append((c, int(rng.integers(2, contig_len - 20))))
    for chrom, p in positions:
        seq = contigs[chrom]
        r = seq[p - 1]
        u = py.random()
        if u < 0.88:
            variants.append((chrom, p, r, py.choice([b for b in "ACGT" if b != r])))
        elif u < 0.94:
            k = py.randint(1, 10)
            variants.append((chrom, p, seq[p - 1 : p + k], r))
        else:
            k = py.randint(1, 10)
            variants.append((chrom, p, r, r + "".join(py.choice("ACGT") for _ in range(k))))
    variants = sorted(set(variants), key=lambda v: (int(v[0]), v[1], v[2], v[3]))
    return contigs, models, variants


# -- agreement on the real input ---------------------------------------------------------
def agreement(csq_vcf: Path, annotations: Path, bundle: Path) -> dict:
    """Per (variant, transcript) agreement with bcftools csq -l (see agreement.py).

    bcftools reports intronic hits per gene without a transcript; those are checked
    against the union of genomed's terms over the gene's transcripts. Transcripts whose
    sequence failed genomed's validation (incomplete CDS, e.g. RefSeqGene records' partial
    neighbour genes) get no codon-level prediction from genomed by design: they are
    counted apart.
    """
    import pyarrow.parquet as pq
    import pysam

    sys.path.insert(0, str(REPO / "src"))
    from genomed.annotate.agreement import (
        Agreement,
        bcftools_terms,
        genomed_terms_for_bcftools,
        most_severe,
    )
    from genomed.model.normalise import trim_alleles
    from genomed.reference.bundle import ReferenceBundle

    failed = {
        r["transcript_id"].split(".")[0] for r in ReferenceBundle(bundle).validation.to_pylist()
    }
    by_tx: dict = defaultdict(dict)
    by_gene: dict = defaultdict(lambda: defaultdict(set))
    columns = ["chrom", "pos", "ref", "alt", "transcript", "gene", "consequence"]
    for r in pq.read_table(annotations, columns=columns).to_pylist():
        if r["transcript"]:
            key = (r["chrom"], r["pos"], r["ref"], r["alt"])
            by_tx[key][r["transcript"].split(".")[0]] = r
            by_gene[key][r["gene"]] |= genomed_terms_for_bcftools(r["consequence"])
    severe, full, gene_level, unvalidated = Agreement(), Agreement(), Agreement(), Agreement()
    for rec in pysam.VariantFile(str(csq_vcf)):
        pos, ref, alt = trim_alleles(rec.pos, rec.ref, rec.alts[0])
        key = (rec.chrom, pos, ref, alt)
        groups = defaultdict(set)
        for entry in rec.info.get("BCSQ") or ():
            f = entry.split("|")
            if len(f) >= 3 and not f[0].startswith("@"):
                groups[f[2] or "gene:" + f[1]] |= bcftools_terms(f[0])
        for name, theirs in groups.items():
            example = f"{rec.chrom}:{rec.pos} {rec.ref}>{rec.alts[0]} {name}"
            if name.startswith("gene:"):
                ours = by_gene[key].get(name[5:], set())
                gene_level.add(
                    theirs <= ours, (tuple(sorted(theirs - ours)), "gene-level"), example
                )
                continue
            row = by_tx[key].get(name.split(".")[0])
            our = genomed_terms_for_bcftools(row["consequence"] if row else None)
            pair = (most_severe(our), most_severe(theirs))
            target = unvalidated if name.split(".")[0] in failed else severe
            target.add(pair[0] == pair[1], pair, example)
            if target is severe:
                full.add(our == theirs, (tuple(sorted(our)), tuple(sorted(theirs))), example)
    return {
        "most_severe": severe.to_dict(),
        "full_set": full.to_dict(),
        "gene_level_intron": gene_level.to_dict(),
        "transcripts_failing_validation": unvalidated.to_dict(),
        "failed_transcripts": sorted(failed),
    }


def compare(
    name: str, contigs, models, variants, work: Path, with_agreement: bool, repeat: int = 1
) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    from genomed.reference.build import build_reference_bundle

    work.mkdir(parents=True, exist_ok=True)
    fasta, gff, vcf = work / "genome.fa", work / "genes.gff3", work / "variants.vcf.gz"
    write_fasta(contigs, fasta)
    write_gff3(models, gff)
    write_vcf(contigs, variants, vcf)
    bundle = work / "bundle"
    shutil.rmtree(bundle, ignore_errors=True)
    t0 = time.perf_counter()
    report = build_reference_bundle(gff, bundle, build="GRCh38", fasta=fasta)
    build_seconds = time.perf_counter() - t0
    n = len(variants)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    ours_out = work / "genomed.vcf.gz"
    theirs_out = work / "bcftools.vcf.gz"
    ours, theirs = [], []
    for _ in range(repeat):  # interleaved, so both tools see the same machine load
        ours.append(run(GENOMED + ["annotate", str(vcf), "-o", str(ours_out), "--bundle", str(bundle),
                                   "--fasta", str(fasta), "--all-transcripts", "--no-knowledge"],
                        env=env))  # fmt: skip
        theirs.append(run(["bcftools", "csq", "-l", "-f", str(fasta), "-g", str(gff), "-O", "z",
                           "-o", str(theirs_out), str(vcf)]))  # fmt: skip
    g_sec, g_rss = float(np.median([t for t, _ in ours])), max(r for _, r in ours)
    b_sec, b_rss = float(np.median([t for t, _ in theirs])), max(r for _, r in theirs)
    result = {
        "input": name,
        "contigs": len(contigs),
        "bases": sum(len(s) for s in contigs.values()),
        "transcripts": report.transcripts,
        "variants": n,
        "bundle_build_seconds": round(build_seconds, 1),
        "runs": repeat,
        "genomed": {
            "seconds": round(g_sec, 2),
            "runs_seconds": [round(t, 2) for t, _ in ours],
            "variants_per_second": round(n / g_sec),
            "peak_rss_mib": g_rss,
        },
        "bcftools_csq": {
            "seconds": round(b_sec, 2),
            "runs_seconds": [round(t, 2) for t, _ in theirs],
            "variants_per_second": round(n / b_sec),
            "peak_rss_mib": b_rss,
        },
        "ratio_genomed_over_bcftools": round(b_sec / g_sec, 3),
    }
    if with_agreement:
        table = work / "genomed.parquet"
        run(GENOMED + ["annotate", str(vcf), "-o", str(table), "--bundle", str(bundle),
                       "--fasta", str(fasta), "--all-transcripts", "--no-knowledge"], env=env)  # fmt: skip
        result["agreement"] = agreement(theirs_out, table, bundle)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", type=int, default=1_000_000)
    parser.add_argument("--contigs", type=int, default=10)
    parser.add_argument("--contig-length", type=int, default=10_000_000)
    parser.add_argument("--genes-per-contig", type=int, default=600)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each tool; the median is reported"
    )
    args = parser.parse_args()
    if shutil.which("bcftools") is None:
        sys.exit("bcftools is required")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="genomed-bench-"))
    results = []
    if not args.skip_real:
        contigs, models, variants = real_input(work / "real")
        results.append(
            compare("real slices", contigs, models, variants, work / "real", True, args.repeat)
        )
    if not args.skip_generated:
        contigs, models, variants = generated_input(
            args.contigs, args.contig_length, args.genes_per_contig, args.variants
        )
        results.append(
            compare(
                "generated genome",
                contigs,
                models,
                variants,
                work / "generated",
                False,
                args.repeat,
            )  # fmt: skip
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        g, b = r["genomed"], r["bcftools_csq"]
        print(f"== {r['input']}: {r['variants']:,} variants, {r['transcripts']:,} transcripts, "
              f"{r['bases']:,} bp (bundle built in {r['bundle_build_seconds']} s)")  # fmt: skip
        print(
            f"   genomed annotate : {g['seconds']:8.2f} s  {g['variants_per_second']:>9,} variants/s  peak RSS {g['peak_rss_mib']:,} MiB"
        )
        print(
            f"   bcftools csq -l  : {b['seconds']:8.2f} s  {b['variants_per_second']:>9,} variants/s  peak RSS {b['peak_rss_mib']:,} MiB"
        )
        if r["runs"] > 1:
            print(f"   (medians of {r['runs']} interleaved runs: genomed {g['runs_seconds']}, "
                  f"bcftools {b['runs_seconds']} s)")  # fmt: skip
        print(f"   ratio (genomed speed / bcftools speed): {r['ratio_genomed_over_bcftools']:.2f}")
        if "agreement" in r:
            a = r["agreement"]["most_severe"]
            f = r["agreement"]["full_set"]
            g = r["agreement"]["gene_level_intron"]
            u = r["agreement"]["transcripts_failing_validation"]
            print(f"   consequence agreement with bcftools csq (validated transcripts): most severe "
                  f"{a['rate']:.2%} of {a['compared']:,} pairs; full term set {f['rate']:.2%}")  # fmt: skip
            for d in a["disagreements"][:15]:
                print(
                    f"     {d['count']:>6,}  genomed {d['genomed']} / bcftools {d['other']}  e.g. {d['example']}"
                )
            print(
                f"   gene-level intron calls of bcftools found by genomed: {g['rate']:.2%} of {g['compared']:,}"
            )
            print(
                f"   transcripts failing genomed's validation ({', '.join(r['agreement']['failed_transcripts'])}): "
                f"most severe {u['rate']:.2%} of {u['compared']:,} (genomed withholds codon-level terms)"
            )
    print(f"(work files in {work})")


if __name__ == "__main__":
    main()
