"""What a null variant does to the transcript, for the ClinGen SVI PVS1 decision tree
(Abou Tayoun et al., Hum Mutat 2018;39:1517-1524): does the premature stop codon trigger
nonsense-mediated decay (NMD), and which part of the protein is lost otherwise.

NMD rule: a premature stop codon escapes NMD when it lies in the last exon or within
the 3'-most ``nmd_penultimate_exon_nt`` (50) nucleotides of the penultimate exon
(``rules/germline_thresholds.tsv``); genomed measures from the stop codon's first base.

Where the premature stop is (:func:`premature_stop`):

* nonsense: the codon of the ``Ter`` residue;
* frameshift with ``fsTerN`` in HGVS p.: residue ``aa_pos + N - 1`` of the new frame, its
  first base moved back by the indel's length change to reference cDNA coordinates (so
  it can be compared with the reference exon junctions, which the indel shifts alike);
* frameshift without ``fsTerN`` (no transcript sequence, or ``fsTer?``): the variant's
  own position, an approximation the reason states (the real stop is further 3').

Canonical splice variants (:func:`exon_skipping`) are read as skipping of the exon whose
donor (``c.N+1/2``) or acceptor (``c.N-1/2``) they hit. An exon whose coding length is a
multiple of 3 is skipped in frame (the protein loses that exon's residues); otherwise the
frame shifts at the new junction, and the new stop is found by translating the skipped
transcript when the bundle has its sequence (else: NMD is assumed unless the skipped exon
is the penultimate one, whose frameshift can only end in the last exon). Cryptic splice
sites, exons with the start or stop codon, non-coding exons and the last exon are not
modelled: those keep PVS1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genomed.interpret.rules import threshold
from genomed.interpret.transcript_structure import TranscriptStructure
from genomed.reference.genetic_code import translate_until_stop

_FS_TER = re.compile(r"fs(?:Ter|\*)(\d+|\?)$")


@dataclass(frozen=True)
class TruncationEffect:
    """The transcript-level outcome of a null variant.

    ``kind``: ``nmd`` (predicted to undergo NMD), ``escapes_nmd`` (truncated protein made),
    ``in_frame_skip`` (an exon's residues removed in frame) or ``not_refined`` (the
    decision tree could not be followed with the data at hand; PVS1 stays very strong). ``first_residue``..``last_residue`` is the protein region lost or
    altered (escapes_nmd, in_frame_skip); ``reason`` says how it was worked out.
    """

    kind: str
    reason: str
    first_residue: int | None = None
    last_residue: int | None = None


def _nmd_nt() -> int:
    return int(threshold("nmd_penultimate_exon_nt", "germline_thresholds"))


def premature_stop(v: dict, s: TranscriptStructure) -> tuple[int | None, str]:
    """(cDNA position, reference coordinates, of the premature stop codon's first base;
    how it was located). None when neither the protein change nor the c. position is known."""
    aa_pos = v.get("aa_pos")
    if v.get("consequence") == "stop_gained" and aa_pos:
        return s.cdna_of_c(3 * (aa_pos - 1) + 1), f"stop codon at residue {aa_pos}"
    m = _FS_TER.search(v.get("hgvsp") or "")
    if m and m.group(1) != "?" and aa_pos:
        residue = aa_pos + int(m.group(1)) - 1
        shift = len(v.get("alt") or "") - len(v.get("ref") or "")
        c_ref = 3 * (residue - 1) + 1 - shift
        return s.cdna_of_c(c_ref), f"new stop codon at residue {residue} (fsTer{m.group(1)})"
    why = "no new stop before the transcript end (fsTer?)" if m else "new stop not located"
    index, _ = s.anchor_exon(v.get("hgvsc"))
    anchor = re.match(r"^c\.(\d+)", v.get("hgvsc") or "")
    if anchor and index is not None:
        return (
            s.cdna_of_c(int(anchor.group(1))),
            f"{why}: approximated by the variant position c.{anchor.group(1)}",
        )
    if aa_pos:
        return (
            s.cdna_of_c(3 * (aa_pos - 1) + 1),
            f"{why}: approximated by the variant residue {aa_pos}",
        )
    return None, why


def nmd_escape(s: TranscriptStructure, stop_cdna: int) -> tuple[bool, str]:
    """(escapes NMD, where the stop lies) by the last-exon / 50-nt rule (module docstring)."""
    n = len(s.exons)
    index = s.exon_index_at(stop_cdna)
    if n == 1:
        return True, "single-exon transcript"
    if index is None:
        return False, "stop codon outside the exons"
    if index == n - 1:
        return True, f"in the last exon ({n}/{n})"
    to_junction = s.exons[n - 2][1] - stop_cdna + 1
    if index == n - 2 and to_junction <= _nmd_nt():
        return True, (
            f"{to_junction} nt from the end of the penultimate exon ({n - 1}/{n}, <= {_nmd_nt()})"
        )
    return False, (
        f"in exon {index + 1}/{n}, {to_junction} nt 5' of the last exon junction (> {_nmd_nt()})"
    )


def residue_of(s: TranscriptStructure, cdna: int) -> int:
    """Residue (1-based) whose codon holds cDNA position ``cdna``."""
    return (cdna - s.coding_start) // 3 + 1


def truncation(v: dict, s: TranscriptStructure) -> TruncationEffect:
    """Nonsense or frameshift: NMD, or the C-terminal region lost (from the first
    altered residue to the protein's end)."""
    stop, how = premature_stop(v, s)
    if stop is None:
        return TruncationEffect("not_refined", f"{how}: NMD not assessed")
    escapes, where = nmd_escape(s, stop)
    if not escapes:
        return TruncationEffect("nmd", f"{how}, {where}: predicted to undergo NMD")
    first = v.get("aa_pos") or residue_of(s, stop)
    return TruncationEffect("escapes_nmd", f"{how}, {where}: escapes NMD", first, s.protein_length)


def _without_exon(s: TranscriptStructure, index: int) -> TranscriptStructure:
    """The transcript with exon ``index`` spliced out (cDNA renumbered)."""
    start, end = s.exons[index]
    size = end - start + 1
    exons = s.exons[:index] + tuple((a - size, b - size) for a, b in s.exons[index + 1 :])
    sequence = s.sequence[: start - 1] + s.sequence[end:] if s.sequence else None
    return TranscriptStructure(
        s.transcript_id, exons, s.coding_start, s.coding_end - size, sequence
    )


def _out_of_frame_skip(s: TranscriptStructure, index: int, first: int) -> TruncationEffect:
    n = len(s.exons)
    label = f"skipping exon {index + 1}/{n} shifts the reading frame"
    skipped = _without_exon(s, index)
    if skipped.sequence:
        junction = s.exons[index][0]  # first base after the new junction, skipped cDNA
        codon = junction - (junction - s.coding_start) % 3
        peptide = translate_until_stop(skipped.sequence, codon - 1)
        if peptide.endswith("*"):
            stop = codon + 3 * (len(peptide) - 1)
            escapes, where = nmd_escape(skipped, stop)
            how = f"{label}; new stop {where} of the skipped transcript (translated)"
            if escapes:
                return TruncationEffect(
                    "escapes_nmd", f"{how}: escapes NMD", first, s.protein_length
                )
            return TruncationEffect("nmd", f"{how}: predicted to undergo NMD")
    if index == n - 2:
        return TruncationEffect(
            "escapes_nmd",
            f"{label} into the last exon (no sequence to place the new stop): escapes NMD",
            first,
            s.protein_length,
        )
    return TruncationEffect(
        "nmd",
        f"{label}; new stop not located (no transcript sequence), assumed 5' of the last "
        "junction: predicted to undergo NMD",
    )


def exon_skipping(v: dict, s: TranscriptStructure) -> TruncationEffect:
    """Canonical splice donor/acceptor variant read as skipping of its exon (see the
    module docstring)."""
    index, side = s.anchor_exon(v.get("hgvsc"))
    if index is None or side is None:
        return TruncationEffect("not_refined", "exon of the splice site not found from HGVS c.")
    n = len(s.exons)
    role = "donor" if side == "+" else "acceptor"
    coding = s.coding_span_of_exon(index)
    if coding is None:
        return TruncationEffect(
            "not_refined",
            f"{role} of exon {index + 1}/{n}, which has no coding bases: effect not modelled",
        )
    lo, hi = coding
    if lo == s.coding_start or index == n - 1 or hi == s.coding_end:
        part = (
            "start codon"
            if lo == s.coding_start
            else "stop codon"
            if hi == s.coding_end
            else "last exon"
        )
        return TruncationEffect(
            "not_refined",
            f"{role} of exon {index + 1}/{n} (holds the {part}): exon skipping not modelled",
        )
    length = hi - lo + 1
    first, last = residue_of(s, lo), residue_of(s, hi)
    if length % 3 == 0:
        return TruncationEffect(
            "in_frame_skip",
            f"{role} of exon {index + 1}/{n}: skipping removes its {length} coding nt in frame "
            f"(residues {first}-{last})",
            first,
            last,
        )
    return _out_of_frame_skip(s, index, first)
