"""``genomed annotate`` in a workspace: distinct variants, once per bundle version."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from genomed.annotate.workspace_annotate import annotate_workspace, pending_variants
from genomed.cli.main import app
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

VCF = Path(__file__).parent / "data" / "annotate" / "variants.grch38.vcf"


def _ingest(ws_dir: Path, vcf: Path) -> None:
    ingest_vcf(ws_dir, vcf, VcfIngestOptions(kind="tumor", build="GRCh38"))


def test_each_variant_is_annotated_once_per_bundle(tmp_path):
    ws_dir = tmp_path / "ws"
    _ingest(ws_dir, VCF)
    ws = Workspace.open(ws_dir)
    n_variants = (
        ws.connect().execute("SELECT count(DISTINCT variant_key) FROM variants").fetchone()[0]
    )
    first = annotate_workspace(ws_dir)
    # 9 stored alleles: 8 annotatable, the symbolic <DEL> gets one row without consequence
    assert first.variants_annotated == n_variants == 9
    assert first.rows_written >= n_variants and first.knowledge.startswith("genomed-knowledge@")
    ws.reload()
    assert ws.catalog["bundles"]["reference"] == first.bundle
    con = ws.connect()
    braf = con.execute(
        "SELECT hgvs_c, hgvs_p, protein_change, hotspot, consequence FROM annotations "
        "WHERE gene = 'BRAF' AND canonical"
    ).fetchall()
    assert braf == [("c.1799T>A", "p.(Val600Glu)", "p.V600E", "BRAF:V600E", "missense_variant")]
    clinvar = con.execute(
        "SELECT clinvar_id, clinvar_significance, clinvar_stars FROM annotations "
        "WHERE hgvs_c = 'c.1763_1766del'"
    ).fetchall()
    assert clinvar == [("51187", "pathogenic", 3)]
    # a second run finds nothing new
    again = annotate_workspace(ws_dir)
    assert (again.variants_annotated, again.already_annotated) == (0, 9)
    assert len(pending_variants(ws, first.bundle)) == 0
    # a new sample with one new variant: only that one is annotated
    lines = VCF.read_text().splitlines()
    header = [x for x in lines if x.startswith("#")]
    more = tmp_path / "more.vcf"
    more.write_text(
        "\n".join(header + [lines[-1], "17\t7676154\t.\tG\tC\t.\tPASS\t.\tGT\t0/1"]) + "\n"
    )
    _ingest(ws_dir, more)
    third = annotate_workspace(ws_dir)
    assert third.variants_annotated == 1 and third.already_annotated == 9
    ws.reload()
    total = (
        ws.connect().execute("SELECT count(DISTINCT variant_key) FROM annotations").fetchone()[0]
    )
    assert total == 10


def test_cli_workspace_mode(tmp_path):
    ws_dir = tmp_path / "ws"
    _ingest(ws_dir, VCF)
    runner = CliRunner()
    result = runner.invoke(app, ["annotate", "-w", str(ws_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["variants_annotated"] == 9
    result = runner.invoke(app, ["annotate", "-w", str(ws_dir)])
    assert "nothing to do" in result.output


def test_population_frequencies_from_the_workspace_database(tmp_path):
    ws_dir = tmp_path / "ws"
    _ingest(ws_dir, VCF)
    ws = Workspace.open(ws_dir)
    (key,) = (
        ws.connect().execute("SELECT variant_key FROM variants WHERE pos = 140753336").fetchone()
    )
    # two groups counted by the population database; AF uses group 'all' only
    with ws.transaction() as tx:
        tx.append(
            "popfreq_counts",
            {"variant_key": [key, key], "chrom": ["7", "7"], "pos": [140753336] * 2,
             "grp": ["all", "EAS"], "ac": [3, 1], "an": [12, 4]},
        )  # fmt: skip
    annotate_workspace(ws_dir)
    ws.reload()
    rows = (
        ws.connect()
        .execute("SELECT DISTINCT popfreq_af FROM annotations WHERE variant_key = ?", [key])
        .fetchall()
    )
    assert rows == [(0.25,)]


def test_annotation_summary(tmp_path):
    from genomed.annotate.workspace_annotate import annotation_summary

    ws_dir = tmp_path / "ws"
    _ingest(ws_dir, VCF)
    annotate_workspace(ws_dir)
    summary = annotation_summary(ws_dir)
    assert summary["variants"] == 9
    # BRAF V600E, KRAS G12D/G12V, TP53 R175H, APC c.18T>G (stop), BRCA2 c.7397T>C,
    # BRCA2 frameshift: HIGH = APC stop + BRCA2 frameshift
    assert summary["canonical_by_impact"]["HIGH"] == 2
    assert summary["canonical_by_impact"]["MODERATE"] == 5
    assert summary["clinvar_pathogenic"] == 2  # VCV 2584327 and VCV 51187
    assert summary["hotspots"] == 4  # BRAF V600E, KRAS G12D, KRAS G12V, TP53 R175H
