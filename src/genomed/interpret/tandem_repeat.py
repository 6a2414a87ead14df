"""Is an in-frame deletion/insertion inside a tandem repeat of the reference? (ACMG BP3:
"in-frame deletions/insertions in a repetitive region without a known function"; PM4
applies only "in a nonrepeat region".)

genomed rule (``repeat_min_tandem_copies`` in ``rules/germline_thresholds.tsv``): take the
deleted or inserted bases ``d``; their repeat unit is the shortest period of ``d``,
lengthened to a multiple of 3 (an in-frame change removes or adds whole codons, so the
unit is read at the codon level: deleting ``AAA`` from ``AAAAAA`` removes one of two Lys
codons, not one of six As). The tract is the stretch of the reference around the change
that repeats with that period (for a deletion it includes the deleted bases; for an
insertion it is the reference matching the inserted pattern on both sides); the variant
is in a repetitive region when the tract holds at least 3 whole copies of the unit.

Bases come from :class:`genomed.annotate.genome_access.GenomeAccess` (a FASTA, the
bundle's genome stretches, or exons of transcripts whose cDNA the bundle carries); when
none covers the variant, the answer is None (not evaluated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from genomed.interpret.rules import threshold

FLANK = 300


@dataclass(frozen=True)
class TandemRepeat:
    """The repeat tract around an indel: ``unit`` (+ strand), whole ``copies`` of it in
    the reference, and whether that meets the rule."""

    unit: str
    copies: int
    repetitive: bool

    def describe(self) -> str:
        rule = int(threshold("repeat_min_tandem_copies", "germline_thresholds"))
        sign = ">=" if self.repetitive else "<"
        return f"unit {self.unit} x{self.copies} in tandem in the reference ({sign} {rule})"


def repeat_unit(bases: str) -> str:
    """Shortest period of ``bases``, lengthened to a multiple of 3 when ``len(bases)`` is
    (lcm(period, 3) divides the length too, and ``bases`` repeats with it)."""
    n = len(bases)
    period = next(p for p in range(1, n + 1) if n % p == 0 and bases == bases[:p] * (n // p))
    if n % 3 == 0:
        period = math.lcm(period, 3)
    return bases[:period]


def _indel(pos: int, ref: str, alt: str) -> tuple[int, int, str, bool] | None:
    """(first changed position, last, changed bases, is deletion) of a pure indel after
    removing the shared prefix (None for substitutions and complex changes)."""
    k = 0
    while k < min(len(ref), len(alt)) and ref[k] == alt[k]:
        k += 1
    ref_rest, alt_rest = ref[k:], alt[k:]
    if ref_rest and not alt_rest:
        return pos + k, pos + len(ref) - 1, ref_rest, True
    if alt_rest and not ref_rest:
        return pos + k, pos + k - 1, alt_rest, False
    return None


def tandem_repeat(genome, chrom: str, pos: int, ref: str, alt: str) -> TandemRepeat | None:
    """The tandem repeat holding an indel (see the module docstring); None when the
    change is not a pure indel or no reference bases cover it."""
    change = _indel(pos, ref, alt)
    if change is None or genome is None:
        return None
    start, end, bases, deletion = change
    core = (start, end) if deletion else (end, start)
    found = genome.window(chrom, max(1, core[0] - FLANK), core[1] + FLANK, *core)
    if found is None:
        return None
    w0, w = found
    unit = repeat_unit(bases)
    size = len(unit)
    if deletion and w[start - w0 : end - w0 + 1] != bases:
        return None
    right = 0
    after = end + 1 - w0
    while after + right < len(w) and w[after + right] == unit[right % size]:
        right += 1
    left = 0
    before = start - 1 - w0
    while before - left >= 0 and w[before - left] == unit[(size - 1 - left) % size]:
        left += 1
    tract = left + right + (len(bases) if deletion else 0)
    copies = tract // size
    rule = int(threshold("repeat_min_tandem_copies", "germline_thresholds"))
    return TandemRepeat(unit, copies, copies >= rule)
