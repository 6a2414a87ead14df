"""Genome bases for HGVS shifting, from whatever the run has: an indexed FASTA, the
genome stretches a bundle carries, or the exons of transcripts with a sequence.

:meth:`GenomeAccess.window` returns the longest available stretch inside the requested
range that still covers a required core (the variant), so a shift stops at the edge of
what is known instead of failing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from genomed.reference.bundle import ReferenceBundle
from genomed.reference.genetic_code import reverse_complement


class GenomeAccess:
    """Genome windows from a FASTA (``fetch``), bundle slices and transcript exons."""

    def __init__(
        self, bundle: ReferenceBundle, fetch: Callable[[str, int, int], str | None] | None = None
    ) -> None:
        self.bundle = bundle
        self.fetch = fetch
        self._stretches: dict[str, tuple[list[int], list]] | None = None

    def _build(self) -> dict[str, tuple[list[int], list]]:
        out: dict[str, list] = {}
        for chrom, items in self.bundle._genome.items():
            for s, e, seq in items:
                out.setdefault(chrom, []).append((s, e, ("slice", seq)))
        a = self.bundle.arrays
        chroms = self.bundle.transcripts.column("chrom").to_pylist()
        for t in (a.seq_offset >= 0).nonzero()[0].tolist():
            first = int(a.exon_first[t])
            for i in range(first, first + int(a.exon_count[t])):
                out.setdefault(chroms[t], []).append(
                    (int(a.ex_start[i]), int(a.ex_end[i]), ("exon", t, i))
                )
        indexed = {}
        for chrom, items in out.items():
            items.sort(key=lambda x: x[0])
            indexed[chrom] = ([x[0] for x in items], items)
        return indexed

    def _bases(self, item, lo: int, hi: int) -> str:
        s, e, ref = item
        if ref[0] == "slice":
            return ref[1][lo - s : hi - s + 1]
        _, t, i = ref
        a = self.bundle.arrays
        seq = self.bundle.sequence(t)
        c0, c1 = int(a.ex_cdna_start[i]), int(a.ex_cdna_end[i])
        exon = seq[c0 - 1 : c1]
        plus_strand = exon if a.strand[t] > 0 else reverse_complement(exon)
        return plus_strand[lo - s : hi - s + 1]

    def window(self, chrom: str, lo: int, hi: int, core_lo: int, core_hi: int):
        """(first position, + strand bases) of the widest known stretch within [lo, hi]
        that covers [core_lo, core_hi]; None when nothing covers the core."""
        if self.fetch is not None:
            bases = self.fetch(chrom, lo, hi)
            if bases is not None:
                return lo, bases
            bases = self.fetch(chrom, core_lo, core_hi)
            if bases is not None:
                return core_lo, bases
        if self._stretches is None:
            self._stretches = self._build()
        starts, items = self._stretches.get(chrom, ([], []))
        k = bisect_right(starts, core_lo)
        best = None
        for item in items[max(0, k - 50) : k]:
            s, e, _ = item
            if s <= core_lo and core_hi <= e:
                a, b = max(lo, s), min(hi, e)
                if best is None or b - a > best[1] - best[0]:
                    best = (a, b, item)
        if best is None:
            return None
        a, b, item = best
        bases = self._bases(item, a, b)
        if "N" in bases[core_lo - a : core_hi - a + 1]:
            return None
        return a, bases
