"""CIViC (https://civicdb.org, CC0) nightly TSV dumps -> ``biomarkers`` rows.

Two layouts are read; :func:`detect_layout` tells them apart by the evidence file's header:

``variant`` (before 2022, e.g. the 2018-05 nightly dump)
    ``nightly-ClinicalEvidenceSummaries.tsv`` names ``gene`` and ``variant`` on every
    evidence row, with the variant's GRCh37 coordinates (``chromosome``, ``start``,
    ``stop``, ``reference_bases``, ``variant_bases``) and ``drugs``.
``molecular_profile`` (2022 on)
    evidence rows name a ``molecular_profile`` / ``molecular_profile_id`` and
    ``therapies``; ``nightly-MolecularProfileSummaries.tsv`` lists each profile's
    ``variant_ids``, and ``nightly-VariantSummaries.tsv`` gives each variant's gene
    (``gene`` or ``feature_name``), name and coordinates. Evidence is joined to its
    variants through the profile; a profile of several variants gives one row per
    variant with ``profile_size`` set, and all must be present to match. Profiles with
    ``NOT`` in their name are skipped (genomed cannot show absence).

Only ``accepted`` evidence is kept. Every evidence type is kept, including ``Functional``
(CIViC 2019 on), whose significance (gain/loss of function, neomorphic, dominant
negative, unaltered function) is what oncogenicity OS2/SBS2 read. Coordinates are kept only for simple alleles
(SNV/MNV/indel with both bases given); they are lifted to the bundle build when a chain
is given (see :func:`genomed.knowledge.build.build_knowledge_bundle`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from genomed.errors import InputError
from genomed.knowledge.alteration import parse_alteration

EVIDENCE_FILE = "nightly-ClinicalEvidenceSummaries.tsv"
VARIANT_FILE = "nightly-VariantSummaries.tsv"
PROFILE_FILE = "nightly-MolecularProfileSummaries.tsv"

_SIGNIFICANCE = {
    "sensitivity": "sensitivity",
    "sensitivity/response": "sensitivity",
    "resistance or non-response": "resistance",
    "resistance": "resistance",
    "reduced sensitivity": "reduced_sensitivity",
    "adverse response": "adverse_response",
    "poor outcome": "poor_outcome",
    "better outcome": "better_outcome",
    "positive": "positive",
    "negative": "negative",
    "pathogenic": "pathogenic",
    "likely pathogenic": "likely_pathogenic",
    "uncertain significance": "uncertain",
    # functional evidence (CIViC evidence type "Functional", 2019 on): OS2/SBS2
    "gain of function": "gain_of_function",
    "loss of function": "loss_of_function",
    "unaltered function": "unaltered_function",
    "neomorphic": "neomorphic",
    "dominant negative": "dominant_negative",
    "unknown": "unknown",
    "n/a": "na",
    "": "na",
}

_ORIGIN = {
    "somatic mutation": "somatic",
    "somatic": "somatic",
    "germline mutation": "germline",
    "rare germline": "germline",
    "germline polymorphism": "common_germline",
    "common germline": "common_germline",
    "n/a": "unknown",
    "unknown": "unknown",
    "mixed": "unknown",
    "": "unknown",
}


@dataclass
class CivicRows:
    """``biomarkers`` columns (lists) plus the GRCh37/38 build of the coordinates."""

    columns: dict[str, list]
    coordinate_build: str
    layout: str
    files: list[Path]


def _read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.exists():
        raise InputError("CIViC file not found", path=str(path))
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def detect_layout(directory: Path) -> str:
    """``"variant"`` or ``"molecular_profile"`` from the evidence file's header."""
    path = Path(directory) / EVIDENCE_FILE
    if not path.exists():
        raise InputError(f"no {EVIDENCE_FILE} in the CIViC directory", path=str(directory))
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
    if "molecular_profile_id" in header:
        return "molecular_profile"
    if "variant" in header and "gene" in header:
        return "variant"
    raise InputError(
        "unrecognised CIViC evidence layout",
        path=str(path),
        line=1,
        expected="columns gene+variant (pre-2022) or molecular_profile_id (2022 on)",
    )


def _coords(row: dict[str, str]) -> tuple[str | None, int | None, str | None, str | None]:
    chrom, start = row.get("chromosome", ""), row.get("start", "")
    ref, alt = row.get("reference_bases", ""), row.get("variant_bases", "")
    if not chrom or not start.isdigit() or row.get("chromosome2"):
        return None, None, None, None
    if not ref or not alt or set(ref + alt) - set("ACGT"):
        return None, None, None, None
    return chrom, int(start), ref, alt


def _evidence_fields(row: dict[str, str]) -> dict:
    eid = row["evidence_id"]
    therapies = row.get("therapies", row.get("drugs", ""))
    return {
        "source": "civic",
        "evidence_id": f"EID{eid}",
        "evidence_url": row.get("evidence_civic_url")
        or f"https://civicdb.org/links/evidence/{eid}",
        "disease": row.get("disease", ""),
        "doid": row.get("doid", "").removeprefix("DOID:"),
        "evidence_type": row.get("evidence_type", "").strip().lower(),
        "direction": row.get("evidence_direction", "").strip().lower().replace(" ", "_") or None,
        "level": row.get("evidence_level", "").strip() or None,
        "significance": _SIGNIFICANCE.get(
            row.get("significance", row.get("clinical_significance", "")).strip().lower(),
            "other",
        ),
        "therapies": therapies,
        "therapy_interaction": row.get("therapy_interaction_type", row.get("drug_interaction_type"))
        or None,
        "pmid": row.get("pubmed_id") or row.get("citation_id") or None,
        "citation": row.get("citation") or None,
        "nct_ids": row.get("nct_ids") or None,
        "rating": int(row["rating"]) if row.get("rating", "").isdigit() else None,
        "origin": _ORIGIN.get(row.get("variant_origin", "").strip().lower(), "unknown"),
        "statement": row.get("evidence_statement") or None,
    }


def _append(columns: dict[str, list], values: dict) -> None:
    for key, value in values.items():
        columns.setdefault(key, []).append(value)


def _component_rows(
    base: dict, gene: str, variant: str, coords: tuple, profile: str, size: int
) -> list[dict]:
    out = []
    chrom, pos, ref, alt = coords
    for alteration in parse_alteration(variant, gene):
        out.append(
            base
            | {
                "gene": gene,
                "alteration": variant,
                "molecular_profile": profile,
                "profile_size": size,
                "alteration_type": alteration.alteration_type,
                "aa_ref": alteration.aa_ref,
                "aa_pos": alteration.aa_pos,
                "aa_alt": alteration.aa_alt,
                "exon": alteration.exon,
                "fusion_partner": alteration.fusion_partner,
                "chrom": chrom,
                "pos": pos,
                "ref": ref,
                "alt": alt,
            }
        )
    return out


def read_civic(directory: str | Path) -> CivicRows:
    """Read a CIViC nightly dump directory (either layout) into ``biomarkers`` columns."""
    directory = Path(directory)
    layout = detect_layout(directory)
    if layout == "variant":
        return _read_variant_layout(directory)
    return _read_profile_layout(directory)


def _read_variant_layout(directory: Path) -> CivicRows:
    path = directory / EVIDENCE_FILE
    _, rows = _read_tsv(path)
    columns: dict[str, list] = {}
    builds = set()
    for line, row in enumerate(rows, start=2):
        if row.get("evidence_status", "accepted") != "accepted":
            continue
        if not row.get("evidence_id", "").isdigit():
            raise InputError("evidence_id is not a number", path=str(path), line=line)
        coords = _coords(row)
        if coords[0] is not None:
            builds.add(row.get("reference_build") or "GRCh37")
        gene, variant = row["gene"], row["variant"]
        for values in _component_rows(
            _evidence_fields(row), gene, variant, coords, f"{gene} {variant}", 1
        ):
            _append(columns, values)
    return CivicRows(columns, _single_build(builds, path), "variant", [path])


def _read_profile_layout(directory: Path) -> CivicRows:
    evidence_path = directory / EVIDENCE_FILE
    variant_path = directory / VARIANT_FILE
    profile_path = directory / PROFILE_FILE
    _, evidence = _read_tsv(evidence_path)
    _, variants = _read_tsv(variant_path)
    _, profiles = _read_tsv(profile_path)
    variant_by_id = {row["variant_id"]: row for row in variants}
    profile_by_id = {row["molecular_profile_id"]: row for row in profiles}
    columns: dict[str, list] = {}
    builds = set()
    for line, row in enumerate(evidence, start=2):
        if row.get("evidence_status", "accepted") != "accepted":
            continue
        profile_id = row.get("molecular_profile_id", "")
        profile = profile_by_id.get(profile_id)
        if profile is None:
            raise InputError(
                f"molecular profile {profile_id} not in {PROFILE_FILE}",
                path=str(evidence_path),
                line=line,
                field="molecular_profile_id",
            )
        name = row.get("molecular_profile") or profile.get("name", "")
        if " NOT " in f" {name.upper()} ":
            continue
        ids = [v.strip() for v in profile.get("variant_ids", "").split(",") if v.strip()]
        base = _evidence_fields(row)
        for variant_id in ids:
            variant = variant_by_id.get(variant_id)
            if variant is None:
                raise InputError(
                    f"variant {variant_id} of molecular profile {profile_id} not in {VARIANT_FILE}",
                    path=str(profile_path),
                    field="variant_ids",
                )
            gene = variant.get("gene") or variant.get("feature_name", "")
            coords = _coords(variant)
            if coords[0] is not None:
                builds.add(variant.get("reference_build") or "GRCh37")
            for values in _component_rows(base, gene, variant["variant"], coords, name, len(ids)):
                _append(columns, values)
    return CivicRows(
        columns,
        _single_build(builds, variant_path),
        "molecular_profile",
        [evidence_path, variant_path, profile_path],
    )


def _single_build(builds: set[str], path: Path) -> str:
    if len(builds) > 1:
        raise InputError(f"coordinates on several builds ({sorted(builds)})", path=str(path))
    return next(iter(builds), "GRCh37")
