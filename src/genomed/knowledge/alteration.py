"""Parse the names knowledge bases give alterations into something a variant can match.

CIViC and CGI name variants as short strings: ``V600E``, ``G12``, ``G12/G13``,
``EXON 19 DELETION``, ``AMPLIFICATION``, ``MUTATION``, ``BCR-ABL``, ``W288FS``,
``V560DEL``. :func:`parse_alteration` turns one into an :class:`Alteration` whose
``alteration_type`` is a key of
:data:`genomed.knowledge.bundle_format.ALTERATION_TYPES`; one name can expand to several
(``G12/G13`` is two codons, ``Q157P/R`` two changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: three-letter amino-acid codes -> one letter (Ter/* = stop)
AA3 = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
    "Sec": "U",
    "Xaa": "X",
}


@dataclass(frozen=True)
class Alteration:
    """One matchable alteration of a gene (see ``ALTERATION_TYPES``)."""

    alteration_type: str
    aa_ref: str | None = None
    aa_pos: int | None = None
    aa_alt: str | None = None
    exon: int | None = None
    fusion_partner: str | None = None


_PROTEIN = re.compile(r"^([A-Z])(\d+)([A-Z*])$")
_CODON = re.compile(r"^([A-Z])(\d+)$")
_MULTI_ALT = re.compile(r"^([A-Z])(\d+)([A-Z*](?:/[A-Z*])+)$")
_FS = re.compile(r"^([A-Z])(\d+)(?:[A-Z])?FS(?:\*?\d+|X\d+)?$")
_DEL = re.compile(r"^([A-Z])(\d+)(?:_[A-Z]?\d+)?DEL$")
_INS = re.compile(r"^([A-Z])(\d+)(?:_[A-Z]?\d+)?INS[A-Z]*$")
_DUP = re.compile(r"^([A-Z])(\d+)(?:_[A-Z]?\d+)?DUP$")
_EXON = re.compile(r"^EXON (\d+) (MUTATION|DELETION|INSERTION|FRAMESHIFT|SKIPPING MUTATION)$")
_FUSION = re.compile(r"^([A-Z0-9]+)[-:]{1,2}([A-Z0-9]+)(?: FUSION)?$")

_GENE_LEVEL = {
    "MUTATION": "gene_mutation",
    "ONCOGENIC MUTATION": "gene_mutation",
    "GAIN-OF-FUNCTION": "gene_mutation",
    "ACTIVATING MUTATION": "gene_mutation",
    "KINASE DOMAIN MUTATION": "gene_mutation",
    "TKD MUTATION": "gene_mutation",
    "LOSS-OF-FUNCTION": "truncating",
    "TRUNCATING MUTATION": "truncating",
    "FRAMESHIFT TRUNCATION": "truncating",
    "FRAMESHIFT MUTATION": "truncating",
    "INACTIVATING MUTATION": "truncating",
    "DELETERIOUS MUTATION": "truncating",
    "NONSENSE MUTATION": "truncating",
    "AMPLIFICATION": "amplification",
    "COPY NUMBER GAIN": "amplification",
    "LOSS": "deletion",
    "DELETION": "deletion",
    "DELETERIOUS DELETION": "deletion",
    "COPY NUMBER LOSS": "deletion",
    "HOMOZYGOUS DELETION": "deletion",
    "FUSION": "fusion",
    "FUSIONS": "fusion",
    "REARRANGEMENT": "fusion",
    "TRANSLOCATION": "fusion",
}

# CIViC spells some fusion partners by old or informal names
_GENE_ALIASES = {"ABL": "ABL1", "MGEA5": "OGA"}


def one_letter(protein_change: str) -> str:
    """``p.Val600Glu`` / ``p.(Val600Glu)`` / ``V600E`` -> ``V600E``; ``p.Arg1450Ter`` ->
    ``R1450*``; frameshifts keep only the first residue and ``fs`` (``p.Pro72fs`` ->
    ``P72fs``). Unparseable input comes back stripped of ``p.`` and parentheses."""
    text = protein_change.strip()
    if ":" in text:
        text = text.split(":", 1)[1]
    text = text.removeprefix("p.").strip("()")
    for three, one in AA3.items():
        text = text.replace(three, one)
    m = re.match(r"^([A-Z*])(\d+)([A-Z*])$", text)
    if m:
        return text
    m = re.match(r"^([A-Z])(\d+)[A-Z]?fs", text)
    if m:
        return f"{m.group(1)}{m.group(2)}fs"
    return text


def parse_alteration(name: str, gene: str) -> list[Alteration]:
    """Alterations named by ``name`` for ``gene``; ``[Alteration("other")]`` when genomed
    cannot match the name automatically (it is still kept in the bundle for display)."""
    text = " ".join(name.strip().upper().split())
    text = text.removeprefix(gene.upper() + " ").strip()
    text = re.sub(r"\s*\(C\.[^)]*\)$", "", text)  # "R167W (c.499C>T)" -> "R167W"
    if text in _GENE_LEVEL:
        return [Alteration(_GENE_LEVEL[text])]
    if "EXPRESSION" in text or "METHYLATION" in text or "PHOSPHORYLATION" in text:
        return [Alteration("expression")]
    m = _PROTEIN.match(text)
    if m:
        return [Alteration("protein_change", m.group(1), int(m.group(2)), m.group(3))]
    m = _CODON.match(text)
    if m:
        return [Alteration("codon", m.group(1), int(m.group(2)))]
    if "/" in text and all(_CODON.match(p) for p in text.split("/")):
        return [
            Alteration("codon", part[0], int(part[1:]))
            for part in text.split("/")
            if _CODON.match(part)
        ]
    m = _MULTI_ALT.match(text)
    if m:
        return [
            Alteration("protein_change", m.group(1), int(m.group(2)), alt)
            for alt in m.group(3).split("/")
        ]
    for pattern, alt in ((_FS, "fs"), (_DEL, "del"), (_INS, "ins"), (_DUP, "dup")):
        m = pattern.match(text)
        if m:
            return [Alteration("protein_change", m.group(1), int(m.group(2)), alt)]
    m = _EXON.match(text)
    if m:
        kind = {"DELETION": "del", "INSERTION": "ins", "FRAMESHIFT": "fs"}.get(m.group(2))
        return [Alteration("exon", exon=int(m.group(1)), aa_alt=kind)]
    m = _FUSION.match(text)
    if m and "EXON" not in text:
        left = _GENE_ALIASES.get(m.group(1), m.group(1))
        right = _GENE_ALIASES.get(m.group(2), m.group(2))
        partner = right if left == gene.upper() else left
        return [Alteration("fusion", fusion_partner=partner)]
    if text.endswith(" FUSION"):
        return [Alteration("fusion")]
    return [Alteration("other")]
