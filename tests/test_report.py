"""Reports: JSON (schema), FHIR R4 Genomics Reporting bundle (fhir.resources), HTML
(self-contained), PDF (same content), workspace reports and the CLI."""

from __future__ import annotations

import json
import re
import shutil
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.errors import InputError
from genomed.interpret.somatic import interpret_somatic
from genomed.report.report_document import build_document
from genomed.report.write import (
    report_format,
    report_from_workspace,
    write_document,
)

DATA = Path(__file__).parent / "data" / "interpret"
SCHEMA = json.loads((files("genomed.report") / "templates" / "report_schema.json").read_text())


@pytest.fixture(scope="module")
def document():
    result = interpret_somatic(
        DATA / "T001-COAD.grch38.vcf.gz",
        tumor_type="COAD",
        cna=DATA / "T001-COAD.grch38.cna.tsv",
        fusions=DATA / "T001-COAD.grch38.fusions.tsv",
        normal=DATA / "vep_csq_germline.vcf",
        msi="MSI-H",
        sample_id="T001-COAD",
    )
    return build_document(result)


def test_report_format_from_extension():
    assert [report_format(n) for n in ("a.html", "a.PDF", "a.json", "a.fhir.json")] == [
        "html",
        "pdf",
        "json",
        "fhir",
    ]
    with pytest.raises(InputError, match=r"\.html, \.pdf"):
        report_format("a.txt")


def test_json_document_follows_its_schema(document, tmp_path):
    path = write_document(document, tmp_path / "r.json")
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["schema"] == "genomed-report/1"
    first = data["tier_i_ii"][0]
    assert (first["gene"], first["alteration"], first["tier"]) == ("BRAF", "V600E", "I-A")
    # tier I/II first, best tier first; events (ERBB2 amplification, fusions) included
    tiers = [f["tier"] for f in data["tier_i_ii"]]
    assert tiers == sorted(tiers, key=["I-A", "I-B", "II-C", "II-D"].index)
    assert {"ERBB2", "EML4::ALK"} <= {f["gene"] for f in data["tier_i_ii"]}
    assert data["germline"]["findings"][0]["gene"] == "BRCA2"
    assert data["summary"]["msi"] == "MSI-H" and data["summary"]["secondary_findings"] == 1
    assert data["versions"]["knowledge_bundle"].startswith("genomed-knowledge@")
    assert any("34 Mb" in m for m in data["methods"])


def test_fhir_bundle_validates_and_carries_the_findings(document, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    path = write_document(document, tmp_path / "r.fhir.json")
    data = json.loads(path.read_text())
    bundle = Bundle.model_validate(data)
    resources = [e.resource for e in bundle.entry]
    report = next(r for r in resources if r.get_resource_type() == "DiagnosticReport")
    assert report.code.coding[0].code == "81247-9"
    assert len(report.result) == len(resources) - 3  # everything but Patient, Specimen, the report
    observations = [r for r in resources if r.get_resource_type() == "Observation"]
    variants = [o for o in observations if o.code.coding[0].code == "69548-6"]
    braf = next(
        o
        for o in variants
        if any(
            c.code.coding[0].code == "48005-3" and c.valueCodeableConcept.text == "p.Val600Glu"
            for c in o.component
        )
    )
    assert braf.interpretation[0].text == "AMP tier I-A"
    implications = [o for o in observations if o.code.coding[0].code == "therapeutic-implication"]
    derived = {o.derivedFrom[0].reference for o in implications}
    assert any(e.fullUrl in derived for e in bundle.entry if e.resource is braf)
    tmb = next(o for o in observations if o.code.coding[0].code == "94076-7")
    assert float(tmb.valueQuantity.value) == document["tmb"]["mutations_per_mb"]
    assert any(
        o.code.coding[0].code == "81695-9" and o.valueCodeableConcept.text == "MSI-H"
        for o in observations
    )
    germline = [
        o
        for o in variants
        if any(
            c.code.coding[0].code == "48002-0"
            and c.valueCodeableConcept.coding[0].code == "LA6683-2"
            for c in o.component
        )
    ]
    assert len(germline) == 1


def test_html_is_self_contained(document, tmp_path):
    html = write_document(document, tmp_path / "r.html").read_text()
    # nothing is loaded from anywhere: no scripts, stylesheets, images or frames by URL
    assert not re.search(r"<(script|link|img|iframe)\b", html, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html, re.I)
    assert "default-src 'none'" in html
    for section in (
        "case",
        "tier-i-ii",
        "other-findings",
        "tmb",
        "germline",
        "methods",
        "versions",
        "limitations",
    ):
        assert f'<section id="{section}">' in html
    assert "EID103" in html and "Cetuximab" in html


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages)


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs Debian's chromium (make test installs it)"
)
def test_pdf_has_the_same_content(document, tmp_path):
    path = write_document(document, tmp_path / "r.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(path)
    for expected in (
        "Tumour genomic report",
        "T001-COAD",
        "BRAF V600E",
        "EID103",
        f"{document['tmb']['mutations_per_mb']} mutations/Mb",
        "ERBB2 AMPLIFICATION",
        "BRCA2",
        document["versions"]["knowledge_bundle"],
        "Limitations",
        "Direction",  # the evidence tables are printed open (their header)
        "Skin Melanoma",  # a row of BRAF V600E's evidence table (EID1409)
    ):
        assert expected in text, expected


def test_workspace_report_records_table_versions(tmp_path):
    from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
    from genomed.store.workspace import Workspace

    ws_path = tmp_path / "ws"
    ingest_vcf(
        ws_path,
        DATA / "T001-COAD.grch38.vcf.gz",
        VcfIngestOptions(kind="tumor", tumor_type="COAD", build="GRCh38"),
    )
    ws = Workspace.open(ws_path)
    sample = ws.read("samples").column("sample_id")[0].as_py()
    out = report_from_workspace(ws_path, sample, tmp_path / "ws.json")
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["case"]["tumor_type"] == "COAD"  # from the samples table
    assert data["versions"]["workspace_tables"] == {
        k: v for k, v in ws.versions().items() if k in ("samples", "variants", "calls")
    }
    braf = data["tier_i_ii"][0]
    assert (braf["gene"], braf["tier"]) == ("BRAF", "I-A")
    assert abs(braf["vaf"] - 0.3148148) < 1e-5  # INFO/TVAF stored by the ingest
    # the workspace's discrete CNA table is read too: ERBB2 amplified (GISTIC 2)
    with ws.transaction() as tx:
        tx.append("cna", {"sample_id": [sample], "gene": ["ERBB2"], "value": [2]})
    data = json.loads(report_from_workspace(ws_path, sample, tmp_path / "ws2.json").read_text())
    erbb2 = next(f for f in data["tier_i_ii"] if f["gene"] == "ERBB2")
    assert (erbb2["kind"], erbb2["alteration"], erbb2["tier"]) == (
        "copy_number",
        "AMPLIFICATION",
        "I-B",
    )
    assert data["versions"]["workspace_tables"]["cna"] == Workspace.open(ws_path).versions()["cna"]
    result = CliRunner().invoke(
        app, ["report", "--sample", "nope", "-w", str(ws_path), "-o", str(tmp_path / "x.html")]
    )
    assert result.exit_code == 1 and "no sample 'nope'" in result.output


def test_cli_report_single_case_and_demo_function(tmp_path):
    runner = CliRunner()
    out = tmp_path / "brca.json"
    result = runner.invoke(
        app,
        ["report", str(DATA / "T001-BRCA.grch38.vcf.gz"), "--tumor-type", "BRCA", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [(f["gene"], f["tier"]) for f in data["tier_i_ii"]] == [("PIK3CA", "I-B")]
    result = runner.invoke(app, ["report", str(DATA / "T001-BRCA.grch38.vcf.gz"), "-o", str(out)])
    assert result.exit_code == 1 and "--tumor-type is required" in result.output
    from genomed.demo import write_demo_report

    demo = write_demo_report(tmp_path / "demo.html")
    assert demo.exists() and "Colon Adenocarcinoma" in demo.read_text()
