"""Cancer Genome Interpreter biomarkers (per-variant TSV) -> ``biomarkers`` rows.

**Licence.** CGI's biomarker database is free for non-commercial/academic use only; it is
not an open licence. genomed therefore never puts CGI into the bundle it ships, and a
bundle built with ``--cgi`` is marked ``redistributable: false`` in its manifest
(:func:`genomed.knowledge.build.build_knowledge_bundle` refuses to write it over the
shipped default). Users who hold a CGI licence can build their own bundle.

Input: ``cgi_biomarkers_per_variant.tsv`` (columns ``Alteration``, ``Alteration type``,
``Association``, ``Biomarker``, ``Drug``, ``Evidence level``, ``Gene``,
``Primary Tumor type``, ``individual_mutation``, ``gDNA``, ``Source``): one row per
(biomarker, drug, tumour type, variant). ``gDNA`` is GRCh37 (``chr9:g.133748283C>T``).

CGI evidence levels are put on the CIViC A-E scale genomed tiers with:

==========================================  =====
CGI evidence level                          level
==========================================  =====
FDA / NCCN / ELN / CPIC / ... guidelines    A
Late trials, Clinical trials                B
Early trials, Case report                   C
Pre-clinical                                D
==========================================  =====
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from genomed.errors import InputError
from genomed.knowledge.alteration import parse_alteration

LICENCE = "CGI terms of use: non-commercial/academic use only (not redistributable)"

_GDNA = re.compile(r"^(?:chr)?([0-9XYMT]+):g\.(\d+)([ACGT])>([ACGT])$")

_ASSOCIATION = {
    "responsive": ("sensitivity", "supports"),
    "resistant": ("resistance", "supports"),
    "no responsive": ("sensitivity", "does_not_support"),
}


def cgi_level(text: str) -> str:
    """CGI ``Evidence level`` -> A..D (the first of comma-separated levels counts)."""
    first = text.split(",")[0].strip().lower()
    if "guideline" in first:
        return "A"
    if first in ("late trials", "clinical trials"):
        return "B"
    if first in ("early trials", "case report"):
        return "C"
    return "D"


def read_cgi(path: str | Path) -> dict[str, list]:
    """``biomarkers`` columns from a CGI per-variant biomarker TSV (coordinates GRCh37)."""
    path = Path(path)
    if not path.exists():
        raise InputError("CGI biomarker file not found", path=str(path))
    columns: dict[str, list] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        needed = {"Alteration", "Alteration type", "Association", "Drug", "Evidence level", "Gene"}
        missing = needed - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                "missing columns", path=str(path), line=1, field=",".join(sorted(missing))
            )
        for line, row in enumerate(reader, start=2):
            kinds = row["Alteration type"].split(";")
            if len(kinds) != 1:
                continue  # combined biomarkers (MUT;CNA ...): not matched automatically
            association = row["Association"].strip().lower()
            significance, direction = _ASSOCIATION.get(
                association,
                ("adverse_response", "supports")
                if "toxicity" in association
                else ("other", "supports"),
            )
            gene = row["Gene"].strip()
            kind = kinds[0]
            names = _alteration_names(row, kind, gene)
            chrom = pos = ref = alt = None
            match = _GDNA.match(row.get("gDNA", "").strip())
            if match:
                chrom, pos, ref, alt = (
                    match.group(1),
                    int(match.group(2)),
                    match.group(3),
                    match.group(4),
                )
            source = row.get("Source", "")
            pmid = ",".join(re.findall(r"PMID:(\d+)", source)) or None
            for tumour in row.get("Primary Tumor type", "").split(";"):
                for name in names:
                    for alteration in parse_alteration(name, gene):
                        values = {
                            "source": "cgi",
                            "evidence_id": f"CGI:{line}",
                            "evidence_url": None,
                            "gene": gene,
                            "alteration": name,
                            "molecular_profile": row.get("Biomarker") or f"{gene} {name}",
                            "profile_size": 1,
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
                            "disease": tumour.strip(),
                            "doid": None,
                            "evidence_type": "predictive",
                            "direction": direction,
                            "level": cgi_level(row["Evidence level"]),
                            "significance": significance,
                            "therapies": row["Drug"].strip("[]"),
                            "therapy_interaction": "combination" if "+" in row["Drug"] else None,
                            "pmid": pmid,
                            "citation": source or None,
                            "nct_ids": None,
                            "rating": None,
                            "origin": "somatic",
                            "statement": None,
                        }
                        for key, value in values.items():
                            columns.setdefault(key, []).append(value)
    return columns


def _alteration_names(row: dict, kind: str, gene: str) -> list[str]:
    """Names parse_alteration understands, from one CGI row."""
    if kind == "CNA":
        text = row["Alteration"].split(":")[-1].lower()
        return ["AMPLIFICATION" if "amp" in text else "DELETION"]
    if kind == "FUS":
        genes = row["Alteration"].replace("__", "-")
        return [genes if "-" in genes else "FUSION"]
    if kind != "MUT":
        return ["EXPRESSION"]
    single = row.get("individual_mutation", "").split(":")[-1]
    if single:
        return [single]
    text = row["Alteration"].split(":", 1)[-1]
    return ["MUTATION"] if text in (".", "") else text.split(",")
