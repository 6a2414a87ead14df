"""OncoTree filters follow the OncoTree hierarchy, as HPO filters follow HPO's.

A synthetic lung study (clinical files only) whose tumour types sit at several levels of
the OncoTree table shipped in the knowledge bundle (TISSUE > LUNG > NSCLC > LUAD/LUSC/
LCLC; LUNG > LNET > SCLC; TISSUE > BOWEL > COADREAD > COAD):

=========  ========  =====================================================
group      patients  samples
=========  ========  =====================================================
nsclc      5         one NSCLC (the code itself, "not otherwise specified")
luad       10        one LUAD
lusc       5         one LUSC
lclc       5         one LCLC
sclc       5         one SCLC (small cell: not below NSCLC)
coad       5         one COAD
mixed      5         one LUSC and one COAD each (two tumours)
paad       2         one PAAD (fewer than k = 5 patients)
=========  ========  =====================================================

42 patients, 47 samples. The expected counts below are worked out by hand from this
table; the node runs with the default privacy settings (k = 5, differencing guard on),
and every group has 5 or 10 patients so that no two answers released to one token differ
by 1..4 people (PAAD, with 2, is there to be withheld). Record-level answers are checked
against sets computed by walking each sample's code *upwards* through the bundle's
OncoTree table (the node walks downwards).
"""

from __future__ import annotations

import json
import shutil

import pytest
from test_beacon_api import Node
from test_network_support import NodeProcess
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.knowledge.bundle import KnowledgeBundle
from genomed.network.access_levels import AccessLevel
from genomed.network.audit_log import read_audit_log
from genomed.network.beacon_filters import filter_definition, sample_tumor_types
from genomed.network.federated_queries import federated_count
from genomed.network.hub import ANSWERED, NodeEntry
from genomed.network.node_config import load_node_config
from genomed.network.oncotree_terms import descendants, is_known, term_label
from genomed.network.tokens import TokenStore
from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal
from genomed.store.workspace import Workspace

GROUPS = {  # group -> (number of patients, tumour type of each of a patient's samples)
    "nsclc": (5, ("NSCLC",)),
    "luad": (10, ("LUAD",)),
    "lusc": (5, ("LUSC",)),
    "lclc": (5, ("LCLC",)),
    "sclc": (5, ("SCLC",)),
    "coad": (5, ("COAD",)),
    "mixed": (5, ("LUSC", "COAD")),
    "paad": (2, ("PAAD",)),
}


def study_samples() -> list[tuple[str, str, str]]:
    """(patient_id, sample_id, tumour type) of the synthetic study."""
    rows = []
    for group, (n, types) in GROUPS.items():
        for i in range(1, n + 1):
            patient = f"{group.upper()}-{i:02d}"
            for j, code in enumerate(types, 1):
                rows.append((patient, f"{patient}-T{j}", code))
    return rows


def write_study(folder):
    folder.mkdir()
    (folder / "meta_study.txt").write_text(
        "type_of_cancer: lung\ncancer_study_identifier: lung_mini\nreference_genome: GRCh38\n"
    )
    for name, kind in (("patient", "PATIENT_ATTRIBUTES"), ("sample", "SAMPLE_ATTRIBUTES")):
        (folder / f"meta_clinical_{name}.txt").write_text(
            "cancer_study_identifier: lung_mini\ngenetic_alteration_type: CLINICAL\n"
            f"datatype: {kind}\ndata_filename: data_clinical_{name}.txt\n"
        )
    samples = study_samples()
    patients = sorted({p for p, _, _ in samples})
    (folder / "data_clinical_patient.txt").write_text(
        "#Patient\tSex\n#id\tsex\n#STRING\tSTRING\n#1\t1\nPATIENT_ID\tSEX\n"
        + "".join(f"{p}\t{'Female' if int(p[-2:]) % 2 else 'Male'}\n" for p in patients)
    )
    (folder / "data_clinical_sample.txt").write_text(
        "#Patient\tSample\tOncotree\n#p\ts\to\n#STRING\tSTRING\tSTRING\n#1\t1\t1\n"
        "PATIENT_ID\tSAMPLE_ID\tONCOTREE_CODE\n"
        + "".join(f"{p}\t{s}\t{code}\n" for p, s, code in samples)
    )
    return folder


@pytest.fixture(scope="module")
def lung_workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("oncotree")
    path = root / "central"
    Workspace.create(path, build="GRCh38", institution_id="lung")
    ingest_cbioportal(path, write_study(root / "lung_mini"), StudyIngestOptions())
    return path


@pytest.fixture(scope="module")
def node(lung_workspace, tmp_path_factory):
    path = tmp_path_factory.mktemp("oncotree-node") / "ws"
    shutil.copytree(lung_workspace, path)
    return Node(path)


def expected(code: str, with_descendants: bool) -> tuple[set[str], set[str]]:
    """(patients, samples) whose tumour type is ``code`` or, if asked, below it: each
    sample's lineage walked upwards in the bundle's OncoTree table."""
    table = KnowledgeBundle.default().tumor_types
    patients, samples = set(), set()
    for patient, sample, tumour in study_samples():
        lineage = table.lineage(tumour) if with_descendants else [tumour]
        if code in lineage:
            patients.add(patient)
            samples.add(sample)
    return patients, samples


def post(node, entry: str, filters: list, granularity: str, level: str = "registered"):
    body = {
        "query": {
            "requestedGranularity": granularity,
            "filters": filters,
            "pagination": {"limit": 0},
        }
    }
    response = node.post(f"/beacon/v2/{entry}", body, level)
    assert response.status_code == 200, response.json()
    return response.json()


def count(node, entry: str, filters: list) -> int:
    body = post(node, entry, filters, "count")
    assert body["meta"]["returnedGranularity"] == "count", body
    return body["responseSummary"]["numTotalResults"]


def ids(node, entry: str, filters: list) -> set[str]:
    body = post(node, entry, filters, "record", "controlled")
    return {r["id"] for rs in body["response"]["resultSets"] for r in rs["results"]}


# -- the hierarchy -------------------------------------------------------------------------


def test_oncotree_descendants_come_from_the_knowledge_bundle():
    assert descendants("NSCLC") == ("LCLC", "LUAD", "LUSC", "NSCLC")
    assert descendants("nsclc") == descendants("NSCLC")
    assert set(descendants("LUNG")) == {"LUNG", "NSCLC", "LUAD", "LUSC", "LCLC", "LNET", "SCLC"}
    assert descendants("LUAD") == ("LUAD",)
    assert "COAD" in descendants("BOWEL") and "LUAD" not in descendants("BOWEL")
    # a code the shipped table does not list has no known descendants: itself only
    assert not is_known("NOSUCHCODE") and descendants("NoSuchCode") == ("NOSUCHCODE",)
    assert term_label("NSCLC") == "Non-Small Cell Lung Cancer"
    assert term_label("NOSUCHCODE") is None


def test_filters_translate_into_tumour_type_membership():
    assert filter_definition("oncotree:NSCLC") == {
        "attribute": "tumor_type",
        "op": "in",
        "value": ["LCLC", "LUAD", "LUSC", "NSCLC"],
    }
    exact = {"id": "oncotree:nsclc", "includeDescendantTerms": False}
    assert filter_definition(exact) == {"attribute": "tumor_type", "op": "in", "value": ["NSCLC"]}
    # biosamples: each top-level OncoTree filter restricts the samples (AND: intersected)
    assert sample_tumor_types(["NCIT:C16576", {"id": "age", "value": "3"}]) is None
    assert sample_tumor_types([{"id": "oncotree:NSCLC"}, {"id": "oncotree:LUNG"}]) == [
        "LCLC",
        "LUAD",
        "LUSC",
        "NSCLC",
    ]
    assert sample_tumor_types([{"id": "oncotree:NSCLC"}, {"id": "oncotree:BOWEL"}]) == []


# -- over the API ----------------------------------------------------------------------------

# (filters, individuals, biosamples), worked out by hand from the table in the module notes
HAND_WORKED = [
    # NSCLC and below: nsclc 5 + luad 10 + lusc 5 + lclc 5 + mixed 5 (their LUSC samples)
    ([{"id": "oncotree:NSCLC"}], 30, 30),
    ([{"id": "oncotree:NSCLC", "includeDescendantTerms": True}], 30, 30),
    # the code alone: the 5 NSCLC NOS
    ([{"id": "oncotree:NSCLC", "includeDescendantTerms": False}], 5, 5),
    # LUNG: + sclc 5; nobody's tumour is coded LUNG itself
    ([{"id": "oncotree:LUNG"}], 35, 35),
    ([{"id": "oncotree:LUNG", "includeDescendantTerms": False}], 0, 0),
    # a leaf: the same either way; lusc 5 + mixed 5, and only the LUSC sample of the mixed
    ([{"id": "oncotree:LUSC"}], 10, 10),
    ([{"id": "oncotree:LUSC", "includeDescendantTerms": False}], 10, 10),
    # BOWEL: coad 5 + mixed 5 (their COAD samples)
    ([{"id": "oncotree:BOWEL"}], 10, 10),
    # AND: the mixed patients have both; no single sample is both lung and bowel
    ([{"id": "oncotree:NSCLC"}, {"id": "oncotree:BOWEL"}], 5, 0),
    # NOT (genomed extension): sclc 5 + coad 5 + paad 2 of 42 patients; all their samples
    ([{"not": {"id": "oncotree:NSCLC"}}], 12, 12),
    # OR (genomed extension) of an exact code and a subtree: nsclc 5 + coad 5 + mixed 5
    (
        [{"or": [{"id": "oncotree:NSCLC", "includeDescendantTerms": False}, "oncotree:BOWEL"]}],
        15,
        20,
    ),
    # a code the table does not list matches itself only: nobody here
    ([{"id": "oncotree:NOSUCHCODE"}], 0, 0),
]


@pytest.mark.parametrize(("filters", "individuals", "biosamples"), HAND_WORKED)
def test_hand_worked_counts_with_and_without_descendants(node, filters, individuals, biosamples):
    assert count(node, "individuals", filters) == individuals
    assert count(node, "biosamples", filters) == biosamples


@pytest.mark.parametrize("code", ["NSCLC", "LUNG", "LUSC", "BOWEL", "TISSUE", "SCLC"])
@pytest.mark.parametrize("with_descendants", [True, False])
def test_records_equal_the_lineages_walked_upwards(node, code, with_descendants):
    patients, samples = expected(code, with_descendants)
    item = {"id": f"oncotree:{code}", "includeDescendantTerms": with_descendants}
    assert ids(node, "individuals", [item]) == patients
    assert ids(node, "biosamples", [item]) == samples


def test_biosample_records_name_their_oncotree_type(node):
    body = post(node, "biosamples", [{"id": "oncotree:LUAD"}], "record", "controlled")
    diagnoses = {
        (r["histologicalDiagnosis"]["id"], r["histologicalDiagnosis"]["label"])
        for rs in body["response"]["resultSets"]
        for r in rs["results"]
    }
    assert diagnoses == {("oncotree:LUAD", "Lung Adenocarcinoma")}


def test_get_filters_include_descendants_and_rare_types_are_withheld(node):
    fresh = node.store.create(AccessLevel.REGISTERED)[0]
    assert node.count(level=fresh, filters="oncotree:NSCLC") == 30
    # women (odd-numbered patients) among NSCLC and below: nsclc 3 + luad 5 + lusc 3 +
    # lclc 3 + mixed 3
    assert node.count("biosamples", level=fresh, filters="oncotree:nsclc,NCIT:C16576") == 17
    assert node.count(level=fresh, filters="oncotree:NSCLC,!oncotree:LCLC") == 25
    # 2 PAAD patients: below k, answered as a boolean, never as a count
    body = node.get(
        "/beacon/v2/individuals", fresh, filters="oncotree:PAAD", requestedGranularity="count"
    ).json()
    assert body["meta"]["returnedGranularity"] == "boolean"
    assert body["responseSummary"] == {"exists": True}
    assert ids(node, "individuals", [{"id": "oncotree:PAAD"}]) == {"PAAD-01", "PAAD-02"}


def test_filtering_terms_list_oncotree_codes_with_their_names(node):
    response = node.client.get("/beacon/v2/filtering_terms").json()["response"]
    terms = {t["id"]: t for t in response["filteringTerms"]}
    labels = {
        code: terms[f"oncotree:{code}"]["label"]
        for code in ("NSCLC", "LUAD", "LUSC", "LCLC", "SCLC", "COAD")
    }
    assert labels == {
        "NSCLC": "Non-Small Cell Lung Cancer",
        "LUAD": "Lung Adenocarcinoma",
        "LUSC": "Lung Squamous Cell Carcinoma",
        "LCLC": "Large Cell Lung Carcinoma",
        "SCLC": "Small Cell Lung Cancer",
        "COAD": "Colon Adenocarcinoma",
    }
    assert {labels[c] for c in labels} == {term_label(c) for c in labels}
    assert "oncotree:PAAD" not in terms  # 2 patients, below k: not listed
    assert terms["oncotree:LUAD"]["type"] == "ontologyTerm"
    oncotree = next(r for r in response["resources"] if r["id"] == "oncotree")
    assert "oncotree_2021_11_02" in oncotree["version"]


# -- the hub ---------------------------------------------------------------------------------


def test_hub_passes_oncotree_filters_through_unchanged(lung_workspace, tmp_path):
    path = tmp_path / "ws"
    shutil.copytree(lung_workspace, path)
    token = TokenStore(load_node_config(path).tokens_path).create(AccessLevel.REGISTERED)[0]
    process = NodeProcess(path, tmp_path / "node.log")
    try:
        process.wait_ready()
        nodes = [NodeEntry("lung", process.url, token)]
        subtree = federated_count(nodes, filters=[{"id": "oncotree:NSCLC"}])
        exact = federated_count(
            nodes, filters=[{"id": "oncotree:NSCLC", "includeDescendantTerms": False}]
        )
        biosamples = federated_count(
            nodes, filters=[{"id": "oncotree:LUNG"}, {"id": "oncotree:LUSC"}], entry="biosamples"
        )
        # the CLI's --exact sends includeDescendantTerms false for ontology filters
        registry = tmp_path / "network.json"
        registry.write_text(json.dumps({"nodes": [nodes[0].to_dict()]}))
        cli = CliRunner().invoke(
            app,
            ["network", "query", "count", "--filter", "oncotree:NSCLC", "--exact",
             "--network-file", str(registry), "--json"],
        )  # fmt: skip
    finally:
        process.stop()
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["per_node"] == {"lung": 5}
    assert [n["status"] for n in subtree["nodes"] + exact["nodes"]] == [ANSWERED, ANSWERED]
    assert subtree["per_node"] == {"lung": 30}
    assert exact["per_node"] == {"lung": 5}
    assert biosamples["per_node"] == {"lung": 10}
    logged = [e["query"]["filters"] for e in read_audit_log(path / "node" / "audit.jsonl")]
    assert logged == [
        [{"id": "oncotree:NSCLC"}],
        [{"id": "oncotree:NSCLC", "includeDescendantTerms": False}],
        [{"id": "oncotree:LUNG"}, {"id": "oncotree:LUSC"}],
        [{"id": "oncotree:NSCLC", "includeDescendantTerms": False}],
    ]
