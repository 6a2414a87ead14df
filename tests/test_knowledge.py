"""Knowledge bundles: source adapters, build, manifest, licences, the shipped default."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.errors import InputError
from genomed.io.chain import packaged_chain
from genomed.knowledge.acmg_sf import read_acmg_sf
from genomed.knowledge.alteration import Alteration, one_letter, parse_alteration
from genomed.knowledge.build import (
    DEFAULT_BUNDLE_DIR,
    KnowledgeBuildError,
    KnowledgeSources,
    build_knowledge_bundle,
)
from genomed.knowledge.bundle import KnowledgeBundle, KnowledgeBundleError
from genomed.knowledge.cgi import read_cgi
from genomed.knowledge.civic import detect_layout, read_civic
from genomed.knowledge.clinvar import read_clinvar, review_stars
from genomed.knowledge.hotspots import read_hotspots
from genomed.knowledge.oncotree import UnknownTumorType
from genomed.model.variant_key import variant_key

DATA = Path(__file__).parent / "data" / "knowledge"
CIVIC_2018 = DATA / "civic_2018-05"
CIVIC_MP = DATA / "civic_molecular_profile_handmade"
CGI = DATA / "cgi_handmade" / "cgi_biomarkers_handmade.tsv"
HOTSPOTS = DATA / "cancerhotspots_v2"
ACMG = DATA / "acmg_sf" / "acmg_sf_v3.2_Incidental_Findings.tsv"
CLINVAR = DATA / "clinvar" / "clinvar_20260226_GRCh38_dev_genes.vcf.gz"
CHAIN = packaged_chain("GRCh37", "GRCh38")


def test_parse_alteration_names():
    assert parse_alteration("V600E", "BRAF") == [Alteration("protein_change", "V", 600, "E")]
    assert [a.aa_pos for a in parse_alteration("G12/G13", "KRAS")] == [12, 13]
    assert parse_alteration("EXON 19 DELETION", "EGFR") == [
        Alteration("exon", exon=19, aa_alt="del")
    ]
    assert parse_alteration("BCR-ABL", "ABL1")[0].fusion_partner == "BCR"
    assert parse_alteration("AMPLIFICATION", "ERBB2")[0].alteration_type == "amplification"
    assert parse_alteration("R167W (c.499C>T)", "VHL")[0] == Alteration(
        "protein_change", "R", 167, "W"
    )
    assert parse_alteration("W288FS", "NPM1")[0].aa_alt == "fs"
    assert parse_alteration("OVEREXPRESSION", "EGFR")[0].alteration_type == "expression"
    assert one_letter("p.Val600Glu") == "V600E"
    assert one_letter("ENSP1:p.(Arg1450Ter)") == "R1450*"
    assert one_letter("p.Val73TrpfsTer50") == "V73fs"


def test_civic_2018_nightly_layout():
    assert detect_layout(CIVIC_2018) == "variant"
    rows = read_civic(CIVIC_2018)
    cols = rows.columns
    assert rows.coordinate_build == "GRCh37"
    # every one of the 2,525 evidence rows of the dump is accepted and kept
    assert len(set(cols["evidence_id"])) == 2525
    i = cols["evidence_id"].index("EID1409")
    assert (cols["gene"][i], cols["alteration"][i], cols["disease"][i], cols["doid"][i]) == (
        "BRAF",
        "V600E",
        "Skin Melanoma",
        "8923",
    )
    assert (cols["level"][i], cols["significance"][i], cols["therapies"][i]) == (
        "A",
        "sensitivity",
        "Vemurafenib",
    )
    assert (cols["chrom"][i], cols["pos"][i], cols["ref"][i], cols["alt"][i]) == (
        "7",
        140453136,
        "A",
        "T",
    )
    # G12/G13 is one evidence item naming two codons
    kras = [j for j, e in enumerate(cols["evidence_id"]) if e == "EID134"]
    assert sorted(cols["aa_pos"][j] for j in kras) == [12, 13]


def test_civic_molecular_profile_layout_handmade_fixture():
    assert detect_layout(CIVIC_MP) == "molecular_profile"
    cols = read_civic(CIVIC_MP).columns
    ids = cols["evidence_id"]
    # NOT profile (9002) and the submitted item (9003) are skipped
    assert sorted(set(ids)) == ["EID1409", "EID2115", "EID9001", "EID9004"]
    two = [j for j, e in enumerate(ids) if e == "EID9001"]
    assert sorted(cols["gene"][j] for j in two) == ["KRAS", "PIK3CA"]
    assert {cols["profile_size"][j] for j in two} == {2}
    exon = ids.index("EID9004")
    assert (cols["alteration_type"][exon], cols["exon"][exon], cols["aa_alt"][exon]) == (
        "exon",
        19,
        "del",
    )
    assert cols["significance"][ids.index("EID1409")] == "sensitivity"
    assert cols["therapy_interaction"][ids.index("EID2115")] == "Substitutes"


def test_civic_profile_missing_variant_is_an_error(tmp_path):
    copy = tmp_path / "civic"
    shutil.copytree(CIVIC_MP, copy)
    path = copy / "nightly-VariantSummaries.tsv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("107\t")) + "\n")
    with pytest.raises(InputError, match="variant 107"):
        read_civic(copy)


def test_cgi_adapter_levels_and_events():
    cols = read_cgi(CGI)
    by = {
        (g, a): i
        for i, (g, a) in enumerate(zip(cols["gene"], cols["alteration_type"], strict=True))
    }
    assert cols["level"][by[("BRAF", "protein_change")]] == "A"  # FDA guidelines
    assert cols["level"][by[("EGFR", "protein_change")]] == "D"  # Pre-clinical
    assert cols["significance"][by[("KRAS", "gene_mutation")]] == "resistance"
    assert cols["fusion_partner"][by[("ABL1", "fusion")]] == "BCR"
    assert ("ERBB2", "amplification") in by


def test_hotspots_braf_v600():
    cols, files = read_hotspots(HOTSPOTS)
    rows = [
        {k: cols[k][i] for k in cols}
        for i in range(len(cols["gene"]))
        if cols["gene"][i] == "BRAF" and cols["aa_pos"][i] == 600
    ]
    v600e = next(r for r in rows if r["aa_alt"] == "E")
    # MSK-SNV-hotspots-v2.tsv: Mutation_Count 897, Variant_Amino_Acid E:833
    assert (v600e["residue_count"], v600e["alt_count"], v600e["aa_ref"]) == (897, 833, "V")
    assert v600e["cancer_types"].startswith("skcm:355|thpa:293")
    assert {r["kind"] for r in rows} == {"snv"}


def test_acmg_sf_v32_has_81_genes():
    cols = read_acmg_sf(ACMG)
    assert len(set(cols["gene"])) == 81  # Miller et al. 2023: ACMG SF v3.2 lists 81 genes
    gla = cols["gene"].index("GLA")
    assert cols["category"][gla] == "Cardiovascular; Metabolic"


def test_clinvar_stars_and_normalised_alleles():
    assert review_stars("reviewed_by_expert_panel") == 3
    assert review_stars("criteria_provided,_multiple_submitters,_no_conflicts") == 2
    assert review_stars("no_assertion_criteria_provided") == 0
    cols = read_clinvar(CLINVAR)
    # bcftools counts the records that have an ALT allele
    out = subprocess.run(
        ["bcftools", "view", "-H", "-e", 'ALT="."', str(CLINVAR)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(cols["pos"]) == len(out.stdout.splitlines())
    # the third record is 1:45327489 G>GTGCC, a 4-base insertion already minimal
    with gzip.open(CLINVAR, "rt") as handle:
        records = [line.split("\t") for line in handle if not line.startswith("#")][:3]
    assert records[2][1:5] == ["45327489", "982398", "G", "GTGCC"]
    i = cols["clinvar_id"].index("982398")
    assert (cols["pos"][i], cols["ref"][i], cols["alt"][i], cols["stars"][i]) == (
        45327489,
        "G",
        "GTGCC",
        1,
    )
    assert cols["significance"][i] == "likely_pathogenic"
    assert cols["molecular_consequence"][i] == "frameshift_variant"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb") / "bundle"
    manifest = build_knowledge_bundle(
        KnowledgeSources(civic=CIVIC_2018, hotspots=HOTSPOTS, clinvar=CLINVAR, acmg_sf=ACMG),
        out,
        version="2026.11.1",
        chain_path=CHAIN,
    )
    return out, manifest


def test_build_manifest_lists_versions_checksums_licences(built):
    out, manifest = built
    assert manifest["id"] == "genomed-knowledge@2026.11.1"
    assert manifest["redistributable"] is True
    names = [s["name"] for s in manifest["sources"]]
    assert names == ["civic", "cancerhotspots", "hotspot_alleles", "clinvar", "acmg_sf", "curated"]
    civic = manifest["sources"][0]
    assert civic["licence"] == "CC0-1.0"
    assert "997 of 997 alleles lifted GRCh37 -> GRCh38" in civic["note"]
    assert manifest["sources"][3]["version"] == "2026-02-26"  # ##fileDate of the ClinVar VCF
    assert manifest["sources"][4]["version"] == "SF v3.2"
    for entry in manifest["sources"]:
        assert all(len(f["sha256"]) == 64 for f in entry["files"])
    kb = KnowledgeBundle(out)
    assert kb.table("clinvar").num_rows == manifest["tables"]["clinvar"]["rows"]
    # BRAF V600E's CIViC allele was lifted to GRCh38 (7:140753336 A>T) and keyed
    rows = kb.table("biomarkers").to_pylist()
    eid = next(r for r in rows if r["evidence_id"] == "EID1409")
    assert (eid["chrom"], eid["pos"], eid["variant_key"]) == (
        "7",
        140753336,
        variant_key("7", 140753336, "A", "T"),
    )


def test_build_without_chain_drops_grch37_coordinates(tmp_path):
    manifest = build_knowledge_bundle(KnowledgeSources(civic=CIVIC_MP), tmp_path / "kb")
    assert "coordinates dropped" in manifest["sources"][0]["note"]
    rows = KnowledgeBundle(tmp_path / "kb").table("biomarkers").to_pylist()
    assert all(r["chrom"] is None for r in rows)


def test_corrupt_bundle_is_refused(built, tmp_path):
    out, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    with open(copy / "hotspots.parquet", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(KnowledgeBundleError, match="checksum"):
        KnowledgeBundle(copy)


def test_cgi_is_never_redistributable_and_refused_for_the_default_bundle(tmp_path):
    before = (DEFAULT_BUNDLE_DIR / "manifest.json").read_bytes()
    with pytest.raises(KnowledgeBuildError, match="may not be redistributed"):
        build_knowledge_bundle(KnowledgeSources(cgi=CGI), DEFAULT_BUNDLE_DIR)
    assert (DEFAULT_BUNDLE_DIR / "manifest.json").read_bytes() == before
    manifest = build_knowledge_bundle(KnowledgeSources(cgi=CGI), tmp_path / "with_cgi")
    assert manifest["redistributable"] is False
    assert next(s for s in manifest["sources"] if s["name"] == "cgi")["redistributable"] is False


def test_shipped_default_bundle_is_licence_clean_and_reproducible(built):
    kb = KnowledgeBundle.default()  # verifies every table checksum
    assert kb.manifest["redistributable"] is True
    assert {s["name"] for s in kb.manifest["sources"]} == {
        "civic",
        "cancerhotspots",
        "hotspot_alleles",
        "clinvar",
        "acmg_sf",
        "curated",
    }
    assert all(s["redistributable"] for s in kb.manifest["sources"])
    out, manifest = built
    # the shipped tables equal a fresh build from the sources in tests/data/knowledge
    for name, entry in kb.manifest["tables"].items():
        shipped = pq.read_table(DEFAULT_BUNDLE_DIR / entry["file"])
        fresh = pq.read_table(out / manifest["tables"][name]["file"])
        assert shipped.equals(fresh), name


def test_oncotree_hierarchy_and_disease_map():
    types = KnowledgeBundle.default().tumor_types
    assert types.lineage("coad") == ["COAD", "COADREAD", "BOWEL", "TISSUE"]
    names, doids = types.matching_diseases("COAD")
    assert {"colorectal cancer", "colon cancer", "cancer"} <= names
    assert "9256" in doids and "1909" not in doids
    mel, _ = types.matching_diseases("MEL")
    assert "skin melanoma" in mel  # descendant SKCM's evidence applies to melanoma NOS
    bowel, _ = types.matching_diseases("BOWEL")
    assert "colon cancer" not in bowel  # a tissue does not take its descendants' evidence
    with pytest.raises(UnknownTumorType, match="XYZ"):
        types.lineage("XYZ")


def test_cli_knowledge_build_and_show(tmp_path):
    runner = CliRunner()
    out = tmp_path / "kb"
    result = runner.invoke(
        app,
        ["knowledge", "build", "--genes", str(ACMG), "-o", str(out), "--version", "t1", "--json"],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert manifest["id"] == "genomed-knowledge@t1"
    assert manifest["tables"]["acmg_sf"]["rows"] == 97
    result = runner.invoke(app, ["knowledge", "show", str(out), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["tables"]["acmg_sf"] == 97
    result = runner.invoke(
        app, ["knowledge", "build", "--civic", str(tmp_path / "nope"), "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert "nightly-ClinicalEvidenceSummaries.tsv" in result.output
