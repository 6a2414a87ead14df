"""Reference bundles: build from models + genome, manifest and checksums, validation of
transcript sequences, and the GRCh38 bundle shipped in the package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from genomed.annotate.annotator import annotate_variants
from genomed.reference.build import build_reference_bundle
from genomed.reference.bundle import ReferenceBundle, default_bundle_path
from genomed.reference.bundle_build import BundleError
from genomed.reference.genetic_code import translate
from genomed.reference.validation import validate_coding_sequence

SYNTHETIC = Path(__file__).parent / "data" / "annotate" / "synthetic"


def _copy_synthetic(tmp_path: Path, gff_edit=None) -> Path:
    shutil.copy(SYNTHETIC / "synthetic.fa", tmp_path / "synthetic.fa")
    text = (SYNTHETIC / "synthetic.gff3").read_text()
    if gff_edit:
        text = gff_edit(text)
    (tmp_path / "synthetic.gff3").write_text(text)
    return tmp_path


def test_build_writes_parquet_tables_and_manifest(tmp_path):
    work = _copy_synthetic(tmp_path)
    report = build_reference_bundle(
        work / "synthetic.gff3", work / "b", build="GRCh38", fasta=work / "synthetic.fa",
        name="synthetic", version="7",
    )  # fmt: skip
    assert (report.transcripts, report.coding, report.with_sequence) == (3, 2, 3)
    manifest = json.loads((work / "b" / "manifest.json").read_text())
    assert manifest["id"] == "synthetic@7" and manifest["build"] == "GRCh38"
    assert {s["role"] for s in manifest["sources"]} == {"models", "genome"}
    assert all(len(s["sha256"]) == 64 for s in manifest["sources"])
    assert set(manifest["files"]) == {
        "transcripts.parquet", "exons.parquet", "sequences.parquet", "validation.parquet",
        "genome.parquet",
    }  # fmt: skip
    bundle = ReferenceBundle(work / "b")
    plus = bundle.transcripts.to_pylist()[0]
    assert (plus["transcript_id"], plus["start"], plus["end"]) == ("ENSTPLUS.1", 101, 401)
    assert (plus["cds_start"], plus["cds_end"]) == (131, 351)
    assert (plus["cdna_coding_start"], plus["cdna_coding_end"], plus["length"]) == (31, 150, 200)
    minus_exons = [e for e in bundle.exons.to_pylist() if e["transcript_index"] == 1]
    # sorted by genomic start; exon 1 (5') is the right-most on the - strand
    assert [(e["exon_number"], e["cdna_start"], e["cdna_end"]) for e in minus_exons] == [
        (3, 151, 230), (2, 81, 150), (1, 1, 80),
    ]  # fmt: skip
    seq = bundle.sequence(0)
    assert translate(seq[30:150]).startswith("MAKKCFQQ") and seq[147:150] == "TAA"
    assert bundle.genome_fetch("1", 131, 133) == "ATG"


def test_invalid_transcript_is_reported_and_shipped_without_sequence(tmp_path):
    # move the CDS start of ENSTPLUS one base: the CDS is no longer a multiple of 3
    work = _copy_synthetic(tmp_path, lambda t: t.replace("CDS\t131\t150", "CDS\t132\t150"))
    report = build_reference_bundle(
        work / "synthetic.gff3", work / "b", build="GRCh38", fasta=work / "synthetic.fa"
    )
    assert report.with_sequence == 2
    (failure,) = report.failures
    assert failure["transcript_id"] == "ENSTPLUS.1"
    # out of frame: TGG CCA AAA ... holds TAA/TGA codons, and the last codon is partial
    assert set(failure["checks"]) == {
        "cds_not_multiple_of_3", "no_start_codon", "no_stop_codon", "internal_stop",
    }  # fmt: skip
    bundle = ReferenceBundle(work / "b")
    assert bundle.validation.num_rows == 4
    assert (
        json.loads((work / "b" / "manifest.json").read_text())["counts"]["failed_validation"] == 1
    )
    # still annotated: consequence class and c. position, p. unavailable
    table = pa.table({"chrom": ["1"], "pos": [140], "ref": ["A"], "alt": ["G"]})
    (row,) = [r for r in annotate_variants(table, work / "b").to_pylist() if r["gene"] == "PLUSG"]
    assert row["consequence"] == "coding_sequence_variant"
    assert row["hgvs_c"] == "c.9A>G" and row["hgvs_p"] is None
    assert row["sequence_status"] == "no_sequence"


def test_validation_checks():
    ok = "GG" + "ATGAAATAA" + "CC"
    assert validate_coding_sequence(ok, 13, (3, 11)) == []
    checks = [c for c, _ in validate_coding_sequence("GGATGTAAAAATAACC", 16, (3, 14))]
    assert checks == ["internal_stop"]
    assert [c for c, _ in validate_coding_sequence(ok, 14, (3, 11))] == ["length_mismatch"]
    # vertebrate mitochondrial code: AGA is a stop, TGA is Trp
    assert validate_coding_sequence("ATGTGAAGA", 9, (1, 9), mito=True) == []


def test_tampered_bundle_is_refused(tmp_path):
    work = _copy_synthetic(tmp_path)
    build_reference_bundle(work / "synthetic.gff3", work / "b", build="GRCh38")
    with open(work / "b" / "exons.parquet", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(BundleError, match="checksum"):
        ReferenceBundle(work / "b")


def test_build_refuses_a_non_empty_directory(tmp_path):
    work = _copy_synthetic(tmp_path)
    (work / "b").mkdir()
    (work / "b" / "something").write_text("x")
    with pytest.raises(BundleError, match="not empty"):
        build_reference_bundle(work / "synthetic.gff3", work / "b", build="GRCh38")


# -- the shipped GRCh38 bundle --------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> ReferenceBundle:
    return ReferenceBundle(default_bundle_path("GRCh38"))


def test_shipped_bundle_is_lean_and_canonical(shipped):
    counts = shipped.manifest["counts"]
    assert counts["transcripts"] > 18_000 and counts["canonical"] > 18_000
    size = sum(p.stat().st_size for p in shipped.path.glob("*.parquet"))
    assert size < 8 * 1024 * 1024
    assert all(s.get("licence") for s in shipped.manifest["sources"])
    # refGene/chains are development-only: never a source of the shipped bundle
    assert not any("refGene" in s["path"] for s in shipped.manifest["sources"])


def _row(bundle: ReferenceBundle, gene: str) -> dict:
    rows = [r for r in bundle.transcripts.to_pylist() if r["gene"] == gene and r["canonical"]]
    assert len(rows) == 1
    return rows[0]


def test_shipped_bundle_matches_mane_spans(shipped):
    # spans from the MANE v1.5 summary (1-based): TP53 NC_000017.11 7668421-7687490 (-)
    tp53 = _row(shipped, "TP53")
    assert (tp53["transcript_id"], tp53["mane_select"]) == ("ENST00000269305.9", "NM_000546.6")
    assert (tp53["chrom"], tp53["start"], tp53["end"], tp53["strand"]) == (
        "17",
        7668421,
        7687490,
        -1,
    )
    assert tp53["has_sequence"] and tp53["refseq_protein"] == "NP_000537.3"
    # the derived genePred has ATM 23 bp off; the bundle moved it onto MANE's span
    atm = _row(shipped, "ATM")
    assert (atm["start"], atm["end"], atm["transcript_id"]) == (
        108223067,
        108369102,
        "ENST00000675843.1",
    )
    tgfb1 = _row(shipped, "TGFB1")
    assert (tgfb1["start"], tgfb1["end"]) == (41330323, 41353922)


def test_every_shipped_sequence_passes_validation(shipped):
    a = shipped.arrays
    checked = 0
    for i, has in enumerate(shipped.transcripts.column("has_sequence").to_pylist()):
        if not has:
            continue
        seq = shipped.sequence(i)
        span = (int(a.cdna_coding_start[i]), int(a.cdna_coding_end[i])) if a.coding[i] else None
        assert validate_coding_sequence(seq, int(a.length[i]), span, mito=bool(a.mito[i])) == []
        checked += 1
    assert checked == shipped.manifest["counts"]["with_sequence"] >= 60
    failures = {
        (r["gene"], r["check"]) for r in shipped.validation.to_pylist() if r["sequence_source"]
    }
    # WT1's MANE CDS starts with CTG; SELENOP reads UGA as selenocysteine
    assert failures == {("WT1", "no_start_codon"), ("SELENOP", "internal_stop")}


def test_shipped_genome_slices_are_grch38(shipped):
    placements = "\n".join(shipped.manifest["build_notes"]["genome_slice_placements"])
    # NG_012772.1 (BRCA2) predates GRCh38 (c.7397 differs): it must not be shipped
    assert "NG_012772.1 (mutalyzer): dropped" in placements
    assert shipped.genome_fetch("13", 32355250, 32355250) is None
    # TP53 c.215 (rs1042522, the reference C of Pro72) from the NG_017013.2 slice
    assert shipped.genome_fetch("17", 7676154, 7676154) == "G"


def test_cli_build_info_and_validation(tmp_path):
    from typer.testing import CliRunner

    from genomed.cli.main import app

    work = _copy_synthetic(tmp_path)
    runner = CliRunner()
    out = work / "cli_bundle"
    result = runner.invoke(app, ["reference", "build", "--models", str(work / "synthetic.gff3"),
                                 "--fasta", str(work / "synthetic.fa"), "--build", "GRCh38",
                                 "-o", str(out), "--name", "syn", "--version", "2", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "syn@2"
    info = json.loads(
        runner.invoke(app, ["reference", "info", "--bundle", str(out), "--json"]).output
    )
    assert info["counts"]["transcripts"] == 3 and info["build"] == "GRCh38"
    checks = json.loads(runner.invoke(app, ["reference", "validation", "--json"]).output)
    assert {c["gene"] for c in checks if c["sequence_source"]} == {"WT1", "SELENOP"}
    bad = runner.invoke(app, ["reference", "build", "--models", str(work / "missing.gff3"),
                              "--build", "GRCh38", "-o", str(work / "x")])  # fmt: skip
    assert bad.exit_code == 1 and "file not found" in bad.output
