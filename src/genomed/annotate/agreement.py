"""Compare genomed's consequences with bcftools csq and with ClinVar's ``MC`` field.

The three tools name consequences differently; each vocabulary is mapped onto VEP's
SO names (:data:`BCFTOOLS_TO_VEP`, :data:`CLINVAR_TO_VEP`) and compared as sets per
(variant, transcript). Terms a tool never reports are dropped from the other side
before comparing (bcftools csq has no upstream/downstream/intergenic, no VEP 105+
intronic splice sub-terms; ClinVar's MC has no splice_region), so a difference counts
only where both tools could have said the same thing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from genomed.annotate.consequence_terms import RANK

#: bcftools csq term -> VEP term
BCFTOOLS_TO_VEP = {
    "splice_acceptor": "splice_acceptor_variant",
    "splice_donor": "splice_donor_variant",
    "stop_gained": "stop_gained",
    "frameshift": "frameshift_variant",
    "stop_lost": "stop_lost",
    "start_lost": "start_lost",
    "inframe_insertion": "inframe_insertion",
    "inframe_deletion": "inframe_deletion",
    "inframe_altering": "protein_altering_variant",
    "missense": "missense_variant",
    "splice_region": "splice_region_variant",
    "start_retained": "start_retained_variant",
    "stop_retained": "stop_retained_variant",
    "synonymous": "synonymous_variant",
    "coding_sequence": "coding_sequence_variant",
    "5_prime_utr": "5_prime_UTR_variant",
    "3_prime_utr": "3_prime_UTR_variant",
    "non_coding": "non_coding_transcript_exon_variant",
    "intron": "intron_variant",
    "feature_elongation": "feature_elongation",
    "incomplete_terminal_codon": "incomplete_terminal_codon_variant",
}

#: VEP terms bcftools csq reports differently, rewritten before comparing
VEP_AS_BCFTOOLS = {
    "splice_donor_5th_base_variant": "splice_region_variant",
    "splice_donor_region_variant": "splice_region_variant",
}
#: VEP terms bcftools csq never reports (dropped from genomed's side)
NOT_IN_BCFTOOLS = {
    "upstream_gene_variant",
    "downstream_gene_variant",
    "intergenic_variant",
    "NMD_transcript_variant",
    "non_coding_transcript_variant",
    "splice_polypyrimidine_tract_variant",
    "coding_transcript_variant",
}

#: ClinVar MC names -> VEP names (ClinVar uses Sequence Ontology terms, some renamed)
CLINVAR_TO_VEP = {
    "nonsense": "stop_gained",
    "initiator_codon_variant": "start_lost",
    "non-coding_transcript_variant": "non_coding_transcript_exon_variant",
    "2KB_upstream_variant": "upstream_gene_variant",
    "500B_downstream_variant": "downstream_gene_variant",
    "genic_upstream_transcript_variant": "upstream_gene_variant",
    "genic_downstream_transcript_variant": "downstream_gene_variant",
    "no_sequence_alteration": "synonymous_variant",
}


def most_severe(terms: set[str]) -> str | None:
    ranked = [t for t in terms if t in RANK]
    return min(ranked, key=RANK.__getitem__) if ranked else None


def genomed_terms_for_bcftools(consequence: str | None) -> set[str]:
    if not consequence:
        return set()
    terms = {VEP_AS_BCFTOOLS.get(t, t) for t in consequence.split("&")}
    return {t for t in terms if t not in NOT_IN_BCFTOOLS}


def bcftools_terms(csq: str | None) -> set[str]:
    if not csq:
        return set()
    return {BCFTOOLS_TO_VEP.get(t.lstrip("*"), t) for t in csq.split("&")}


#: ClinVar terms that are SO parents of several VEP terms (SO:0001820 inframe_indel is the
#: parent of inframe_insertion and inframe_deletion)
CLINVAR_PARENTS = {
    "inframe_indel": {"inframe_insertion", "inframe_deletion", "protein_altering_variant"},
}


def clinvar_terms(mc: str | None) -> set[str]:
    """``SO:0001583|missense_variant,SO:0001627|intron_variant`` -> VEP names."""
    if not mc:
        return set()
    out = set()
    for item in mc.split(","):
        name = item.split("|")[-1]
        if name in CLINVAR_PARENTS:
            out |= CLINVAR_PARENTS[name]
        else:
            out.add(CLINVAR_TO_VEP.get(name, name))
    return out


@dataclass
class Agreement:
    """Counts of compared pairs, how many agree, and the disagreements by class."""

    compared: int = 0
    agree: int = 0
    classes: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.agree / self.compared if self.compared else 1.0

    def add(self, agree: bool, key: tuple, example=None) -> None:
        self.compared += 1
        if agree:
            self.agree += 1
        else:
            self.classes[key] += 1
            self.examples.setdefault(key, example)

    def to_dict(self) -> dict:
        return {
            "compared": self.compared,
            "agree": self.agree,
            "rate": round(self.rate, 5),
            "disagreements": [
                {"genomed": g, "other": o, "count": n, "example": self.examples[(g, o)]}
                for (g, o), n in self.classes.most_common()
            ],
        }


#: genomed terms ClinVar's MC vocabulary does not have, mapped before comparing
#: (VEP 105+ splice sub-terms are intronic for NCBI; splice_region is never in MC)
VEP_AS_CLINVAR = {
    "splice_donor_5th_base_variant": "intron_variant",
    "splice_donor_region_variant": "intron_variant",
    "splice_polypyrimidine_tract_variant": "intron_variant",
    "splice_region_variant": None,
}


def clinvar_agreement(vcf, bundle=None) -> dict:
    """Agreement of genomed's consequence with ClinVar's ``MC`` for every record of a
    ClinVar VCF that lies on a canonical transcript of one of its GENEINFO genes for
    which the bundle has a sequence.

    A record agrees when one of genomed's highest-impact terms on that transcript (after
    :data:`VEP_AS_CLINVAR`) is among MC's terms (after :data:`CLINVAR_TO_VEP`; MC lists
    consequences on all RefSeq transcripts, so membership, not equality, is the test).
    Returns counts, the rate, and disagreement classes with an example each.
    """
    import pyarrow as pa
    import pysam

    from genomed.annotate.annotator import annotate_variants
    from genomed.annotate.consequence_terms import IMPACT
    from genomed.reference.bundle import ReferenceBundle

    bundle = bundle if isinstance(bundle, ReferenceBundle) else (
        ReferenceBundle(bundle) if bundle else ReferenceBundle.default()
    )  # fmt: skip
    with_sequence = {
        r["transcript_id"]
        for r in bundle.transcripts.select(
            ["transcript_id", "has_sequence", "canonical"]
        ).to_pylist()
        if r["has_sequence"] and r["canonical"]
    }
    records, meta = [], []
    with pysam.VariantFile(str(vcf)) as handle:
        for rec in handle:
            alt = rec.alts[0] if rec.alts else None
            if not alt or alt in (".", "*") or alt.startswith("<"):
                continue
            genes = rec.info.get("GENEINFO")
            mc = rec.info.get("MC")
            records.append((rec.chrom, rec.pos, rec.ref, alt))
            meta.append((rec.id, genes, ",".join(mc) if mc else None))
    table = pa.table(
        {k: [r[i] for r in records] for i, k in enumerate(("chrom", "pos", "ref", "alt"))}
    )
    rows: dict[int, list[dict]] = {}
    for row in annotate_variants(table, bundle).to_pylist():
        if row["transcript"] in with_sequence:
            rows.setdefault(row["row"], []).append(row)
    result = Agreement()
    skipped = Counter()
    for i, (vcv, geneinfo, mc) in enumerate(meta):
        if not mc:
            skipped["no MC"] += 1
            continue
        genes = {g.split(":")[0] for g in geneinfo.split("|")} if geneinfo else set()
        mine = [r for r in rows.get(i, []) if r["gene"] in genes]
        if not mine:
            skipped["no transcript with sequence"] += 1
            continue
        row = mine[0]
        ours = {VEP_AS_CLINVAR.get(t, t) for t in (row["consequence"] or "").split("&")} - {
            None,
            "",
        }
        top = most_severe(ours)
        leading = {t for t in ours if top and IMPACT.get(t) == IMPACT.get(top)}
        theirs = clinvar_terms(mc)
        example = f"{records[i][0]}:{records[i][1]} {records[i][2]}>{records[i][3][:20]} VCV{vcv} {row['gene']} {row['hgvs_c']} ({row['consequence']}; MC {mc})"
        result.add(bool(leading & theirs), (top, most_severe(theirs)), example)
    out = result.to_dict()
    out["skipped"] = dict(skipped)
    return out
