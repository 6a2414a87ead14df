"""HGVS ``c.``/``n.`` (per transcript) and ``g.`` (per variant) descriptions.

Rules (HGVS recommendations, DNA section), all on the strand of the reference used:

* positions: ``c.123`` in the CDS (A of ATG = 1); ``c.-15`` 5' of the ATG (also beyond
  the transcript start); ``c.*20`` 3' of the stop codon; intronic positions count from
  the nearer exon boundary, ``c.123+5`` (donor side) or ``c.124-8`` (acceptor side),
  the middle base of an odd-length intron taking ``+``; non-coding transcripts use
  ``n.`` with the same offsets.
* substitution ``c.76A>T``; deletion ``c.76del`` / ``c.76_78del``; duplication
  ``c.77dup`` / ``c.76_78dup`` (an insertion that copies the bases 5' of it);
  insertion ``c.76_77insTG``; deletion-insertion ``c.76_77delinsTT`` (also for
  multi-base substitutions); inversion ``c.76_78inv``.
* 3' rule: deletions, duplications and insertions are shifted as far 3' as the sequence
  allows, within the exon or intron that holds them (HGVS's exception for exon/intron
  junctions: the description must keep pointing at the same genomic change). Exonic
  changes shift on the transcript sequence; intronic ones need the genome, and stay
  unshifted when the bundle has none (``shifted = False``).
* ``g.`` uses the chromosome's RefSeq accession and shifts on the + strand.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.annotate.consequence import PairConsequences
from genomed.annotate.indel_shift import IndelShifts, indel_shifts, rotated
from genomed.annotate.text_columns import join, position_texts, scatter, single_bases
from genomed.annotate.transcript_coordinates import place, region_bounds
from genomed.annotate.variant_alleles import VariantAlleles
from genomed.reference.bundle import BundleArrays
from genomed.reference.genetic_code import reverse_complement

Fetch = Callable[[str, int, int], "str | None"]  # noqa: UP037
STR = pa.string()


def position_text(cdna: int, offset: int, coding: bool, ccs: int, cce: int, length: int) -> str:
    """HGVS position of an extended cDNA position + intron offset (see module docstring)."""
    if coding:
        if cdna < ccs:
            text = f"-{ccs - cdna}"
        elif cdna > cce:
            text = f"*{cdna - cce}"
        else:
            text = str(cdna - ccs + 1)
    elif cdna < 1:
        text = f"-{1 - cdna}"
    elif cdna > length:
        text = f"*{cdna - length}"
    else:
        text = str(cdna)
    if offset > 0:
        return f"{text}+{offset}"
    if offset < 0:
        return f"{text}{offset}"
    return text


class TranscriptPlacer:
    """Scalar genome -> (extended cDNA, offset) for one transcript (Python path)."""

    def __init__(self, a: BundleArrays, t: int) -> None:
        first, count = int(a.exon_first[t]), int(a.exon_count[t])
        self.starts = a.ex_start[first : first + count].tolist()
        self.ends = a.ex_end[first : first + count].tolist()
        self.cstart = a.ex_cdna_start[first : first + count].tolist()
        self.cend = a.ex_cdna_end[first : first + count].tolist()
        self.plus = bool(a.strand[t] > 0)
        self.length = int(a.length[t])
        self.tx_start, self.tx_end = int(a.start[t]), int(a.end[t])

    def exon_of(self, g: int) -> int | None:
        i = bisect_right(self.starts, g) - 1
        return i if i >= 0 and g <= self.ends[i] else None

    def place(self, g: int) -> tuple[int, int]:
        if g < self.tx_start or g > self.tx_end:
            up = (g < self.tx_start) == self.plus
            dist = self.tx_start - g if g < self.tx_start else g - self.tx_end
            return (1 - dist, 0) if up else (self.length + dist, 0)
        i = bisect_right(self.starts, g) - 1
        if g <= self.ends[i]:
            if self.plus:
                return self.cstart[i] + g - self.starts[i], 0
            return self.cstart[i] + self.ends[i] - g, 0
        d_left, d_right = g - self.ends[i], self.starts[i + 1] - g
        if self.plus:
            if d_left <= d_right:
                return self.cend[i], d_left
            return self.cstart[i + 1], -d_right
        if d_right <= d_left:
            return self.cend[i + 1], d_right
        return self.cstart[i], -d_left

    def region(self, g: int) -> tuple[int, int]:
        """Genomic bounds of the exon, intron or flank holding ``g``."""
        if g < self.tx_start:
            return -(10**12), self.tx_start - 1
        if g > self.tx_end:
            return self.tx_end + 1, 10**12
        i = bisect_right(self.starts, g) - 1
        if g <= self.ends[i]:
            return self.starts[i], self.ends[i]
        return self.ends[i] + 1, self.starts[i + 1] - 1


def shift_3prime(window: str, i0: int, i1: int, inserted: str) -> tuple[int, int, str]:
    """Shift a deletion (``window[i0:i1]`` removed, ``inserted`` empty) or an insertion
    (``i0 == i1``, ``inserted`` placed before ``window[i0]``) as far right as
    ``window`` allows; returns the new (i0, i1, inserted). Other changes are returned
    unchanged."""
    if inserted and i1 > i0:
        return i0, i1, inserted
    if not inserted:
        while i1 < len(window) and window[i0] == window[i1]:
            i0 += 1
            i1 += 1
        return i0, i1, inserted
    while i0 < len(window) and window[i0] == inserted[0]:
        inserted = inserted[1:] + inserted[0]
        i0 += 1
        i1 += 1
    return i0, i1, inserted


def describe_change(
    window: str | None, i0: int, i1: int, ref: str, alt: str, pos: Callable[[int], str]
) -> tuple[str, int]:
    """(HGVS change, 3' shift applied) for ``window[i0:i1]`` (== ``ref``) replaced by
    ``alt``; ``pos(w)`` turns a window index into an HGVS position. Without a window
    (``None``) nothing is shifted and insertions cannot be recognised as duplications."""
    if ref and alt:
        if len(ref) == 1 and len(alt) == 1:
            return f"{pos(i0)}{ref}>{alt}", 0
        if len(ref) == len(alt) and len(ref) > 1 and alt == reverse_complement(ref):
            return f"{pos(i0)}_{pos(i1 - 1)}inv", 0
        where = pos(i0) if i1 - i0 == 1 else f"{pos(i0)}_{pos(i1 - 1)}"
        return f"{where}delins{alt}", 0
    start = i0
    if window is not None:
        i0, i1, alt = shift_3prime(window, i0, i1, alt)
    if not alt:
        where = pos(i0) if i1 - i0 == 1 else f"{pos(i0)}_{pos(i1 - 1)}"
        return f"{where}del", i0 - start
    k = len(alt)
    if window is not None and i0 >= k and window[i0 - k : i0] == alt:
        text = f"{pos(i0 - k)}dup" if k == 1 else f"{pos(i0 - k)}_{pos(i0 - 1)}dup"
        return text, i0 - start
    return f"{pos(i0 - 1)}_{pos(i0)}ins{alt}", i0 - start


def hgvs_transcript(
    a: BundleArrays,
    sequence_of: Callable[[int], str | None],
    genome,
    pairs: PairConsequences,
    alleles: VariantAlleles,
    index,
    shifts: IndelShifts | None = None,
) -> tuple[pa.Array, np.ndarray]:
    """(hgvs c./n. without accession, 3' shift in bases) for every pair inside its
    transcript (null outside). SNVs and plain insertions/deletions are built column-wise
    (the per-variant 3' shift room in ``shifts`` is clipped to each transcript's exon or
    intron); other changes one by one."""
    if shifts is None:
        shifts = indel_shifts(genome, alleles)
    n = len(pairs.v)
    shift = np.zeros(n, dtype=np.int64)
    if n == 0:
        return pa.nulls(0, pa.string()), shift
    t, v = pairs.t, pairs.v
    inside = pairs.within
    snv = inside & (alleles.rlen[v] == 1) & (alleles.alen[v] == 1)
    k = np.flatnonzero(snv)
    parts = []
    if len(k):
        tk, vk = t[k], v[k]
        p = place(index, tk, alleles.start[vk])
        coding = a.coding[tk]
        positions = position_texts(
            p.cdna, p.offset, coding, a.cdna_coding_start[tk], a.cdna_coding_end[tk], a.length[tk]
        )
        minus = a.strand[tk] < 0
        prefix = pa.array(np.where(coding, "c.", "n."), pa.string())
        texts = join(
            prefix,
            positions,
            single_bases(alleles.ref_min[vk], minus),
            pa.scalar(">"),
            single_bases(alleles.alt_min[vk], minus),
        )
        parts.append((k, texts))
    pure = inside & ~snv & ((alleles.rlen[v] == 0) != (alleles.alen[v] == 0))
    k_pure = np.flatnonzero(pure)
    if len(k_pure):
        texts, moved = _pure_indels(a, index, alleles, shifts, t[k_pure], v[k_pure])
        parts.append((k_pure, texts))
        shift[k_pure] = moved
    others = np.flatnonzero(inside & ~snv & ~pure)
    other_texts = []
    cache: dict[int, TranscriptPlacer] = {}
    for kk in others:
        text, shift[kk] = _one(a, sequence_of, genome, int(t[kk]), int(v[kk]), alleles, cache)
        other_texts.append(text)
    parts.append((others, pa.array(other_texts, pa.string())))
    return scatter(n, parts), shift


def _pure_indels(a, index, alleles, shifts: IndelShifts, t, v) -> tuple[pa.Array, np.ndarray]:
    """c./n. of plain deletions and insertions on (t, v) pairs, 3' shifted per transcript."""
    s, e = alleles.start[v], alleles.end[v]
    ins = alleles.rlen[v] == 0
    plus = a.strand[t] > 0
    probe_lo, probe_hi = np.minimum(s, e), np.maximum(s, e)
    lo1, hi1 = region_bounds(index, t, probe_lo)
    lo2, hi2 = region_bounds(index, t, probe_hi)
    ok = (lo1 == lo2) & (hi1 == hi2) & (shifts.first[v] > 0)
    room = np.where(plus, hi1 - probe_hi, probe_lo - lo1)
    k = np.where(
        ok, np.maximum(np.minimum(np.where(plus, shifts.right[v], shifts.left[v]), room), 0), 0
    )
    d = np.where(plus, 1, -1)
    s2, e2 = s + d * k, e + d * k
    g5 = np.where(ins, np.where(plus, e2, s2), np.where(plus, s2, e2))
    g3 = np.where(ins, np.where(plus, s2, e2), np.where(plus, e2, s2))
    dup = np.zeros(len(v), dtype=bool)
    suffix = np.where(ins, "ins", "del").astype(object)
    rows = np.flatnonzero(ins)
    if len(rows):
        # an insertion's text depends only on (variant, shift, strand): worked out once
        # per distinct combination, not once per transcript
        combo = (v[rows] << 22) | (k[rows] << 1) | plus[rows]
        distinct, first, inverse = np.unique(combo, return_index=True, return_inverse=True)
        hit_u = np.zeros(len(distinct), dtype=bool)
        span5_u = np.zeros(len(distinct), dtype=np.int64)
        span3_u = np.zeros(len(distinct), dtype=np.int64)
        suffix_u = np.empty(len(distinct), dtype=object)
        for u, r in enumerate(rows[first]):
            i, seq = int(v[r]), alleles.alt_min[v[r]]
            size = len(seq)
            genomic = rotated(seq, int(k[r]), bool(plus[r]))
            w, w0 = shifts.bases[i], int(shifts.first[i])
            hit = False
            if w is not None:
                if plus[r]:
                    lo = int(s2[r]) - size - w0
                    hit = lo >= 0 and w[lo : lo + size] == genomic
                    span = (int(s2[r]) - size, int(s2[r]) - 1)
                else:
                    lo = int(e2[r]) + 1 - w0
                    hit = lo >= 0 and w[lo : lo + size] == genomic and lo + size <= len(w)
                    span = (int(e2[r]) + size, int(e2[r]) + 1)
                if hit:
                    hit_u[u] = True
                    span5_u[u], span3_u[u] = span
            inserted = genomic if plus[r] else reverse_complement(genomic)
            suffix_u[u] = "dup" if hit else "ins" + inserted
        hit = hit_u[inverse]
        dup[rows] = hit
        g5[rows] = np.where(hit, span5_u[inverse], g5[rows])
        g3[rows] = np.where(hit, span3_u[inverse], g3[rows])
        suffix[rows] = suffix_u[inverse]
    coding = a.coding[t]
    ccs, cce, length = a.cdna_coding_start[t], a.cdna_coding_end[t], a.length[t]
    p5 = position_texts(*place_pair(index, t, g5), coding, ccs, cce, length)
    p3 = position_texts(*place_pair(index, t, g3), coding, ccs, cce, length)
    size = np.where(ins, alleles.alen[v], alleles.rlen[v])
    single = (size == 1) & ~(ins & ~dup)
    where = pc.if_else(pa.array(single), p5, join(p5, p3, sep="_"))
    prefix = pa.array(np.where(coding, "c.", "n."), pa.string())
    texts = join(prefix, where, pa.array(suffix, pa.string()))
    return texts, k


def place_pair(index, t, g):
    """(extended cDNA, offset) of genomic positions ``g`` on transcripts ``t``."""
    p = place(index, t, g)
    return p.cdna, p.offset


def _one(a, sequence_of, genome, t: int, v: int, alleles: VariantAlleles, cache) -> tuple[str, int]:
    placer = cache.get(t)
    if placer is None:
        placer = cache[t] = TranscriptPlacer(a, t)
    coding = bool(a.coding[t])
    ccs, cce, length = int(a.cdna_coding_start[t]), int(a.cdna_coding_end[t]), int(a.length[t])
    s, e = int(alleles.start[v]), int(alleles.end[v])
    ref, alt = alleles.ref_min[v], alleles.alt_min[v]
    plus = placer.plus
    if not plus:
        ref, alt = reverse_complement(ref), reverse_complement(alt)
    prefix = "c." if coding else "n."
    # the region (exon / intron / flank) must hold the whole change to be shifted
    probe_lo, probe_hi = (e, s) if s > e else (s, e)
    lo_reg, hi_reg = placer.region(probe_lo)
    same_region = placer.region(probe_hi) == (lo_reg, hi_reg)
    window, w_first = None, None  # window in transcript orientation; genomic coord of w[0]
    exon = placer.exon_of(probe_lo)
    seq = sequence_of(t) if exon is not None and same_region else None
    if seq is not None:
        c_lo, c_hi = placer.place(lo_reg)[0], placer.place(hi_reg)[0]
        c_a, c_b = min(c_lo, c_hi), max(c_lo, c_hi)
        window = seq[c_a - 1 : c_b]
        w_first = lo_reg if plus else hi_reg
    elif genome is not None and same_region:
        lo_g, hi_g = max(lo_reg, probe_lo - 300), min(hi_reg, probe_hi + 300)
        found = genome.window(alleles.chrom[v], lo_g, hi_g, probe_lo, probe_hi)
        if found is not None:
            first, bases = found
            window = bases if plus else reverse_complement(bases)
            w_first = first if plus else first + len(bases) - 1

    def genomic(w: int) -> int:
        return w_first + w if plus else w_first - w

    def pos(w: int) -> str:
        cdna, offset = placer.place(genomic(w))
        return position_text(cdna, offset, coding, ccs, cce, length)

    if window is not None:
        i0 = (s - w_first) if plus else (w_first - e)
        i1 = i0 + len(ref)
        if i0 < 0 or i1 > len(window) or window[i0:i1] != ref:
            window = None  # the window does not carry the reference: describe unshifted
    if window is None:
        w_first = s if plus else e
        i0, i1 = 0, len(ref)
    text, moved = describe_change(window, i0, i1, ref, alt, pos)
    return prefix + text, moved


def hgvs_genomic(
    build: str, genome, alleles: VariantAlleles, shifts: IndelShifts | None = None
) -> pa.Array:
    """``NC_000017.11:g.7674220C>T`` per variant (null for contigs without an accession);
    indels 3' shifted on the + strand as far as the known genome allows."""
    from genomed.reference.assembly import refseq_accession

    if shifts is None:
        shifts = indel_shifts(genome, alleles)
    n = len(alleles)
    names, inverse = alleles.chrom_codes()
    per_name = np.array([refseq_accession(build, c) for c in names], dtype=object)
    accessions = per_name[inverse] if len(names) else np.full(n, None, dtype=object)
    known = alleles.annotatable & (accessions != None)  # noqa: E711
    snv = known & (alleles.rlen == 1) & (alleles.alen == 1)
    k = np.flatnonzero(snv)
    parts = []
    if len(k):
        texts = join(
            pa.array(accessions[k], pa.string()),
            pa.scalar(":g."),
            pc.cast(pa.array(alleles.start[k]), pa.string()),
            single_bases(alleles.ref_min[k]),
            pa.scalar(">"),
            single_bases(alleles.alt_min[k]),
        )
        parts.append((k, texts))
    # plain deletions: shifted by the variant's whole 3' room (array arithmetic)
    deletion = known & (alleles.rlen > 0) & (alleles.alen == 0)
    k = np.flatnonzero(deletion)
    if len(k):
        room = np.where(shifts.first[k] > 0, shifts.right[k], 0)
        lo, hi = alleles.start[k] + room, alleles.end[k] + room
        span = pc.if_else(
            pa.array(lo == hi), pa.scalar(""), join(pa.scalar("_"), pc.cast(pa.array(hi), STR))
        )
        texts = join(
            pa.array(accessions[k], STR),
            pa.scalar(":g."),
            pc.cast(pa.array(lo), STR),
            span,
            pa.scalar("del"),
        )
        parts.append((k, texts))
    others = np.flatnonzero(known & ~snv & ~deletion)
    other_texts = []
    for i in others:
        s = int(alleles.start[i])
        ref, alt = alleles.ref_min[i], alleles.alt_min[i]
        w = shifts.bases[i]
        if w is None or (ref and alt):
            window, first = None, s
        else:
            window, first = w, int(shifts.first[i])
        i0 = s - first
        text, _ = describe_change(
            window, i0, i0 + len(ref), ref, alt, lambda x, f=first: str(f + x)
        )
        other_texts.append(f"{accessions[i]}:g.{text}")
    parts.append((others, pa.array(other_texts, pa.string())))
    return scatter(n, parts)
