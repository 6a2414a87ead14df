"""The report document as an HL7 FHIR R4 bundle following the Genomics Reporting
Implementation Guide (STU2, http://hl7.org/fhir/uv/genomics-reporting):

* ``Patient`` (pseudonymous sample id only) and ``Specimen`` (tumour);
* ``DiagnosticReport`` (profile genomics-report, LOINC 81247-9) referencing every result,
  with the headline findings as ``conclusion``;
* one ``Observation`` per tier I-III variant or event (profile variant, LOINC 69548-6) with
  gene (48018-6), c./p. HGVS (48004-6 / 48005-3), genomic alleles and position
  (69547-8 / 69551-0 / 81254-5), source class (48002-0), VAF (81258-6), and the AMP tier
  and oncogenicity in ``interpretation``/``note``;
* one ``Observation`` per therapy of a tier I/II finding (profile
  therapeutic-implication) with medication (51963-7), response (51961-1), evidence level
  (93044-6), disease context (81259-4), ``derivedFrom`` the variant and the CIViC
  evidence ids and PMIDs in ``note``;
* TMB (94076-7, profile tmb), MSI (81695-9, when provided), and germline secondary
  findings as variant Observations with clinical significance (53037-8).

The bundle validates against the ``fhir.resources`` R4B models (FHIR 4.3, the technical
correction of R4 whose resources used here are unchanged) in the tests.
"""

from __future__ import annotations

import uuid

LOINC = "http://loinc.org"
IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
HGVS = "http://varnomen.hgvs.org"
HGNC = "http://www.genenames.org/geneId"
UCUM = "http://unitsofmeasure.org"
CATEGORY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "laboratory",
            }
        ]
    }
]
SOURCE_CLASS = {
    "somatic": {"system": LOINC, "code": "LA6684-0", "display": "Somatic"},
    "germline": {"system": LOINC, "code": "LA6683-2", "display": "Germline"},
}
ACMG_LOINC = {
    "Pathogenic": ("LA6668-3", "Pathogenic"),
    "Likely pathogenic": ("LA26332-9", "Likely pathogenic"),
    "VUS": ("LA26333-7", "Uncertain significance"),
    "Likely benign": ("LA26334-5", "Likely benign"),
    "Benign": ("LA6675-8", "Benign"),
}


def _cc(code: str, display: str, system: str = LOINC) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _component(code: str, display: str, **value) -> dict:
    return {"code": _cc(code, display), **value}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _variant_observation(v: dict, subject: str, specimen: str | None, source: str) -> dict:
    components = []
    if v.get("gene"):
        components.append(
            _component(
                "48018-6",
                "Gene studied [ID]",
                valueCodeableConcept={
                    "coding": [{"system": HGNC, "display": v["gene"]}],
                    "text": v["gene"],
                },
            )
        )
    if v.get("hgvsc"):
        text = f"{v['transcript']}:{v['hgvsc']}" if v.get("transcript") else v["hgvsc"]
        components.append(
            _component(
                "48004-6",
                "DNA change (c.HGVS)",
                valueCodeableConcept={"coding": [{"system": HGVS, "code": text}], "text": text},
            )
        )
    if v.get("hgvsp"):
        components.append(
            _component(
                "48005-3",
                "Amino acid change (pHGVS)",
                valueCodeableConcept={
                    "coding": [{"system": HGVS, "code": v["hgvsp"]}],
                    "text": v["hgvsp"],
                },
            )
        )
    if v.get("ref") and v.get("alt"):
        components.append(_component("69547-8", "Genomic ref allele [ID]", valueString=v["ref"]))
        components.append(_component("69551-0", "Genomic alt allele [ID]", valueString=v["alt"]))
        components.append(
            _component(
                "81254-5", "Genomic allele start-end", valueRange={"low": {"value": v["pos"]}}
            )
        )
        components.append(
            _component(
                "48001-2",
                "Cytogenetic (chromosome) location",
                valueCodeableConcept={"text": f"chromosome {v['chrom']}"},
            )
        )
    components.append(
        _component(
            "48002-0",
            "Genomic source class [Type]",
            valueCodeableConcept={"coding": [SOURCE_CLASS[source]]},
        )
    )
    if v.get("vaf") is not None:
        components.append(
            _component(
                "81258-6",
                "Sample variant allelic frequency [NFr]",
                valueQuantity={"value": round(v["vaf"], 4), "system": UCUM, "code": "1"},
            )
        )
    if v.get("kind") in ("copy_number", "fusion"):
        label = v.get("consequence") or v["kind"]
        components.append(
            _component("48019-4", "DNA change type", valueCodeableConcept={"text": label})
        )
        if v.get("total_cn") is not None:
            components.append(
                _component(
                    "82155-3",
                    "Genomic structural variant copy number",
                    valueInteger=int(v["total_cn"]),
                )
            )
    if v.get("acmg_class"):
        code, display = ACMG_LOINC[v["acmg_class"]]
        components.append(
            _component(
                "53037-8",
                "Genetic variation clinical significance [Imp]",
                valueCodeableConcept=_cc(code, display),
            )
        )
    notes = []
    if v.get("tier"):
        notes.append(f"AMP/ASCO/CAP tier {v['tier']}: {v['tier_reason']}")
    if v.get("oncogenicity"):
        criteria = ", ".join(
            f"{c['criterion']}({c['points']:+d})" for c in v.get("oncogenicity_criteria", [])
        )
        notes.append(
            f"Oncogenicity {v['oncogenicity']} ({v['oncogenicity_points']} points: {criteria or 'no criteria'})"
        )
    if v.get("acmg_criteria"):
        notes.append(
            "ACMG criteria: "
            + "; ".join(f"{c['criterion']}: {c['reason']}" for c in v["acmg_criteria"])
        )
    resource = {
        "resourceType": "Observation",
        "meta": {"profile": [IG + "variant"]},
        "status": "final",
        "category": CATEGORY,
        "code": _cc("69548-6", "Genetic variant assessment"),
        "subject": {"reference": subject},
        "valueCodeableConcept": _cc("LA9633-4", "Present"),
        "component": components,
    }
    if specimen:
        resource["specimen"] = {"reference": specimen}
    if v.get("tier"):
        resource["interpretation"] = [{"text": f"AMP tier {v['tier']}"}]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def _therapy_observation(t: dict, variant_ref: str, subject: str) -> dict:
    context = (
        "this tumour type"
        if t["this_tumour_type"]
        else "other tumour types: " + ", ".join(t["diseases"][:5])
    )
    notes = [f"Evidence: {', '.join(t['evidence_ids'])}"]
    if t["pmids"]:
        notes.append("PMID: " + ", ".join(t["pmids"]))
    if t.get("trials"):
        notes.append("Clinical trials: " + ", ".join(t["trials"]))
    return {
        "resourceType": "Observation",
        "meta": {"profile": [IG + "therapeutic-implication"]},
        "status": "final",
        "category": CATEGORY,
        "code": {
            "coding": [
                {
                    "system": TBD,
                    "code": "therapeutic-implication",
                    "display": "Therapeutic Implication",
                }
            ]
        },
        "subject": {"reference": subject},
        "derivedFrom": [{"reference": variant_ref}],
        "component": [
            _component(
                "51963-7", "Medication assessed [ID]", valueCodeableConcept={"text": t["therapy"]}
            ),
            _component(
                "51961-1",
                "Genetic variation's effect on drug efficacy",
                valueCodeableConcept={"text": t["response"]},
            ),
            _component(
                "93044-6",
                "Level of evidence",
                valueCodeableConcept={"text": f"CIViC level {t['best_level']}"},
            ),
            _component("81259-4", "Associated phenotype", valueCodeableConcept={"text": context}),
        ],
        "note": [{"text": n} for n in notes],
    }


def to_fhir_bundle(doc: dict) -> dict:
    """A FHIR R4 ``Bundle`` (type collection) of a report document."""
    patient_ref, specimen_ref, report_ref = _urn(), _urn(), _urn()
    entries = []
    sample = doc["case"]["sample_id"] or "unknown"
    entries.append(
        {
            "fullUrl": patient_ref,
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": "urn:genomed:sample", "value": sample}],
            },
        }
    )
    entries.append(
        {
            "fullUrl": specimen_ref,
            "resource": {
                "resourceType": "Specimen",
                "identifier": [{"system": "urn:genomed:sample", "value": sample}],
                "type": {
                    "text": f"tumour: {doc['case']['tumor_type']} ({doc['case']['tumor_type_name']})"
                },
                "subject": {"reference": patient_ref},
            },
        }
    )
    results = []
    for v in doc["tier_i_ii"] + doc["other_findings"]["shown"]:
        ref = _urn()
        entries.append(
            {
                "fullUrl": ref,
                "resource": _variant_observation(v, patient_ref, specimen_ref, "somatic"),
            }
        )
        results.append(ref)
        if v["tier"] in ("I-A", "I-B", "II-C", "II-D"):
            for t in v["therapies"]:
                tref = _urn()
                entries.append(
                    {"fullUrl": tref, "resource": _therapy_observation(t, ref, patient_ref)}
                )
                results.append(tref)
    tmb = doc["tmb"]
    tmb_ref = _urn()
    entries.append(
        {
            "fullUrl": tmb_ref,
            "resource": {
                "resourceType": "Observation",
                "meta": {"profile": [IG + "tmb"]},
                "status": "final",
                "category": CATEGORY,
                "code": _cc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
                "subject": {"reference": patient_ref},
                "specimen": {"reference": specimen_ref},
                "valueQuantity": {
                    "value": tmb["mutations_per_mb"],
                    "unit": "mutations/Mb",
                    "system": UCUM,
                    "code": "1/1000000{Base}",
                },
                "note": [{"text": tmb["method"]}],
            },
        }
    )
    results.append(tmb_ref)
    if doc["msi"]["status"]:
        msi_ref = _urn()
        entries.append(
            {
                "fullUrl": msi_ref,
                "resource": {
                    "resourceType": "Observation",
                    "meta": {"profile": [IG + "msi"]},
                    "status": "final",
                    "category": CATEGORY,
                    "code": _cc(
                        "81695-9",
                        "Microsatellite instability [Interpretation] in Cancer specimen Qualitative",
                    ),
                    "subject": {"reference": patient_ref},
                    "valueCodeableConcept": {"text": doc["msi"]["status"]},
                },
            }
        )
        results.append(msi_ref)
    if doc["germline"]:
        for g in doc["germline"]["findings"]:
            ref = _urn()
            entries.append(
                {"fullUrl": ref, "resource": _variant_observation(g, patient_ref, None, "germline")}
            )
            results.append(ref)
    versions = doc["versions"]
    report = {
        "resourceType": "DiagnosticReport",
        "meta": {"profile": [IG + "genomics-report"]},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "GE",
                        "display": "Genetics",
                    }
                ]
            }
        ],
        "code": _cc("81247-9", "Master HL7 genetic variant reporting panel"),
        "subject": {"reference": patient_ref},
        "specimen": [{"reference": specimen_ref}],
        "issued": versions["generated_at"],
        "result": [{"reference": r} for r in results],
        "conclusion": "; ".join(doc["summary"]["headline"]) or "No tier I or II finding.",
    }
    entries.insert(2, {"fullUrl": report_ref, "resource": report})
    return {
        "resourceType": "Bundle",
        "identifier": {
            "system": "urn:genomed:report",
            "value": f"{sample}-{versions['generated_at']}",
        },
        "type": "collection",
        "timestamp": versions["generated_at"],
        "entry": entries,
    }
