"""Coding consequences: codons, amino acids, coding SO terms and HGVS ``p.``.

Three paths, chosen per pair:

* **SNVs with a transcript sequence**: fully vectorised. Codons are gathered from the
  bundle's concatenated cDNA buffer, translated through a 64-entry lookup table and
  classified with array comparisons (start_lost, stop_gained/lost/retained, missense,
  synonymous, incomplete_terminal_codon).
* **Everything else with a sequence** (MNVs, indels, delins, changes reaching the start
  or stop codon from a UTR): per pair, in Python, on the edited cDNA. The coding terms
  follow VEP's predicates; ``p.`` comes from comparing the translated proteins
  (:mod:`genomed.annotate.protein_change`).
* **No sequence in the bundle**: terms that need no sequence (frameshift, in-frame
  insertion/deletion by length; otherwise coding_sequence_variant), CDS and protein
  positions, and ``p.`` left empty with ``sequence_status = "no_sequence"``.

The reference allele of the VCF wins over the transcript where they differ (the
transcript base is replaced before translating) and the pair is marked
``ref_mismatch``; N bases in a transcript make the amino acid ``X`` and the term
coding_sequence_variant, as in VEP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomed.annotate.consequence import PairConsequences
from genomed.annotate.consequence_terms import B
from genomed.annotate.protein_change import common_prefix, describe
from genomed.annotate.variant_alleles import VariantAlleles
from genomed.reference.bundle import BundleArrays, ReferenceBundle
from genomed.reference.genetic_code import (
    reverse_complement,
    three_letter,
    translate,
    translate_codons,
    translate_fast,
    translate_until_stop,
)

_COMPLEMENT = np.zeros(256, dtype=np.uint8)
for _a, _b in zip(b"ACGTN", b"TGCAN", strict=True):
    _COMPLEMENT[_a] = _b


@dataclass
class CodingResults:
    """Per-pair coding annotation (object arrays, None where not applicable)."""

    extra_mask: np.ndarray  # int64 bits to OR into the pair mask
    codons: np.ndarray
    amino_acids: np.ndarray
    protein_lo: np.ndarray  # int64, 0 = none
    protein_hi: np.ndarray
    hgvs_p: np.ndarray
    sequence_status: np.ndarray  # ok | no_sequence | ref_mismatch | None


def _empty(n: int) -> CodingResults:
    return CodingResults(
        extra_mask=np.zeros(n, dtype=np.int64),
        codons=np.full(n, None, dtype=object),
        amino_acids=np.full(n, None, dtype=object),
        protein_lo=np.zeros(n, dtype=np.int64),
        protein_hi=np.zeros(n, dtype=np.int64),
        hgvs_p=np.full(n, None, dtype=object),
        sequence_status=np.full(n, None, dtype=object),
    )


def _oriented(alleles: np.ndarray, plus: np.ndarray) -> list[str]:
    return [a if p else reverse_complement(a) for a, p in zip(alleles, plus, strict=True)]


class ProteinCache:
    """Reference CDS, 3' UTR and protein of each transcript, built on first use."""

    def __init__(self, bundle: ReferenceBundle) -> None:
        self.bundle = bundle
        self._cache: dict[int, tuple[str, str]] = {}

    def get(self, t: int) -> tuple[str, str]:
        """(cDNA, reference protein incl. stop) of transcript ``t``."""
        if t not in self._cache:
            a = self.bundle.arrays
            seq = self.bundle.sequence(t) or ""
            ccs, cce = int(a.cdna_coding_start[t]), int(a.cdna_coding_end[t])
            protein = translate_fast(seq[ccs - 1 : cce], mito=bool(a.mito[t]))
            self._cache[t] = (seq, protein)
        return self._cache[t]


def coding_effects(
    bundle: ReferenceBundle,
    pairs: PairConsequences,
    alleles: VariantAlleles,
    proteins: ProteinCache,
) -> CodingResults:
    """Coding annotation of every pair (see module docstring)."""
    a = bundle.arrays
    n = len(pairs.v)
    out = _empty(n)
    if n == 0:
        return out
    t, v = pairs.t, pairs.v
    has_seq = a.seq_offset[t] >= 0
    coding_pair = pairs.touches_cds
    out.sequence_status[coding_pair & ~has_seq] = "no_sequence"
    out.sequence_status[coding_pair & has_seq] = "ok"
    snv = (alleles.rlen[v] == 1) & (alleles.alen[v] == 1)
    fast = pairs.full_coding & has_seq & snv
    if fast.any():
        _snv_path(a, pairs, alleles, np.flatnonzero(fast), out)
    slow = coding_pair & has_seq & ~fast
    for k in np.flatnonzero(slow):
        _python_path(a, pairs, alleles, proteins, int(k), out)
    blind = pairs.full_coding & ~has_seq
    if blind.any():
        _no_sequence_path(pairs, alleles, np.flatnonzero(blind), out)
    # stop_lost extensions of SNVs need the 3' UTR: described in Python
    ext = fast & ((out.extra_mask & B["stop_lost"]) != 0)
    for k in np.flatnonzero(ext):
        _python_path(a, pairs, alleles, proteins, int(k), out, only_hgvs=True)
    return out


def _snv_path(a: BundleArrays, pairs, alleles, k: np.ndarray, out: CodingResults) -> None:
    t, v = pairs.t[k], pairs.v[k]
    plus = a.strand[t] > 0
    cds = pairs.cds_lo[k]
    codon = (cds - 1) // 3
    phase = (cds - 1) % 3
    ccs, cce = a.cdna_coding_start[t], a.cdna_coding_end[t]
    cds_len = cce - ccs + 1
    base0 = a.seq_offset[t] + ccs - 1 + codon * 3  # buffer index of the codon's 1st base
    complete = codon * 3 + 3 <= cds_len
    idx = base0[:, None] + np.arange(3)[None, :]
    idx = np.minimum(idx, len(a.seq_buffer) - 1)
    ref_codon = a.seq_buffer[idx].copy()
    ref_codon[~complete] = ord("N")
    ref_b = np.frombuffer("".join(alleles.ref_min[v]).encode(), dtype=np.uint8)
    alt_b = np.frombuffer("".join(alleles.alt_min[v]).encode(), dtype=np.uint8)
    ref_b = np.where(plus, ref_b, _COMPLEMENT[ref_b])
    alt_b = np.where(plus, alt_b, _COMPLEMENT[alt_b])
    rows = np.arange(len(k))
    mismatch = ref_codon[rows, phase] != ref_b
    ref_codon[rows[complete], phase[complete]] = ref_b[complete]
    alt_codon = ref_codon.copy()
    alt_codon[rows, phase] = alt_b
    mito = a.mito[t]
    ref_aa = translate_codons(ref_codon, mito)
    alt_aa = translate_codons(alt_codon, mito)
    X, STOP = ord("X"), ord("*")
    unknown = (ref_aa == X) | (alt_aa == X)
    first = (codon == 0) & ~a.start_nf[t]
    mask = np.zeros(len(k), dtype=np.int64)
    start_lost = first & (ref_aa != alt_aa) & ~unknown
    stop_retained = (ref_aa == STOP) & (alt_aa == STOP)
    stop_lost = (ref_aa == STOP) & (alt_aa != STOP) & ~unknown
    stop_gained = (alt_aa == STOP) & (ref_aa != STOP)
    synonymous = (ref_aa == alt_aa) & ~stop_retained & ~unknown
    missense = ~(start_lost | stop_lost | stop_gained | synonymous | stop_retained | unknown)
    incomplete = ~complete
    mask |= np.where(start_lost, B["start_lost"], 0)
    mask |= np.where(stop_retained, B["stop_retained_variant"], 0)
    mask |= np.where(stop_lost, B["stop_lost"], 0)
    mask |= np.where(stop_gained, B["stop_gained"], 0)
    mask |= np.where(synonymous, B["synonymous_variant"], 0)
    mask |= np.where(missense & ~incomplete, B["missense_variant"], 0)
    mask |= np.where(
        incomplete, B["incomplete_terminal_codon_variant"] | B["coding_sequence_variant"], 0
    )
    mask |= np.where(unknown & ~incomplete, B["coding_sequence_variant"], 0)
    out.extra_mask[k] |= mask
    # Codons "cGc/cAc", Amino_acids "R/H" or "R"
    lower = ref_codon | 0x20
    ref_disp = lower.copy()
    alt_disp = lower.copy()
    ref_disp[rows, phase] = ref_codon[rows, phase]
    alt_disp[rows, phase] = alt_codon[rows, phase]
    ref_txt = ref_disp.tobytes().decode("ascii")
    alt_txt = alt_disp.tobytes().decode("ascii")
    ra = ref_aa.tobytes().decode("ascii")
    aa = alt_aa.tobytes().decode("ascii")
    pos = codon + 1
    codons, aminos, hgvs = [], [], []
    for r in range(len(k)):
        codons.append(f"{ref_txt[3 * r : 3 * r + 3]}/{alt_txt[3 * r : 3 * r + 3]}")
        x, y = ra[r], aa[r]
        aminos.append(x if x == y else f"{x}/{y}")
        if unknown[r]:
            hgvs.append(None)
        elif start_lost[r]:
            hgvs.append(f"p.({three_letter(x)}1?)")
        elif x == y:
            hgvs.append("p.(=)")
        elif stop_lost[r]:
            hgvs.append(None)  # extension: filled by the Python path (needs the 3' UTR)
        else:
            hgvs.append(f"p.({three_letter(x)}{pos[r]}{three_letter(y)})")
    out.codons[k] = codons
    out.amino_acids[k] = aminos
    out.hgvs_p[k] = hgvs
    out.protein_lo[k] = pos
    out.protein_hi[k] = pos
    out.sequence_status[k] = np.where(mismatch, "ref_mismatch", "ok")


def _no_sequence_path(pairs, alleles, k: np.ndarray, out: CodingResults) -> None:
    v = pairs.v[k]
    rlen, alen = alleles.rlen[v], alleles.alen[v]
    diff = alen - rlen
    mask = np.where(
        diff % 3 != 0,
        B["frameshift_variant"],
        np.where(
            diff > 0,
            B["inframe_insertion"],
            np.where(diff < 0, B["inframe_deletion"], B["coding_sequence_variant"]),
        ),
    )
    out.extra_mask[k] |= mask
    lo = np.minimum(pairs.cds_lo[k], pairs.cds_hi[k])
    hi = np.maximum(pairs.cds_lo[k], pairs.cds_hi[k])
    out.protein_lo[k] = (lo - 1) // 3 + 1
    out.protein_hi[k] = (hi - 1) // 3 + 1


def _display(segment: str, lo: int, hi: int) -> str:
    """Codon text with bases lo..hi (0-based, hi exclusive) upper case, rest lower."""
    if not segment:
        return "-"
    return segment[:lo].lower() + segment[lo:hi].upper() + segment[hi:].lower()


def _python_path(
    a: BundleArrays,
    pairs: PairConsequences,
    alleles: VariantAlleles,
    proteins: ProteinCache,
    k: int,
    out: CodingResults,
    only_hgvs: bool = False,
) -> None:
    t, v = int(pairs.t[k]), int(pairs.v[k])
    seq, ref_protein = proteins.get(t)
    plus = a.strand[t] > 0
    ccs, cce = int(a.cdna_coding_start[t]), int(a.cdna_coding_end[t])
    mito = bool(a.mito[t])
    ref_allele = alleles.ref_min[v] if plus else reverse_complement(alleles.ref_min[v])
    alt_allele = alleles.alt_min[v] if plus else reverse_complement(alleles.alt_min[v])
    ins = len(ref_allele) == 0
    lo, hi = int(pairs.cdna_lo[k]), int(pairs.cdna_hi[k])
    if lo <= 0 or hi <= 0:
        return  # the change leaves the exon: coding_sequence_variant already set
    # 0-based half-open stretch of the cDNA that the variant replaces
    x0, x1 = (lo, lo) if ins else (lo - 1, hi)
    if not ins and seq[x0:x1] != ref_allele:
        out.sequence_status[k] = "ref_mismatch"
    edited = seq[:x0] + alt_allele + seq[x1:]
    diff = len(alt_allele) - len(ref_allele)
    frameshift = diff % 3 != 0
    # CDS coordinates (0-based, within the CDS) of the change
    c0, c1 = x0 - (ccs - 1), x1 - (ccs - 1)
    cds_len = cce - ccs + 1
    overlaps_start = c0 < 3 and c1 > 0 if not ins else 0 < c0 < 3
    overlaps_stop = c1 > cds_len - 3 and c0 < cds_len if not ins else cds_len - 3 < c0 < cds_len
    # the variant protein: the reference up to the first changed codon, then translated
    # from there to its first stop
    first_codon = max(0, min(c0 // 3, len(ref_protein) - 1))
    alt_protein = ref_protein[:first_codon] + translate_until_stop(
        edited, ccs - 1 + 3 * first_codon, mito
    )
    within = c0 >= 0 and c1 <= cds_len
    # codon-level alleles
    if within:
        if ins and c0 % 3 == 0:
            cod0 = cod1 = c0
        else:
            cod0 = (c0 // 3) * 3
            end = c0 if ins else c1
            cod1 = max(cod0 + 3, -(-end // 3) * 3)
        ref_seg = seq[ccs - 1 + cod0 : ccs - 1 + cod1]
        if not ins:
            ref_seg = ref_seg[: c0 - cod0] + ref_allele + ref_seg[c1 - cod0 :]
        alt_seg = ref_seg[: c0 - cod0] + alt_allele + ref_seg[(c0 if ins else c1) - cod0 :]
        ref_pep = translate(ref_seg, mito=mito)
        alt_pep = translate(alt_seg, mito=mito) + ("X" if len(alt_seg) % 3 else "")
    else:
        ref_seg = alt_seg = ""
        ref_pep = alt_pep = ""
    inframe = (
        within and not frameshift and diff != 0 and _inframe(ref_seg, alt_seg, ref_pep, alt_pep)
    )
    start_lost = False
    if overlaps_start and not a.start_nf[t]:
        if diff == 0:
            start_lost = bool(within and ref_pep != alt_pep and not alt_pep.endswith(ref_pep)
                              and not alt_pep.startswith(ref_pep))  # fmt: skip
            if not within:  # a substitution reaching from the 5' UTR into the start codon
                start_lost = edited[ccs - 1 : ccs + 2] != seq[ccs - 1 : ccs + 2]
        else:
            start_lost = _start_altered(seq, edited, ccs, cce, diff) and not inframe
    mask = 0
    if frameshift and within and not start_lost:
        # the first residue that differs is a stop: the frameshift is also stop_gained
        i = common_prefix(ref_protein, alt_protein, first_codon)
        if i < len(alt_protein) and alt_protein[i] == "*" and i < len(ref_protein) - 1:
            mask |= B["stop_gained"]
    if not only_hgvs:
        if within:
            mask |= _coding_terms(ref_seg, alt_seg, ref_pep, alt_pep, diff, frameshift, start_lost,
                                  overlaps_start and not _start_altered(seq, edited, ccs, cce, diff),
                                  overlaps_stop, ins)  # fmt: skip
            if c1 > cds_len - cds_len % 3 and cds_len % 3:
                mask |= B["incomplete_terminal_codon_variant"]
        else:
            if start_lost:
                mask |= B["start_lost"]
            elif overlaps_start and diff and not _start_altered(seq, edited, ccs, cce, diff):
                mask |= B["start_retained_variant"]
            if overlaps_stop:
                kept = alt_protein == ref_protein
                mask |= B["stop_retained_variant"] if kept else B["stop_lost"]
        out.extra_mask[k] |= mask
        out.codons[k] = (
            f"{_display(ref_seg, c0 - cod0, c1 - cod0 if not ins else c0 - cod0)}/"
            f"{_display(alt_seg, c0 - cod0, c0 - cod0 + len(alt_allele))}"
            if within
            else None
        )
        out.amino_acids[k] = (
            (ref_pep if ref_pep == alt_pep else f"{ref_pep or '-'}/{alt_pep or '-'}")
            if within
            else None
        )
        if within:
            out.protein_lo[k] = cod0 // 3 + 1 if cod1 > cod0 else cod0 // 3
            out.protein_hi[k] = max(cod1 // 3, out.protein_lo[k]) if cod1 > cod0 else cod0 // 3 + 1
    # HGVS: any change of the start codon itself gives p.(Met1?), whatever VEP's term
    start_changed = overlaps_start and edited[ccs - 1 : ccs + 2] != seq[ccs - 1 : ccs + 2]
    out.hgvs_p[k] = describe(
        ref_protein,
        alt_protein,
        frameshift=frameshift and within,
        start_lost=start_lost or start_changed,
        length_change=diff,
        same_before=first_codon,
    )


def _start_altered(seq: str, edited: str, ccs: int, cce: int, diff: int) -> bool:
    """VEP's test for an indel at the start codon: is the coding sequence still found,
    unchanged, at the end of the edited 5' UTR + CDS?"""
    cds = seq[ccs - 1 : cce]
    region = edited[: cce + diff]
    return len(region) < len(cds) or region[len(region) - len(cds) :] != cds


def _inframe(ref_seg: str, alt_seg: str, ref_pep: str, alt_pep: str) -> bool:
    """VEP's inframe_insertion (peptides) / inframe_deletion (codons) predicates."""
    if len(alt_seg) > len(ref_seg):
        trimmed = alt_pep.split("*")[0] + "*" if "*" in alt_pep else alt_pep
        return not ref_pep or trimmed.startswith(ref_pep) or trimmed.endswith(ref_pep)
    ref_c, alt_c = ref_seg.upper(), alt_seg.upper()
    if ref_c.startswith(alt_c) or ref_c.endswith(alt_c):
        return True
    return _inner_match(ref_c, alt_c) and len(ref_c) % 3 == 0


def _coding_terms(
    ref_seg: str,
    alt_seg: str,
    ref_pep: str,
    alt_pep: str,
    diff: int,
    frameshift: bool,
    start_lost: bool,
    start_retained: bool,
    overlaps_stop: bool,
    ins: bool,
) -> int:
    """VEP's coding predicates on the codon-level alleles of one in-CDS change."""
    mask = 0
    if "X" in ref_pep or ("X" in alt_pep and not frameshift):
        return B["coding_sequence_variant"]
    if start_lost:
        mask |= B["start_lost"]
    elif start_retained and diff:
        mask |= B["start_retained_variant"]
    if frameshift:
        mask |= B["frameshift_variant"]
        full = alt_pep.rstrip("X")
        if "*" in full and "*" not in ref_pep:
            mask |= B["stop_gained"]
        if "*" in ref_pep and "*" not in full:
            mask |= B["stop_lost"]
        return mask
    stop_retained = alt_pep.startswith("*") and ref_pep.startswith("*")
    if ins and not ref_pep and alt_pep.startswith("*") and overlaps_stop:
        stop_retained = True
    if stop_retained:
        mask |= B["stop_retained_variant"]
    if "*" in ref_pep and "*" not in alt_pep:
        mask |= B["stop_lost"]
    if "*" in alt_pep and "*" not in ref_pep and not stop_retained:
        mask |= B["stop_gained"]
    decided = mask & (B["start_lost"] | B["stop_lost"] | B["stop_gained"])
    if diff == 0:
        if ref_pep == alt_pep and not stop_retained:
            mask |= B["synonymous_variant"]
        elif ref_pep != alt_pep and not decided:
            mask |= B["missense_variant"]
        return mask
    if _inframe(ref_seg, alt_seg, ref_pep, alt_pep):
        if diff < 0:
            mask |= B["inframe_deletion"]
        elif not start_lost:
            mask |= B["inframe_insertion"]
    elif not decided:
        mask |= B["protein_altering_variant"]
    return mask


def _inner_match(ref: str, alt: str) -> bool:
    """VEP: after trimming shared ends, nothing of ``alt`` remains (a clean deletion)."""
    while ref and alt and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return not alt
