"""Sequence Ontology consequence terms as Ensembl VEP names, ranks and impacts them.

The table is in VEP's severity order (most severe first): the rank of a term is its
position. A set of terms is kept as an int64 bit mask, bit ``rank`` set for each term,
so "most severe" is the lowest set bit and whole columns combine with ``|``.

The IMPACT column follows VEP's documentation (HIGH, MODERATE, LOW, MODIFIER).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConsequenceTerm:
    name: str
    so_id: str
    impact: str
    description: str


TERMS: tuple[ConsequenceTerm, ...] = (
    ConsequenceTerm("transcript_ablation", "SO:0001893", "HIGH", "the transcript is deleted"),
    ConsequenceTerm("splice_acceptor_variant", "SO:0001574", "HIGH", "last 2 bases of an intron"),
    ConsequenceTerm("splice_donor_variant", "SO:0001575", "HIGH", "first 2 bases of an intron"),
    ConsequenceTerm("stop_gained", "SO:0001587", "HIGH", "a stop codon is created"),
    ConsequenceTerm("frameshift_variant", "SO:0001589", "HIGH", "CDS length change not /3"),
    ConsequenceTerm("stop_lost", "SO:0001578", "HIGH", "the stop codon is changed"),
    ConsequenceTerm("start_lost", "SO:0002012", "HIGH", "the start codon is changed"),
    ConsequenceTerm("transcript_amplification", "SO:0001889", "HIGH", "transcript amplified"),
    ConsequenceTerm("feature_elongation", "SO:0001907", "HIGH", "feature extended"),
    ConsequenceTerm("feature_truncation", "SO:0001906", "HIGH", "feature truncated"),
    ConsequenceTerm("inframe_insertion", "SO:0001821", "MODERATE", "codons inserted in frame"),
    ConsequenceTerm("inframe_deletion", "SO:0001822", "MODERATE", "codons deleted in frame"),
    ConsequenceTerm("missense_variant", "SO:0001583", "MODERATE", "an amino acid changes"),
    ConsequenceTerm(
        "protein_altering_variant", "SO:0001818", "MODERATE", "protein changes in another way"
    ),
    ConsequenceTerm("splice_donor_5th_base_variant", "SO:0001787", "LOW", "intron base +5"),
    ConsequenceTerm("splice_region_variant", "SO:0001630", "LOW", "1-3 exon or 3-8 intron bases"),
    ConsequenceTerm("splice_donor_region_variant", "SO:0002170", "LOW", "intron bases +3..+6"),
    ConsequenceTerm(
        "splice_polypyrimidine_tract_variant", "SO:0002169", "LOW", "intron bases -3..-17"
    ),
    ConsequenceTerm(
        "incomplete_terminal_codon_variant", "SO:0001626", "LOW", "partial last codon changed"
    ),
    ConsequenceTerm("start_retained_variant", "SO:0002019", "LOW", "start codon kept"),
    ConsequenceTerm("stop_retained_variant", "SO:0001567", "LOW", "stop codon kept"),
    ConsequenceTerm("synonymous_variant", "SO:0001819", "LOW", "amino acid unchanged"),
    ConsequenceTerm(
        "coding_sequence_variant", "SO:0001580", "MODIFIER", "CDS changed, effect unknown"
    ),
    ConsequenceTerm("mature_miRNA_variant", "SO:0001620", "MODIFIER", "mature miRNA"),
    ConsequenceTerm("5_prime_UTR_variant", "SO:0001623", "MODIFIER", "5' UTR"),
    ConsequenceTerm("3_prime_UTR_variant", "SO:0001624", "MODIFIER", "3' UTR"),
    ConsequenceTerm(
        "non_coding_transcript_exon_variant", "SO:0001792", "MODIFIER", "non-coding exon"
    ),
    ConsequenceTerm("intron_variant", "SO:0001627", "MODIFIER", "intron"),
    ConsequenceTerm("NMD_transcript_variant", "SO:0001621", "MODIFIER", "NMD transcript"),
    ConsequenceTerm(
        "non_coding_transcript_variant", "SO:0001619", "MODIFIER", "non-coding transcript"
    ),
    ConsequenceTerm("coding_transcript_variant", "SO:0001968", "MODIFIER", "coding transcript"),
    ConsequenceTerm("upstream_gene_variant", "SO:0001631", "MODIFIER", "within 5 kb upstream"),
    ConsequenceTerm("downstream_gene_variant", "SO:0001632", "MODIFIER", "within 5 kb downstream"),
    ConsequenceTerm("TFBS_ablation", "SO:0001895", "MODIFIER", "TF binding site deleted"),
    ConsequenceTerm("TFBS_amplification", "SO:0001892", "MODIFIER", "TF binding site amplified"),
    ConsequenceTerm("TF_binding_site_variant", "SO:0001782", "MODIFIER", "TF binding site"),
    ConsequenceTerm(
        "regulatory_region_ablation", "SO:0001894", "MODIFIER", "regulatory region deleted"
    ),
    ConsequenceTerm(
        "regulatory_region_amplification", "SO:0001891", "MODIFIER", "regulatory region amplified"
    ),
    ConsequenceTerm("regulatory_region_variant", "SO:0001566", "MODIFIER", "regulatory region"),
    ConsequenceTerm("intergenic_variant", "SO:0001628", "MODIFIER", "no transcript within 5 kb"),
    ConsequenceTerm("sequence_variant", "SO:0001060", "MODIFIER", "anything else"),
)

RANK: dict[str, int] = {t.name: i for i, t in enumerate(TERMS)}
IMPACT: dict[str, str] = {t.name: t.impact for t in TERMS}
IMPACT_ORDER = ("HIGH", "MODERATE", "LOW", "MODIFIER")


def bit(name: str) -> int:
    """The mask bit of one term."""
    return 1 << RANK[name]


# module-level constants for the hot path (names as in VEP)
B = {t.name: np.int64(1 << i) for i, t in enumerate(TERMS)}


def terms_of(mask: int) -> list[str]:
    """Term names in a mask, most severe first."""
    return [t.name for i, t in enumerate(TERMS) if mask >> i & 1]


def most_severe_of(mask: int) -> str | None:
    if mask == 0:
        return None
    return TERMS[(mask & -mask).bit_length() - 1].name


def masks_to_strings(masks: np.ndarray, sep: str = "&") -> tuple[list, list, list]:
    """(joined terms, most severe term, impact) for every mask of an int64 array,
    computed once per distinct mask."""
    uniq, inverse = np.unique(masks, return_inverse=True)
    joined, worst, impact = [], [], []
    for m in uniq.tolist():
        names = terms_of(m)
        joined.append(sep.join(names))
        top = names[0] if names else None
        worst.append(top)
        impact.append(IMPACT[top] if top else None)
    joined_a = np.array(joined, dtype=object)[inverse]
    worst_a = np.array(worst, dtype=object)[inverse]
    impact_a = np.array(impact, dtype=object)[inverse]
    return joined_a.tolist(), worst_a.tolist(), impact_a.tolist()


def masks_to_arrays(masks: np.ndarray):
    """Arrow string arrays (joined terms, most severe, impact) for an int64 mask array,
    built from one dictionary of the distinct masks (null for a zero mask)."""
    import pyarrow as pa

    encoded = pa.array(np.asarray(masks, dtype=np.int64)).dictionary_encode()  # hashed
    joined, worst, impact = [], [], []
    for m in encoded.dictionary.to_pylist():
        names = terms_of(m)
        joined.append("&".join(names) or None)
        worst.append(names[0] if names else None)
        impact.append(IMPACT[names[0]] if names else None)
    index = encoded.indices
    return tuple(pa.array(values, pa.string()).take(index) for values in (joined, worst, impact))
