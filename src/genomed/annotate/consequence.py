"""Consequence classes of (variant, transcript) pairs, computed column-wise.

Everything that depends only on positions is decided here for all pairs at once, with
Ensembl VEP's definitions (``Bio::EnsEMBL::Variation::Utils::VariationEffect``),
re-implemented from their documented meaning:

* upstream/downstream: within 5 kb of the transcript, strand-aware;
* splice_donor/acceptor_variant: the first/last two bases of an intron;
  splice_donor_5th_base_variant: intron base +5; splice_donor_region_variant: +3, +4,
  +6; splice_polypyrimidine_tract_variant: -3..-17; splice_region_variant: 1-3 exonic
  bases next to an intron or intronic bases 3-8, unless a donor term above applies;
* intron_variant: intron bases 3..len-2 (insertions between bases 2 and 3 included);
* 5'/3' UTR: the exonic part lies outside the CDS (insertions right before the start
  codon are 5' UTR, right after the stop codon 3' UTR);
* non_coding_transcript_exon_variant / non_coding_transcript_variant, NMD_transcript_variant;
* transcript_ablation: a deletion covering the whole transcript.

Coding terms (missense, stop_gained, frameshift, ...) need the amino acids and are added
by :mod:`genomed.annotate.coding_effect`; this module marks which pairs need that
(``full_coding``: the changed bases lie inside one coding exon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomed.annotate.consequence_terms import B
from genomed.annotate.overlap import FLANK
from genomed.annotate.transcript_coordinates import ExonIndex, place
from genomed.annotate.variant_alleles import VariantAlleles
from genomed.reference.bundle import BundleArrays


def overlaps(s, e, a, b):
    """Closed-interval overlap; with s = e + 1 (an insertion) true only when both
    flanking bases lie in [a, b]."""
    return (e >= a) & (s <= b)


@dataclass
class PairConsequences:
    """Per-pair results (one entry per (variant, transcript) pair)."""

    v: np.ndarray
    t: np.ndarray
    mask: np.ndarray  # int64 term bits
    within: np.ndarray  # bool: inside the transcript span
    distance: np.ndarray  # int64 to the transcript (up/downstream), else 0
    exon_lo: np.ndarray  # int64 exon numbers overlapped (0 = none), transcript order
    exon_hi: np.ndarray
    intron_lo: np.ndarray
    intron_hi: np.ndarray
    cdna_lo: np.ndarray  # cDNA span of the exonic part (0 = unknown end)
    cdna_hi: np.ndarray
    cds_lo: np.ndarray  # CDS span (0 = unknown end / not coding)
    cds_hi: np.ndarray
    full_coding: np.ndarray  # bool: all changed bases in one coding exon
    touches_cds: np.ndarray  # bool: exonic part overlaps the CDS


def predict_locations(
    a: BundleArrays, index: ExonIndex, alleles: VariantAlleles, v: np.ndarray, t: np.ndarray
) -> PairConsequences:
    """Position-level consequences of every pair (see module docstring). Flank terms are
    decided for all pairs; exon/intron/CDS work only for pairs inside the transcript."""
    n = len(v)
    s = alleles.start[v]
    e = alleles.end[v]
    plus = a.strand[t] > 0
    tx_s, tx_e = a.start[t], a.end[t]
    within = overlaps(s, e, tx_s, tx_e)
    before = ~within & (e < tx_s)
    after = ~within & (s > tx_e)
    distance = np.where(before, tx_s - e, np.where(after, s - tx_e, 0))
    near = distance <= FLANK
    mask = np.where(np.where(plus, before, after) & near, B["upstream_gene_variant"], 0)
    mask |= np.where(np.where(plus, after, before) & near, B["downstream_gene_variant"], 0)
    w = np.flatnonzero(within)
    inner = _inside(a, index, alleles, v[w], t[w])
    out = PairConsequences(
        v=v,
        t=t,
        mask=mask.astype(np.int64),
        within=within,
        distance=np.where(within, 0, distance),
        **{
            name: np.zeros(n, dtype=bool if name in ("full_coding", "touches_cds") else np.int64)
            for name in (
                "exon_lo",
                "exon_hi",
                "intron_lo",
                "intron_hi",
                "cdna_lo",
                "cdna_hi",
                "cds_lo",
                "cds_hi",
                "full_coding",
                "touches_cds",
            )
        },  # fmt: skip
    )
    out.mask[w] |= inner.mask
    for name in ("exon_lo", "exon_hi", "intron_lo", "intron_hi", "cdna_lo", "cdna_hi",
                 "cds_lo", "cds_hi", "full_coding", "touches_cds"):  # fmt: skip
        getattr(out, name)[w] = getattr(inner, name)
    return out


def _inside(
    a: BundleArrays, index: ExonIndex, alleles: VariantAlleles, v: np.ndarray, t: np.ndarray
) -> PairConsequences:
    """Consequences of pairs whose variant lies (at least partly) inside the transcript."""
    n = len(v)
    s = alleles.start[v]
    e = alleles.end[v]
    ins = alleles.rlen[v] == 0
    dele = (alleles.alen[v] < alleles.rlen[v]) & ~ins
    plus = a.strand[t] > 0
    tx_s, tx_e = a.start[t], a.end[t]
    coding = a.coding[t]
    mask = np.zeros(n, dtype=np.int64)
    within = np.ones(n, dtype=bool)
    distance = np.zeros(n, dtype=np.int64)
    ablation = dele & (s <= tx_s) & (e >= tx_e)
    mask |= np.where(ablation, B["transcript_ablation"], 0)

    # exons overlapped
    lo, hi = index.exon_overlap_range(t, s, e)
    exonic = within & (hi >= lo)
    nex = len(a.ex_start)
    lo_c, hi_c = np.clip(lo, 0, nex - 1), np.clip(hi, 0, nex - 1)
    num_a, num_b = a.ex_number[lo_c], a.ex_number[hi_c]
    exon_lo = np.where(exonic, np.minimum(num_a, num_b), 0)
    exon_hi = np.where(exonic, np.maximum(num_a, num_b), 0)

    # introns: candidates lo-1, lo, hi-1, hi (global index j = intron after exon j)
    first = a.exon_first[t]
    last_intron = first + a.exon_count[t] - 2
    flags = {k: np.zeros(n, dtype=bool) for k in (
        "donor", "acceptor", "fifth", "donor_region", "pyrimidine", "region", "intronic",
        "in_intron",
    )}  # fmt: skip
    intron_lo = np.zeros(n, dtype=np.int64)
    intron_hi = np.zeros(n, dtype=np.int64)
    for cand in (lo - 1, lo, hi - 1, hi):
        ok = within & (cand >= first) & (cand <= last_intron)
        j = np.clip(cand, 0, max(nex - 2, 0))
        i_s = a.ex_end[j] + 1
        i_e = a.ex_start[np.minimum(j + 1, nex - 1)] - 1
        start_site = overlaps(s, e, i_s, i_s + 1)
        end_site = overlaps(s, e, i_e - 1, i_e)
        intronic = overlaps(s, e, i_s + 2, i_e - 2) | (ins & ((s == i_s + 2) | (e == i_e - 2)))
        region = (
            overlaps(s, e, i_s + 2, i_s + 7)
            | overlaps(s, e, i_e - 7, i_e - 2)
            | overlaps(s, e, i_s - 3, i_s - 1)
            | overlaps(s, e, i_e + 1, i_e + 3)
            | (ins & ((s == i_s) | (e == i_e) | (s == i_s + 2) | (e == i_e - 2)))
        )
        fifth = np.where(plus, overlaps(s, e, i_s + 4, i_s + 4), overlaps(s, e, i_e - 4, i_e - 4))
        donor_region = np.where(
            plus,
            overlaps(s, e, i_s + 2, i_s + 3) | overlaps(s, e, i_s + 5, i_s + 5),
            overlaps(s, e, i_e - 3, i_e - 2) | overlaps(s, e, i_e - 5, i_e - 5),
        )
        pyrimidine = np.where(
            plus, overlaps(s, e, i_e - 16, i_e - 2), overlaps(s, e, i_s + 2, i_s + 16)
        )
        flags["donor"] |= ok & np.where(plus, start_site, end_site)
        flags["acceptor"] |= ok & np.where(plus, end_site, start_site)
        flags["fifth"] |= ok & fifth
        flags["donor_region"] |= ok & donor_region
        flags["pyrimidine"] |= ok & pyrimidine
        flags["region"] |= ok & region
        flags["intronic"] |= ok & intronic
        in_intron = ok & overlaps(s, e, i_s, i_e)
        flags["in_intron"] |= in_intron
        number = np.minimum(a.ex_number[j], a.ex_number[np.minimum(j + 1, nex - 1)])
        intron_lo = np.where(
            in_intron & ((intron_lo == 0) | (number < intron_lo)), number, intron_lo
        )
        intron_hi = np.where(in_intron & (number > intron_hi), number, intron_hi)
    f = flags
    mask |= np.where(f["acceptor"], B["splice_acceptor_variant"], 0)
    mask |= np.where(f["donor"], B["splice_donor_variant"], 0)
    mask |= np.where(f["fifth"], B["splice_donor_5th_base_variant"], 0)
    mask |= np.where(f["donor_region"] & ~f["fifth"], B["splice_donor_region_variant"], 0)
    mask |= np.where(f["pyrimidine"], B["splice_polypyrimidine_tract_variant"], 0)
    plain_region = f["region"] & ~(f["donor"] | f["acceptor"] | f["fifth"] | f["donor_region"])
    mask |= np.where(plain_region, B["splice_region_variant"], 0)
    mask |= np.where(f["intronic"], B["intron_variant"], 0)

    # exonic part vs CDS
    cds_s = np.where(coding, a.cds_start[t], 0)
    cds_e = np.where(coding, a.cds_end[t], -1)
    in_cds_span = overlaps(s, e, cds_s, cds_e)
    cs = np.where(ins, s, np.maximum(s, cds_s))
    ce = np.where(ins, e, np.minimum(e, cds_e))
    clo, chi = index.exon_overlap_range(t, cs, ce)
    touches_cds = exonic & coding & in_cds_span & (chi >= clo)
    # UTRs: exonic part before / after the CDS (transcript orientation)
    left_s, left_e = s, np.minimum(e, cds_s - 1)
    right_s, right_e = np.maximum(s, cds_e + 1), e
    llo, lhi = index.exon_overlap_range(t, left_s, np.where(ins, e, left_e))
    rlo, rhi = index.exon_overlap_range(t, np.where(ins, s, right_s), right_e)
    left_utr = exonic & coding & ((ins & (s == cds_s)) | (~ins & (s < cds_s) & (lhi >= llo)))
    left_utr |= exonic & coding & ins & (e < cds_s)
    right_utr = exonic & coding & ((ins & (e == cds_e)) | (~ins & (e > cds_e) & (rhi >= rlo)))
    right_utr |= exonic & coding & ins & (s > cds_e)
    utr5 = np.where(plus, left_utr, right_utr)
    utr3 = np.where(plus, right_utr, left_utr)
    mask |= np.where(utr5, B["5_prime_UTR_variant"], 0)
    mask |= np.where(utr3, B["3_prime_UTR_variant"], 0)
    mask |= np.where(exonic & ~coding, B["non_coding_transcript_exon_variant"], 0)
    mask |= np.where(within & ~coding & ~exonic, B["non_coding_transcript_variant"], 0)
    mask |= np.where(within & a.nmd[t], B["NMD_transcript_variant"], 0)

    # cDNA / CDS coordinates of the exonic part
    p_s, p_e = place(index, t, s), place(index, t, e)  # insertion: flanks s and e
    c_s = np.where(p_s.exonic, p_s.cdna, 0)
    c_e = np.where(p_e.exonic, p_e.cdna, 0)
    cdna_lo = np.where(plus, c_s, c_e)
    cdna_hi = np.where(plus, c_e, c_s)
    swap = ins & (cdna_lo > cdna_hi) & (cdna_hi > 0)
    cdna_lo, cdna_hi = np.where(swap, cdna_hi, cdna_lo), np.where(swap, cdna_lo, cdna_hi)
    cdna_lo = np.where(exonic, cdna_lo, 0)
    cdna_hi = np.where(exonic, cdna_hi, 0)
    ccs, cce = a.cdna_coding_start[t], a.cdna_coding_end[t]
    in_coding = lambda c: (c >= ccs) & (c <= cce) & (c > 0)  # noqa: E731
    cds_lo = np.where(touches_cds & in_coding(cdna_lo), cdna_lo - ccs + 1, 0)
    cds_hi = np.where(touches_cds & in_coding(cdna_hi), cdna_hi - ccs + 1, 0)
    same_exon = (
        p_s.exonic
        & p_e.exonic
        & (
            index.last_exon_starting_at_or_before(t, s)
            == index.last_exon_starting_at_or_before(t, e)
        )
    )
    full_coding = touches_cds & same_exon & (cds_lo > 0) & (cds_hi > 0)
    partial = touches_cds & ~full_coding
    mask |= np.where(partial, B["coding_sequence_variant"], 0)
    return PairConsequences(
        v=v,
        t=t,
        mask=mask,
        within=within,
        distance=np.where(within, 0, distance),
        exon_lo=exon_lo,
        exon_hi=exon_hi,
        intron_lo=intron_lo,
        intron_hi=intron_hi,
        cdna_lo=cdna_lo,
        cdna_hi=cdna_hi,
        cds_lo=cds_lo,
        cds_hi=cds_hi,
        full_coding=full_coding,
        touches_cds=touches_cds,
    )
