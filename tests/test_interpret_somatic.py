"""Somatic interpretation: AMP tiers, therapies, oncogenicity, TMB, CNA and fusion events.

Expectations were worked out by hand from the shipped CIViC 2018-05 dump and the
cancerhotspots tables (tests/data/knowledge), e.g. with
``awk -F'\\t' '$1=="BRAF" && $2=="V600E"' nightly-ClinicalEvidenceSummaries.tsv``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.interpret.somatic import interpret_somatic
from genomed.interpret.tables import write_table
from genomed.interpret.variant_input import load_variants
from genomed.knowledge.oncotree import UnknownTumorType

DATA = Path(__file__).parent / "data" / "interpret"
COAD = DATA / "T001-COAD.grch38.vcf.gz"
BRCA = DATA / "T001-BRCA.grch38.vcf.gz"


def _therapy(row: dict, name: str, response: str, this: bool) -> dict | None:
    return next(
        (
            t
            for t in row["therapies"]
            if t["therapy"] == name and t["response"] == response and t["this_tumour_type"] == this
        ),
        None,
    )


@pytest.fixture(scope="module")
def coad():
    return interpret_somatic(
        COAD,
        tumor_type="COAD",
        cna=DATA / "T001-COAD.grch38.cna.tsv",
        fusions=DATA / "T001-COAD.grch38.fusions.tsv",
    )


def _gene(result, gene: str, change: str | None = None) -> dict:
    return next(
        r
        for r in result.variants
        if r["gene"] == gene and (change is None or r["protein_change"] == change)
    )


def test_coad_braf_v600e_tier_and_therapies(coad):
    braf = _gene(coad, "BRAF", "V600E")
    # EID103: BRAF V600E, Colorectal Cancer, prognostic, level A, supports (poor outcome)
    assert braf["tier"] == "I-A"
    assert braf["tier_evidence_ids"] == ["EID103"]
    # EID126/EID1704/EID3739: cetuximab resistance, colorectal cancer, level B
    cetuximab = _therapy(braf, "Cetuximab", "resistance", True)
    assert cetuximab["best_level"] == "B" and {"EID126", "EID3739"} <= set(
        cetuximab["evidence_ids"]
    )
    # EID1409: vemurafenib sensitivity in skin melanoma (level A) is another tumour type here
    assert "EID1409" in _therapy(braf, "Vemurafenib", "sensitivity", False)["evidence_ids"]
    # OS1 (A/B somatic evidence for V600E) + OS3 (897 tumours at V600, 833 with V600E)
    assert [c["criterion"] for c in braf["oncogenicity_criteria"]] == ["OS1", "OS3"]
    assert (braf["oncogenicity"], braf["oncogenicity_points"]) == ("Likely oncogenic", 8)
    assert braf["hotspot"] == "BRAF V600E"
    assert {e["evidence_id"] for e in braf["evidence"]} >= {"EID103", "EID126", "EID1409"}


def test_coad_tp53_frameshift_is_ovs1(coad):
    tp53 = _gene(coad, "TP53")
    assert tp53["consequence"] == "frameshift_variant"
    assert [c["criterion"] for c in tp53["oncogenicity_criteria"]] == [
        "OVS1"
    ]  # no population source in the VCF
    assert tp53["oncogenicity"] == "Likely oncogenic"
    # TP53 MUTATION evidence exists only for other tumour types at level B (e.g. EID517)
    assert tp53["tier"] == "II-C"
    assert "EID517" in tp53["tier_evidence_ids"]


def test_coad_copy_number_and_fusion_events(coad):
    events = {(e["gene"], e["kind"]): e for e in coad.events}
    # ERBB2 (17:39.69-39.73 Mb) lies in segment 17:39600010-40000000 with nMajor 8 + nMinor 1
    erbb2 = events[("ERBB2", "amplification")]
    assert erbb2["total_cn"] == 9 and erbb2["segment"] == "17:39600010-40000000"
    assert erbb2["tier"] == "I-B"  # level B predictive evidence in colorectal cancer (EID1686 ...)
    assert _therapy(erbb2, "Cetuximab", "resistance", True)["best_level"] == "B"
    # NRAS (1:114.7 Mb) in segment 1:114430211-116197573, CN 23 + 1, no CIViC amplification evidence
    assert events[("NRAS", "amplification")]["total_cn"] == 24
    assert events[("NRAS", "amplification")]["tier"] == "III"
    # EML4::ALK matches CIViC "ALK FUSIONS" in Cancer (DOID 162, every tumour type): EID2952 level B
    alk = events[("EML4::ALK", "fusion")]
    assert alk["tier"] == "I-B" and alk["tier_evidence_ids"] == ["EID2952"]
    assert _therapy(alk, "Entrectinib", "sensitivity", True)["evidence_ids"] == ["EID2952"]
    assert len([e for e in coad.events if e["kind"] == "fusion"]) == 9


def test_coad_tmb_method_is_stated(coad):
    tmb = coad.tmb
    assert tmb.territory_mb == 34 and "PCGR default" in tmb.territory_source
    assert tmb.mutations_per_mb == round(tmb.counted / 34, 2)
    assert tmb.counted <= 3313 and tmb.high
    assert "VAF >= 0.05" in tmb.method


def test_braf_v600e_melanoma_is_tier_ia_with_therapies():
    for code in ("SKCM", "MEL"):
        result = interpret_somatic(DATA / "braf_v600e.grch38.vcf", tumor_type=code)
        braf = result.variants[0]
        # EID1409 (vemurafenib) and EID1411 (trametinib + dabrafenib): Skin Melanoma, level A
        assert braf["tier"] == "I-A", code
        assert braf["tier_evidence_ids"] == ["EID1409", "EID1411"]
        assert _therapy(braf, "Vemurafenib", "sensitivity", True)["best_level"] == "A"
        assert _therapy(braf, "Trametinib,Dabrafenib", "sensitivity", True)["evidence_ids"] == [
            "EID1411"
        ]


def test_braf_v600e_in_an_unlisted_tumour_type_falls_to_tier_ii():
    result = interpret_somatic(DATA / "braf_v600e.grch38.vcf", tumor_type="PRAD")
    braf = result.variants[0]
    # CIViC has no prostate evidence for V600E: A/B evidence elsewhere -> II-C
    assert braf["tier"] == "II-C"
    assert "another tumour type" in braf["tier_reason"]
    assert _therapy(braf, "Vemurafenib", "sensitivity", True) is None
    # pan-cancer ("Cancer", DOID 162) evidence applies: EID1141 cobimetinib, level D
    assert _therapy(braf, "Cobimetinib", "sensitivity", True)["evidence_ids"] == ["EID1141"]


def test_kras_g12_in_colorectal_cancer_shows_anti_egfr_resistance():
    result = interpret_somatic(DATA / "kras_g12d.grch38.vcf", tumor_type="COAD")
    kras = result.variants[0]
    assert kras["protein_change"] == "G12D" and kras["exon"] == 2
    # EID993 (KRAS exon 2 mutation, cetuximab, A) and EID5345 (KRAS mutation,
    # panitumumab + cetuximab, A) in colorectal cancer
    assert kras["tier"] == "I-A"
    assert kras["tier_evidence_ids"] == ["EID993", "EID5345"]
    cetuximab = _therapy(kras, "Cetuximab", "resistance", True)
    assert {"EID134", "EID993"} <= set(cetuximab["evidence_ids"])  # G12/G13 codon and exon 2
    assert _therapy(kras, "Panitumumab,Cetuximab", "resistance", True)["best_level"] == "A"
    assert _therapy(kras, "Panitumumab", "resistance", True)["evidence_ids"] == [
        "EID2236"
    ]  # G12D, C
    matches = {e["evidence_id"]: e["match"] for e in kras["evidence"]}
    assert (matches["EID134"], matches["EID993"], matches["EID5345"], matches["EID2236"]) == (
        "codon",
        "exon",
        "gene",
        "genomic",  # CIViC's GRCh37 allele of G12D, lifted: the same variant_key
    )


def test_brca_example_pik3ca_and_tp53():
    result = interpret_somatic(BRCA, tumor_type="BRCA")
    pik3ca = _gene(result, "PIK3CA")
    # EID2100 (trastuzumab resistance, B) and EID2103 (T-DM1 sensitivity, B) in breast cancer
    assert pik3ca["protein_change"] == "H1047R"
    assert pik3ca["tier"] == "I-B"
    assert _therapy(pik3ca, "Ado-trastuzumab Emtansine", "sensitivity", True)["evidence_ids"] == [
        "EID2103"
    ]
    assert "EID2100" in _therapy(pik3ca, "Trastuzumab", "resistance", True)["evidence_ids"]
    tp53 = _gene(result, "TP53")
    # TP53 V272: 66 tumours at the residue, 34 with V272M -> OS3 only; no V272M evidence
    assert tp53["protein_change"] == "V272M"
    assert [c["criterion"] for c in tp53["oncogenicity_criteria"]] == ["OS3"]
    assert tp53["tier"] == "III"
    assert result.tier_counts["I-B"] == 1 and result.tier_counts["I-A"] == 0


def test_csq_input_tmb_and_common_variant_tier_iv():
    result = interpret_somatic(DATA / "vep_csq_tumour.vcf", tumor_type="COAD", territory_mb=2)
    rows = {(r["gene"], r["protein_change"] or r["consequence"]): r for r in result.variants}
    braf = rows[("BRAF", "V600E")]
    assert braf["annotation_source"] == "CSQ (VEP, input file)"
    assert braf["transcript"] == "ENST00000646891.2"  # the MANE Select block, not the second one
    assert braf["tier"] == "I-A"
    assert "OP1" in [c["criterion"] for c in braf["oncogenicity_criteria"]]  # REVEL 0.93
    tp53 = rows[("TP53", "R248Q")]
    assert tp53["tier"] == "IV" and "0.2 > 0.01" in tp53["tier_reason"]
    assert "SBVS1" in [c["criterion"] for c in tp53["oncogenicity_criteria"]]
    assert (
        rows[("GENEA", "synonymous_variant")]["protein_change"] is None
    )  # p.Leu100%3D decoded: p.=
    # counted: G34S, R67*, BRAF V600E, TP53 R248Q; not the synonymous, the intronic, the
    # VAF 0.02 missense or the LowQual one -> 4 / 2 Mb
    assert (result.tmb.counted, result.tmb.mutations_per_mb) == (4, 2.0)


def test_tmb_from_callable_bed(tmp_path):
    bed = tmp_path / "callable.bed"
    bed.write_text("1\t0\t1000000\n1\t500000\t1500000\n7\t0\t500000\n")  # 1.5 + 0.5 Mb merged
    result = interpret_somatic(DATA / "vep_csq_tumour.vcf", tumor_type="COAD", callable_bed=bed)
    assert result.tmb.territory_mb == 2.0 and result.tmb.mutations_per_mb == 2.0


def test_unknown_tumour_type_is_refused():
    with pytest.raises(UnknownTumorType):
        interpret_somatic(DATA / "braf_v600e.grch38.vcf", tumor_type="NOPE")


def test_input_contract_from_pcgr_vcf():
    table = load_variants(COAD)
    assert table.num_rows == 3313
    braf = [r for r in table.to_pylist() if r["gene"] == "BRAF"][0]
    assert (braf["hgvsc"], braf["hgvsp"], braf["dp"]) == ("c.1799T>A", "p.Val600Glu", 54)
    assert abs(braf["vaf"] - 0.314814814815) < 1e-6  # INFO/TVAF


def test_tables_and_cli(tmp_path, coad):
    tsv = write_table(coad, tmp_path / "coad.tsv", "somatic")
    with open(tsv) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 3313 + len(coad.events)
    braf = next(r for r in rows if r["gene"] == "BRAF")
    assert braf["tier"] == "I-A" and "OS3(+4)" in braf["oncogenicity_criteria"]
    assert "Cetuximab [resistance, B, this tumour: EID126" in braf["therapies"]
    runner = CliRunner()
    out = tmp_path / "kras.json"
    result = runner.invoke(
        app,
        [
            "interpret",
            "somatic",
            str(DATA / "kras_g12d.grch38.vcf"),
            "--tumor-type",
            "COAD",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["variants"][0]["tier"] == "I-A"
    assert data["case"]["tumor_type"] == "COAD"
    result = runner.invoke(
        app,
        [
            "interpret",
            "somatic",
            str(DATA / "kras_g12d.grch38.vcf"),
            "--tumor-type",
            "COAD",
            "-o",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 1 and ".tsv or .json" in result.output


def test_tmb_all_coding_counts_synonymous_too():
    result = interpret_somatic(
        DATA / "vep_csq_tumour.vcf", tumor_type="COAD", territory_mb=2, tmb_measure="all_coding"
    )
    assert (result.tmb.counted, result.tmb.mutations_per_mb) == (5, 2.5)  # + the synonymous L100=
    from genomed.errors import InputError

    with pytest.raises(InputError, match="tmb_measure"):
        interpret_somatic(DATA / "vep_csq_tumour.vcf", tumor_type="COAD", tmb_measure="silent")
