"""``interpret_germline``: a germline (or normal) VCF -> ACMG/AMP classes with criteria,
points and reasons; ClinVar's own assertion beside (not used unless
``use_clinvar_assertions``); ACMG SF v3.2 secondary findings.

Each row names the population-frequency source its BA1/BS1/PM2 calls used
(``af_source``: an INFO or CSQ field of the input, or a gnomAD-style sites VCF given
with ``frequencies``). Criteria are in :mod:`genomed.interpret.acmg_criteria`;
gene-specific thresholds in the bundle's ``germline_gene_rules`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from genomed import __version__
from genomed.interpret.acmg_criteria import (
    bp7,
    clinvar_assertion_criterion,
    frequency_criteria,
    in_silico,
    protein_criteria,
    pvs1,
)
from genomed.interpret.critical_residues import CriticalResidues
from genomed.interpret.rules import classify
from genomed.interpret.tandem_repeat import TandemRepeat, tandem_repeat
from genomed.interpret.transcript_structure import transcript_structures
from genomed.interpret.variant_input import (
    annotate_table,
    frequencies_from_sites_vcf,
    frequencies_from_workspace,
    load_variants,
)
from genomed.knowledge.bundle import KnowledgeBundle

PATHOGENIC = {"Pathogenic", "Likely pathogenic"}
CLASS_ORDER = ["Pathogenic", "Likely pathogenic", "VUS", "Likely benign", "Benign"]


@dataclass
class GermlineResult:
    case: dict
    variants: list[dict]
    provenance: dict
    class_counts: dict[str, int] = field(default_factory=dict)

    def secondary_findings(self) -> list[dict]:
        """P/LP variants in ACMG SF v3.2 genes."""
        return [r for r in self.variants if r["secondary_finding"]]


def protein_lengths(reference=None) -> dict[str, int]:
    """transcript id (with and without version) -> protein length in amino acids, from
    the reference bundle's CDS bounds (stop codon excluded)."""
    from genomed.reference.bundle import ReferenceBundle

    bundle = ReferenceBundle.default() if reference is None else ReferenceBundle(reference)
    t = bundle.transcripts
    out: dict[str, int] = {}
    for ident, start, end in zip(
        t.column("transcript_id").to_pylist(),
        t.column("cdna_coding_start").to_pylist(),
        t.column("cdna_coding_end").to_pylist(),
        strict=True,
    ):
        if start and end and end > start:
            length = (end - start + 1) // 3 - 1
            out[ident] = length
            out.setdefault(ident.split(".")[0], length)
    return out


def _gene_rules(kb: KnowledgeBundle) -> tuple[dict, dict]:
    rows = {r["gene"]: r for r in kb.table("germline_gene_rules").to_pylist()}
    return rows, rows.get("*") or {
        "lof_mechanism": None,
        "ba1_af": 0.05,
        "bs1_af": 0.01,
        "pm2_af": 0.0001,
    }


#: ClinVar molecular consequences read as P/LP evidence at a residue, and how genomed's
#: own annotation of the allele must agree
_CLINVAR_KINDS = {
    "missense_variant": ("missense_variant", "missense"),
    "nonsense": ("stop_gained", "truncating"),
    "frameshift_variant": ("frameshift_variant", "truncating"),
}


def clinvar_pathogenic_alleles(
    kb: KnowledgeBundle, genes: set[str], reference=None
) -> tuple[dict, CriticalResidues]:
    """ClinVar P/LP (>= 2 stars) alleles of ``genes``, annotated with genomed's own
    annotator: ``(gene, residue) -> [(one-letter change, variant_key)]`` of the missense
    ones (PS1/PM5), and every missense/nonsense/frameshift one as
    :class:`~genomed.interpret.critical_residues.CriticalResidues` (PVS1's critical
    region)."""
    critical = CriticalResidues()
    table = kb.table("clinvar")
    if not genes or table.num_rows == 0:
        return {}, critical
    mask = pc.and_(
        pc.and_(
            pc.is_in(table.column("gene"), value_set=pa.array(sorted(genes))),
            pc.greater_equal(table.column("stars"), 2),
        ),
        pc.and_(
            pc.is_in(
                table.column("significance"),
                value_set=pa.array(
                    ["pathogenic", "likely_pathogenic", "pathogenic/likely_pathogenic"]
                ),
            ),
            pc.is_in(
                table.column("molecular_consequence"), value_set=pa.array(sorted(_CLINVAR_KINDS))
            ),
        ),
    )
    subset = table.filter(mask)
    if subset.num_rows == 0:
        return {}, critical
    from genomed.interpret.variant_input import INPUT_COLUMNS

    base = {name: subset.column(name) for name in ("chrom", "pos", "ref", "alt")}
    full = pa.table(
        {f.name: base.get(f.name, pa.nulls(subset.num_rows, f.type)) for f in INPUT_COLUMNS}
    )
    annotated = annotate_table(full, reference)
    missense: dict = {}
    for row, key, clinvar_kind in zip(
        annotated.to_pylist(),
        subset.column("variant_key").to_pylist(),
        subset.column("molecular_consequence").to_pylist(),
        strict=True,
    ):
        consequence, kind = _CLINVAR_KINDS[clinvar_kind]
        if row["consequence"] != consequence or not row["aa_pos"] or not row["protein_change"]:
            continue
        critical.add(row["gene"], row["aa_pos"], kind, row["protein_change"], key)
        if kind == "missense":
            missense.setdefault((row["gene"], row["aa_pos"]), []).append(
                (row["protein_change"], key)
            )
    return missense, critical


def tandem_repeats(variants: list[dict], reference=None) -> dict[int, TandemRepeat | None]:
    """variant_key -> the tandem repeat around each in-frame indel (None when no
    reference bases cover it), from the reference bundle's genome stretches and cDNAs."""
    from genomed.annotate.genome_access import GenomeAccess
    from genomed.reference.bundle import ReferenceBundle

    wanted = [
        v for v in variants if v.get("consequence") in ("inframe_deletion", "inframe_insertion")
    ]
    if not wanted:
        return {}
    bundle = ReferenceBundle.default() if reference is None else ReferenceBundle(reference)
    genome = GenomeAccess(bundle)
    return {
        v["variant_key"]: tandem_repeat(genome, v["chrom"], v["pos"], v["ref"], v["alt"])
        for v in wanted
    }


def interpret_germline(
    vcf: str | Path | None = None,
    *,
    variants: pa.Table | None = None,
    knowledge: KnowledgeBundle | str | Path | None = None,
    reference: str | Path | None = None,
    sample: str | None = None,
    frequencies: str | Path | None = None,
    popfreq_workspace=None,
    use_clinvar_assertions: bool = False,
    secondary_findings_only: bool = False,
    sample_id: str | None = None,
) -> GermlineResult:
    """Classify germline variants (see the module docstring). ``secondary_findings_only``
    keeps only ACMG SF gene variants (for the normal sample of a tumour report).
    Population frequencies: the input's own fields, then ``frequencies`` (a gnomAD-style
    sites VCF), then ``popfreq_workspace`` (a workspace's population database)."""
    kb = knowledge if isinstance(knowledge, KnowledgeBundle) else KnowledgeBundle.open(knowledge)
    if variants is None:
        variants = load_variants(vcf, sample=sample, reference=reference)
    if frequencies is not None:
        variants = frequencies_from_sites_vcf(variants, frequencies)
    if popfreq_workspace is not None:
        variants = frequencies_from_workspace(variants, popfreq_workspace)
    sf = {}
    for r in kb.table("acmg_sf").to_pylist():
        sf.setdefault(r["gene"], r)
    if secondary_findings_only:
        variants = variants.filter(
            pc.is_in(variants.column("gene"), value_set=pa.array(sorted(sf) or [""]))
        )
    rules, default = _gene_rules(kb)
    genes = {g for g in variants.column("gene").to_pylist() if g}
    clinvar_changes, critical = clinvar_pathogenic_alleles(kb, genes, reference)
    hotspot_residues = {
        (r["gene"], p)
        for r in kb.table("hotspots").to_pylist()
        if r["kind"] == "snv" and r["alt_count"] >= 10 and r["gene"] in genes
        for p in [r["aa_pos"]]
    }
    roles = set(kb.table("gene_roles").column("gene").to_pylist())
    hotspot_residues = {x for x in hotspot_residues if x[0] in roles}
    clinvar = kb.table("clinvar")
    wanted = pc.is_in(
        clinvar.column("variant_key"), value_set=variants.column("variant_key").combine_chunks()
    )
    by_key = {r["variant_key"]: r for r in clinvar.filter(wanted).to_pylist()}
    lengths = protein_lengths(reference)
    rows = variants.to_pylist()
    structures = transcript_structures(
        {v["transcript"] for v in rows if v["transcript"]}, reference
    )
    repeats = tandem_repeats(rows, reference)
    out = []
    for v in rows:
        v["protein_length"] = lengths.get(v["transcript"] or "")
        structure = structures.get(v["transcript"] or "")
        rule = rules.get(v["gene"], default)
        rule = {
            k: (default[k] if rule.get(k) is None and k in default else rule.get(k))
            for k in ("lof_mechanism", "ba1_af", "bs1_af", "pm2_af", "inheritance")
        }
        hits = []
        for hit in (pvs1(v, rule, structure, critical), bp7(v)):
            if hit:
                hits.append(hit)
        hits += (
            frequency_criteria(v, rule)
            + in_silico(v)
            + protein_criteria(v, clinvar_changes, hotspot_residues, repeats.get(v["variant_key"]))
        )
        record = by_key.get(v["variant_key"])
        if use_clinvar_assertions:
            hit = clinvar_assertion_criterion(record)
            if hit:
                hits.append(hit)
        if any(h.criterion == "BA1" for h in hits):
            points, acmg_class = sum(h.points for h in hits if h.criterion != "BA1"), "Benign"
        else:
            points = sum(h.points for h in hits)
            acmg_class = classify(points, "acmg_classes")
        in_sf = v["gene"] in sf
        out.append(
            v
            | {
                "acmg_class": acmg_class,
                "acmg_points": points,
                "acmg_criteria": [
                    {
                        "criterion": h.criterion,
                        "strength": h.strength,
                        "points": h.points,
                        "reason": h.reason,
                    }
                    for h in hits
                ],
                "gene_rule": "gene-specific" if v["gene"] in rules else "default",
                "clinvar_id": record["clinvar_id"] if record else None,
                "clinvar_significance": record["significance"] if record else None,
                "clinvar_stars": record["stars"] if record else None,
                "clinvar_review_status": record["review_status"] if record else None,
                "clinvar_used_as_evidence": bool(use_clinvar_assertions and record),
                "secondary_finding": in_sf and acmg_class in PATHOGENIC,
                "sf_disease": sf[v["gene"]]["disease"] if in_sf else None,
                "sf_inheritance": sf[v["gene"]]["inheritance"] if in_sf else None,
            }
        )
    counts = {c: 0 for c in CLASS_ORDER}
    for r in out:
        counts[r["acmg_class"]] += 1
    case = {
        "sample_id": sample_id or (Path(vcf).name.split(".")[0] if vcf else None),
        "input": str(vcf) if vcf else None,
        "variants": len(out),
    }
    provenance = {
        "genomed_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "knowledge_bundle": kb.id,
        "use_clinvar_assertions": use_clinvar_assertions,
        "frequency_sources": sorted({r["af_source"].split(" (")[0] for r in out if r["af_source"]})
        or ["none in the input"],
        "annotation": next((r["annotation_source"] for r in out if r["annotation_source"]), None),
    }
    return GermlineResult(case, out, provenance, counts)
