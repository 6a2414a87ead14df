"""MAF reader and ``genomed ingest maf``: real TCGA LAML mutations, expected values worked
out from the raw file with plain Python in each test."""

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
from genomed.io.chain import packaged_chain
from genomed.io.maf import read_maf
from genomed.model.variant_key import variant_key
from genomed.store.ingest_maf import MafIngestOptions, ingest_maf
from genomed.store.workspace import Workspace

LAML_MAF = DEMO_DATA / "laml_study" / "data_mutations.txt"  # tcga_laml.maf, bytes unchanged
GDC_MAF = TEST_DATA / "maf" / "gdc_laml_five.maf"
CHAIN = packaged_chain("GRCh37", "GRCh38")


def raw_rows(path: Path) -> list[dict[str, str]]:
    with open(path) as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def grch37_workspace(path: Path) -> Workspace:
    return Workspace.create(path, build="GRCh37")


# -- reader -----------------------------------------------------------------------------


def test_gdc_maf_alleles_counts_and_vaf():
    records = read_maf(GDC_MAF)
    assert records.build == "GRCh37"
    rows = records.table.to_pylist()
    assert [r["line"] for r in rows] == [4, 5, 6, 7, 8]  # two '#' lines and a header first
    dnmt3a, npm1, asxl1, flt3, flt3_hom = rows
    assert (dnmt3a["chrom"], dnmt3a["pos"], dnmt3a["ref"], dnmt3a["alt"]) == (
        "2",
        25457242,
        "C",
        "T",
    )
    assert (dnmt3a["ad_ref"], dnmt3a["ad_alt"], dnmt3a["dp"]) == (37, 23, 60)
    assert dnmt3a["vaf"] == pytest.approx(23 / 60)
    assert dnmt3a["protein_change"] == "p.R882H"
    assert dnmt3a["rsid"] == "rs147001633"
    assert dnmt3a["matched_normal"] == "TCGA-AB-2809-11A-01W-0755-09"
    assert dnmt3a["alt_count"] == 1
    # MAF indels keep '-' for the empty side without a FASTA
    assert (npm1["pos"], npm1["ref"], npm1["alt"]) == (170837547, "-", "TCTG")
    assert npm1["rsid"] is None  # "novel"
    assert (asxl1["pos"], asxl1["ref"], asxl1["alt"]) == (31022727, "G", "-")
    # no t_depth: depth is ref + alt reads
    assert (flt3["dp"], flt3["vaf"], flt3["filter"]) == (
        100,
        pytest.approx(0.27),
        "panel_of_normals",
    )
    assert flt3_hom["alt_count"] == 2
    assert (flt3_hom["ad_alt"], flt3_hom["dp"], flt3_hom["vaf"]) == (None, None, None)
    assert records.indels == 2


def test_laml_vaf_from_percent_column_and_chromosome_23():
    records = read_maf(LAML_MAF)
    raw = raw_rows(LAML_MAF)
    assert records.num_rows == len(raw) == 2207
    table = records.table.to_pylist()
    for got, row in zip(table, raw, strict=True):
        if row["i_TumorVAF_WU"] != "NA":
            assert got["vaf"] == pytest.approx(float(row["i_TumorVAF_WU"]) / 100, rel=1e-6)
        else:
            assert got["vaf"] is None
    assert Counter(r["chrom"] for r in table)["X"] == sum(r["Chromosome"] == "23" for r in raw)


def test_missing_required_column_names_the_column(tmp_path):
    bad = tmp_path / "no_barcode.maf"
    with open(GDC_MAF) as src, open(bad, "w") as out:
        for line in src:
            if line.startswith("#"):
                out.write(line)
                continue
            cells = line.rstrip("\n").split("\t")
            del cells[14]  # Tumor_Sample_Barcode
            out.write("\t".join(cells) + "\n")
    with pytest.raises(InputError) as error:
        read_maf(bad)
    assert error.value.field == "Tumor_Sample_Barcode"
    assert error.value.line == 3  # the header row
    assert error.value.path == str(bad)


def _edit_cell(src: Path, dst: Path, line_no: int, column: str, value: str) -> None:
    lines = src.read_text().splitlines(keepends=True)
    header = next(line for line in lines if not line.startswith("#")).rstrip("\n").split("\t")
    cells = lines[line_no - 1].rstrip("\n").split("\t")
    cells[header.index(column)] = value
    lines[line_no - 1] = "\t".join(cells) + "\n"
    dst.write_text("".join(lines))


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("Start_Position", "25457242.5", "Start_Position"),
        ("Start_Position", "", "Start_Position"),
        ("Reference_Allele", "C/T", "Reference_Allele"),
        ("Tumor_Seq_Allele2", "C", "Tumor_Seq_Allele2"),  # both tumour alleles equal REF
        ("t_alt_count", "many", "t_alt_count"),
        ("NCBI_Build", "GRCh36", "NCBI_Build"),
    ],
)
def test_bad_values_name_file_line_and_field(tmp_path, column, value, field):
    bad = tmp_path / "bad.maf"
    _edit_cell(GDC_MAF, bad, 4, column, value)
    with pytest.raises(InputError) as error:
        read_maf(bad)
    assert (error.value.path, error.value.line, error.value.field) == (str(bad), 4, field)


def test_fasta_anchors_and_left_aligns_indels(tmp_path):
    # chromosome 1 = ACGTTTTGCA: a run of four Ts at 4..7
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\nACGTTTTGCA\n")
    maf = tmp_path / "indels.maf"
    header = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
    maf.write_text(
        header
        + "G\t37\t1\t6\tT\tT\t-\tS1\n"  # delete one T of the run: VCF-style 3 GT>G once left-aligned
        + "G\t37\t1\t7\t-\t-\tT\tS1\n"  # insert a T after the run: 3 G>GT once left-aligned
        + "G\t37\t1\t9\t-\t-\tAA\tS1\n"  # insert AA after C9, nothing to shift: 9 C>CAA
        + "G\t37\t1\t2\tC\tC\tG\tS1\n"  # SNV untouched
    )
    records = read_maf(maf, fasta=fasta)
    got = [(r["pos"], r["ref"], r["alt"]) for r in records.table.to_pylist()]
    assert got == [(3, "GT", "G"), (3, "G", "GT"), (9, "C", "CAA"), (2, "C", "G")]

    ws = grch37_workspace(tmp_path / "ws")
    ingest_maf(ws, maf, MafIngestOptions(fasta=fasta))
    keys = set(ws.read("calls", columns=["variant_key"]).column(0).to_pylist())
    assert keys == {
        variant_key("1", 3, "GT", "G"),
        variant_key("1", 3, "G", "GT"),
        variant_key("1", 9, "C", "CAA"),
        variant_key("1", 2, "C", "G"),
    }
    assert all(k >= 0 for k in keys)  # packed keys, like VCF indels


def test_fasta_mismatch_is_an_input_error(tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1\nACGTTTTGCA\n")
    maf = tmp_path / "bad.maf"
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
        "G\t1\t5\tG\tG\t-\tS1\n"  # position 5 is a T
    )
    with pytest.raises(InputError) as error:
        read_maf(maf, fasta=fasta)
    assert (error.value.line, error.value.field) == (2, "Reference_Allele")


# -- ingest -----------------------------------------------------------------------------


def test_ingest_laml_maf(tmp_path):
    raw = raw_rows(LAML_MAF)
    ws = grch37_workspace(tmp_path / "ws")
    result = ingest_maf(ws, LAML_MAF)
    assert not result.skipped
    assert result.rows["calls"] == len(raw) == 2207
    distinct = {
        (r["Chromosome"], r["Start_Position"], r["Reference_Allele"], r["Tumor_Seq_Allele2"])
        for r in raw
    }
    assert result.rows["variants"] == len(distinct)
    barcodes = {r["Tumor_Sample_Barcode"] for r in raw}
    assert result.rows["samples"] == result.rows["patients"] == len(barcodes) == 193

    con = ws.connect()
    per_sample = dict(
        con.sql("SELECT sample_id, count(*) FROM calls GROUP BY sample_id").fetchall()
    )
    assert per_sample == Counter(r["Tumor_Sample_Barcode"] for r in raw)
    patients_per_gene = defaultdict(set)
    for r in raw:
        patients_per_gene[r["Hugo_Symbol"]].add(r["Tumor_Sample_Barcode"][:12])
    for gene, expected in (("DNMT3A", 48), ("NPM1", 33), ("FLT3", 52)):
        (got,) = con.sql(
            f"""SELECT count(DISTINCT s.patient_id) FROM calls c JOIN samples s USING (sample_id)
                WHERE c.gene = '{gene}'"""
        ).fetchall()[0]
        assert got == len(patients_per_gene[gene]) == expected
    row = con.sql(
        """SELECT c.chrom, c.pos, v.ref, v.alt, c.protein_change, c.variant_class, c.origin, c.vaf
           FROM calls c JOIN variants v USING (variant_key)
           WHERE c.sample_id = 'TCGA-AB-2809' AND c.gene = 'DNMT3A'"""
    ).fetchall()[0]
    assert row[:7] == ("2", 25457242, "C", "T", "p.R882H", "Missense_Mutation", "somatic")
    assert row[7] == pytest.approx(0.3832, rel=1e-6)
    kinds = con.sql("SELECT DISTINCT kind FROM samples").fetchall()
    assert kinds == [("tumor",)]
    report = json.loads(con.sql("SELECT report FROM ingests").fetchall()[0][0])
    assert report["unlifted_count"] == 0 and report["indels"] == 204


def test_reingest_is_skipped_and_changes_nothing(tmp_path):
    ws = grch37_workspace(tmp_path / "ws")
    first = ingest_maf(ws, LAML_MAF)
    before = ws.versions()
    copy = tmp_path / "same_content.maf"
    shutil.copy(LAML_MAF, copy)
    again = ingest_maf(ws, LAML_MAF)
    ws.reload()
    assert again.skipped and again.batch_id == first.batch_id
    assert ws.versions() == before
    assert ws.read("calls").num_rows == 2207


def test_tcga_patient_from_barcode_and_sample_map(tmp_path):
    ws = grch37_workspace(tmp_path / "ws")
    ingest_maf(ws, GDC_MAF)
    samples = {r["sample_id"]: r for r in ws.read("samples").to_pylist()}
    assert samples["TCGA-AB-2809-03A-01W-0755-09"]["patient_id"] == "TCGA-AB-2809"
    assert (
        samples["TCGA-AB-2809-03A-01W-0755-09"]["matched_normal_id"]
        == "TCGA-AB-2809-11A-01W-0755-09"
    )
    assert len(samples) == 4  # TCGA-AB-2809 has two calls
    calls = {(c["sample_id"], c["gene"]): c for c in ws.read("calls").to_pylist()}
    flt3 = calls[("TCGA-AB-2816-03A-01W-0755-09", "FLT3")]
    assert (flt3["filter"], flt3["dp"], flt3["ploidy"], flt3["alt_count"]) == (
        "panel_of_normals",
        100,
        2,
        1,
    )

    sample_map = tmp_path / "map.tsv"
    sample_map.write_text("source_name\tsample_id\tpatient_id\tsex\nS1\tT-001\tP-001\tF\n")
    maf = tmp_path / "mapped.maf"
    maf.write_text(
        "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
        "KRAS\t37\t12\t25398284\tC\tC\tT\tS1\n"
        "TP53\t37\t17\t7577120\tC\tC\tT\tS2\n"
    )
    ws2 = grch37_workspace(tmp_path / "ws2")
    ingest_maf(ws2, maf, MafIngestOptions(sample_map=sample_map))
    samples = {r["sample_id"]: r["patient_id"] for r in ws2.read("samples").to_pylist()}
    assert samples == {"T-001": "P-001", "S2": "S2"}  # unmapped non-TCGA: its own patient
    patients = {r["patient_id"]: r["sex"] for r in ws2.read("patients").to_pylist()}
    assert patients == {"P-001": "female", "S2": None}
    assert set(ws2.read("calls", columns=["sample_id"]).column(0).to_pylist()) == {"T-001", "S2"}


def test_bad_maf_writes_nothing_and_creates_no_workspace(tmp_path):
    bad = tmp_path / "bad.maf"
    _edit_cell(GDC_MAF, bad, 5, "Start_Position", "NA")
    with pytest.raises(InputError):
        ingest_maf(tmp_path / "new_ws", bad)
    assert not (tmp_path / "new_ws").exists()


def test_no_build_needs_build_option(tmp_path):
    maf = tmp_path / "nobuild.maf"
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
        "KRAS\t12\t25398284\tC\tT\tS1\n"
    )
    with pytest.raises(InputError) as error:
        ingest_maf(tmp_path / "ws", maf)
    assert error.value.field == "NCBI_Build"
    result = ingest_maf(tmp_path / "ws", maf, MafIngestOptions(build="hg19"))
    assert Workspace.open(tmp_path / "ws").build == "GRCh37"
    assert result.rows["calls"] == 1
    call = Workspace.open(tmp_path / "ws").read("calls").to_pylist()[0]
    assert (call["alt_count"], call["ploidy"]) == (None, None)  # no Tumor_Seq_Allele1


def test_grch37_maf_lifted_into_grch38_workspace(tmp_path):
    ws = Workspace.create(tmp_path / "ws", build="GRCh38")
    result = ingest_maf(ws, LAML_MAF, MafIngestOptions(chain=CHAIN))
    assert result.report["source_build"] == "GRCh37"
    assert result.rows["calls"] + result.report["unlifted_count"] == 2207
    rows = (
        ws.connect()
        .sql(
            """SELECT DISTINCT c.chrom, c.pos, v.ref, v.alt FROM calls c JOIN variants v USING (variant_key)
           WHERE c.gene = 'DNMT3A' AND c.protein_change = 'p.R882H'"""
        )
        .fetchall()
    )
    # DNMT3A R882H: chr2:25457242 C>T on GRCh37 is chr2:25234373 C>T on GRCh38
    assert rows == [("2", 25234373, "C", "T")]


# -- CLI ----------------------------------------------------------------------------------


def test_cli_summary_json_and_errors(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["ingest", "maf", str(GDC_MAF), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "calls" in result.output and "variants" in result.output
    assert "not lifted: 0" in result.output
    assert Workspace.open(ws).build == "GRCh37"  # created with the MAF's build

    again = runner.invoke(app, ["ingest", "maf", str(GDC_MAF), "-w", str(ws), "--json"])
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["skipped"] is True and data["kind"] == "maf"

    other = tmp_path / "other.maf"
    _edit_cell(GDC_MAF, other, 4, "t_depth", "61")
    fresh = runner.invoke(app, ["ingest", "maf", str(other), "-w", str(ws), "--json"])
    data = json.loads(fresh.stdout)
    assert data["skipped"] is False and data["rows"]["calls"] == 5
    assert data["rows"]["samples"] == 0  # the same four samples are already there

    bad = tmp_path / "bad.maf"
    _edit_cell(GDC_MAF, bad, 6, "Reference_Allele", "X")
    failed = runner.invoke(app, ["ingest", "maf", str(bad), "-w", str(ws)])
    assert failed.exit_code == 1
    assert f"{bad}:6" in failed.output and "Reference_Allele" in failed.output
