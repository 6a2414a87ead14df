"""``genomed annotate IN.vcf -o OUT``: the VEP-layout CSQ field, the other formats, the
Python API, errors, and knowledge matches with the shipped bundles."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pysam
import pytest
from typer.testing import CliRunner

from genomed.annotate import annotate_variants
from genomed.annotate.csq import CSQ_FIELDS
from genomed.annotate.vcf_annotate import annotate_vcf
from genomed.cli.main import app
from genomed.errors import InputError

VCF = Path(__file__).parent / "data" / "annotate" / "variants.grch38.vcf"


@pytest.fixture(scope="module")
def annotated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("annotate") / "out.vcf.gz"
    result = annotate_vcf(VCF, out)
    assert (result.records, result.alleles, result.indexed) == (8, 9, True)
    return out


def _csq(path: Path) -> dict[tuple, list[dict]]:
    with pysam.VariantFile(str(path)) as vf:
        description = vf.header.info["CSQ"].description
        names = description.split("Format: ")[1].split("|")
        out = {}
        for rec in vf:
            entries = rec.info.get("CSQ") or ()
            out[(rec.chrom, rec.pos)] = [
                dict(zip(names, e.split("|"), strict=True)) for e in entries
            ]
    return out


def _canonical(entries: list[dict], allele: str | None = None) -> dict:
    (hit,) = [e for e in entries if e["CANONICAL"] == "YES" and allele in (None, e["Allele"])]
    return hit


def test_csq_header_declares_vep_fields(annotated):
    with pysam.VariantFile(str(annotated)) as vf:
        names = vf.header.info["CSQ"].description.split("Format: ")[1].split("|")
    assert names[:17] == [f for f, _ in CSQ_FIELDS][:17]
    assert names[:5] == ["Allele", "Consequence", "IMPACT", "SYMBOL", "Gene"]
    assert "CLIN_SIG" in names and "HGVSg" in names


def test_csq_values(annotated):
    csq = _csq(annotated)
    braf = _canonical(csq[("7", 140753336)])
    assert braf["Consequence"] == "missense_variant" and braf["IMPACT"] == "MODERATE"
    assert braf["HGVSc"] == "ENST00000646891.2:c.1799T>A"
    assert braf["HGVSp"] == "ENSP00000493543.1:p.(Val600Glu)"
    assert (braf["Amino_acids"], braf["Codons"], braf["Protein_position"]) == (
        "V/E",
        "gTg/gAg",
        "600",
    )
    assert braf["MANE_SELECT"] == "NM_004333.6" and braf["STRAND"] == "-1"
    assert braf["Existing_variation"] == "rs113488022" and braf["HOTSPOT"] == "BRAF:V600E"
    # multi-allelic record: one entry per ALT, told apart by Allele
    assert _canonical(csq[("12", 25245350)], "T")["HGVSp"].endswith("p.(Gly12Asp)")
    assert _canonical(csq[("12", 25245350)], "A")["HGVSp"].endswith("p.(Gly12Val)")
    # left-aligned VCF deletion, 3' shifted in HGVS; ClinVar 51187 matched by allele
    brca2 = _canonical(csq[("13", 32333238)])
    assert brca2["HGVSc"].endswith("c.1763_1766del")
    assert brca2["HGVSp"].endswith("p.(Asn588SerfsTer25)")
    assert brca2["HGVSg"] == "NC_000013.11:g.32333241_32333244del"
    assert (brca2["ClinVar_VCV"], brca2["CLIN_SIG"], brca2["VARIANT_CLASS"]) == (
        "51187",
        "pathogenic",
        "deletion",
    )
    # p.(=) is escaped as VEP does in VCF (no '=' inside INFO values)
    assert _canonical(csq[("17", 7675088)])["HGVSp"].endswith("p.(Arg175His)")
    (intergenic,) = csq[("2", 1000)]
    assert intergenic["Consequence"] == "intergenic_variant" and intergenic["Feature"] == ""
    assert csq[("1", 1000000)] == []  # symbolic ALT: no CSQ


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
def test_bcftools_split_vep_reads_the_csq(annotated):
    out = subprocess.run(
        ["bcftools", "+split-vep", "-s", "worst", "-f", "%POS %SYMBOL %Consequence %HGVSp\n", str(annotated)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "140753336 BRAF missense_variant ENSP00000493543.1:p.(Val600Glu)" in out


def test_table_formats(tmp_path):
    for fmt in ("tsv", "parquet", "json"):
        out = tmp_path / f"out.{fmt}"
        result = annotate_vcf(VCF, out)
        assert result.format == fmt and out.exists()
    rows = pq.read_table(tmp_path / "out.parquet")
    assert rows.num_rows == len(json.loads((tmp_path / "out.json").read_text()))
    assert {"line", "id", "consequence", "hgvs_c", "hgvs_p", "clinvar_id"} <= set(rows.column_names)
    tsv = (tmp_path / "out.tsv").read_text().splitlines()
    assert tsv[0].split("\t")[:3] == ["line", "id", "variant_key"] and len(tsv) == rows.num_rows + 1
    braf = [r for r in rows.to_pylist() if r["gene"] == "BRAF" and r["canonical"]][0]
    assert braf["line"] == 17 and braf["id"] == "rs113488022"  # 16 header lines


def test_python_api_on_an_arrow_table():
    table = pa.table(
        {"chrom": ["chr7", "17"], "pos": [140753336, 7675088], "ref": ["A", "C"], "alt": ["T", "T"]}
    )
    rows = [r for r in annotate_variants(table).to_pylist() if r["canonical"]]
    assert [(r["row"], r["gene"], r["hgvs_p"]) for r in rows] == [
        (0, "BRAF", "p.(Val600Glu)"),
        (1, "TP53", "p.(Arg175His)"),
    ]
    assert rows[0]["chrom"] == "7" and rows[0]["bundle"].startswith("genomed-GRCh38")


def test_bad_record_names_the_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.vcf"
    lines = VCF.read_text().splitlines()
    lines[17] = "7\t140753336\trs1\tA"  # too few fields
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.vcf.gz"
    with pytest.raises(InputError) as err:
        annotate_vcf(bad, out)
    assert err.value.line == 18
    assert not out.exists() and not (tmp_path / "out.vcf.gz.partial").exists()


def test_cli_file_mode(tmp_path):
    out = tmp_path / "out.tsv"
    result = CliRunner().invoke(
        app, ["annotate", str(VCF), "-o", str(out), "--json", "--no-knowledge"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["records"] == 8 and summary["format"] == "tsv"
    assert "clinvar_id" not in out.read_text().splitlines()[0]
    missing = CliRunner().invoke(app, ["annotate", str(tmp_path / "nope.vcf"), "-o", str(out)])
    assert missing.exit_code == 1 and "file not found" in missing.output


def test_frequencies_from_a_gnomad_style_sites_vcf(tmp_path):
    sites = tmp_path / "sites.vcf"
    sites.write_text(
        "##fileformat=VCFv4.2\n"
        '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">\n'
        '##INFO=<ID=AF_eas,Number=A,Type=Float,Description="AF EAS">\n'
        '##INFO=<ID=AF_nfe,Number=A,Type=Float,Description="AF NFE">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        "chr12\t25245350\t.\tC\tA,T\t.\tPASS\tAF=0.001,0.002;AF_eas=0.003,0.004;AF_nfe=0,0.0001\n"
    )
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app, ["annotate", str(VCF), "-o", str(out), "--frequencies", str(sites), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [r for r in pq.read_table(out).to_pylist() if r["pos"] == 25245350 and r["canonical"]]
    by_alt = {r["alt"]: (r["af"], r["af_populations"]) for r in rows}
    assert by_alt == {"T": (0.002, "eas:0.004|nfe:0.0001"), "A": (0.001, "eas:0.003|nfe:0")}


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
def test_bcf_input_and_empty_input(tmp_path):
    bcf = tmp_path / "in.bcf"
    subprocess.run(["bcftools", "view", "-Ob", "-o", str(bcf), str(VCF)], check=True)
    result = annotate_vcf(bcf, tmp_path / "out.vcf.gz", knowledge=None)
    assert (result.records, result.alleles) == (8, 9)
    braf = _canonical(_csq(tmp_path / "out.vcf.gz")[("7", 140753336)])
    assert braf["HGVSp"].endswith("p.(Val600Glu)")
    empty = tmp_path / "empty.vcf"
    empty.write_text("\n".join(x for x in VCF.read_text().splitlines() if x.startswith("#")) + "\n")
    for name in ("out2.vcf.gz", "out2.tsv"):
        result = annotate_vcf(empty, tmp_path / name)
        assert result.records == 0 and (tmp_path / name).exists()
