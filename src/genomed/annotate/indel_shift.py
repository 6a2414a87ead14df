"""3' shifting of insertions and deletions, once per variant, reused by every transcript.

An indel inside a repeat can be written at several positions; HGVS describes the most 3'
one. This module computes, per variant, how far the change can move right (``right``)
and left (``left``) along the genome, in one Python loop over the indels with their
genome window. Each transcript then takes ``min(right, room to the end of its exon or
intron)`` on the + strand (``left`` on the - strand), so the per-(variant, transcript)
work is array arithmetic (:func:`genomed.annotate.hgvs.hgvs_transcript`), and ``g.``
uses ``right`` unbounded.

Windows come from :class:`~genomed.annotate.genome_access.GenomeAccess`; without one a
variant is not shifted (and an insertion is not recognised as a duplication).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomed.annotate.variant_alleles import VariantAlleles

FLANK = 300


@dataclass
class IndelShifts:
    """Per variant: genome window (first position, + strand bases) and shift room."""

    first: np.ndarray  # int64, first position of the window (0 = no window)
    bases: list  # str | None per variant
    right: np.ndarray  # int64
    left: np.ndarray  # int64


def indel_shifts(genome, alleles: VariantAlleles) -> IndelShifts:
    n = len(alleles)
    first = np.zeros(n, dtype=np.int64)
    bases: list = [None] * n
    right = np.zeros(n, dtype=np.int64)
    left = np.zeros(n, dtype=np.int64)
    if genome is None:
        return IndelShifts(first, bases, right, left)
    pure = alleles.annotatable & ((alleles.rlen == 0) != (alleles.alen == 0))
    for i in np.flatnonzero(pure):
        s, e = int(alleles.start[i]), int(alleles.end[i])
        core_lo, core_hi = (e, s) if s > e else (s, e)
        found = genome.window(
            alleles.chrom[i], max(1, core_lo - FLANK), core_hi + FLANK, core_lo, core_hi
        )
        if found is None:
            continue
        w0, w = found
        ref, alt = alleles.ref_min[i], alleles.alt_min[i]
        if ref:  # deletion of ref at s..e
            if w[s - w0 : e - w0 + 1] != ref:
                continue
            k = 0
            while e + 1 + k - w0 < len(w) and w[e + 1 + k - w0] == w[s + k - w0]:
                k += 1
            right[i] = k
            k = 0
            while s - 1 - k - w0 >= 0 and w[s - 1 - k - w0] == w[e - k - w0]:
                k += 1
            left[i] = k
        else:  # insertion of alt between e and s
            size = len(alt)
            k = 0
            while s + k - w0 < len(w) and w[s + k - w0] == alt[k % size]:
                k += 1
            right[i] = k
            k = 0
            while e - k - w0 >= 0 and w[e - k - w0] == alt[(size - 1 - k) % size]:
                k += 1
            left[i] = k
        first[i], bases[i] = w0, w
    return IndelShifts(first, bases, right, left)


def rotated(inserted: str, k: int, rightward: bool) -> str:
    """The inserted sequence after moving ``k`` bases right (or left)."""
    if not inserted or k % len(inserted) == 0:
        return inserted
    r = k % len(inserted)
    return inserted[r:] + inserted[:r] if rightward else inserted[-r:] + inserted[:-r]
