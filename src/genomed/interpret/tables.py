"""Variant tables of an interpretation: ``.tsv`` (one row per variant, nested fields
flattened to readable strings) or ``.json`` (the full result, nested).

TSV columns, somatic: ``chrom pos ref alt gene transcript consequence hgvsc hgvsp vaf dp
af af_source tier tier_reason tier_evidence_ids oncogenicity oncogenicity_points
oncogenicity_criteria hotspot therapies evidence_ids``; germline: ``chrom pos ref alt
gene transcript consequence hgvsc hgvsp af af_source acmg_class acmg_points
acmg_criteria clinvar_significance clinvar_stars clinvar_used_as_evidence
secondary_finding``. Criteria are written ``CODE(+points): reason`` joined by ``; ``;
therapies ``drug [response, level, this tumour|other tumours: EID1,EID2]``.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path

from genomed.errors import InputError

SOMATIC_COLUMNS = [
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "transcript",
    "consequence",
    "hgvsc",
    "hgvsp",
    "vaf",
    "dp",
    "af",
    "af_source",
    "tier",
    "tier_reason",
    "tier_evidence_ids",
    "oncogenicity",
    "oncogenicity_points",
    "oncogenicity_criteria",
    "hotspot",
    "therapies",
    "evidence_ids",
]
GERMLINE_COLUMNS = [
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "transcript",
    "consequence",
    "hgvsc",
    "hgvsp",
    "af",
    "af_source",
    "acmg_class",
    "acmg_points",
    "acmg_criteria",
    "clinvar_significance",
    "clinvar_stars",
    "clinvar_used_as_evidence",
    "secondary_finding",
]


def _criteria(items: list[dict]) -> str:
    return "; ".join(f"{c['criterion']}({c['points']:+d}): {c['reason']}" for c in items)


def _therapies(items: list[dict]) -> str:
    return "; ".join(
        f"{t['therapy']} [{t['response']}, {t['best_level']}, "
        f"{'this tumour' if t['this_tumour_type'] else 'other tumours'}: {','.join(t['evidence_ids'])}]"
        for t in items
    )


def flat_row(row: dict, columns: list[str]) -> list:
    out = []
    for name in columns:
        value = row.get(name)
        if name in ("oncogenicity_criteria", "acmg_criteria"):
            value = _criteria(value or [])
        elif name == "therapies":
            value = _therapies(value or [])
        elif name == "evidence_ids":
            value = ",".join(e["evidence_id"] for e in row.get("evidence", []))
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, float):
            value = f"{value:.4g}"
        out.append("" if value is None else value)
    return out


def result_to_dict(result) -> dict:
    """A Somatic/GermlineResult as plain JSON-ready data."""
    data = asdict(result) if is_dataclass(result) else dict(result)
    return data


def write_table(result, path: str | Path, kind: str) -> Path:
    """Write ``result`` (somatic or germline) to ``path``; the format follows the
    extension (``.tsv`` or ``.json``). Written to a temporary file and renamed."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".tsv", ".json"):
        raise InputError("output must end in .tsv or .json", path=str(path))
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    if suffix == ".json":
        tmp.write_text(json.dumps(result_to_dict(result), indent=1, default=str) + "\n")
    else:
        columns = SOMATIC_COLUMNS if kind == "somatic" else GERMLINE_COLUMNS
        rows = result.variants + (getattr(result, "events", None) or [])
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow(flat_row(row, columns))
    os.replace(tmp, path)
    return path
