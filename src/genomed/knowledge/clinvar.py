"""ClinVar VCF (NCBI, public domain) -> ``clinvar`` rows: normalised alleles with stars.

Each record's ALT is trimmed like every other allele in genomed
(:func:`genomed.model.normalise.trim_alleles`) and keyed with
:func:`genomed.model.variant_key.variant_keys`, so a patient's allele matches ClinVar's
however either file padded it. Records without an ALT (``.``) are skipped.

Review stars follow ClinVar's documentation of ``CLNREVSTAT``:

=============================================================  =====
review status                                                  stars
=============================================================  =====
practice_guideline                                             4
reviewed_by_expert_panel                                       3
criteria_provided,_multiple_submitters,_no_conflicts           2
criteria_provided,_single_submitter / _conflicting_...         1
no_assertion_criteria_provided, no_classification_provided...  0
=============================================================  =====
"""

from __future__ import annotations

from pathlib import Path

from cyvcf2 import VCF

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles

STARS = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
}

SIGNIFICANCE = {
    "pathogenic": "pathogenic",
    "likely_pathogenic": "likely_pathogenic",
    "pathogenic/likely_pathogenic": "pathogenic/likely_pathogenic",
    "uncertain_significance": "uncertain",
    "likely_benign": "likely_benign",
    "benign": "benign",
    "benign/likely_benign": "benign/likely_benign",
    "conflicting_classifications_of_pathogenicity": "conflicting",
    "conflicting_interpretations_of_pathogenicity": "conflicting",
}


def review_stars(status: str | None) -> int:
    """Stars (0-4) of a ``CLNREVSTAT`` value (unknown or missing: 0)."""
    return STARS.get((status or "").strip(), 0)


def simple_significance(clnsig: str | None) -> str:
    """``CLNSIG`` -> one of the values of :data:`SIGNIFICANCE` or ``"other"``; only the
    first of ``|``-separated values counts (later ones are ``risk_factor`` etc.)."""
    first = (clnsig or "").split("|")[0].strip().lower()
    return SIGNIFICANCE.get(first, "other")


def _float(value) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_clinvar(path: str | Path) -> dict[str, list]:
    """Columns of the ``clinvar`` table (without ``variant_key``) from a ClinVar VCF."""
    path = Path(path)
    if not path.exists():
        raise InputError("ClinVar VCF not found", path=str(path))
    try:
        vcf = VCF(str(path))
    except Exception as error:  # cyvcf2 raises bare Exception on unreadable headers
        raise InputError(f"not a readable VCF ({error})", path=str(path)) from None
    names = [
        "chrom",
        "pos",
        "ref",
        "alt",
        "clinvar_id",
        "gene",
        "clnsig",
        "significance",
        "review_status",
        "stars",
        "molecular_consequence",
        "hgvs",
        "af_exac",
        "af_tgp",
        "af_esp",
        "disease",
    ]
    columns: dict[str, list] = {k: [] for k in names}
    for variant in vcf:
        alts = variant.ALT
        if not alts or alts[0] in (".", "*") or set(alts[0]) - set("ACGTN"):
            continue
        info = variant.INFO
        pos, ref, alt = trim_alleles(variant.POS, variant.REF, alts[0])
        gene_info = info.get("GENEINFO") or ""
        revstat = info.get("CLNREVSTAT")
        clnsig = info.get("CLNSIG")
        mc = info.get("MC") or ""
        columns["chrom"].append(normalise_chrom(variant.CHROM))
        columns["pos"].append(pos)
        columns["ref"].append(ref)
        columns["alt"].append(alt)
        columns["clinvar_id"].append(variant.ID)
        columns["gene"].append(gene_info.split("|")[0].split(":")[0] or None)
        columns["clnsig"].append(clnsig)
        columns["significance"].append(simple_significance(clnsig))
        columns["review_status"].append(revstat)
        columns["stars"].append(review_stars(revstat))
        columns["molecular_consequence"].append(mc.split(",")[0].split("|")[-1] or None)
        columns["hgvs"].append(info.get("CLNHGVS"))
        columns["af_exac"].append(_float(info.get("AF_EXAC")))
        columns["af_tgp"].append(_float(info.get("AF_TGP")))
        columns["af_esp"].append(_float(info.get("AF_ESP")))
        columns["disease"].append(info.get("CLNDN"))
    vcf.close()
    return columns
