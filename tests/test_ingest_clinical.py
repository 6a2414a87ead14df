"""Clinical tables and ``genomed ingest clinical``: SYNTHETIC hand-written fixtures in
tests/data/clinical; expected values are read off the fixture text in each test."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import REPO, TEST_DATA
from typer.testing import CliRunner

from genomed.cli.ingest_clinical_commands import ClinicalKind
from genomed.cli.main import app
from genomed.errors import InputError
from genomed.io.clinical_table import CONTRACTS, read_clinical_table
from genomed.store.ingest_clinical import ingest_clinical
from genomed.store.workspace import Workspace

DATA = TEST_DATA / "clinical"
DOC = REPO / "docs" / "clinical-tables.md"


def data_rows(path: Path, delimiter: str = ",") -> list[tuple[int, dict[str, str]]]:
    """(line, row) of every data row, with plain csv; '#' lines before the header count."""
    lines = path.read_text().splitlines()
    skip = 0
    while lines[skip].startswith("#"):
        skip += 1
    reader = csv.DictReader(lines[skip:], delimiter=delimiter)
    return [(skip + 2 + i, row) for i, row in enumerate(reader)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- reading -----------------------------------------------------------------------------


def test_treatments():
    table = read_clinical_table(DATA / "treatments.csv", "treatments")
    raw = data_rows(DATA / "treatments.csv")
    assert table.format == "genomed" and table.table.num_rows == len(raw)
    rows = table.table.to_pylist()
    first = raw[0][1]
    assert rows[0] == {
        "patient_id": first["patient_id"],
        "drug": first["drug"].strip().lower(),  # " Cetuximab " -> "cetuximab"
        "start_day": int(first["start_day"]),
        "stop_day": int(first["stop_day"]),
        "line": int(first["line"]),
        "treatment_type": "targeted",
    }
    assert [r["treatment_type"] for r in rows] == [
        "targeted",
        "chemotherapy",  # "Chemotherapy"
        "immunotherapy",
        "radiation",
        "targeted",  # "Targeted Therapy"
    ]
    radiation = rows[3]
    assert radiation["drug"] is None and radiation["line"] is None  # empty drug is fine here
    assert rows[2]["stop_day"] is None and rows[4]["start_day"] == -5
    assert [table.line_of_row(i) for i in range(len(rows))] == [line for line, _ in raw]


def test_cbioportal_timeline_treatments():
    path = DATA / "data_timeline_treatment.txt"
    table = read_clinical_table(path, "treatments")
    raw = [row for _, row in data_rows(path, "\t")]
    treatments = [r for r in raw if r["EVENT_TYPE"] == "TREATMENT"]
    assert table.format == "cbioportal-timeline"
    rows = table.table.to_pylist()
    assert [(r["patient_id"], r["start_day"], r["stop_day"]) for r in rows] == [
        (r["PATIENT_ID"], int(r["START_DATE"]), int(r["STOP_DATE"])) for r in treatments
    ]
    assert [r["drug"] for r in rows] == [r["AGENT"].lower() or None for r in treatments]
    # SUBTYPE when known; Radiation Therapy (subtype WPRT) -> radiation; Medical Therapy alone -> null
    assert [r["treatment_type"] for r in rows] == ["targeted", "chemotherapy", "radiation", None]
    assert table.skipped == {"timeline rows with EVENT_TYPE SPECIMEN": 1}
    assert table.line_of_row(3) == 6  # header line 1, the SPECIMEN row is line 4


def test_responses_outcomes_observations_diagnoses_patients():
    responses = read_clinical_table(DATA / "responses.csv", "responses").table.to_pylist()
    assert [(r["drug"], r["response"], r["day"]) for r in responses] == [
        ("cetuximab", "PR", 56),
        ("pembrolizumab", "CR", 120),  # "complete response"
        ("tamoxifen", "SD", None),  # "sd"
    ]
    outcomes = read_clinical_table(DATA / "outcomes.csv", "outcomes").table.to_pylist()
    assert [(o["patient_id"], o["endpoint"], o["months"], o["event"]) for o in outcomes] == [
        ("SYN-P001", "os", 27.4, True),  # 1:DECEASED
        ("SYN-P001", "pfs", 9.1, True),
        ("SYN-P002", "os", 40.0, False),  # "OS", 0:LIVING
        ("SYN-P003", "os", 12.0, False),  # false
    ]
    observations = read_clinical_table(DATA / "observations.tsv", "observations").table
    assert [
        (o["name"], o["value_number"], o["value_string"], o["unit"], o["day"])
        for o in observations.to_pylist()
    ] == [
        ("smoking_status", None, "former", None, -30),
        ("pack_years", 20.0, None, "pack-years", -30),
        ("bmi", 23.4, None, "kg/m2", 0),  # name stored lower-case
        ("alcohol_units_per_week", 0.0, None, None, None),
    ]
    diagnoses = read_clinical_table(DATA / "diagnoses.csv", "diagnoses").table.to_pylist()
    assert [(d["tumor_type"], d["disease_id"], d["age_at_diagnosis"]) for d in diagnoses] == [
        ("COADREAD", None, 61.5),
        ("LUAD", "MONDO:0005061", 58.0),
        (None, "MONDO:0007254", None),
    ]
    patients = read_clinical_table(DATA / "patients.csv", "patients").table.to_pylist()
    assert [(p["sex"], p["birth_year"], p["super_population"]) for p in patients] == [
        ("male", 1958, "EAS"),
        ("female", 1966, "SAS"),
        ("female", 1971, None),
    ]


def test_cbioportal_wide_outcomes_equal_the_long_form():
    wide = read_clinical_table(DATA / "data_clinical_patient.txt", "outcomes")
    long = read_clinical_table(DATA / "outcomes.csv", "outcomes")
    assert wide.format == "cbioportal-wide-outcomes"
    assert sorted(wide.table.to_pylist(), key=str) == sorted(long.table.to_pylist(), key=str)
    assert wide.skipped == {"patients without PFS": 2}
    assert wide.ignored_columns == ["SEX"]
    # the four '#' lines and the header: SYN-P001 is on line 6
    assert wide.line_of_row(0) == 6


def test_gzip_and_delimiter_sniffing(tmp_path):
    import gzip

    text = "patient_id\tdrug\tresponse\nP1\tX\tpd\n"
    gz = tmp_path / "responses.tsv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    sniffed = write(tmp_path, "responses.data", text)
    for path in (gz, sniffed):
        rows = read_clinical_table(path, "responses").table.to_pylist()
        assert rows == [{"patient_id": "P1", "drug": "x", "response": "PD"}]


# -- validation errors: file, line, column, expectation -------------------------------------


def test_bad_fixture_names_line_and_column():
    with pytest.raises(InputError) as error:
        read_clinical_table(DATA / "treatments_bad_day.csv", "treatments")
    bad_line = next(
        line
        for line, row in data_rows(DATA / "treatments_bad_day.csv")
        if row["start_day"] == "day 30"
    )
    assert (error.value.line, error.value.field) == (bad_line, "start_day") == (4, "start_day")
    assert error.value.path == str(DATA / "treatments_bad_day.csv")
    assert "integer" in error.value.expected and "'day 30'" in str(error.value)


@pytest.mark.parametrize(
    ("kind", "text", "line", "field", "expected"),
    [
        ("responses", "patient_id,drug,response\nP1,a,PR\nP2,b,better\n", 3, "response", "CR, PR, SD, PD, NE"),
        ("responses", "patient_id,drug\nP1,a\n", 1, "response", "columns patient_id, drug, response"),
        ("responses", "# note\n# note\npatient_id,drug,response\nP1,,PR\n", 4, "drug", "a drug name"),
        ("responses", 'patient_id,drug,response\nP1,"two\nlines",PR\n\nP2,b,XX\n', 5, "response", "CR, PR"),
        ("responses", "patient_id,drug,response\nP1,a,PR\nP2,b,PR,extra\n", 3, None, "3 comma-separated"),
        ("treatments", "patient_id,drug,start_day,stop_day\nP1,a,10,5\n", 2, "stop_day", "stop_day >= start_day"),
        ("treatments", "patient_id,drug,treatment_type\nP1,,chemotherapy\n", 2, "drug", "radiation or surgery"),
        ("treatments", "patient_id,drug,line\nP1,a,0\n", 2, "line", "from 1 to 99"),
        ("treatments", "patient_id,drug,treatment_type\nP1,a,magic\n", 2, "treatment_type", "chemotherapy"),
        ("treatments", "patient_id,drug,start_day\nP1,a,1.5\n", 2, "start_day", "integer"),
        ("treatments", "patient_id,Drug,DRUG\nP1,a,b\n", 1, "DRUG", "unique column names"),
        ("outcomes", "patient_id,endpoint,months,event\nP1,os,-1,1\n", 2, "months", "from 0"),
        ("outcomes", "patient_id,endpoint,months,event\nP1,os,3,maybe\n", 2, "event", "DECEASED/LIVING"),
        ("outcomes", "patient_id,endpoint,months,event\nP1,efs,3,1\n", 2, "endpoint", "os, pfs, dfs, dss"),
        ("outcomes", "patient_id,endpoint,months,event\nP1,os,3,1\nP1,OS,4,0\n", 3, "endpoint", "one row per patient_id and endpoint"),
        ("outcomes", "PATIENT_ID\tOS_MONTHS\tOS_STATUS\nP1\t12\t\n", 2, "OS_STATUS", "DECEASED"),
        ("observations", "patient_id\tcategory\tname\tvalue\nP1\tlifestyle\tbmi\t\n", 2, "value", "non-empty"),
        ("diagnoses", "patient_id,tumor_type,disease_id\nP1,,\n", 2, "tumor_type/disease_id", "at least one"),
        ("diagnoses", "patient_id,disease_id\nP1,lung cancer\n", 2, "disease_id", "MONDO"),
        ("diagnoses", "patient_id,disease_label\nP1,x\n", 1, "tumor_type or disease_id", "columns"),
        ("patients", "patient_id,sex\nP1,F\nP2,woman\n", 3, "sex", "female, male, other, unknown"),
        ("patients", "patient_id,birth_year\nP1,1800\n", 2, "birth_year", "from 1850"),
        ("patients", "patient_id\nP1\nP1\n", 3, "patient_id", "one row per patient_id"),
    ],
)  # fmt: skip
def test_validation_errors(tmp_path, kind, text, line, field, expected):
    suffix = ".tsv" if "\t" in text else ".csv"
    path = write(tmp_path, f"{kind}{suffix}", text)
    with pytest.raises(InputError) as error:
        read_clinical_table(path, kind)
    assert error.value.path == str(path)
    assert error.value.line == line
    assert error.value.field == field
    assert expected in error.value.expected
    assert str(error.value).startswith(f"{path}:{line}: ")


def test_unknown_kind_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown clinical table kind"):
        read_clinical_table(DATA / "treatments.csv", "drugs")
    with pytest.raises(InputError, match="no such file"):
        read_clinical_table(tmp_path / "nope.csv", "treatments")


# -- ingest ------------------------------------------------------------------------------


def test_ingest_writes_rows_and_reports_unknown_patients(tmp_path):
    ws_dir = tmp_path / "ws"
    patients = ingest_clinical(ws_dir, "patients", DATA / "patients.csv", institution_id="h1")
    assert patients.rows == {"patients": 3}
    result = ingest_clinical(ws_dir, "treatments", DATA / "treatments.csv")
    ws = Workspace.open(ws_dir)
    treatments = ws.read("treatments").to_pylist()
    assert len(treatments) == 5 and {t["batch_id"] for t in treatments} == {result.batch_id}
    cetuximab = next(t for t in treatments if t["drug"] == "cetuximab")
    assert (cetuximab["start_day"], cetuximab["stop_day"], cetuximab["line"]) == (0, 84, 1)
    # SYN-P004 is not in patients.csv
    assert result.report["unknown_patients"] == 1
    assert result.report["rows_with_unknown_patients"] == 1
    assert {p["institution_id"] for p in ws.read("patients").to_pylist()} == {"h1"}
    ingest = [i for i in ws.read("ingests").to_pylist() if i["batch_id"] == result.batch_id]
    assert ingest[0]["kind"] == "clinical:treatments" and ingest[0]["source"] == "treatments.csv"


def test_strict_rejects_unknown_patients_and_writes_nothing(tmp_path):
    ws_dir = tmp_path / "ws"
    with pytest.raises(InputError) as error:
        ingest_clinical(ws_dir, "treatments", DATA / "treatments.csv", strict=True)
    assert error.value.line == 3 and error.value.field == "patient_id"
    assert not ws_dir.exists()  # not even an empty workspace

    ingest_clinical(ws_dir, "patients", DATA / "patients.csv")
    ws = Workspace.open(ws_dir)
    before = ws.versions()
    with pytest.raises(InputError) as error:
        ingest_clinical(ws_dir, "treatments", DATA / "treatments.csv", strict=True)
    p004 = next(
        line for line, row in data_rows(DATA / "treatments.csv") if row["patient_id"] == "SYN-P004"
    )
    assert (error.value.line, error.value.field) == (p004, "patient_id")
    assert "SYN-P004" in str(error.value)
    ws.reload()
    assert ws.versions() == before
    ok = ingest_clinical(ws_dir, "responses", DATA / "responses.csv", strict=True)
    assert ok.rows == {"responses": 3} and ok.report["unknown_patients"] == 0


def test_bad_file_leaves_workspace_unchanged(tmp_path):
    ws_dir = tmp_path / "ws"
    ingest_clinical(ws_dir, "treatments", DATA / "treatments.csv")
    ws = Workspace.open(ws_dir)
    before = (ws.versions(), ws.read("treatments").num_rows)
    with pytest.raises(InputError):
        ingest_clinical(ws_dir, "treatments", DATA / "treatments_bad_day.csv")
    ws.reload()
    assert (ws.versions(), ws.read("treatments").num_rows) == before


def test_reingest_is_a_noop_but_another_kind_of_the_same_file_is_not(tmp_path):
    ws_dir = tmp_path / "ws"
    first = ingest_clinical(ws_dir, "outcomes", DATA / "data_clinical_patient.txt")
    ws = Workspace.open(ws_dir)
    before = ws.versions()
    again = ingest_clinical(ws_dir, "outcomes", DATA / "data_clinical_patient.txt")
    assert again.skipped and again.batch_id == first.batch_id
    ws.reload()
    assert ws.versions() == before
    patients = ingest_clinical(ws_dir, "patients", DATA / "data_clinical_patient.txt")
    assert not patients.skipped and patients.rows == {"patients": 3}
    sexes = ingest_clinical(ws_dir, "patients", DATA / "patients.csv")
    assert sexes.rows == {} and sexes.report["patients_already_present"] == 3
    ws.reload()
    assert ws.read("outcomes").num_rows == 4 and ws.read("patients").num_rows == 3


def test_every_kind_ingests_its_fixture(tmp_path):
    fixtures = {
        "patients": "patients.csv",
        "treatments": "data_timeline_treatment.txt",
        "responses": "responses.csv",
        "outcomes": "outcomes.csv",
        "observations": "observations.tsv",
        "diagnoses": "diagnoses.csv",
    }
    assert set(fixtures) == set(CONTRACTS) == {k.value for k in ClinicalKind}
    for kind, name in fixtures.items():
        result = ingest_clinical(tmp_path / "ws", kind, DATA / name)
        table = CONTRACTS[kind].table
        expected = len(read_clinical_table(DATA / name, kind).table)
        assert result.rows == {table: expected}
    ws = Workspace.open(tmp_path / "ws")
    assert ws.build == "GRCh38"
    assert len(ws.read("ingests")) == len(fixtures)


# -- CLI ---------------------------------------------------------------------------------


def test_cli_summary_json_strict_and_errors(tmp_path):
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    result = runner.invoke(
        app, ["ingest", "clinical", "treatments", str(DATA / "treatments.csv"), "-w", ws]
    )
    assert result.exit_code == 0, result.output
    assert "treatments" in result.output and "5" in result.output
    assert "--strict" in result.output  # the unknown-patient note

    again = runner.invoke(
        app, ["ingest", "clinical", "treatments", str(DATA / "treatments.csv"), "-w", ws, "--json"]
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["skipped"] is True

    fresh = runner.invoke(
        app, ["ingest", "clinical", "outcomes", str(DATA / "outcomes.csv"), "-w", ws, "--json"]
    )
    data = json.loads(fresh.stdout)
    assert data["rows"] == {"outcomes": 4} and data["kind"] == "clinical:outcomes"
    assert data["report"]["unknown_patients"] == 3

    strict = runner.invoke(
        app, ["ingest", "clinical", "responses", str(DATA / "responses.csv"), "-w", ws, "--strict"]
    )
    assert strict.exit_code == 1 and f"{DATA / 'responses.csv'}:3" in strict.output

    bad = runner.invoke(
        app, ["ingest", "clinical", "treatments", str(DATA / "treatments_bad_day.csv"), "-w", ws]
    )
    assert bad.exit_code == 1
    assert f"{DATA / 'treatments_bad_day.csv'}:4" in bad.output and "start_day" in bad.output

    wrong_kind = runner.invoke(
        app, ["ingest", "clinical", "drugs", str(DATA / "treatments.csv"), "-w", ws]
    )
    assert wrong_kind.exit_code == 2


# -- documentation -----------------------------------------------------------------------


def test_docs_describe_every_column_of_every_kind():
    text = DOC.read_text()
    for kind, contract in CONTRACTS.items():
        section = re.search(rf"^## `{kind}`.*?(?=^## |\Z)", text, re.M | re.S)
        assert section, f"no section for {kind}"
        for column in contract.columns:
            assert f"`{column.name}`" in section.group(0), (kind, column.name)
