"""Oncogenicity of somatic variants: ClinGen/CGC/VICC 2022 points (Horak et al., Genet Med
2022), for the criteria computable from the data genomed has.

Computed (points in ``rules/oncogenicity_criteria.tsv``): OVS1, OS1 (genomed's proxy:
A/B-level somatic clinical evidence for the same amino-acid change), OS2 and SBS2, OS3,
OM2, OM3, OM4, OP1, OP2, OP3, OP4, SBVS1, SBS1, SBP1, SBP2. Each criterion carries its
reason.

OS2/SBS2 (well-established functional studies): CIViC evidence of type ``functional``
(accepted, direction ``supports``, level A-D, i.e. not E "inferential") for the same
amino-acid change or genomic allele. ``rules/functional_evidence.tsv`` says which CIViC
significance supports which criterion for which gene role: gain of function/neomorphic
-> OS2 in an oncogene, loss of function/dominant negative -> OS2 in a tumour suppressor,
unaltered function -> SBS2. The shipped CIViC 2018-05 dump predates CIViC's functional
evidence type, so with the default bundle OS2/SBS2 only fire for bundles built from a
newer dump.

OP2 (malignancy with a single genetic aetiology): ``rules/single_aetiology_malignancies.tsv``
lists (gene, OncoTree code) pairs with their citation (retinoblastoma / RB1, Horak et al.'s
example); a protein-altering variant of the gene in a tumour of that code or below it.

Not computed: OM1 (critical and well-established part of a functional domain): genomed
ships no protein-domain data, and a window of hotspot residues is not a functional
domain (hotspots already count as OS3/OM3/OP3/OM4), so no proxy is used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa

from genomed.interpret.evidence_match import NULL_VARIANT, PROTEIN_ALTERING, EvidenceMatch
from genomed.interpret.rules import classify, points_table, read_rules


@dataclass
class CriterionHit:
    """One criterion met, with its points and the reason it was met."""

    criterion: str
    points: int
    reason: str


@dataclass
class Oncogenicity:
    classification: str
    points: int
    criteria: list[CriterionHit] = field(default_factory=list)

    def codes(self) -> str:
        return ",".join(c.criterion for c in self.criteria)


class HotspotIndex:
    """cancerhotspots rows indexed by (gene, residue)."""

    def __init__(self, hotspots: pa.Table) -> None:
        self.by_residue: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for row in hotspots.to_pylist():
            if row["kind"] == "splice":
                continue
            for pos in range(row["aa_pos"], (row["aa_pos_end"] or row["aa_pos"]) + 1):
                self.by_residue[(row["gene"], pos)].append(row)

    def at(self, gene: str | None, pos: int | None) -> list[dict]:
        if not gene or pos is None:
            return []
        return self.by_residue.get((gene, pos), [])


def _hotspot_criteria(v: dict, rows: list[dict], pts: dict[str, int]) -> list[CriterionHit]:
    consequence = v.get("consequence")
    change = v.get("protein_change") or ""
    if consequence == "missense_variant":
        snv = [r for r in rows if r["kind"] == "snv"]
        if not snv:
            return []
        residue = max(r["residue_count"] for r in snv)
        alt_aa = change[-1:]
        same = sum(r["alt_count"] for r in snv if r["aa_alt"] == alt_aa)
        where = f"{v['gene']} {snv[0]['aa_ref']}{snv[0]['aa_pos']}"
        if same >= 10 and residue >= 50:
            return [
                CriterionHit(
                    "OS3",
                    pts["OS3"],
                    f"hotspot {where}: {residue} tumours at the residue, {same} with {change}",
                )
            ]
        if same >= 10:
            return [
                CriterionHit(
                    "OM3",
                    pts["OM3"],
                    f"hotspot {where}: {residue} tumours at the residue, {same} with {change}",
                )
            ]
        other = [r for r in snv if r["aa_alt"] != alt_aa and r["alt_count"] >= 10]
        if other:
            names = ", ".join(
                f"{r['aa_ref']}{r['aa_pos']}{r['aa_alt']} ({r['alt_count']})" for r in other
            )
            return [
                CriterionHit(
                    "OM4", pts["OM4"], f"different hotspot change at this residue: {names}"
                )
            ]
        return [
            CriterionHit("OP3", pts["OP3"], f"hotspot {where}: {same} tumours with {change} (< 10)")
        ]
    if consequence in ("inframe_deletion", "inframe_insertion"):
        indel = [r for r in rows if r["kind"] == "indel"]
        if indel:
            residue = max(r["residue_count"] for r in indel)
            code = "OS3" if residue >= 50 else "OM3" if residue >= 10 else "OP3"
            return [
                CriterionHit(
                    code,
                    pts[code],
                    f"in-frame indel hotspot {v['gene']} {indel[0]['aa_alt']}: {residue} tumours",
                )
            ]
    return []


def functional_criteria(
    v: dict, role: str | None, evidence: list[EvidenceMatch], pts: dict[str, int]
) -> list[CriterionHit]:
    """OS2 / SBS2 from CIViC functional evidence for this amino-acid change or allele
    (module docstring; the significance -> criterion table is
    ``rules/functional_evidence.tsv``). When studies disagree both criteria are met,
    their points add, and the reasons name the evidence."""
    rules = {r["significance"]: r for r in read_rules("functional_evidence")}
    found: dict[str, list[str]] = defaultdict(list)
    for m in evidence:
        row = m.evidence
        rule = rules.get(row["significance"] or "")
        if (
            rule is None
            or m.match not in ("genomic", "protein")
            or row["evidence_type"] != "functional"
            or row["direction"] != "supports"
            or row["level"] not in ("A", "B", "C", "D")
        ):
            continue
        roles = rule["gene_roles"].split(",")
        if rule["gene_roles"] != "*" and role not in roles:
            continue
        found[rule["criterion"]].append(
            f"{row['evidence_id']} ({row['significance'].replace('_', ' ')}, level {row['level']})"
        )
    what = f"{v.get('gene')} {v.get('protein_change')}"
    return [
        CriterionHit(
            code,
            pts[code],
            f"CIViC functional evidence for {what} ({role or 'no role'}): {', '.join(sorted(ids)[:5])}",
        )
        for code, ids in sorted(found.items())
    ]


def single_aetiology(v: dict, lineage: list[str]) -> CriterionHit | None:
    """OP2: a protein-altering variant of a gene that alone causes the patient's
    malignancy (``rules/single_aetiology_malignancies.tsv``; ``lineage`` is the tumour
    type's OncoTree code and its ancestors)."""
    if v.get("consequence") not in PROTEIN_ALTERING:
        return None
    for row in read_rules("single_aetiology_malignancies"):
        if row["gene"] == v.get("gene") and row["oncotree_code"] in lineage:
            return CriterionHit(
                "OP2",
                points_table("oncogenicity_criteria")["OP2"],
                f"{row['malignancy']} ({row['oncotree_code']}) has a single genetic aetiology, "
                f"{row['gene']}: {row['citation']}",
            )
    return None


def classify_oncogenicity(
    v: dict,
    *,
    role: str | None,
    hotspots: list[dict],
    clinical_same_change: list[str],
    frequency_consulted: bool,
    evidence: list[EvidenceMatch] | None = None,
    lineage: list[str] | None = None,
) -> Oncogenicity:
    """Oncogenicity of one input row.

    ``role``: the gene's role (oncogene | tsg | both | None); ``hotspots``: cancerhotspots
    rows at the variant's residue; ``clinical_same_change``: evidence ids with A/B-level
    somatic evidence for this amino-acid change; ``frequency_consulted``: a population
    frequency source was available (so absence means absent, for OP4); ``evidence``: the
    variant's knowledge-base matches (functional ones give OS2/SBS2); ``lineage``: the
    tumour type's OncoTree code and its ancestors (for OP2).
    """
    pts = points_table("oncogenicity_criteria")
    hits: list[CriterionHit] = []
    consequence = v.get("consequence")
    gene = v.get("gene")
    af = v.get("af")
    if consequence in NULL_VARIANT and role in ("tsg", "both"):
        hits.append(CriterionHit("OVS1", pts["OVS1"], f"{consequence} in tumour suppressor {gene}"))
    if clinical_same_change:
        hits.append(
            CriterionHit(
                "OS1",
                pts["OS1"],
                f"A/B-level somatic evidence for {gene} {v.get('protein_change')}: {', '.join(clinical_same_change[:5])}",
            )
        )
    hits += functional_criteria(v, role, evidence or [], pts)
    hits += _hotspot_criteria(v, hotspots, pts)
    if (
        consequence in ("inframe_deletion", "inframe_insertion")
        and role
        and not any(h.criterion in ("OS3", "OM3", "OP3") for h in hits)
    ):
        hits.append(
            CriterionHit("OM2", pts["OM2"], f"{consequence} in cancer gene {gene} ({role})")
        )
    if consequence == "stop_lost" and role in ("tsg", "both"):
        hits.append(CriterionHit("OM2", pts["OM2"], f"stop loss in tumour suppressor {gene}"))
    revel, splice = v.get("revel"), v.get("spliceai")
    op2 = single_aetiology(v, lineage or [])
    if op2:
        hits.append(op2)
    if (revel is not None and revel >= 0.75) or (splice is not None and splice >= 0.2):
        hits.append(CriterionHit("OP1", pts["OP1"], f"REVEL {revel}, SpliceAI {splice}"))
    elif revel is not None and revel <= 0.15:
        hits.append(CriterionHit("SBP1", pts["SBP1"], f"REVEL {revel} <= 0.15"))
    if af is None and frequency_consulted and v.get("af_source"):
        hits.append(
            CriterionHit(
                "OP4", pts["OP4"], f"absent from {v.get('af_source') or 'the population source'}"
            )
        )
    elif af is not None and af > 0.05:
        hits.append(
            CriterionHit(
                "SBVS1", pts["SBVS1"], f"population AF {af:.4g} > 5% ({v.get('af_source')})"
            )
        )
    elif af is not None and af > 0.01:
        hits.append(
            CriterionHit("SBS1", pts["SBS1"], f"population AF {af:.4g} > 1% ({v.get('af_source')})")
        )
    if consequence == "synonymous_variant" and (splice is None or splice < 0.1):
        terms = v.get("consequence_terms") or ""
        if "splice" not in terms:
            hits.append(CriterionHit("SBP2", pts["SBP2"], "synonymous, outside splice regions"))
    total = sum(h.points for h in hits)
    return Oncogenicity(classify(total, "oncogenicity_classes"), total, hits)
