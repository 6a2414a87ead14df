"""``genomed ingest cbioportal`` on the TCGA LAML study in genomed/data/demo/laml_study (real
mutations and survival, synthetic CNA/SV/panels/timelines; see its PROVENANCE.md).
Expected values are computed from the study's raw files with plain Python, or by hand."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import DEMO_DATA, TEST_DATA
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.errors import InputError
from genomed.io.cbioportal import read_clinical, survival_event
from genomed.io.chain import packaged_chain
from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal
from genomed.store.ingest_maf import ingest_maf
from genomed.store.workspace import Workspace

STUDY = DEMO_DATA / "laml_study"
CHAIN = packaged_chain("GRCh37", "GRCh38")


def data_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a cBioPortal data file, skipping its '#' metadata rows."""
    with open(path) as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="module")
def laml(tmp_path_factory) -> tuple[Workspace, object]:
    ws = Workspace.create(tmp_path_factory.mktemp("laml") / "ws", build="GRCh37")
    result = ingest_cbioportal(ws, STUDY)
    return ws, result


def one(ws: Workspace, sql: str):
    return ws.connect().sql(sql).fetchall()


# -- round trip --------------------------------------------------------------------------


def test_patients_samples_and_calls_per_sample(laml):
    ws, result = laml
    patients = data_rows(STUDY / "data_clinical_patient.txt")
    samples = data_rows(STUDY / "data_clinical_sample.txt")
    mutations = data_rows(STUDY / "data_mutations.txt")
    assert result.rows["patients"] == len(patients) == 200
    assert result.rows["samples"] == len(samples) == 200
    assert result.rows["calls"] == len(mutations) == 2207
    per_sample = dict(one(ws, "SELECT sample_id, count(*) FROM calls GROUP BY sample_id"))
    assert per_sample == Counter(r["Tumor_Sample_Barcode"] for r in mutations)
    assert len(per_sample) == 193  # 7 samples have no mutations
    assert one(ws, "SELECT DISTINCT tumor_type, kind FROM samples") == [("AML", "tumor")]
    assert result.report["study_id"] == "laml_tcga_maftools"
    assert result.report["source_build"] == "GRCh37"


def test_mutated_patients_per_gene(laml):
    ws, _ = laml
    patient_of = {
        r["SAMPLE_ID"]: r["PATIENT_ID"] for r in data_rows(STUDY / "data_clinical_sample.txt")
    }
    mutated = defaultdict(set)
    for r in data_rows(STUDY / "data_mutations.txt"):
        mutated[r["Hugo_Symbol"]].add(patient_of[r["Tumor_Sample_Barcode"]])
    got = dict(
        one(
            ws,
            """SELECT c.gene, count(DISTINCT s.patient_id) FROM calls c JOIN samples s USING (sample_id)
               WHERE c.gene IN ('DNMT3A', 'NPM1', 'FLT3') GROUP BY c.gene""",
        )
    )
    assert got == {g: len(mutated[g]) for g in ("DNMT3A", "NPM1", "FLT3")}
    assert got == {"DNMT3A": 48, "NPM1": 33, "FLT3": 52}  # maftools' oncoplot counts these too


def test_overall_survival(laml):
    ws, _ = laml
    outcomes = {
        p: (months, event)
        for p, endpoint, months, event in one(
            ws, "SELECT patient_id, endpoint, months, event FROM outcomes"
        )
        if endpoint == "os"
    }
    assert len(outcomes) == 200
    # by hand from tcga_laml_annot.tsv: days / 30.4375, status 1 = dead
    assert outcomes["TCGA-AB-2802"] == (pytest.approx(365 / 30.4375, abs=0.005), True)
    assert outcomes["TCGA-AB-2804"] == (pytest.approx(2557 / 30.4375, abs=0.005), False)
    assert outcomes["TCGA-AB-2887"] == (None, True)  # days_to_last_followup -Inf in the source
    events = Counter(e for _, e in outcomes.values())
    raw = Counter(r["OS_STATUS"] for r in data_rows(STUDY / "data_clinical_patient.txt"))
    assert events == {True: raw["1:DECEASED"], False: raw["0:LIVING"]} == {True: 133, False: 67}


def test_clinical_attributes_typed(laml):
    ws, _ = laml
    rows = one(
        ws,
        """SELECT entity, entity_id, attribute, value_string, value_number, datatype
           FROM clinical_attributes WHERE entity_id = 'TCGA-AB-2803' ORDER BY attribute""",
    )
    by_name = {r[2]: r for r in rows}
    assert by_name["OS_MONTHS"] == (
        "patient",
        "TCGA-AB-2803",
        "OS_MONTHS",
        "26.02",
        26.02,
        "NUMBER",
    )
    assert by_name["FAB_CLASSIFICATION"][0] == "sample"
    assert by_name["FAB_CLASSIFICATION"][3:] == ("M3", None, "STRING")
    fab = Counter(r["FAB_CLASSIFICATION"] for r in data_rows(STUDY / "data_clinical_sample.txt"))
    (count,) = one(
        ws, "SELECT count(*) FROM clinical_attributes WHERE attribute = 'FAB_CLASSIFICATION'"
    )[0]
    assert count == sum(fab.values()) - fab["NA"] == 199  # 'NA' is missing, not stored
    assert one(ws, "SELECT DISTINCT tumor_type, disease_label FROM diagnoses") == [
        ("AML", "Acute Myeloid Leukemia")
    ]


def test_cna_sv_panels_and_timelines(laml):
    ws, result = laml
    cna = {(s, g): v for s, g, v in one(ws, "SELECT sample_id, gene, value FROM cna")}
    assert len(cna) == result.rows["cna"] == 8
    assert cna[("TCGA-AB-2805", "TP53")] == -2 and cna[("TCGA-AB-2805", "MYC")] == 2
    assert one(
        ws,
        "SELECT gene1, gene2, chrom1, pos1, chrom2, pos2 FROM structural_variants WHERE sample_id = 'TCGA-AB-2803'",
    ) == [("PML", "RARA", "15", 74315750, "17", 38504568)]
    panel = {
        g for (g,) in one(ws, "SELECT gene FROM gene_panels WHERE panel_id = 'SYNTH_AML_CNA_V1'")
    }
    assert panel == {"NPM1", "FLT3", "DNMT3A", "TP53", "KMT2A", "RUNX1", "CBFB", "MYC"}
    profiles = dict(
        one(ws, "SELECT profile || ':' || panel_id, count(*) FROM sample_profiles GROUP BY 1")
    )
    assert profiles == {"mutations:WES": 200, "cna:SYNTH_AML_CNA_V1": 8}  # gistic -> cna
    assert one(ws, "SELECT count(*) FROM samples WHERE panel_id IS NOT NULL") == [(0,)]  # WES
    treatments = sorted(
        one(ws, "SELECT patient_id, drug, start_day, stop_day, treatment_type FROM treatments")
    )
    assert treatments == [
        ("TCGA-AB-2802", "cytarabine", 0, 7, "chemotherapy"),
        ("TCGA-AB-2802", "daunorubicin", 0, 3, "chemotherapy"),
        ("TCGA-AB-2803", "arsenic trioxide", 10, 38, "targeted"),
        ("TCGA-AB-2803", "tretinoin", 0, 45, "targeted"),
    ]
    assert result.rows["timeline"] == 6
    days = dict(
        one(ws, "SELECT sample_id, collection_day FROM samples WHERE collection_day IS NOT NULL")
    )
    assert days == {"TCGA-AB-2802": 0, "TCGA-AB-2803": 0}
    attributes = one(
        ws,
        "SELECT attributes FROM timeline WHERE event_type = 'SPECIMEN' AND patient_id = 'TCGA-AB-2803'",
    )[0][0]
    assert json.loads(attributes) == {"SAMPLE_ID": "TCGA-AB-2803", "SPECIMEN_SITE": "Bone marrow"}


# -- idempotence and atomicity -----------------------------------------------------------------


def test_reingest_is_skipped(laml):
    ws, first = laml
    before = ws.versions()
    again = ingest_cbioportal(ws, STUDY)
    ws.reload()
    assert again.skipped and again.batch_id == first.batch_id
    assert ws.versions() == before


def _copy_study(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    return folder


def _replace_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def test_bad_number_names_file_line_attribute_and_writes_nothing(tmp_path):
    folder = _copy_study(tmp_path)
    patient_file = folder / "data_clinical_patient.txt"
    # line 7 = second patient (4 '#' rows, header, first patient): TCGA-AB-2803, OS_MONTHS 26.02
    _replace_line(patient_file, 7, "\t26.02\t", "\tabout 26\t")
    ws = Workspace.create(tmp_path / "ws", build="GRCh37")
    ingest_maf(ws, TEST_DATA / "maf" / "gdc_laml_five.maf")
    before = ws.versions()
    with pytest.raises(InputError) as error:
        ingest_cbioportal(ws, folder)
    assert error.value.path == str(patient_file)
    assert error.value.line == 7
    assert error.value.field == "OS_MONTHS"
    ws.reload()
    assert ws.versions() == before
    assert not (tmp_path / "fresh").exists()
    with pytest.raises(InputError):
        ingest_cbioportal(tmp_path / "fresh", folder)
    assert not (tmp_path / "fresh").exists()


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "field"),
    [
        ("data_clinical_patient.txt", 6, "1:DECEASED", "maybe", "OS_STATUS"),
        ("data_cna.txt", 5, "-1", "-3", "TCGA-AB-2804"),
        ("data_cna.txt", 1, "TCGA-AB-2809", "TCGA-ZZ-0000", "TCGA-ZZ-0000"),
        ("data_mutations.txt", 2, "TCGA-AB-2988", "TCGA-XX-0000", "Tumor_Sample_Barcode"),
        ("data_timeline_treatment.txt", 2, "\t0\t7\t", "\tday0\t7\t", "START_DATE"),
        ("data_timeline_specimen.txt", 2, "TCGA-AB-2802\t0", "TCGA-AB-9999\t0", "PATIENT_ID"),
    ],
)
def test_bad_study_files(tmp_path, file, line, old, new, field):
    folder = _copy_study(tmp_path)
    _replace_line(folder / file, line, old, new)
    with pytest.raises(InputError) as error:
        ingest_cbioportal(tmp_path / "ws", folder)
    assert (error.value.path, error.value.line, error.value.field) == (
        str(folder / file),
        line,
        field,
    )
    assert not (tmp_path / "ws").exists()


def test_unsupported_files_are_reported(tmp_path):
    folder = _copy_study(tmp_path)
    (folder / "meta_expression.txt").write_text(
        "cancer_study_identifier: laml_tcga_maftools\ngenetic_alteration_type: MRNA_EXPRESSION\n"
        "datatype: CONTINUOUS\nstable_id: rna_seq_mrna\ndata_filename: data_expression.txt\n"
    )
    (folder / "data_expression.txt").write_text("Hugo_Symbol\tTCGA-AB-2802\nNPM1\t1.5\n")
    result = ingest_cbioportal(Workspace.create(tmp_path / "ws", build="GRCh37"), folder)
    assert result.report["files_not_read"] == [
        {
            "meta": "meta_expression.txt",
            "genetic_alteration_type": "MRNA_EXPRESSION",
            "datatype": "CONTINUOUS",
        }
    ]


# -- a small synthetic study: SEX, AGE, PFS, BOOLEAN, panel assignment ----------------------------------


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _mini_study(folder: Path) -> Path:
    folder.mkdir()
    _write(
        folder / "meta_study.txt",
        "type_of_cancer: coadread\ncancer_study_identifier: mini\nreference_genome: GRCh37\n",
    )
    for name, kind in (("patient", "PATIENT_ATTRIBUTES"), ("sample", "SAMPLE_ATTRIBUTES")):
        _write(
            folder / f"meta_clinical_{name}.txt",
            f"cancer_study_identifier: mini\ngenetic_alteration_type: CLINICAL\ndatatype: {kind}\n"
            f"data_filename: data_clinical_{name}.txt\n",
        )
    _write(
        folder / "data_clinical_patient.txt",
        "#Patient\tSex\tAge\tPFS\tPFS status\tSmoker\n"
        "#id\tsex\tage at diagnosis\tmonths\tstatus\tever smoked\n"
        "#STRING\tSTRING\tNUMBER\tNUMBER\tSTRING\tBOOLEAN\n"
        "#1\t1\t1\t1\t1\t1\n"
        "PATIENT_ID\tSEX\tAGE\tPFS_MONTHS\tPFS_STATUS\tEVER_SMOKER\n"
        "P1\tFemale\t61\t14.5\t1:Recurred/Progressed\ttrue\n"
        "P2\tMale\t[Not Available]\t30\t0:DiseaseFree\tFALSE\n"
        "P3\tNA\t47.5\t\tProgressed\tNA\n",
    )
    _write(
        folder / "data_clinical_sample.txt",
        "#Patient\tSample\tOncotree\n#p\ts\to\n#STRING\tSTRING\tSTRING\n#1\t1\t1\n"
        "PATIENT_ID\tSAMPLE_ID\tONCOTREE_CODE\nP1\tP1-T\tcoad\nP2\tP2-T\tREAD\nP3\tP3-T\tNA\n",
    )
    _write(
        folder / "meta_mutations.txt",
        "cancer_study_identifier: mini\ngenetic_alteration_type: MUTATION_EXTENDED\ndatatype: MAF\n"
        "stable_id: mutations\ndata_filename: data_mutations.txt\n",
    )
    _write(
        folder / "data_mutations.txt",
        "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tHGVSp_Short\tt_ref_count\tt_alt_count\n"
        "KRAS\tGRCh37\t12\t25398284\tC\tC\tT\tP1-T\tp.G12D\t70\t30\n",
    )
    _write(
        folder / "meta_gene_panel_matrix.txt",
        "cancer_study_identifier: mini\ngenetic_alteration_type: GENE_PANEL_MATRIX\n"
        "datatype: GENE_PANEL_MATRIX\ndata_filename: data_gene_panel_matrix.txt\n",
    )
    _write(
        folder / "data_gene_panel_matrix.txt",
        "SAMPLE_ID\tmutations\nP1-T\tMINI1\nP2-T\tWES\nP3-T\tNA\n",
    )
    _write(
        folder / "data_gene_panel_mini1.txt",
        "stable_id: MINI1\ndescription: two genes\ngene_list: KRAS\tBRAF\n",
    )
    return folder


def test_well_known_attributes_fill_first_class_tables(tmp_path):
    folder = _mini_study(tmp_path / "mini")
    ws = Workspace.create(tmp_path / "ws", build="GRCh37")
    result = ingest_cbioportal(ws, folder, StudyIngestOptions(institution_id="hospital-a"))
    patients = {r["patient_id"]: r for r in ws.read("patients").to_pylist()}
    assert {
        p: (r["sex"], r["age_at_diagnosis"], r["institution_id"]) for p, r in patients.items()
    } == {
        "P1": ("female", 61.0, "hospital-a"),
        "P2": ("male", None, "hospital-a"),
        "P3": (None, 47.5, "hospital-a"),
    }
    outcomes = {
        r["patient_id"]: (r["endpoint"], r["months"], r["event"])
        for r in ws.read("outcomes").to_pylist()
    }
    assert outcomes == {
        "P1": ("pfs", 14.5, True),
        "P2": ("pfs", 30.0, False),
        "P3": ("pfs", None, True),
    }
    samples = {
        r["sample_id"]: (r["tumor_type"], r["panel_id"]) for r in ws.read("samples").to_pylist()
    }
    assert samples == {"P1-T": ("COAD", "MINI1"), "P2-T": ("READ", None), "P3-T": (None, None)}
    booleans = {
        r["entity_id"]: r["value_string"]
        for r in ws.read("clinical_attributes").to_pylist()
        if r["attribute"] == "EVER_SMOKER"
    }
    assert booleans == {"P1": "TRUE", "P2": "FALSE"}
    (call,) = ws.read("calls").to_pylist()
    assert (call["sample_id"], call["protein_change"], call["vaf"]) == (
        "P1-T",
        "p.G12D",
        pytest.approx(0.3),
    )
    assert result.rows["sample_profiles"] == 2  # NA = not profiled
    assert result.report["undefined_panels"] == []


def test_survival_status_words():
    assert survival_event("1:DECEASED") is True
    assert survival_event("0:LIVING") is False
    assert survival_event("1:Recurred/Progressed") is True
    assert survival_event("0:DiseaseFree") is False
    assert survival_event("1:DEAD WITH TUMOR") is True
    assert survival_event("0:ALIVE OR DEAD TUMOR FREE") is False
    assert survival_event("LIVING") is False
    with pytest.raises(ValueError):
        survival_event("unclear")


def test_clinical_file_needs_four_header_rows(tmp_path):
    path = tmp_path / "data_clinical_patient.txt"
    path.write_text("#Patient\tAge\n#STRING\tNUMBER\nPATIENT_ID\tAGE\nP1\t3\n")
    with pytest.raises(InputError) as error:
        read_clinical(path, "patient")
    assert error.value.line == 1 and "4 rows" in str(error.value)


# -- liftover and CLI -------------------------------------------------------------------------


def test_study_lifted_into_grch38_workspace(tmp_path):
    ws = Workspace.create(tmp_path / "ws", build="GRCh38")
    result = ingest_cbioportal(ws, STUDY, StudyIngestOptions(chain=CHAIN))
    assert result.report["workspace_build"] == "GRCh38"
    assert result.rows["calls"] + result.report["mutations"][0]["unlifted_count"] == 2207
    positions = one(
        ws,
        "SELECT DISTINCT chrom, pos FROM calls WHERE gene = 'DNMT3A' AND protein_change = 'p.R882H'",
    )
    assert positions == [("2", 25234373)]  # chr2:25457242 on GRCh37


def test_cli_summary_and_json(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["ingest", "cbioportal", str(STUDY), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "clinical_attributes" in result.output and "2,207" in result.output
    assert "200 patients, 200 samples" in result.output
    assert Workspace.open(ws).build == "GRCh37"
    again = runner.invoke(app, ["ingest", "cbioportal", str(STUDY), "-w", str(ws), "--json"])
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["skipped"] is True and data["kind"] == "cbioportal"

    fresh = runner.invoke(
        app, ["ingest", "cbioportal", str(STUDY), "-w", str(tmp_path / "ws2"), "--json"]
    )
    data = json.loads(fresh.stdout)
    assert data["rows"]["outcomes"] == 200 and data["report"]["samples"] == 200

    failed = runner.invoke(app, ["ingest", "cbioportal", str(tmp_path / "nowhere"), "-w", str(ws)])
    assert failed.exit_code == 1 and "not a cBioPortal study folder" in failed.output
