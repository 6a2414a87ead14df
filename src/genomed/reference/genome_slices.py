"""Genomic stretches from sources that are not whole genomes, placed on GRCh38.

* :func:`slice_from_header`: FASTA records whose header names their place, e.g. Ensembl
  ``chromosome:GRCh38:9:21967752:21995301:-1`` or the km catalog's
  ``chr20:32358776-32358832 | ... | strand=-``; minus-strand records are turned back to
  the + strand.
* :func:`place_refseqgene`: a RefSeqGene (``NG_``) record in its own coordinates, placed
  on the chromosome by matching the coding exons of one of its transcripts (from the
  record's GFF3) to the coding exons of the same transcript in a GRCh38 model. The
  placement is accepted only if every coding exon maps with the same offset.

:class:`SliceStore` answers ``fetch(chrom, start, end)`` from such stretches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from genomed.model.chromosome import normalise_chrom
from genomed.reference.bundle_build import GenomeSlice
from genomed.reference.genetic_code import reverse_complement
from genomed.reference.gff import read_gff3
from genomed.reference.transcript_model import TranscriptModel

_ENSEMBL = re.compile(r"chromosome:[^:]+:([^:]+):(\d+):(\d+):(-?1)")
_KM = re.compile(r"^(chr[^:]+|\w+):(\d+)-(\d+)$")


def slice_from_header(name: str, description: str, sequence: str, source: str):
    """A :class:`GenomeSlice` from a FASTA record that states its genome position, or
    ``None`` if the header does not (or the record is spliced, e.g. a km ``cigar`` with
    ``N``, or its length disagrees with the stated span)."""
    header = f"{name} {description}"
    match = _ENSEMBL.search(header)
    if match:
        chrom, start, end, strand = match.groups()
        minus = strand == "-1"
    else:
        km = _KM.match(name)
        if not km:
            return None
        chrom, start, end = km.groups()
        minus = "strand=-" in description.replace(" ", "")
        cigar = re.search(r"cigar=(\S+)", description)
        if cigar and not re.fullmatch(r"\d+M", cigar.group(1)):
            return None
    start_i, end_i = int(start), int(end)
    if end_i - start_i + 1 != len(sequence):
        return None
    bases = reverse_complement(sequence) if minus else sequence
    return GenomeSlice(normalise_chrom(chrom), start_i, end_i, bases.upper(), source)


def _coding_segments(exons: Iterable[tuple[int, int]], cds: tuple[int, int]) -> list:
    return [(max(s, cds[0]), min(e, cds[1])) for s, e in exons if min(e, cds[1]) >= max(s, cds[0])]


def place_refseqgene(
    gff3_path, sequence: str, record_name: str, models: dict[str, TranscriptModel], source: str
) -> tuple[GenomeSlice | None, str]:
    """Place an ``NG_`` record on the chromosome (see module docstring).

    ``models`` maps unversioned RefSeq accessions (``NM_000546``) to GRCh38 models of the
    same transcript. Returns (slice or None, explanation).
    """
    for ng_model in read_gff3(gff3_path):
        acc = ng_model.transcript_id.split(".")[0]
        target = models.get(acc)
        if target is None or ng_model.cds is None or target.cds is None:
            continue
        ng_segments = _coding_segments(ng_model.exons, ng_model.cds)
        chr_segments = _coding_segments(target.exons, target.cds)
        if len(ng_segments) != len(chr_segments):
            continue
        same = ng_model.strand == target.strand
        if not same:
            ng_segments = [(len(sequence) + 1 - e, len(sequence) + 1 - s) for s, e in ng_segments]
            ng_segments.reverse()
        offsets = {c[0] - n[0] for n, c in zip(ng_segments, chr_segments, strict=True)}
        lengths_ok = all(
            n[1] - n[0] == c[1] - c[0] for n, c in zip(ng_segments, chr_segments, strict=True)
        )
        if len(offsets) != 1 or not lengths_ok:
            continue
        offset = offsets.pop()
        bases = sequence if same else reverse_complement(sequence)
        placed = GenomeSlice(
            target.chrom, 1 + offset, len(sequence) + offset, bases.upper(), source
        )
        return placed, (
            f"{record_name} placed on {target.chrom}:{placed.start}-{placed.end} by the "
            f"{len(chr_segments)} coding exons of {ng_model.transcript_id} vs {target.transcript_id}"
        )
    return None, f"{record_name}: no transcript whose coding exons match a GRCh38 model"


class SliceStore:
    """``fetch(chrom, start, end)`` over a list of slices (None where none covers)."""

    def __init__(self, slices: Iterable[GenomeSlice]) -> None:
        self.by_chrom: dict[str, list[GenomeSlice]] = {}
        for s in slices:
            self.by_chrom.setdefault(s.chrom, []).append(s)

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        for s in self.by_chrom.get(chrom, ()):
            if s.start <= start and end <= s.end:
                return s.sequence[start - s.start : end - s.start + 1]
        return None
