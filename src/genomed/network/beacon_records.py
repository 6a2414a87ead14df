"""Beacon v2 records (default model) built from workspace rows: pure functions, no I/O.

Shapes follow the beacon-v2 default model (``genomicVariations``, ``individuals``,
``biosamples``, ``datasets``, ``cohorts``): the fields each model requires are always
present (``variantInternalId`` + ``variation``; ``id`` + ``sex``; ``id`` +
``biosampleStatus`` + ``sampleOriginType``; ``id`` + ``name``; ``id`` + ``name`` +
``cohortType``). genomed extension (Beacon v2.0): frequency records carry
``alleleCount``, ``alleleNumber``, ``alleleCountHomozygous`` and
``alleleCountHemizygous`` beside ``alleleFrequency`` (the names Beacon v2.1 adopted).
"""

from __future__ import annotations

from collections import defaultdict

from genomed.network.beacon_filters import ontology_terms
from genomed.network.oncotree_terms import term_label
from genomed.reference.assembly import refseq_accession

NCIT_SEX = {v["value"]: {"id": k, "label": v["label"]} for k, v in ontology_terms()["sex"].items()}


def variant_id(chrom: str, pos: int, ref: str, alt: str) -> str:
    """The node's id of an allele: ``CHROM-POS-REF-ALT`` (1-based POS, VCF alleles)."""
    return f"{chrom}-{pos}-{ref}-{alt}"


def variant_type(ref: str, alt: str) -> str:
    if len(ref) == len(alt):
        return "SNP" if len(ref) == 1 else "MNP"
    return "DEL" if len(ref) > len(alt) else "INS"


def _sequence_id(build: str, chrom: str) -> str:
    accession = refseq_accession(build, chrom)
    return f"refseq:{accession}" if accession else f"{build}:{chrom}"


def genomic_variation(
    row: dict,
    build: str,
    *,
    genes: list[str] | None = None,
    protein_changes: list[str] | None = None,
    case_level: list[dict] | None = None,
    frequencies: dict | None = None,
) -> dict:
    """A genomicVariation record of ``row`` (``chrom``, ``pos``, ``ref``, ``alt``, ``rsid``)."""
    chrom, pos, ref, alt = row["chrom"], int(row["pos"]), row["ref"], row["alt"]
    record: dict = {
        "variantInternalId": variant_id(chrom, pos, ref, alt),
        "variation": {
            "variantType": variant_type(ref, alt),
            "referenceBases": ref,
            "alternateBases": alt,
            "location": {
                "type": "SequenceLocation",
                "sequence_id": _sequence_id(build, chrom),
                "interval": {
                    "type": "SequenceInterval",
                    "start": {"type": "Number", "value": pos - 1},
                    "end": {"type": "Number", "value": pos - 1 + len(ref)},
                },
            },
        },
        "identifiers": {},
    }
    accession = refseq_accession(build, chrom)
    if accession and len(ref) == 1 and len(alt) == 1:
        record["identifiers"]["genomicHGVSId"] = f"{accession}:g.{pos}{ref}>{alt}"
    if row.get("rsid"):
        record["identifiers"]["variantAlternativeIds"] = [
            {
                "id": f"dbSNP:{row['rsid']}",
                "reference": f"https://www.ncbi.nlm.nih.gov/snp/{row['rsid']}",
            }
        ]
    molecular = {}
    if genes:
        molecular["geneIds"] = sorted(set(genes))
    if protein_changes:
        molecular["aminoacidChanges"] = sorted({p.removeprefix("p.") for p in protein_changes})
    if molecular:
        record["molecularAttributes"] = molecular
    if case_level is not None:
        record["caseLevelData"] = case_level
    if frequencies:
        record["frequencyInPopulations"] = [frequencies]
    return record


def case_level_entry(call: dict) -> dict:
    """caseLevelData of one call (``sample_id``, ``patient_id``, ``alt_count``, ``ploidy``, ``origin``)."""
    terms = ontology_terms()
    entry = {"biosampleId": call["sample_id"], "individualId": call["patient_id"]}
    alt_count, ploidy = call.get("alt_count"), call.get("ploidy")
    if ploidy == 1 and alt_count:
        entry["zygosity"] = terms["zygosity"]["hemizygous"]
    elif alt_count in (1, 2):
        entry["zygosity"] = terms["zygosity"][str(alt_count)]
    if call.get("origin") in terms["allele_origin"]:
        entry["alleleOrigin"] = terms["allele_origin"][call["origin"]]
    return entry


def frequency_record(rows: list[dict], source: str, reference: str, version: str) -> dict:
    """``frequencyInPopulations`` item from ``popfreq_counts`` rows of one allele."""
    frequencies = []
    for row in rows:
        an = row.get("an")
        ac = row.get("ac")
        item = {
            "population": row["grp"],
            "alleleFrequency": (ac / an)
            if isinstance(ac, int) and isinstance(an, int) and an
            else 0.0,
            "alleleCount": row.get("ac"),
            "alleleNumber": row.get("an"),
            "alleleCountHomozygous": row.get("nhomalt"),
            "alleleCountHemizygous": row.get("nhemi"),
        }
        frequencies.append(item)
    return {
        "source": source,
        "sourceReference": reference,
        "version": version,
        "frequencies": frequencies,
    }


def individual(
    patient: dict, phenotypes: list[dict], diagnoses: list[dict], outcomes: list[dict]
) -> dict:
    """An individual record: sex, diseases, phenotypic features, population (as info)."""
    sex = NCIT_SEX.get((patient.get("sex") or "unknown").lower(), NCIT_SEX["unknown"])
    record: dict = {"id": patient["patient_id"], "sex": sex}
    diseases = []
    for d in diagnoses:
        code = d.get("disease_id") or (
            f"oncotree:{d['tumor_type']}" if d.get("tumor_type") else None
        )
        if not code:
            continue
        disease = {"diseaseCode": {"id": code, "label": d.get("disease_label") or code}}
        if d.get("age_at_diagnosis") is not None:
            disease["ageOfOnset"] = {"age": {"iso8601duration": f"P{int(d['age_at_diagnosis'])}Y"}}
        diseases.append(disease)
    if diseases:
        record["diseases"] = diseases
    features = []
    for p in phenotypes:
        feature = {"featureType": {"id": p["hpo_id"], "label": p.get("label") or p["hpo_id"]}}
        if p.get("excluded"):
            feature["excluded"] = True
        features.append(feature)
    if features:
        record["phenotypicFeatures"] = features
    info = {}
    for key in ("population", "super_population", "birth_year"):
        if patient.get(key) is not None:
            info[key] = patient[key]
    if outcomes:
        info["outcomes"] = [
            {"endpoint": o["endpoint"], "months": o["months"], "event": o["event"]}
            for o in outcomes
        ]
    if info:
        record["info"] = {"genomed": info}
    return record


def biosample(sample: dict) -> dict:
    terms = ontology_terms()
    status = terms["biosample_status"].get(
        sample.get("kind") or "", terms["biosample_status"]["germline"]
    )
    record = {
        "id": sample["sample_id"],
        "individualId": sample["patient_id"],
        "biosampleStatus": status,
        "sampleOriginType": terms["sample_origin_unknown"],
    }
    if sample.get("tumor_type"):
        record["histologicalDiagnosis"] = {
            "id": f"oncotree:{sample['tumor_type']}",
            "label": term_label(sample["tumor_type"]) or sample["tumor_type"],
        }
    info = {k: sample[k] for k in ("kind", "panel_id") if sample.get(k)}
    if info:
        record["info"] = {"genomed": info}
    return record


def dataset(item, count: int | dict | None = None) -> dict:
    record = {"id": item.id, "name": item.name, "description": item.description}
    if item.created_at:
        record["createDateTime"] = item.created_at
    if count is not None:
        record["info"] = {"genomed": {"individuals": count}}
    return record


def cohort(saved: dict, size: int | dict | None) -> dict:
    record = {
        "id": saved["name"],
        "name": saved["name"],
        "cohortType": "user-defined",
        "cohortDesign": {"id": "OGMS:0000084", "label": "defined by a genomed cohort definition"},
        "inclusionCriteria": {"genomed:definition": saved["definition"]},
    }
    if isinstance(size, int):
        record["cohortSize"] = size
    elif size is not None:
        record["info"] = {"genomed": {"cohortSize": size}}
    if saved.get("description"):
        record["description"] = saved["description"]
    return record


def group_by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out
