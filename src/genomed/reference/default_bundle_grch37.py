"""Build the GRCh37 bundle genomed ships: the shipped GRCh38 bundle, lifted.

Run by a developer (``genomed reference build-default --build GRCh37 --shared DIR -o DIR``),
never at run time. Why lifted: the only genome-wide GRCh37 models in the project's shared
data (UCSC refGene hg19) are development-only (their carrier's licence is ambiguous), and
no redistributable GRCh37 model set is obtainable here; the MANE models of the GRCh38
bundle are redistributable, and so is the UCSC GRCh38 -> GRCh37 chain genomed ships
(``data/chain``). :mod:`genomed.reference.bundle_lift` moves every transcript and leaves
out, with the reason, those the chain cannot move cleanly.

Inputs besides the GRCh38 bundle:

* genome slices: the km target catalog's own GRCh37 slices (MIT), the real GRCh37 bases
  around the AML hotspots (GRCh38 slices are not carried over: the assemblies differ);
* a development check, not shipped: every lifted coding transcript whose RefSeq accession
  is in UCSC refGene hg19 is compared with it (coding exons identical?), and the figures go
  into the manifest's ``build_notes`` (``refgene_hg19_check``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from genomed.io.chain import packaged_chain
from genomed.reference.bundle import ReferenceBundle
from genomed.reference.bundle_build import BuildReport, GenomeSlice
from genomed.reference.bundle_lift import lift_bundle
from genomed.reference.fasta import read_fasta_records
from genomed.reference.genepred import read_genepred
from genomed.reference.genome_slices import slice_from_header
from genomed.reference.transcript_model import TranscriptModel

NAME = "genomed-GRCh37-ensembl110-mane1.5-lifted"
VERSION = "2026.1"
KM_GRCH37 = "reference/sequences/genomic/km_catalog/GRCh37/"
KM_LICENCE = "reference/sequences/genomic/km_catalog/LICENSE.km.MIT.txt"
REFGENE_HG19 = "reference/grch37/ucsc_refGene.hg19.2018.txt.gz"


def build_default_grch37_bundle(shared: str | Path, out: str | Path) -> BuildReport:
    """Lift the shipped GRCh38 bundle to GRCh37 into ``out`` (see the module docstring)."""
    shared = Path(shared)
    slices = km_slices(shared / KM_GRCH37)
    report, _ = lift_bundle(
        ReferenceBundle.default("GRCh38"),
        packaged_chain("GRCh38", "GRCh37"),
        out,
        build="GRCh37",
        name=NAME,
        version=VERSION,
        genome_slices=slices,
        extra_sources=[
            {
                "path": str(shared / KM_GRCH37),
                "licence": "MIT (iric-soft/km); Ensembl data",
                "role": "GRCh37 genome slices",
            }
        ],
    )
    licences = Path(out) / "licences"
    licences.mkdir(exist_ok=True)
    (licences / "km_LICENSE.km.MIT.txt").write_bytes((shared / KM_LICENCE).read_bytes())
    source_licences = ReferenceBundle.default("GRCh38").path / "licences"
    for path in sorted(source_licences.iterdir()):
        (licences / path.name).write_bytes(path.read_bytes())
    manifest_path = Path(out) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["build_notes"]["refgene_hg19_check"] = refgene_check(
        ReferenceBundle(out), shared / REFGENE_HG19
    )
    manifest["licence_files"] = sorted(p.name for p in licences.iterdir())
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    report.manifest = manifest
    return report


def km_slices(directory: Path) -> list[GenomeSlice]:
    """The km catalog's GRCh37 slices (headers name chrom:start-end and strand)."""
    slices = []
    for path in sorted(directory.glob("*.fa")):
        for name, description, sequence in read_fasta_records(path):
            placed = slice_from_header(name, description, sequence, f"km:{path.name}")
            if placed is not None:
                slices.append(placed)
    return slices


def refgene_check(bundle: ReferenceBundle, refgene: Path) -> dict:
    """Compare the bundle's coding transcripts with UCSC refGene hg19 by RefSeq accession:
    how many have the same coding exons (genomic CDS segments) as a refGene row of that
    accession on the same chromosome."""
    by_accession: dict[str, list[TranscriptModel]] = {}
    for model in read_genepred(refgene):
        by_accession.setdefault(model.transcript_id.split(".")[0], []).append(model)
    exons: dict[int, list[tuple[int, int]]] = {}
    for r in bundle.exons.select(["transcript_index", "start", "end"]).to_pylist():
        exons.setdefault(r["transcript_index"], []).append((r["start"], r["end"]))
    tally: Counter = Counter()
    differing = []
    for index, row in enumerate(bundle.transcripts.to_pylist()):
        refseq = (row["refseq_id"] or "").split(".")[0]
        if not row["coding"] or not refseq:
            continue
        candidates = by_accession.get(refseq)
        if not candidates:
            tally["not_in_refgene"] += 1
            continue
        ours = coding_segments(row["chrom"], exons[index], (row["cds_start"], row["cds_end"]))
        if any(coding_segments(m.chrom, list(m.exons), m.cds) == ours for m in candidates):
            tally["identical"] += 1
        else:
            tally["differ"] += 1
            differing.append(row["transcript_id"])
    compared = tally["identical"] + tally["differ"]
    return {
        "refgene": refgene.name,
        "compared": compared,
        "identical": tally["identical"],
        "identical_percent": round(100 * tally["identical"] / max(compared, 1), 2),
        "not_in_refgene": tally["not_in_refgene"],
        "differing_examples": differing[:50],
    }


def coding_segments(chrom: str, exons: list[tuple[int, int]], cds: tuple[int, int] | None) -> tuple:
    """(chrom, coding part of each exon...) — what two models must share to code alike."""
    if cds is None:
        return ()
    start, end = cds
    parts = ((max(s, start), min(e, end)) for s, e in sorted(exons) if s <= end and e >= start)
    return (chrom, *parts)
