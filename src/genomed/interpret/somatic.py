"""``interpret_somatic``: a tumour's variants, copy-number events and fusions, its OncoTree
tumour type and a knowledge bundle -> tiers, therapies, oncogenicity, TMB.

Each variant row lists the evidence that put it in its tier, the criteria of its
oncogenicity class with points and reasons, and its therapies (sensitivity/resistance,
this tumour type vs others). See :mod:`genomed.interpret.amp_tiers`,
:mod:`genomed.interpret.oncogenicity`, :mod:`genomed.interpret.tumor_mutational_burden`
and :mod:`genomed.interpret.structural_events` for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from genomed import __version__
from genomed.interpret.amp_tiers import (
    TIER_ORDER,
    evidence_list,
    therapies,
    tier_from_evidence,
)
from genomed.interpret.evidence_match import (
    PROTEIN_ALTERING,
    EvidenceIndex,
    EvidenceMatch,
    complete_profiles,
)
from genomed.interpret.oncogenicity import HotspotIndex, classify_oncogenicity
from genomed.interpret.rules import threshold
from genomed.interpret.structural_events import (
    gene_spans_from_reference,
    read_copy_number,
    read_fusions,
)
from genomed.interpret.tumor_mutational_burden import TmbResult, tumour_mutational_burden
from genomed.interpret.variant_input import frequencies_from_sites_vcf, load_variants
from genomed.knowledge.bundle import KnowledgeBundle

ONCOGENIC = {"Oncogenic", "Likely oncogenic"}


@dataclass
class SomaticResult:
    """Everything a somatic report shows; ``variants``/``events`` rows are plain dicts."""

    case: dict
    variants: list[dict]
    events: list[dict]
    tmb: TmbResult
    msi: str | None
    provenance: dict
    germline: object | None = None  # GermlineResult of the matched normal, if given
    tier_counts: dict[str, int] = field(default_factory=dict)

    def reportable(self) -> list[dict]:
        """Tier I/II variants and events, best tier first."""
        rows = [r for r in self.variants + self.events if r["tier"] in TIER_ORDER[:4]]
        return sorted(rows, key=lambda r: (TIER_ORDER.index(r["tier"]), r.get("gene") or ""))


@dataclass(frozen=True)
class SomaticKnowledge:
    """The knowledge bundle's indexes a tumour is matched against (read-only, so one copy
    serves every sample of a run: building them is most of a small tumour's time)."""

    index: EvidenceIndex
    hotspots: HotspotIndex
    hotspot_keys: dict  # variant_key -> hotspot protein change
    roles: dict  # gene -> oncogene / TSG role
    cancer_genes: frozenset
    civic_changes: dict  # variant_key -> CIViC protein change (single residue)


_KNOWLEDGE_CACHE: dict[tuple[str, str], SomaticKnowledge] = {}


def somatic_knowledge(kb: KnowledgeBundle) -> SomaticKnowledge:
    """The indexes of ``kb``, built once per bundle (path and id) per process."""
    key = (str(kb.path), kb.id)
    if key not in _KNOWLEDGE_CACHE:
        index = EvidenceIndex(kb.table("biomarkers"))
        hotspots = HotspotIndex(kb.table("hotspots"))
        alleles = kb.table("hotspot_alleles")
        hotspot_keys = dict(
            zip(
                alleles.column("variant_key").to_pylist(),
                alleles.column("protein_change").to_pylist(),
                strict=True,
            )
        )
        genes = kb.table("gene_roles")
        roles = dict(
            zip(genes.column("gene").to_pylist(), genes.column("role").to_pylist(), strict=True)
        )
        civic_changes = {
            r["variant_key"]: f"{r['aa_ref']}{r['aa_pos']}{r['aa_alt']}"
            for r in kb.table("biomarkers").to_pylist()
            if r["variant_key"] is not None
            and r["alteration_type"] == "protein_change"
            and len(r["aa_alt"] or "") == 1
        }
        cancer_genes = frozenset(set(roles) | index.genes | {g for g, _ in hotspots.by_residue})
        _KNOWLEDGE_CACHE[key] = SomaticKnowledge(
            index, hotspots, hotspot_keys, roles, cancer_genes, civic_changes
        )
    return _KNOWLEDGE_CACHE[key]


def interpret_somatic(
    vcf: str | Path | None = None,
    *,
    tumor_type: str,
    variants: pa.Table | None = None,
    knowledge: KnowledgeBundle | str | Path | None = None,
    reference: str | Path | None = None,
    sample: str | None = None,
    cna: str | Path | list | None = None,
    fusions: str | Path | list | None = None,
    frequencies: str | Path | None = None,
    callable_bed: str | Path | None = None,
    territory_mb: float | None = None,
    tmb_measure: str = "nonsynonymous",
    msi: str | None = None,
    normal: str | Path | None = None,
    sample_id: str | None = None,
) -> SomaticResult:
    """Interpret a tumour (see the module docstring).

    Give either ``vcf`` (read with :func:`~genomed.interpret.variant_input.load_variants`)
    or ``variants`` (an input-contract table). ``cna``/``fusions``: PCGR-style TSVs or
    lists of :class:`~genomed.interpret.structural_events.CopyNumberEvent` /
    :class:`~genomed.interpret.structural_events.FusionEvent`. ``normal``: a matched normal/germline VCF,
    interpreted with ACMG criteria for secondary findings in ACMG SF genes.
    """
    kb = knowledge if isinstance(knowledge, KnowledgeBundle) else KnowledgeBundle.open(knowledge)
    types = kb.tumor_types
    code = types.check(tumor_type)
    names, doids = types.matching_diseases(code)
    if variants is None:
        if vcf is None:
            raise ValueError("give a VCF or a variants table")
        variants = load_variants(vcf, sample=sample, reference=reference)
    if frequencies is not None:
        variants = frequencies_from_sites_vcf(variants, frequencies)
    known = somatic_knowledge(kb)
    index, hotspots, hotspot_keys = known.index, known.hotspots, known.hotspot_keys
    roles, cancer_genes, civic_changes = known.roles, known.cancer_genes, known.civic_changes
    frequency_consulted = frequencies is not None or any(
        s is not None for s in variants.column("af_source").to_pylist()
    )
    rows = variants.to_pylist()
    for v in rows:
        _protein_change_from_knowledge(v, hotspot_keys, civic_changes)
    matches = [
        index.match_variant(v)
        if v["gene"] in index.genes or v["variant_key"] in index.by_key
        else []
        for v in rows
    ]
    events: list[dict] = []
    event_matches: list[list[EvidenceMatch]] = []
    if cna is not None:
        cna_events = (
            cna
            if isinstance(cna, list)
            else read_copy_number(cna, gene_spans_from_reference(reference))
        )
        for e in cna_events:
            found = index.match_event(e.gene, e.kind)
            if found or e.gene in cancer_genes:
                events.append(
                    {
                        "event": "copy_number",
                        "gene": e.gene,
                        "kind": e.kind,
                        "total_cn": e.total_cn,
                        "segment": f"{e.chrom}:{e.start}-{e.end}" if e.chrom else None,
                        "alteration": e.kind.upper(),
                    }
                )
                event_matches.append(found)
    if fusions is not None:
        for f in fusions if isinstance(fusions, list) else read_fusions(fusions):
            found = index.match_event(f.gene5, "fusion", f.gene3) + index.match_event(
                f.gene3, "fusion", f.gene5
            )
            events.append({"event": "fusion", "gene": f"{f.gene5}::{f.gene3}", "kind": "fusion", "split_reads": f.split_reads,
                           "breakpoints": f"{f.left} / {f.right}", "alteration": f"{f.gene5}::{f.gene3} fusion"})  # fmt: skip
            event_matches.append(found)
    present: dict[str, set[str]] = {}
    for found in matches + event_matches:
        for m in found:
            present.setdefault(m.evidence["evidence_id"], set()).add(m.evidence["alteration"])
    common_af = threshold("population_common_af")
    out_rows = []
    for v, found in zip(rows, matches, strict=True):
        found = complete_profiles(found, present)
        clinical_same = sorted(
            {
                m.evidence["evidence_id"]
                for m in found
                if m.match in ("genomic", "protein")
                and m.evidence["level"] in ("A", "B")
                and m.evidence["direction"] == "supports"
                and m.evidence["origin"] in ("somatic", "unknown")
                and m.evidence["evidence_type"] not in ("predisposing", "functional")
            }  # fmt: skip
        )
        onc = classify_oncogenicity(
            v,
            role=roles.get(v["gene"]),
            hotspots=hotspots.at(v["gene"], v["aa_pos"]),
            clinical_same_change=clinical_same,
            frequency_consulted=frequency_consulted,
            evidence=found,
            lineage=types.lineage(code),
        )
        oncogenic = onc.classification in ONCOGENIC
        call = tier_from_evidence(found, names, doids, oncogenic)
        if v["af"] is not None and v["af"] > common_af:
            tier, reason, tier_ids = (
                "IV",
                f"population AF {v['af']:.3g} > {common_af:g} ({v['af_source']}): likely germline polymorphism",
                [],
            )
        elif call is not None:
            tier, reason, tier_ids = call.tier, call.reason, call.evidence_ids
        elif onc.classification in ("Benign", "Likely benign"):
            tier, reason, tier_ids = "IV", f"oncogenicity {onc.classification.lower()}", []
        elif v["gene"] in cancer_genes and (
            v["consequence"] in PROTEIN_ALTERING or v["consequence"] == "coding_sequence_variant"
        ):
            tier, reason, tier_ids = (
                "III",
                f"protein-altering variant in cancer gene {v['gene']} without tier I/II evidence",
                [],
            )
        else:
            tier, reason, tier_ids = "IV", "not protein-altering in a cancer gene", []
        hotspot = hotspot_keys.get(v["variant_key"])
        out_rows.append(
            v
            | {
                "tier": tier,
                "tier_reason": reason,
                "tier_evidence_ids": tier_ids,
                "oncogenicity": onc.classification,
                "oncogenicity_points": onc.points,
                "oncogenicity_criteria": [
                    {"criterion": c.criterion, "points": c.points, "reason": c.reason}
                    for c in onc.criteria
                ],
                "hotspot": f"{v['gene']} {hotspot}" if hotspot else None,
                "therapies": therapies(found, names, doids, oncogenic),
                "evidence": evidence_list(found, names, doids),
            }
        )
    out_events = []
    for e, found in zip(events, event_matches, strict=True):
        found = complete_profiles(found, present)
        call = tier_from_evidence(found, names, doids, True)
        tier, reason, ids = (
            (call.tier, call.reason, call.evidence_ids)
            if call
            else ("III", f"{e['kind']} of cancer gene without tier I/II evidence", [])
        )
        out_events.append(e | {"tier": tier, "tier_reason": reason, "tier_evidence_ids": ids,
                               "therapies": therapies(found, names, doids, True), "evidence": evidence_list(found, names, doids)})  # fmt: skip
    tmb = tumour_mutational_burden(
        variants, territory_mb=territory_mb, callable_bed=callable_bed, measure=tmb_measure
    )
    germline = None
    if normal is not None:
        from genomed.interpret.germline import interpret_germline

        germline = interpret_germline(
            normal, knowledge=kb, reference=reference, secondary_findings_only=True
        )
    counts = {t: 0 for t in TIER_ORDER}
    for r in out_rows + out_events:
        counts[r["tier"]] += 1
    annotation = next((s for s in variants.column("annotation_source").to_pylist() if s), None)
    case = {
        "sample_id": sample_id or (Path(vcf).name.split(".")[0] if vcf else None),
        "tumor_type": code,
        "tumor_type_name": types.name.get(code),
        "tumor_type_lineage": types.lineage(code),
        "input": str(vcf) if vcf else None,
        "cna": (str(cna) if not isinstance(cna, list) else "workspace cna table")
        if cna is not None
        else None,
        "fusions": (
            str(fusions) if not isinstance(fusions, list) else "workspace structural_variants table"
        )
        if fusions is not None
        else None,
        "normal": str(normal) if normal else None,
        "variants": len(out_rows),
    }
    provenance = {
        "genomed_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "knowledge_bundle": kb.id,
        "knowledge_sources": [
            {k: s.get(k) for k in ("name", "version", "licence")} for s in kb.manifest["sources"]
        ],
        "annotation": annotation,
        "build": kb.build,
    }
    return SomaticResult(case, out_rows, out_events, tmb, msi, provenance, germline, counts)


def _protein_change_from_knowledge(v: dict, hotspot_keys: dict, civic_changes: dict) -> None:
    """Fill ``protein_change``/``aa_pos`` of a coding variant the annotation could not
    translate (the reference bundle has no sequence for its transcript) from the
    knowledge base's own allele -> protein-change records (cancerhotspots' genomic
    expansion, CIViC coordinates); the annotation source says so."""
    if v["protein_change"] or v["consequence"] not in ("coding_sequence_variant", None):
        return
    change = hotspot_keys.get(v["variant_key"]) or civic_changes.get(v["variant_key"])
    if (
        not change
        or not change[:1].isalpha()
        or not change[-1:].isalpha()
        or not change[1:-1].isdigit()
    ):
        return
    v["protein_change"] = change
    v["aa_pos"] = int(change[1:-1])
    v["hgvsp"] = v["hgvsp"] or None
    if change[0] != change[-1]:
        v["consequence"] = "missense_variant"
    v["annotation_source"] = (
        f"{v['annotation_source']}; protein change {change} from the knowledge bundle's allele"
    )
