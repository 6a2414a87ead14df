"""The report document: one JSON-ready dict every output format is rendered from.

The same document is written as ``.json`` (schema ``report_schema.json`` beside this
module, documented in ``docs/reports.md``), rendered to ``.html`` and ``.pdf``, and
converted to an HL7 FHIR R4 Genomics Reporting bundle (``.fhir.json``), so all formats
carry the same content. Sections, in the order a tumour board reads them:

``case``               sample, tumour type (OncoTree code, name, lineage), inputs
``summary``            counts per tier, TMB, MSI, the headline findings
``tier_i_ii``          tier I/II variants and events, each with therapies and evidence
``other_findings``     tier III variants and events (oncogenicity shown)
``tmb``, ``msi``       value, method and territory
``germline``           ACMG SF secondary findings of the matched normal (when given)
``methods``            how tiers, oncogenicity, TMB and germline classes were assigned
``versions``           genomed, knowledge bundle and its sources, annotation bundle,
                       workspace table versions read
``limitations``        what the report cannot say
"""

from __future__ import annotations

from genomed.interpret.somatic import SomaticResult

SCHEMA_VERSION = "genomed-report/1"
MAX_OTHER = 200  # tier III rows listed in full; the rest are counted

METHODS = [
    "Variants were annotated with "
    "{annotation}; one transcript per variant (MANE Select / canonical first).",
    "Tiers follow AMP/ASCO/CAP 2017 (Li et al., J Mol Diagn 2017): evidence of CIViC level A/B "
    "in this tumour type gives tier I-A/I-B; A/B in another tumour type or C in this one gives "
    "II-C; D in this one gives II-D (rules/amp_tiers.tsv). Evidence applies to the tumour type "
    "when its disease maps to the OncoTree code, an ancestor, or (below tissue level) a "
    "descendant. Gene-level evidence ('MUTATION') counts only for oncogenic/likely oncogenic "
    "variants. Variants with population AF > 1% are tier IV.",
    "Oncogenicity uses the ClinGen/CGC/VICC 2022 points scheme (Horak et al., Genet Med 2022) "
    "for the criteria computable from the data: OVS1, OS1 (proxy), OS3, OM2, OM3, OM4, OP1, "
    "OP3, OP4, SBVS1, SBS1, SBP1, SBP2.",
    "Copy-number events: total copy number >= 6 is an amplification, 0 a deep deletion, per "
    "gene (canonical transcript span). Fusions are matched to fusion evidence of either gene.",
    "TMB: {tmb_method}.",
    "Germline findings (matched normal): ACMG/AMP 2015 criteria with ClinGen SVI refinements "
    "in points (Tavtigian et al. 2020); ClinVar's assertion is shown beside and not used as "
    "evidence; only ACMG SF v3.2 genes are reported.",
]

LIMITATIONS = [
    "Knowledge is limited to the bundle's sources and versions listed below; newer evidence "
    "(e.g. approvals after the CIViC snapshot) is not reflected.",
    "Variants whose transcript has no sequence in the reference bundle have no protein change "
    "unless the knowledge base records one for the same allele; their effect is undetermined.",
    "Oncogenicity criteria that need functional studies, protein domains or single-etiology "
    "malignancies (OS2, OM1, OP2, SBS2) are not evaluated, so classes can be conservative.",
    "TMB depends on the territory; without a callable BED a 34 Mb exome is assumed.",
    "MSI is reported only when provided; genomed does not call MSI.",
    "Germline interpretation of a tumour-only sample cannot separate germline from somatic "
    "variants; without a matched normal no germline findings are reported.",
    "This report supports, and does not replace, review by a molecular tumour board.",
]


def _variant_entry(row: dict) -> dict:
    is_event = "event" in row
    return {
        "kind": row.get("event", "variant"),
        "gene": row.get("gene"),
        "alteration": row.get("alteration")
        if is_event
        else (row.get("protein_change") or row.get("hgvsc") or row.get("consequence")),
        "chrom": row.get("chrom"),
        "pos": row.get("pos"),
        "ref": row.get("ref"),
        "alt": row.get("alt"),
        "transcript": row.get("transcript"),
        "hgvsc": row.get("hgvsc"),
        "hgvsp": row.get("hgvsp"),
        "consequence": row.get("consequence") or row.get("kind"),
        "vaf": row.get("vaf"),
        "depth": row.get("dp"),
        "total_cn": row.get("total_cn"),
        "tier": row["tier"],
        "tier_reason": row["tier_reason"],
        "tier_evidence_ids": row["tier_evidence_ids"],
        "oncogenicity": row.get("oncogenicity"),
        "oncogenicity_points": row.get("oncogenicity_points"),
        "oncogenicity_criteria": row.get("oncogenicity_criteria", []),
        "hotspot": row.get("hotspot"),
        "therapies": row.get("therapies", []),
        "evidence": row.get("evidence", []),
    }


def _germline_entry(row: dict) -> dict:
    return {
        "gene": row["gene"],
        "chrom": row["chrom"],
        "pos": row["pos"],
        "ref": row["ref"],
        "alt": row["alt"],
        "transcript": row["transcript"],
        "hgvsc": row["hgvsc"],
        "hgvsp": row["hgvsp"],
        "consequence": row["consequence"],
        "acmg_class": row["acmg_class"],
        "acmg_points": row["acmg_points"],
        "acmg_criteria": row["acmg_criteria"],
        "af": row["af"],
        "af_source": row["af_source"],
        "clinvar_significance": row["clinvar_significance"],
        "clinvar_stars": row["clinvar_stars"],
        "clinvar_id": row["clinvar_id"],
        "sf_disease": row["sf_disease"],
        "sf_inheritance": row["sf_inheritance"],
    }


def build_document(result: SomaticResult, workspace_versions: dict | None = None) -> dict:
    """The report document of a somatic interpretation (see the module docstring)."""
    reportable = result.reportable()
    other = [r for r in result.variants + result.events if r["tier"] == "III"]
    other.sort(key=lambda r: (-(r.get("oncogenicity_points") or 0), r.get("gene") or ""))
    germline = None
    if result.germline is not None:
        findings = result.germline.secondary_findings()
        germline = {
            "sample": result.case.get("normal"),
            "scope": "ACMG SF v3.2 genes, pathogenic / likely pathogenic",
            "findings": [_germline_entry(r) for r in findings],
            "variants_assessed": len(result.germline.variants),
            "frequency_sources": result.germline.provenance["frequency_sources"],
        }
    headline = [
        f"{r.get('gene')} {_variant_entry(r)['alteration']} — tier {r['tier']}"
        for r in reportable[:10]
    ]
    tmb = result.tmb.to_dict()
    methods = [
        m.format(
            annotation=result.provenance.get("annotation") or "the input's annotation",
            tmb_method=tmb["method"],
        )
        for m in METHODS
    ]
    return {
        "schema": SCHEMA_VERSION,
        "case": result.case,
        "summary": {
            "tier_counts": result.tier_counts,
            "reportable": len(reportable),
            "headline": headline,
            "tmb_per_mb": tmb["mutations_per_mb"],
            "tmb_high": tmb["high"],
            "msi": result.msi,
            "secondary_findings": None if germline is None else len(germline["findings"]),
        },
        "tier_i_ii": [_variant_entry(r) for r in reportable],
        "other_findings": {
            "shown": [_variant_entry(r) for r in other[:MAX_OTHER]],
            "total": len(other),
            "tier_iv": result.tier_counts.get("IV", 0),
        },
        "tmb": tmb,
        "msi": {"status": result.msi, "source": "provided by the user" if result.msi else None},
        "germline": germline,
        "methods": methods,
        "versions": {
            **result.provenance,
            "workspace_tables": workspace_versions,
        },
        "limitations": LIMITATIONS,
    }
