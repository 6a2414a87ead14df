"""``genomed reference build``: a bundle from the user's own model and sequence files.

Models come from genePred / GFF3 / GTF (:func:`genomed.reference.gff.read_models`);
sequences from a genome FASTA (spliced along each model) and/or a cDNA FASTA whose
record names are transcript ids (with or without version). A small genome (up to
``keep_genome_max`` bases, 64 Mb by default) is stored in the bundle too, so intronic
indels shift 3' without the FASTA at annotation time.
"""

from __future__ import annotations

from pathlib import Path

from genomed.errors import InputError
from genomed.reference.bundle_build import BuildReport, GenomeSlice, SequenceInput, build_bundle
from genomed.reference.fasta import IndexedGenome, read_fasta
from genomed.reference.gff import read_models
from genomed.reference.mane import read_mane_summary

KEEP_GENOME_MAX = 64 * 1024 * 1024


def build_reference_bundle(
    models: list[str | Path] | str | Path,
    out: str | Path,
    *,
    build: str,
    fasta: str | Path | None = None,
    transcripts: str | Path | None = None,
    mane: str | Path | None = None,
    name: str | None = None,
    version: str = "1",
    canonical_only: bool = False,
    keep_genome_max: int = KEEP_GENOME_MAX,
    licence: str = "supplied by the user (not recorded)",
) -> BuildReport:
    """Build a bundle in ``out`` from model files (+ optional sequences).

    Raises :class:`InputError` for unreadable inputs, before anything is written.
    """
    if build not in ("GRCh37", "GRCh38") and not build:
        raise InputError("--build is required (GRCh38, GRCh37 or another assembly name)")
    model_paths = [Path(p) for p in ([models] if isinstance(models, str | Path) else models)]
    all_models = []
    for path in model_paths:
        all_models.extend(read_models(path))
    if not all_models:
        raise InputError("no transcript models found", path=str(model_paths[0]))
    sources = [{"path": str(p), "licence": licence, "role": "models"} for p in model_paths]
    sequences: dict[str, SequenceInput] = {}
    if transcripts is not None:
        cdna = read_fasta(transcripts)
        by_plain = {k.split(".")[0]: k for k in cdna}
        for m in all_models:
            key = m.transcript_id if m.transcript_id in cdna else None
            if key is None and "." not in m.transcript_id:
                key = by_plain.get(m.transcript_id)
            if key is None:
                key = by_plain.get(m.transcript_id.split(".")[0])
                if key is not None and key != m.transcript_id and "." in m.transcript_id:
                    key = None  # a different version: never attach silently
            if key is not None:
                sequences[m.transcript_id] = SequenceInput(
                    cdna[key], Path(transcripts).name, key, f"cDNA {key}"
                )
        sources.append({"path": str(transcripts), "licence": licence, "role": "cDNA"})
    genome = None
    slices: list[GenomeSlice] = []
    if fasta is not None:
        indexed = IndexedGenome(fasta)
        genome = indexed.fetch
        sources.append({"path": str(fasta), "licence": licence, "role": "genome"})
        if sum(indexed.lengths.values()) <= keep_genome_max:
            for chrom, length in indexed.lengths.items():
                slices.append(
                    GenomeSlice(chrom, 1, length, indexed.fetch(chrom, 1, length), Path(fasta).name)
                )
    mane_records = None
    if mane is not None:
        mane_records = read_mane_summary(mane)
        sources.append({"path": str(mane), "licence": "MANE: public", "role": "MANE ids"})
    return build_bundle(
        all_models,
        out,
        build=build,
        name=name or Path(out).name,
        version=version,
        sources=sources,
        sequences=sequences,
        genome=genome,
        genome_slices=slices,
        mane=mane_records,
        canonical_only=canonical_only,
        description=f"built from {', '.join(p.name for p in model_paths)}",
    )
