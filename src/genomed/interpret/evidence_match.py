"""Match variants and copy-number/fusion events to knowledge-base evidence (``biomarkers``).

How a variant matches an evidence row, most specific first (``match``):

``genomic``
    same ``variant_key`` as the evidence's allele (lifted to the bundle build);
``protein``
    same gene and amino-acid change (``V600E``; ``fs``/``del``/``ins``/``dup`` match any
    frameshift / in-frame deletion / insertion / duplication starting at that residue);
``codon``
    same gene and residue, with a missense or in-frame change (CIViC ``G12``);
``exon``
    same gene and exon with a protein-altering change (``EXON 19 DELETION`` needs an
    in-frame deletion);
``gene``
    any protein-altering change of the gene (``MUTATION``) or a null variant
    (``LOSS-OF-FUNCTION``, ``TRUNCATING MUTATION``). Gene-level matches count towards
    tiers only for variants classed oncogenic or likely oncogenic (see
    :mod:`genomed.interpret.somatic`): a variant of unknown significance is not "a
    KRAS mutation" in the sense of the evidence.

A molecular profile of several variants matches only when all of them are present.
Copy-number events match ``amplification``/``deletion`` evidence of their gene; fusions
match ``fusion`` evidence of either gene whose ``fusion_partner`` is the other gene (or
unnamed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

#: consequences that change the protein (or its splicing)
PROTEIN_ALTERING = frozenset(
    {
        "missense_variant",
        "stop_gained",
        "stop_lost",
        "start_lost",
        "frameshift_variant",
        "inframe_insertion",
        "inframe_deletion",
        "protein_altering_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "transcript_ablation",
        "feature_truncation",
    }
)
NULL_VARIANT = frozenset(
    {
        "stop_gained",
        "frameshift_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "start_lost",
        "transcript_ablation",
    }
)
_SPECIFICITY = {"genomic": 0, "protein": 1, "codon": 2, "exon": 3, "gene": 4}


@dataclass(frozen=True)
class EvidenceMatch:
    """One evidence item matched by one variant or event."""

    evidence: dict  # the biomarkers row
    match: str  # genomic | protein | codon | exon | gene | cna | fusion


def _protein_alt_kind(consequence: str | None, change: str | None) -> str | None:
    if consequence == "frameshift_variant":
        return "fs"
    if consequence == "inframe_deletion":
        return "del"
    if consequence == "inframe_insertion":
        return "dup" if change and change.endswith("dup") else "ins"
    if consequence in ("stop_gained",):
        return "*"
    return None


class EvidenceIndex:
    """``biomarkers`` rows indexed by variant key and gene, for fast matching."""

    def __init__(self, biomarkers: pa.Table) -> None:
        self.by_key: dict[int, list[dict]] = defaultdict(list)
        self.by_gene: dict[str, list[dict]] = defaultdict(list)
        for row in biomarkers.to_pylist():
            if row["variant_key"] is not None:
                self.by_key[row["variant_key"]].append(row)
            self.by_gene[row["gene"]].append(row)
        self.genes = set(self.by_gene)

    def match_variant(self, v: dict) -> list[EvidenceMatch]:
        """Matches of one input row (see the module docstring); one per evidence row,
        the most specific kind when several apply."""
        found: dict[int, EvidenceMatch] = {}

        def add(row: dict, kind: str) -> None:
            ident = id(row)
            old = found.get(ident)
            if old is None or _SPECIFICITY[kind] < _SPECIFICITY[old.match]:
                found[ident] = EvidenceMatch(row, kind)

        for row in self.by_key.get(v["variant_key"], ()):
            add(row, "genomic")
        gene = v.get("gene")
        if gene in self.by_gene:
            consequence = v.get("consequence")
            change = v.get("protein_change")
            altering = consequence in PROTEIN_ALTERING
            kind = _protein_alt_kind(consequence, change)
            for row in self.by_gene[gene]:
                t = row["alteration_type"]
                if t == "protein_change" and change and row["aa_pos"] == v.get("aa_pos"):
                    alt = row["aa_alt"]
                    if change == f"{row['aa_ref']}{row['aa_pos']}{alt}" or (
                        alt in ("fs", "del", "ins", "dup") and alt == kind
                    ):
                        add(row, "protein")
                elif t == "codon" and altering and row["aa_pos"] == v.get("aa_pos"):
                    if consequence in (
                        "missense_variant",
                        "inframe_deletion",
                        "inframe_insertion",
                        "protein_altering_variant",
                    ):
                        add(row, "codon")
                elif t == "exon" and altering and row["exon"] == v.get("exon"):
                    if row["aa_alt"] in (None, kind):
                        add(row, "exon")
                elif (
                    t == "gene_mutation"
                    and altering
                    or t == "truncating"
                    and consequence in NULL_VARIANT
                ):
                    add(row, "gene")
        return list(found.values())

    def match_event(self, gene: str, kind: str, partner: str | None = None) -> list[EvidenceMatch]:
        """Matches of a copy-number event (``amplification``/``deletion``) or a fusion
        (``fusion`` with the other gene as ``partner``)."""
        out = []
        for row in self.by_gene.get(gene, ()):
            if row["alteration_type"] != kind:
                continue
            if kind == "fusion" and row["fusion_partner"] and row["fusion_partner"] != partner:
                continue
            out.append(EvidenceMatch(row, "fusion" if kind == "fusion" else "cna"))
        return out


def complete_profiles(
    matches: list[EvidenceMatch], present: dict[str, set[str]]
) -> list[EvidenceMatch]:
    """Drop matches of multi-variant molecular profiles whose other variants are absent.

    ``present`` maps evidence id -> the alteration names matched anywhere in the sample.
    """
    out = []
    for m in matches:
        size = m.evidence["profile_size"] or 1
        if size <= 1 or len(present.get(m.evidence["evidence_id"], ())) >= size:
            out.append(m)
    return out
