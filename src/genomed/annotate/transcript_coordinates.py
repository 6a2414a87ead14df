"""Genome -> transcript coordinates for many (variant, transcript) pairs at once.

Exons of all transcripts sit in one array sorted by (transcript, start); a position is
placed with one ``searchsorted`` on the packed key ``transcript << 32 | position``. All
functions take and return NumPy arrays with one entry per pair.

Conventions: genomic positions 1-based; cDNA positions 1-based in transcript
orientation. An *extended* cDNA position continues the numbering outside the
transcript (0, -1, ... upstream; length + 1, ... downstream), which is what HGVS
``c.-N``/``c.*N`` need for flanking positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomed.reference.bundle import BundleArrays


class ExonIndex:
    """Packed sort keys over a bundle's exons (built once per bundle)."""

    def __init__(self, a: BundleArrays) -> None:
        self.a = a
        self.key_start = (a.ex_transcript << 32) | a.ex_start
        self.key_end = (a.ex_transcript << 32) | a.ex_end

    def last_exon_starting_at_or_before(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Global exon index of the last exon of ``t`` with start <= p; ``first - 1`` when
        ``p`` is before the transcript's first exon."""
        idx = np.searchsorted(self.key_start, (t << 32) | np.maximum(p, 0), side="right") - 1
        first = self.a.exon_first[t]
        return np.where(idx >= first, idx, first - 1)

    def first_exon_ending_at_or_after(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Global exon index of the first exon of ``t`` with end >= p; ``first + count``
        when none."""
        idx = np.searchsorted(self.key_end, (t << 32) | np.maximum(p, 0), side="left")
        last = self.a.exon_first[t] + self.a.exon_count[t]
        return np.minimum(idx, last)

    def exon_overlap_range(self, t, s, e) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) global indices of the exons overlapping [s, e] (insertion semantics
        when e = s - 1); none when hi < lo."""
        return self.first_exon_ending_at_or_after(t, s), self.last_exon_starting_at_or_before(t, e)


@dataclass
class PositionInTranscript:
    """Where genomic positions fall: extended cDNA position and intron offset (HGVS
    style: the nearer exon boundary, ``+`` on the donor side; ties go to ``+``)."""

    cdna: np.ndarray  # int64 extended cDNA position of the anchor base
    offset: np.ndarray  # int64 intron offset (0 when exonic or outside the transcript)
    exonic: np.ndarray  # bool
    intronic: np.ndarray  # bool
    outside: np.ndarray  # bool (upstream or downstream of the transcript)


def place(index: ExonIndex, t: np.ndarray, g: np.ndarray) -> PositionInTranscript:
    """Extended cDNA position + intron offset of genomic ``g`` on transcripts ``t``."""
    a = index.a
    strand = a.strand[t].astype(np.int64)
    plus = strand > 0
    first = a.exon_first[t]
    last = first + a.exon_count[t] - 1
    i = index.last_exon_starting_at_or_before(t, g)
    i_c = np.clip(i, 0, len(a.ex_start) - 1)
    before = i < first
    after = g > a.ex_end[np.clip(last, 0, None)]
    after &= ~before
    exonic = ~before & (g <= a.ex_end[i_c]) & ~after
    intronic = ~before & ~after & ~exonic
    # exonic
    cdna = np.where(
        plus,
        a.ex_cdna_start[i_c] + (g - a.ex_start[i_c]),
        a.ex_cdna_start[i_c] + (a.ex_end[i_c] - g),
    )
    offset = np.zeros(len(t), dtype=np.int64)
    # intronic: left exon i, right exon i + 1 (genomic order)
    j = np.clip(i + 1, 0, len(a.ex_start) - 1)
    d_left = g - a.ex_end[i_c]
    d_right = a.ex_start[j] - g
    plus_left = plus & (d_left <= d_right)  # + strand: donor = left exon end
    plus_right = plus & ~(d_left <= d_right)
    minus_right = ~plus & (d_right <= d_left)  # - strand: donor = right exon start
    minus_left = ~plus & ~(d_right <= d_left)
    intron_cdna = np.select(
        [plus_left, plus_right, minus_right, minus_left],
        [a.ex_cdna_end[i_c], a.ex_cdna_start[j], a.ex_cdna_end[j], a.ex_cdna_start[i_c]],
    )
    intron_offset = np.select(
        [plus_left, plus_right, minus_right, minus_left], [d_left, -d_right, d_right, -d_left]
    )
    cdna = np.where(intronic, intron_cdna, cdna)
    offset = np.where(intronic, intron_offset, offset)
    # outside: continue numbering beyond the ends
    tx_start, tx_end, length = a.start[t], a.end[t], a.length[t]
    up = np.where(plus, 1 - (tx_start - g), 1 - (g - tx_end))
    down = np.where(plus, length + (g - tx_end), length + (tx_start - g))
    is_up = np.where(plus, g < tx_start, g > tx_end)
    outside = before | after
    cdna = np.where(outside, np.where(is_up, up, down), cdna)
    return PositionInTranscript(cdna, offset, exonic, intronic, outside)


def exonic_cdna(index: ExonIndex, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """cDNA position of exonic genomic positions (0 where ``g`` is not exonic)."""
    pos = place(index, t, g)
    return np.where(pos.exonic, pos.cdna, 0)


def region_bounds(index: ExonIndex, t: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genomic bounds of the exon, intron or flank of transcript ``t`` holding ``g``
    (flanks are open-ended: 1 upstream of the first exon, 2**40 past the last)."""
    a = index.a
    i = index.last_exon_starting_at_or_before(t, g)
    first = a.exon_first[t]
    last = first + a.exon_count[t] - 1
    top = len(a.ex_start) - 1
    ic = np.clip(i, 0, top)
    before = i < first
    after = ~before & (g > a.ex_end[np.clip(last, 0, top)])
    exonic = ~before & ~after & (g <= a.ex_end[ic])
    j = np.clip(i + 1, 0, top)
    lo = np.where(
        before, 1, np.where(after, a.end[t] + 1, np.where(exonic, a.ex_start[ic], a.ex_end[ic] + 1))
    )
    hi = np.where(
        before,
        a.start[t] - 1,
        np.where(after, 1 << 40, np.where(exonic, a.ex_end[ic], a.ex_start[j] - 1)),
    )
    return lo, hi
