"""Allele normalisation: the same variant written two ways gets one representation.

The rules follow ``bcftools norm`` / vt (Tan et al. 2015): trim bases shared by REF and
ALT at the right end, then at the left end, always keeping at least one base on each
side (the VCF anchor base); indels are left-aligned when the reference sequence is known.
"""

from __future__ import annotations

from collections.abc import Callable

#: Fetch reference bases: ``fetch(chrom, start0, end0)`` returns the 0-based half-open slice.
FetchReference = Callable[[str, int, int], str]


def trim_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Remove shared suffix, then shared prefix, keeping one base on each side.

    >>> trim_alleles(100, "CTT", "CT")
    (100, 'CT', 'C')
    >>> trim_alleles(100, "GATC", "GTTC")
    (101, 'A', 'T')
    """
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
        pos += 1
    return pos, ref, alt


def left_align(
    chrom: str, pos: int, ref: str, alt: str, fetch: FetchReference
) -> tuple[int, str, str]:
    """Left-align an indel against the reference (vt's algorithm), then trim.

    While both alleles end in the same base, drop it; when an allele becomes empty,
    prepend the reference base before ``pos`` to both. SNVs and MNVs come back trimmed
    but otherwise unchanged. ``ref`` must match the reference at ``pos``
    (:class:`ValueError` otherwise).
    """
    actual = fetch(chrom, pos - 1, pos - 1 + len(ref)).upper()
    if actual != ref.upper():
        raise ValueError(f"REF {ref} does not match the reference ({actual}) at {chrom}:{pos}")
    ref, alt = ref.upper(), alt.upper()
    while True:
        changed = False
        if ref and alt and ref[-1] == alt[-1]:
            ref, alt = ref[:-1], alt[:-1]
            changed = True
        if (not ref or not alt) and pos > 1:
            pos -= 1
            base = fetch(chrom, pos - 1, pos).upper()
            ref, alt = base + ref, base + alt
            changed = True
        if not changed:
            break
    return trim_alleles(pos, ref, alt)
