"""Phenopacket reader and ``genomed ingest phenopacket``: six real phenopacket-store files
and two SYNTHETIC ones; expected values are worked out from the raw JSON with plain Python
in each test, or are published coordinates."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import TEST_DATA
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.errors import InputError
from genomed.io.chain import packaged_chain
from genomed.io.phenopacket import duration_years, read_phenopacket, short_protein_change
from genomed.model.variant_key import variant_key
from genomed.store.ingest_phenopacket import ingest_phenopackets
from genomed.store.workspace import Workspace

REAL = TEST_DATA / "phenopackets" / "phenopacket_store"
SYNTHETIC = TEST_DATA / "phenopackets" / "synthetic"
LUNG = SYNTHETIC / "SYNTHETIC_lung_tumour_biosamples.json"
GRCH37 = SYNTHETIC / "SYNTHETIC_grch37_egfr.json"
KCNT1 = REAL / "PMID_23086397_Patient_4.json"
AK2 = REAL / "PMID_19043417_F2P1.json"
CHAIN = packaged_chain("GRCh37", "GRCh38")
REAL_FILES = sorted(REAL.glob("*.json"))


def raw(path: Path) -> dict:
    return json.loads(path.read_text())


def raw_variants(packet: dict) -> list[dict]:
    return [
        gi["variantInterpretation"]["variationDescriptor"]
        for interpretation in packet.get("interpretations", [])
        for gi in interpretation["diagnosis"].get("genomicInterpretations", [])
    ]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the only line containing ``needle`` (asserted unique)."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


def edited(src: Path, dest: Path, old: str, new: str) -> Path:
    text = src.read_text()
    assert text.count(old) == 1, old
    dest.write_text(text.replace(old, new))
    return dest


# -- reader -----------------------------------------------------------------------------


def test_six_real_files_and_their_licence_are_shipped():
    assert len(REAL_FILES) == 6
    assert (REAL / "LICENSE_phenopacket_store").read_text().startswith("BSD 3-Clause License")
    assert "AGPL" not in "".join(p.name for p in REAL_FILES)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_features_and_excluded_features_match_the_json(path):
    data = raw(path)
    features = data["phenotypicFeatures"]
    packet = read_phenopacket(path)
    assert packet.id == data["id"] and packet.subject.id == data["subject"]["id"]
    assert len(packet.features) == len(features)
    assert sum(f.excluded for f in packet.features) == sum(
        1 for f in features if f.get("excluded") is True
    )
    assert [f.hpo_id for f in packet.features] == [f["type"]["id"] for f in features]
    assert len(packet.variants) == len(raw_variants(data))


def test_known_variants_and_allelic_states():
    kcnt1 = read_phenopacket(KCNT1).variants[0]
    assert (kcnt1.build, kcnt1.chrom, kcnt1.pos, kcnt1.ref, kcnt1.alt) == (
        "GRCh38",
        "chr9",
        135765706,
        "G",
        "A",
    )
    assert (kcnt1.alt_count, kcnt1.ploidy, kcnt1.gene) == (1, 2, "KCNT1")
    assert kcnt1.protein_change == "p.R428Q"  # NP_065873.2:p.(Arg428Gln)

    ak2 = read_phenopacket(AK2).variants
    assert [(v.pos, v.ref, v.alt) for v in ak2] == [(33036828, "T", "C"), (33024542, "CA", "C")]
    assert ak2[1].protein_change == "p.C40Vfs*5"

    homozygous = read_phenopacket(REAL / "PMID_29707406_A_II_2.json").variants[0]
    assert (homozygous.alt_count, homozygous.ploidy) == (2, 2)
    hemizygous = read_phenopacket(REAL / "PMID_22284829_Family_3_II_2.json").variants[0]
    assert (hemizygous.chrom, hemizygous.alt_count, hemizygous.ploidy) == ("chrX", 1, 1)

    deletion = read_phenopacket(REAL / "PMID_15266616_100.json").variants[0]
    assert not deletion.has_vcf_record
    assert deletion.structural_type.label == "chromosomal_deletion"
    quirk = read_phenopacket(REAL / "PMID_41570816_Family_2_patient_P2.json").variants[0]
    assert quirk.alt == "DEL" and quirk.is_symbolic


def test_subject_biosamples_and_measurements_of_the_synthetic_packet():
    packet = read_phenopacket(LUNG)
    subject = packet.subject
    assert (subject.sex, subject.birth_year) == ("female", 1961)
    assert subject.last_encounter.text == "P63Y6M" and subject.last_encounter.years == 63.5
    assert (subject.vital_status, subject.survival_days) == ("DECEASED", 730)
    kinds = {b.sample_id: (b.kind, b.tumor_type) for b in packet.biosamples}
    assert kinds == {
        "SYN-LUNG-1-T": ("tumor", None),  # tumorProgression
        "SYN-LUNG-1-N": ("germline", None),  # histology: Negative Finding
        "SYN-LUNG-1-M": ("tumor", "LUAD"),  # histology ONCOTREE:LUAD
    }
    assert [t.id for t in packet.biosamples[0].tnm_findings] == ["NCIT:C48724", "NCIT:C48705"]
    assert [(m.assay.id, m.value_number, m.value_string, m.unit) for m in packet.measurements] == [
        ("LOINC:29463-7", 58.5, None, "kilogram"),
        ("LOINC:72166-2", None, "SNOMED:8517006", None),
    ]
    assert packet.notes == {"measurements_without_simple_value": 1}
    assert [(d.disease_id, d.excluded) for d in packet.diseases] == [
        ("NCIT:C3512", False),
        ("NCIT:C4917", True),
    ]
    egfr = packet.variants[0]
    assert egfr.pos == 55191822  # written as the JSON string "55191822"


@pytest.mark.parametrize(
    ("hgvs", "short"),
    [
        ("NP_065873.2:p.(Arg428Gln)", "p.R428Q"),
        ("NP_001616.1:p.(Cys40ValfsTer5)", "p.C40Vfs*5"),
        ("NP_001616.1:p.(Met1?)", "p.M1?"),
        ("NP_000001.1:p.(Gln12Ter)", "p.Q12*"),
        ("NP_001106970.4:p.?", "p.?"),
        ("NM_020822.3:c.1283G>A", None),
    ],
)
def test_short_protein_change(hgvs, short):
    assert short_protein_change(hgvs) == short


@pytest.mark.parametrize(
    ("text", "years"), [("P6M", 0.5), ("P2Y3M", 2.25), ("P1D", 1 / 365.25), ("P3W", 21 / 365.25)]
)
def test_duration_years(text, years):
    assert duration_years(text) == pytest.approx(years)
    assert duration_years("P") is None and duration_years("6 months") is None


def test_folders_expand_and_a_file_named_twice_is_read_once():
    from genomed.io.phenopacket import phenopacket_paths

    assert phenopacket_paths([REAL, KCNT1]) == REAL_FILES
    with pytest.raises(InputError, match="no phenopacket files"):
        phenopacket_paths([])


def test_invalid_json_names_the_line(tmp_path):
    lines = KCNT1.read_text().splitlines()
    lines[5] += ","  # a trailing comma after line 6
    bad = tmp_path / "bad.json"
    bad.write_text("\n".join(lines))
    with pytest.raises(InputError) as error:
        read_phenopacket(bad)
    assert error.value.path == str(bad) and error.value.line in (6, 7)
    assert "invalid JSON" in str(error.value)


def test_bad_hpo_id_names_json_path_and_line(tmp_path):
    bad = edited(KCNT1, tmp_path / "bad.json", '"HP:0001344"', '"HP:13440"')
    with pytest.raises(InputError) as error:
        read_phenopacket(bad)
    # HP:0001344 (Absent speech) is the fifth feature in the raw file
    index = [f["type"]["id"] for f in raw(KCNT1)["phenotypicFeatures"]].index("HP:0001344")
    assert error.value.field == f"phenotypicFeatures[{index}].type.id"
    assert error.value.line == line_of(bad, '"HP:13440"')
    assert error.value.path == str(bad)


def test_missing_subject_id(tmp_path):
    bad = edited(KCNT1, tmp_path / "bad.json", '"id": "Patient 4",', "")
    with pytest.raises(InputError) as error:
        read_phenopacket(bad)
    assert error.value.field == "subject.id"
    assert error.value.line == line_of(bad, '"subject"')


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"sex": "MALE"', '"sex": "M"', "subject.sex"),
        ('"genomeAssembly": "hg38"', '"genomeAssembly": "hg18"', "vcfRecord.genomeAssembly"),
        ('"excluded": true', '"excluded": "yes"', "excluded"),
        ('"pos": 135765706', '"pos": "chr9"', "vcfRecord.pos"),
        ('"iso8601duration": "P6M"', '"iso8601duration": "six months"', "iso8601duration"),
    ],
)
def test_other_bad_values(tmp_path, old, new, field):
    text = KCNT1.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as error:
        read_phenopacket(bad)
    assert error.value.field.endswith(field)


# -- ingest ------------------------------------------------------------------------------


def test_ingest_real_files(tmp_path):
    result = ingest_phenopackets(tmp_path / "ws", [REAL])
    ws = Workspace.open(tmp_path / "ws")
    assert ws.build == "GRCh38" and not result.skipped
    data = {raw(p)["subject"]["id"]: raw(p) for p in REAL_FILES}

    phenotypes = ws.read("phenotypes").to_pylist()
    n_features = sum(len(d["phenotypicFeatures"]) for d in data.values())
    n_excluded = sum(
        1 for d in data.values() for f in d["phenotypicFeatures"] if f.get("excluded") is True
    )
    assert len(phenotypes) == n_features == result.rows["phenotypes"]
    assert sum(p["excluded"] for p in phenotypes) == n_excluded
    assert result.report["phenotypes_excluded"] == n_excluded
    per_patient = Counter(p["patient_id"] for p in phenotypes if not p["excluded"])
    for subject, d in data.items():
        assert per_patient[subject] == sum(
            1 for f in d["phenotypicFeatures"] if not f.get("excluded")
        )
    onset = {(p["patient_id"], p["hpo_id"]): p["onset"] for p in phenotypes}
    assert onset[("Patient 4", "HP:0033725")] == "P2M"

    patients = {p["patient_id"]: p for p in ws.read("patients").to_pylist()}
    assert set(patients) == set(data)
    assert {s: p["sex"] for s, p in patients.items()} == {
        s: d["subject"]["sex"].lower() for s, d in data.items()
    }
    diagnoses = {(d["patient_id"], d["disease_id"]) for d in ws.read("diagnoses").to_pylist()}
    assert diagnoses == {(s, d["diseases"][0]["term"]["id"]) for s, d in data.items()}

    con = ws.connect()
    rows = con.sql(
        """SELECT c.sample_id, v.chrom, v.pos, v.ref, v.alt, c.alt_count, c.ploidy, c.origin
           FROM calls c JOIN variants v USING (variant_key) ORDER BY v.chrom, v.pos"""
    ).fetchall()
    assert rows == [
        ("F2P1", "1", 33024542, "CA", "C", 1, 2, "germline"),
        ("F2P1", "1", 33036828, "T", "C", 1, 2, "germline"),
        ("A II-2", "16", 57659568, "T", "C", 2, 2, "germline"),
        ("Patient 4", "9", 135765706, "G", "A", 1, 2, "germline"),
        ("Family 3 II:2", "X", 110688800, "C", "A", 1, 1, "germline"),
    ]
    key = con.sql("SELECT variant_key FROM variants WHERE pos = 135765706").fetchall()[0][0]
    assert key == variant_key("9", 135765706, "G", "A")
    samples = ws.read("samples").to_pylist()
    assert {(s["sample_id"], s["patient_id"], s["kind"]) for s in samples} == {
        (s, s, "germline") for s in data
    }
    svs = {(s["sample_id"], s["sv_class"]) for s in ws.read("structural_variants").to_pylist()}
    assert svs == {("100", "chromosomal_deletion"), ("Family 2 patient P2", "DEL")}
    ingest = ws.read("ingests").to_pylist()
    assert len(ingest) == 1 and ingest[0]["kind"] == "phenopacket"
    assert json.loads(ingest[0]["rows"]) == result.rows


def test_reingest_is_a_noop_and_new_files_only_add_themselves(tmp_path):
    ws_dir = tmp_path / "ws"
    first = ingest_phenopackets(ws_dir, [REAL])
    ws = Workspace.open(ws_dir)
    before = ws.versions()
    again = ingest_phenopackets(ws_dir, list(reversed(REAL_FILES)))
    assert again.skipped and again.batch_id == first.batch_id
    ws.reload()
    assert ws.versions() == before

    more = ingest_phenopackets(ws_dir, [REAL, LUNG])
    assert more.report["files_already_ingested"] == 6
    assert more.rows["patients"] == 1
    assert more.rows["phenotypes"] == len(raw(LUNG)["phenotypicFeatures"])
    ws.reload()
    assert ws.read("phenotypes").num_rows == first.rows["phenotypes"] + 3


def test_bad_file_leaves_the_workspace_unchanged(tmp_path):
    ws_dir = tmp_path / "ws"
    ingest_phenopackets(ws_dir, [KCNT1])
    ws = Workspace.open(ws_dir)
    before = (ws.versions(), ws.read("phenotypes").num_rows)
    bad = edited(AK2, tmp_path / "bad.json", '"HP:0000407"', '"HP:407"')
    with pytest.raises(InputError):
        ingest_phenopackets(ws_dir, [LUNG, bad])
    ws.reload()
    assert (ws.versions(), ws.read("phenotypes").num_rows) == before


def test_bad_file_creates_no_workspace(tmp_path):
    bad = edited(KCNT1, tmp_path / "bad.json", '"HP:0000252"', '"HP:252"')
    with pytest.raises(InputError):
        ingest_phenopackets(tmp_path / "ws", [bad])
    assert not (tmp_path / "ws").exists()


def test_reused_subject_ids_need_patient_id_from_phenopacket(tmp_path):
    twin = edited(KCNT1, tmp_path / "other_paper.json", '"PMID_23086397_Patient_4"', '"OTHER_4"')
    with pytest.raises(InputError) as error:
        ingest_phenopackets(tmp_path / "ws", [KCNT1, twin])
    assert "--patient-id phenopacket" in str(error.value)
    assert not (tmp_path / "ws").exists()

    result = ingest_phenopackets(tmp_path / "ws", [KCNT1, twin], patient_id_from="phenopacket")
    ws = Workspace.open(tmp_path / "ws")
    assert set(ws.read("patients").column("patient_id").to_pylist()) == {
        "PMID_23086397_Patient_4",
        "OTHER_4",
    }
    assert result.rows["calls"] == 2 and result.rows["variants"] == 1


def test_synthetic_tumour_packet(tmp_path):
    result = ingest_phenopackets(tmp_path / "ws", [LUNG], institution_id="hosp-a")
    ws = Workspace.open(tmp_path / "ws")
    con = ws.connect()
    samples = {s["sample_id"]: (s["kind"], s["tumor_type"]) for s in ws.read("samples").to_pylist()}
    assert samples == {
        "SYN-LUNG-1-T": ("tumor", None),
        "SYN-LUNG-1-N": ("germline", None),
        "SYN-LUNG-1-M": ("tumor", "LUAD"),
        "SYN-LUNG-1": ("germline", None),  # the variant named the subject, not a biosample
    }
    calls = con.sql(
        """SELECT c.sample_id, c.origin, v.chrom, v.pos, v.ref, v.alt, v.rsid, c.alt_count,
                  c.ploidy, c.protein_change
           FROM calls c JOIN variants v USING (variant_key) ORDER BY v.chrom"""
    ).fetchall()
    assert calls == [
        # GATC>GTTC at 32338100 trims to A>T one base on; unspecified zygosity
        ("SYN-LUNG-1", "germline", "13", 32338101, "A", "T", "rs999999999", 0, None, None),
        ("SYN-LUNG-1-T", "somatic", "7", 55191822, "T", "G", None, 1, 2, "p.L858R"),
    ]
    (months, event) = con.sql("SELECT months, event FROM outcomes").fetchall()[0]
    assert months == pytest.approx(730 / (365.25 / 12)) and event is True
    assert con.sql("SELECT disease_id, onset FROM diagnoses").fetchall() == [("NCIT:C3512", "P62Y")]
    assert result.report["diseases_excluded_not_written"] == 1
    observations = {
        (o["name"], o["value_number"], o["value_string"], o["unit"])
        for o in ws.read("observations").to_pylist()
    }
    assert ("LOINC:29463-7", 58.5, None, "kilogram") in observations
    assert ("age_at_last_encounter", 63.5, None, "years") in observations
    assert ("vital_status", None, "DECEASED", None) in observations
    tnm = con.sql(
        "SELECT value_string FROM clinical_attributes WHERE attribute = 'PATHOLOGICAL_TNM_FINDING'"
    ).fetchall()
    assert tnm == [("NCIT:C48724;NCIT:C48705",)]
    assert con.sql("SELECT institution_id, birth_year FROM patients").fetchall() == [
        ("hosp-a", 1961)
    ]


def test_grch37_records_in_a_grch37_workspace(tmp_path):
    ws = Workspace.create(tmp_path / "ws", build="GRCh37")
    ingest_phenopackets(ws, [GRCH37])
    row = ws.connect().sql("SELECT chrom, pos, ref, alt FROM variants").fetchall()
    assert row == [("7", 55259515, "T", "G")]
    assert ws.read("patients").column("sex").to_pylist() == ["other"]


def test_grch37_records_are_lifted_to_grch38(tmp_path):
    result = ingest_phenopackets(tmp_path / "ws", [GRCH37], chain=CHAIN)
    ws = Workspace.open(tmp_path / "ws")
    # EGFR c.2573T>G (p.L858R): GRCh37 chr7:55259515 is GRCh38 chr7:55191822
    row = ws.connect().sql("SELECT variant_key, chrom, pos, ref, alt FROM variants").fetchall()
    assert row == [(variant_key("7", 55191822, "T", "G"), "7", 55191822, "T", "G")]
    assert result.report["unlifted_count"] == 0


def test_grch37_records_lift_with_the_packaged_chain_when_none_is_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("GENOMED_CHAIN_DIR", str(tmp_path / "no-chains"))
    monkeypatch.setenv("HOME", str(tmp_path))
    result = ingest_phenopackets(tmp_path / "ws", [GRCH37])
    row = Workspace.open(tmp_path / "ws").connect().sql("SELECT chrom, pos FROM variants")
    assert row.fetchall() == [("7", 55191822)]
    assert result.report["unlifted_count"] == 0


def test_missing_explicit_chain_fails_before_creating_the_workspace(tmp_path):
    with pytest.raises(InputError, match="hg19ToHg38"):
        ingest_phenopackets(tmp_path / "ws", [GRCH37], chain=tmp_path / "no-such.chain.gz")
    assert not (tmp_path / "ws").exists()


# -- CLI ---------------------------------------------------------------------------------


def test_cli_summary_json_and_errors(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["ingest", "phenopacket", str(KCNT1), str(AK2), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "phenotypes" in result.output and "excluded" in result.output
    n = sum(len(raw(p)["phenotypicFeatures"]) for p in (KCNT1, AK2))
    assert f"{n}" in result.output

    again = runner.invoke(
        app, ["ingest", "phenopacket", str(AK2), str(KCNT1), "-w", str(ws), "--json"]
    )
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["skipped"] is True and data["kind"] == "phenopacket"

    fresh = runner.invoke(
        app, ["ingest", "phenopacket", str(LUNG), "-w", str(ws), "--json", "--institution", "x"]
    )
    data = json.loads(fresh.stdout)
    assert data["rows"]["samples"] == 4 and data["rows"]["calls"] == 2

    # (line 15: cli.output prints through rich, which turns ":100:" into an emoji)
    bad = edited(KCNT1, tmp_path / "bad.json", '"HP:0012736"', '"HP:12736"')
    failed = runner.invoke(app, ["ingest", "phenopacket", str(bad), "-w", str(ws)])
    assert failed.exit_code == 1
    assert f"{bad}:{line_of(bad, 'HP:12736')}" in failed.output
    assert "phenotypicFeatures[" in failed.output

    missing = runner.invoke(
        app, ["ingest", "phenopacket", str(tmp_path / "nope.json"), "-w", str(ws)]
    )
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_cli_patient_id_option(tmp_path):
    twin = tmp_path / "twin.json"
    shutil.copy(KCNT1, tmp_path / "a.json")
    edited(KCNT1, twin, '"PMID_23086397_Patient_4"', '"OTHER_4"')
    args = [
        "ingest",
        "phenopacket",
        str(tmp_path / "a.json"),
        str(twin),
        "-w",
        str(tmp_path / "ws"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 1
    ok = CliRunner().invoke(app, [*args, "--patient-id", "phenopacket", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["rows"]["patients"] == 2
