"""Germline ACMG/AMP points, frequency sources, ClinVar beside (not as evidence), secondary
findings, and the confusion matrix against ClinVar's reviewed development records."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.interpret.clinvar_benchmark import evaluate_clinvar
from genomed.interpret.germline import interpret_germline
from genomed.interpret.tables import write_table
from genomed.interpret.variant_input import INPUT_COLUMNS

DATA = Path(__file__).parent / "data"
CSQ = DATA / "interpret" / "vep_csq_germline.vcf"
CLINVAR = DATA / "knowledge" / "clinvar" / "clinvar_20260226_GRCh38_dev_genes.vcf.gz"


def _codes(row: dict) -> list[str]:
    return [c["criterion"] for c in row["acmg_criteria"]]


@pytest.fixture(scope="module")
def csq_result():
    return interpret_germline(CSQ)


def test_points_and_criteria_on_hand_annotated_variants(csq_result):
    rows = csq_result.variants
    frameshift, last_exon, pp3, bp4, common = rows
    # BRCA2 frameshift in exon 11/27, absent from gnomAD: PVS1 (8) + PM2_Supporting (1) = 9
    assert _codes(frameshift) == ["PVS1", "PM2_Supporting"]
    assert (frameshift["acmg_points"], frameshift["acmg_class"]) == (9, "Likely pathogenic")
    assert frameshift["af_source"] == "absent from INFO/gnomAD_AF, CSQ/gnomADe_AF"
    # BRCA2 K3326* in the last exon (27/27) escapes NMD: PVS1_Moderate; AF 0.003 > BRCA2's BA1 0.001
    assert _codes(last_exon) == ["PVS1_Moderate", "BA1"] and last_exon["acmg_class"] == "Benign"
    assert last_exon["gene_rule"] == "gene-specific"
    # GENEB missense: REVEL 0.95 >= 0.932 -> PP3_Strong (4) + PM2 (AF 1e-5 <= 1e-4) = 5, VUS
    assert _codes(pp3) == ["PM2_Supporting", "PP3_Strong"] and pp3["acmg_class"] == "VUS"
    # REVEL 0.1 <= 0.183 -> BP4_Moderate (-2); AF 2e-4 is neither PM2 nor BS1 by the default rule
    assert _codes(bp4) == ["BP4_Moderate"] and bp4["acmg_class"] == "Likely benign"
    # synonymous at AF 0.2: BA1 stand-alone + BP7
    assert set(_codes(common)) == {"BA1", "BP7"} and common["acmg_class"] == "Benign"
    assert common["af_source"] == "INFO/gnomAD_AF"


def test_secondary_findings_in_acmg_sf_genes(csq_result):
    findings = csq_result.secondary_findings()
    assert [(r["gene"], r["acmg_class"]) for r in findings] == [("BRCA2", "Likely pathogenic")]
    assert findings[0]["sf_inheritance"] == "AD"
    assert "breast" in findings[0]["sf_disease"].lower()


@pytest.fixture(scope="module")
def clinvar_eval():
    return evaluate_clinvar(CLINVAR)


def test_clinvar_confusion_matrix_cross_errors_below_one_percent(clinvar_eval):
    matrix, result = clinvar_eval
    # 2+ star P/LP/B/LB records of the development file that have an ALT allele (counted
    # independently below); 13:32355250 T>. (ClinVar 52317, "no alteration") has none
    assert matrix.total["P/LP"] + matrix.total["B/LB"] == 11575
    assert matrix.rate("B/LB") <= 0.01
    assert matrix.rate("P/LP") <= 0.01
    assert result.provenance["use_clinvar_assertions"] is False
    assert all(not r["clinvar_used_as_evidence"] for r in result.variants)
    assert "INFO/AF_EXAC" in result.provenance["frequency_sources"]


def test_clinvar_record_count_is_independent():
    import gzip

    ok = {
        "criteria_provided,_multiple_submitters,_no_conflicts",
        "reviewed_by_expert_panel",
        "practice_guideline",
    }
    labels = {
        "Pathogenic",
        "Likely_pathogenic",
        "Pathogenic/Likely_pathogenic",
        "Benign",
        "Likely_benign",
        "Benign/Likely_benign",
    }
    n = 0
    with gzip.open(CLINVAR, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            info = dict(kv.split("=", 1) for kv in fields[7].strip().split(";") if "=" in kv)
            n += info.get("CLNREVSTAT") in ok and info.get("CLNSIG") in labels and fields[4] != "."
    assert n == 11575


def test_clinvar_assertions_only_with_the_flag(clinvar_eval):
    _, result = clinvar_eval
    # a reviewed (3-star) pathogenic BRCA2 frameshift: classed without ClinVar, shown beside
    row = next(
        r
        for r in result.variants
        if r["gene"] == "BRCA2"
        and r["clinvar_stars"] == 3
        and r["consequence"] == "frameshift_variant"
    )
    assert "PP5_Strong" not in _codes(row)
    assert row["clinvar_significance"] in (
        "pathogenic",
        "likely_pathogenic",
        "pathogenic/likely_pathogenic",
    )
    one = pa.Table.from_pylist([{k: row[k] for k in INPUT_COLUMNS.names}], schema=INPUT_COLUMNS)
    with_flag = interpret_germline(variants=one, use_clinvar_assertions=True)
    flagged = with_flag.variants[0]
    assert "PP5_Strong" in _codes(flagged) and flagged["clinvar_used_as_evidence"]
    assert flagged["acmg_points"] == row["acmg_points"] + 4


def test_germline_table_and_cli(tmp_path, csq_result):
    out = write_table(csq_result, tmp_path / "g.tsv", "germline")
    with open(out) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows[0]["acmg_class"] == "Likely pathogenic"
    assert rows[0]["acmg_criteria"].startswith("PVS1(+8): frameshift_variant in BRCA2")
    result = CliRunner().invoke(
        app, ["interpret", "germline", str(CSQ), "-o", str(tmp_path / "g.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"secondary_findings": 1' in result.output


def test_frequencies_from_the_workspace_population_database(tmp_path):
    from genomed.model.variant_key import variant_key
    from genomed.store.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    key = variant_key("13", 32339000, "AG", "A")  # the BRCA2 frameshift of vep_csq_germline.vcf
    with ws.transaction() as tx:
        tx.append(
            "popfreq_counts",
            {
                "variant_key": [key, key, key, key],
                "chrom": ["13"] * 4,
                "pos": [32339000] * 4,
                "grp": ["all", "EAS", "FIN", "CHB"],
                "ac": [40, 30, 90, 12],
                "an": [5000, 1000, 1000, 400],
            },
        )
    result = interpret_germline(CSQ, popfreq_workspace=tmp_path / "ws")
    row = result.variants[0]
    # EAS 30/1000 = 0.03 (FIN left out as a founder population, "all" is not a group) > BA1 0.001
    assert row["af"] == pytest.approx(0.03)
    assert (
        row["af_source"].startswith("workspace population database")
        and "group EAS" in row["af_source"]
    )
    assert row["acmg_class"] == "Benign"
    # the other variants keep their own gnomAD_AF; one absent from both would say so
    assert result.variants[2]["af_source"] == "INFO/gnomAD_AF"


def test_clinvar_match_is_on_the_normalised_allele(tmp_path):
    # ClinVar 982398 is 1:45327489 G>GTGCC; written with a shared trailing base it is the same allele
    vcf = tmp_path / "padded.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=1,length=248956422>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t45327489\t.\tGA\tGTGCCA\t.\tPASS\t.\n"
    )
    row = interpret_germline(vcf).variants[0]
    assert (row["pos"], row["ref"], row["alt"]) == (45327489, "G", "GTGCC")
    assert (row["clinvar_id"], row["clinvar_significance"], row["clinvar_stars"]) == (
        "982398",
        "likely_pathogenic",
        1,
    )
    assert row["clinvar_used_as_evidence"] is False
