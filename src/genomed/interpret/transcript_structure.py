"""Exon structure of a coding transcript in cDNA coordinates, for the ACMG criteria that
depend on where a change falls relative to exon junctions (PVS1's NMD rule, exon
skipping) and on the surrounding sequence (BP3/PM4 repeats).

Read from the reference bundle (:mod:`genomed.reference.bundle_format`): ``exons`` gives
each exon's cDNA span, ``transcripts`` the cDNA positions of the first base of the start
codon and the last base of the stop codon, ``sequences`` the cDNA when the bundle has it.
cDNA positions are 1-based in transcript orientation; ``exons`` here are in transcript
order (exon 1 first), whatever the strand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the first position of an HGVS c. description: c.123, c.-45, c.*12 (with +/- offsets after)
_C_ANCHOR = re.compile(r"^c\.(\*|-)?(\d+)(?:([+-])(\d+))?")


@dataclass(frozen=True)
class TranscriptStructure:
    """One coding transcript: exons (cDNA spans, transcript order), coding span, cDNA."""

    transcript_id: str
    exons: tuple[tuple[int, int], ...]
    coding_start: int  # cDNA position of the first base of the start codon
    coding_end: int  # cDNA position of the last base of the stop codon
    sequence: str | None = None

    @property
    def protein_length(self) -> int:
        """Amino acids, stop codon excluded."""
        return (self.coding_end - self.coding_start + 1) // 3 - 1

    def cdna_of_c(self, c: int, utr3: bool = False) -> int:
        """cDNA position of ``c.<c>`` (``c.*<c>`` when ``utr3``); c. has no position 0."""
        if utr3:
            return self.coding_end + c
        return self.coding_start + c - 1 if c > 0 else self.coding_start + c

    def exon_index_at(self, cdna: int) -> int | None:
        """0-based index (transcript order) of the exon holding cDNA position ``cdna``;
        positions past the transcript end count as the last exon (a frameshift's stop
        can lie in what was the 3' UTR)."""
        for i, (start, end) in enumerate(self.exons):
            if start <= cdna <= end:
                return i
        if self.exons and cdna > self.exons[-1][1]:
            return len(self.exons) - 1
        return None

    def coding_span_of_exon(self, index: int) -> tuple[int, int] | None:
        """cDNA span of exon ``index`` inside the coding region (None: non-coding exon)."""
        start, end = self.exons[index]
        lo, hi = max(start, self.coding_start), min(end, self.coding_end)
        return (lo, hi) if lo <= hi else None

    def anchor_exon(self, hgvsc: str | None) -> tuple[int | None, str | None]:
        """(exon index, ``"+"``/``"-"``/None) of an HGVS c. description's first position:
        for ``c.123+1G>A`` the exon ending at c.123 and ``"+"`` (intron after it), for
        ``c.124-2A>G`` the exon starting at c.124 and ``"-"``."""
        m = _C_ANCHOR.match(hgvsc or "")
        if not m:
            return None, None
        prefix, number, sign = m.group(1), int(m.group(2)), m.group(3)
        if prefix == "*":
            cdna = self.cdna_of_c(number, utr3=True)
        else:
            cdna = self.cdna_of_c(-number if prefix == "-" else number)
        return self.exon_index_at(cdna), sign


def transcript_structures(ids: set[str], reference=None) -> dict[str, TranscriptStructure]:
    """Structures of the coding transcripts ``ids`` that the reference bundle (default:
    the shipped one) has; keys are the ids as asked. An id with a version matches only
    that version (another version may have other exons); one without matches any."""
    from genomed.reference.bundle import ReferenceBundle

    if not ids:
        return {}
    bundle = ReferenceBundle.default() if reference is None else ReferenceBundle(reference)
    names = bundle.transcripts.column("transcript_id").to_pylist()
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index[name] = i
        index.setdefault(name.split(".")[0] + ".", i)
    a = bundle.arrays
    out: dict[str, TranscriptStructure] = {}
    for ident in ids:
        i = index.get(ident if "." in ident else ident + ".")
        if i is None or not a.coding[i] or a.cdna_coding_start[i] <= 0:
            continue
        first, count = int(a.exon_first[i]), int(a.exon_count[i])
        spans = sorted(
            (int(a.ex_cdna_start[k]), int(a.ex_cdna_end[k])) for k in range(first, first + count)
        )
        out[ident] = TranscriptStructure(
            names[i],
            tuple(spans),
            int(a.cdna_coding_start[i]),
            int(a.cdna_coding_end[i]),
            bundle.sequence(i),
        )
    return out
