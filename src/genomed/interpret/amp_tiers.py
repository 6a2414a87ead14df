"""AMP/ASCO/CAP 2017 tiers (Li et al., J Mol Diagn 2017) from matched evidence, and the
therapies that evidence names.

Tier I-A/I-B and II-C/II-D come from ``rules/amp_tiers.tsv``: the CIViC-scale level of
each supporting predictive, diagnostic or prognostic evidence item of somatic (or
unstated) origin, and whether its disease applies to the patient's tumour type
(:meth:`genomed.knowledge.oncotree.TumorTypes.matching_diseases`). The best tier over
the variant's evidence wins, and the evidence that placed it there is listed. Evidence
that "does not support" its claim, predisposing (germline) evidence and CIViC level E
are shown but never tier a variant.

A variant common in the population (AF > ``population_common_af``) is Tier IV whatever
its evidence (a likely germline polymorphism). Without tier I/II evidence: Tier IV when
the variant is classed benign/likely benign; Tier III when it is
protein-altering (or a coding variant of undetermined effect) in a cancer gene (a gene
with a role, a hotspot or knowledge-base evidence); Tier IV otherwise (genomed's
reading of "benign or of no known cancer relevance"; the AMP guideline leaves variants
outside cancer genes to the laboratory).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genomed.interpret.evidence_match import EvidenceMatch
from genomed.interpret.rules import amp_tier

TIER_ORDER = ["I-A", "I-B", "II-C", "II-D", "III", "IV"]
TIERING_TYPES = {"predictive", "diagnostic", "prognostic"}
SOMATIC_ORIGINS = {"somatic", "unknown", None}


@dataclass
class TierCall:
    tier: str
    reason: str
    evidence_ids: list[str] = field(default_factory=list)


def evidence_applies(row: dict, names: set[str], doids: set[str]) -> bool:
    """True when an evidence row's disease applies to the patient's tumour type."""
    return (row["doid"] or "") in doids or (row["disease"] or "").lower() in names


def usable_for_tier(m: EvidenceMatch, oncogenic: bool) -> bool:
    row = m.evidence
    return (
        row["direction"] == "supports"
        and row["evidence_type"] in TIERING_TYPES
        and row["origin"] in SOMATIC_ORIGINS
        and row["level"] in ("A", "B", "C", "D")
        and (m.match != "gene" or oncogenic)
    )


def tier_from_evidence(
    matches: list[EvidenceMatch], names: set[str], doids: set[str], oncogenic: bool
) -> TierCall | None:
    """Best tier I/II call from evidence matches, or None."""
    best: tuple[tuple, str, str] | None = None
    chosen: dict[str, list[str]] = {}
    for m in matches:
        if not usable_for_tier(m, oncogenic):
            continue
        this = evidence_applies(m.evidence, names, doids)
        placed = amp_tier(m.evidence["level"], this)
        if placed is None:
            continue
        tier, amp_level = placed
        chosen.setdefault(tier, []).append(m.evidence["evidence_id"])
        type_order = ("predictive", "diagnostic", "prognostic").index(m.evidence["evidence_type"])
        rank = (TIER_ORDER.index(tier), m.evidence["level"], type_order)
        if best is None or rank < best[0]:
            context = "this tumour type" if this else "another tumour type"
            best = (
                rank,
                tier,
                f"level {m.evidence['level']} {m.evidence['evidence_type']} evidence in {context} (AMP level {amp_level})",
            )
    if best is None:
        return None
    ids = sorted(set(chosen[best[1]]), key=_eid_order)
    return TierCall(best[1], best[2], ids)


def _eid_order(text: str) -> tuple:
    digits = "".join(ch for ch in text if ch.isdigit())
    return (text.rstrip("0123456789"), int(digits) if digits else 0)


def therapies(
    matches: list[EvidenceMatch], names: set[str], doids: set[str], oncogenic: bool
) -> list[dict]:
    """Therapies named by supporting predictive evidence: one entry per (therapy,
    response, this tumour type or not) with the best level and the evidence ids;
    this tumour type first, then by level."""
    grouped: dict[tuple[str, str], dict] = {}
    for m in matches:
        row = m.evidence
        if (
            row["evidence_type"] != "predictive"
            or not row["therapies"]
            or not usable_for_tier(m, oncogenic)
        ):
            continue
        this = evidence_applies(row, names, doids)
        key = (row["therapies"], row["significance"], this)
        entry = grouped.setdefault(
            key,
            {
                "therapy": row["therapies"],
                "response": row["significance"],
                "best_level": "Z",
                "this_tumour_type": this,
                "evidence_ids": [],
                "pmids": [],
                "trials": [],
                "diseases": [],
            },  # fmt: skip
        )
        entry["best_level"] = min(entry["best_level"], row["level"])
        if row["evidence_id"] not in entry["evidence_ids"]:
            entry["evidence_ids"].append(row["evidence_id"])
        if row["pmid"] and row["pmid"] not in entry["pmids"]:
            entry["pmids"].append(row["pmid"])
        for trial in (row["nct_ids"] or "").split(","):
            if trial.strip() and trial.strip() not in entry["trials"]:
                entry["trials"].append(trial.strip())
        if row["disease"] not in entry["diseases"]:
            entry["diseases"].append(row["disease"])
    out = sorted(
        grouped.values(), key=lambda e: (not e["this_tumour_type"], e["best_level"], e["therapy"])
    )
    for e in out:
        e["evidence_ids"].sort(key=_eid_order)
    return out


def evidence_list(matches: list[EvidenceMatch], names: set[str], doids: set[str]) -> list[dict]:
    """Every matched evidence item, for the report and the JSON table."""
    out = []
    for m in matches:
        row = m.evidence
        out.append(
            {
                "evidence_id": row["evidence_id"],
                "source": row["source"],
                "url": row["evidence_url"],
                "molecular_profile": row["molecular_profile"],
                "match": m.match,
                "disease": row["disease"],
                "this_tumour_type": evidence_applies(row, names, doids),
                "evidence_type": row["evidence_type"],
                "direction": row["direction"],
                "level": row["level"],
                "significance": row["significance"],
                "therapies": row["therapies"] or None,
                "pmid": row["pmid"],
                "citation": row["citation"],
            }
        )
    out.sort(
        key=lambda e: (not e["this_tumour_type"], e["level"] or "Z", _eid_order(e["evidence_id"]))
    )
    return out
