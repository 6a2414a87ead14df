"""A reference bundle on another assembly: its transcript models lifted with a chain file.

Why: MANE and the other redistributable models genomed ships are GRCh38 only, while much
clinical data is still on GRCh37. A transcript's exon structure is the same biology on both
assemblies; only where it sits differs. So the GRCh37 bundle is the GRCh38 one with every
exon (and the CDS ends) moved by the UCSC chain, keeping a transcript only when the move is
clean:

* both ends of every exon lift, onto one chromosome and one strand of the chain (a region
  inverted between the assemblies flips the transcript's strand), and the exon keeps its
  length (no assembly gap or indel inside an exon);
* the exons stay in order without overlapping;
* the CDS start and end lift inside the lifted exons to the same cDNA positions.

Anything else is left out and listed in the manifest's ``build_notes`` with the reason,
never shipped half-right. cDNA sequences are the transcripts' own (RefSeq / Ensembl
cDNAs: assembly-independent) and are carried over and re-validated against the lifted
models; genome slices are assembly-specific and are not carried over: pass the target
assembly's own slices instead (``genome_slices``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genomed.io.chain import ChainFile
from genomed.reference.bundle import ReferenceBundle
from genomed.reference.bundle_build import BuildReport, GenomeSlice, SequenceInput, build_bundle
from genomed.reference.transcript_model import TranscriptModel

#: source-bundle transcript columns carried into the lifted models' attributes
CARRIED = (
    "mane_select",
    "mane_plus_clinical",
    "refseq_id",
    "protein_id",
    "refseq_protein",
    "hgnc_id",
)


@dataclass
class LiftOutcome:
    """Lifted models and the transcripts that could not be lifted (id, gene, reason)."""

    models: list[TranscriptModel]
    dropped: list[dict]


def bundle_models(bundle: ReferenceBundle) -> tuple[list[TranscriptModel], set[str]]:
    """The bundle's transcripts back as :class:`TranscriptModel` (with the attributes the
    builder reads) and the set of canonical transcript ids."""
    tx = bundle.transcripts.to_pylist()
    exons: dict[int, list[tuple[int, int]]] = {}
    for row in bundle.exons.select(["transcript_index", "start", "end"]).to_pylist():
        exons.setdefault(row["transcript_index"], []).append((row["start"], row["end"]))
    models, canonical = [], set()
    for index, row in enumerate(tx):
        attributes = {key: row[key] for key in CARRIED if row.get(key)}
        for flag in (row.get("flags") or "").split(","):
            if flag:
                attributes[flag] = True
        cds = (row["cds_start"], row["cds_end"]) if row["coding"] else None
        models.append(
            TranscriptModel(
                transcript_id=row["transcript_id"],
                chrom=row["chrom"],
                strand=row["strand"],
                exons=tuple(sorted(exons[index])),
                cds=cds,
                gene=row["gene"],
                gene_id=row["gene_id"],
                biotype=row["biotype"],
                transcript_name=row["transcript_name"],
                attributes=attributes,
            )
        )
        if row["canonical"]:
            canonical.add(row["transcript_id"])
    return models, canonical


def lift_models(models: list[TranscriptModel], chain: ChainFile) -> LiftOutcome:
    """Lift every model with ``chain`` (rules in the module docstring), vectorised: all
    exon ends and CDS ends of all models go through the chain in one call."""
    chroms, positions, owner = [], [], []
    for i, m in enumerate(models):
        ends = [p for s, e in m.exons for p in (s, e)]
        if m.cds is not None:
            ends += [m.cds[0], m.cds[1]]
        chroms += [m.chrom] * len(ends)
        positions += ends
        owner += [i] * len(ends)
    lifted = chain.lift_positions(np.array(chroms, dtype=object), np.array(positions, np.int64))
    bounds = np.searchsorted(np.array(owner), np.arange(len(models) + 1))
    kept, dropped = [], []
    for i, m in enumerate(models):
        part = slice(bounds[i], bounds[i + 1])
        model, reason = _lifted_model(
            m, lifted.chrom[part], lifted.pos[part], lifted.strand[part], lifted.ok[part]
        )
        if model is None:
            dropped.append({"transcript_id": m.transcript_id, "gene": m.gene, "reason": reason})
        else:
            kept.append(model)
    return LiftOutcome(kept, dropped)


def _lifted_model(
    m: TranscriptModel, chrom: np.ndarray, pos: np.ndarray, strand: np.ndarray, ok: np.ndarray
) -> tuple[TranscriptModel | None, str]:
    """One model moved onto the target, or None and why not."""
    if not ok.all():
        return None, "an exon or CDS end does not lift (not in an aligned block)"
    if len(set(chrom.tolist())) != 1:
        return None, "exons lift onto different chromosomes"
    if len(set(strand.tolist())) != 1:
        return None, "exons lift onto both strands"
    n = 2 * len(m.exons)
    flipped = strand[0] == -1  # the region is inverted between the assemblies
    starts, ends = (pos[1:n:2], pos[0:n:2]) if flipped else (pos[0:n:2], pos[1:n:2])
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    old = np.array(m.exons, dtype=np.int64)
    if not np.array_equal(ends - starts, (old[:, 1] - old[:, 0])[order]):
        return None, "an exon changes length (assembly difference inside the exon)"
    if (starts[1:] <= ends[:-1]).any():
        return None, "exons out of order or overlapping after the lift"
    exons = tuple((int(s), int(e)) for s, e in zip(starts, ends, strict=True))
    cds = None
    if m.cds is not None:
        cds = (int(pos[n + 1]), int(pos[n])) if flipped else (int(pos[n]), int(pos[n + 1]))
    model = TranscriptModel(
        transcript_id=m.transcript_id,
        chrom=str(chrom[0]),
        strand=-m.strand if flipped else m.strand,
        exons=exons,
        cds=cds,
        gene=m.gene,
        gene_id=m.gene_id,
        biotype=m.biotype,
        transcript_name=m.transcript_name,
        attributes=m.attributes,
    )
    if cds is not None and model.coding_cdna_span() != m.coding_cdna_span():
        return None, "the CDS ends lift to other cDNA positions"
    return model, ""


def bundle_sequences(bundle: ReferenceBundle) -> dict[str, SequenceInput]:
    """The bundle's validated cDNAs, to carry into a lifted bundle."""
    out = {}
    for row in bundle._read("sequences").to_pylist():
        out[row["transcript_id"]] = SequenceInput(
            row["sequence"], row["source"], row.get("accession"), row.get("note")
        )
    return out


def lift_bundle(
    source: ReferenceBundle,
    chain_path: str | Path,
    out: str | Path,
    *,
    build: str,
    name: str,
    version: str,
    genome_slices: list[GenomeSlice] | None = None,
    extra_sources: list[dict] | None = None,
) -> tuple[BuildReport, list[dict]]:
    """Write ``source`` lifted onto ``build`` to ``out``; returns the build report and the
    transcripts left out (also recorded in the manifest's ``build_notes``)."""
    models, canonical = bundle_models(source)
    outcome = lift_models(models, ChainFile.load(chain_path))
    sources = [
        {
            "path": str(Path(source.path) / "manifest.json"),
            "role": f"transcript models of {source.id} ({source.build}), lifted",
            "licence": "as the source bundle's sources (see its manifest)",
        },
        {
            "path": str(chain_path),
            "role": f"{source.build} -> {build} chain",
            "licence": "UCSC chain data, freely usable",
        },
        *(extra_sources or []),
    ]
    report = build_bundle(
        outcome.models,
        out,
        build=build,
        name=name,
        version=version,
        sources=sources,
        sequences=bundle_sequences(source),
        genome_slices=genome_slices,
        canonical={m.transcript_id for m in outcome.models if m.transcript_id in canonical},
        description=f"{source.id} lifted from {source.build} to {build} with {Path(chain_path).name}",
    )
    notes = {
        "lifted_from": source.id,
        "chain": Path(chain_path).name,
        "lifted": len(outcome.models),
        "not_lifted": outcome.dropped,
        "not_lifted_reasons": dict(Counter(d["reason"] for d in outcome.dropped)),
    }
    manifest_path = Path(out) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["build_notes"] = notes
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    report.manifest = manifest
    return report, outcome.dropped
