"""Oncogenicity OS2/SBS2 (CIViC functional evidence) and OP2 (single-aetiology
malignancies). The CIViC rows are written here by hand in the current (molecular-profile)
layout; expected points are summed by hand from ``rules/oncogenicity_criteria.tsv``."""

from __future__ import annotations

import pyarrow as pa

from genomed.interpret.evidence_match import EvidenceIndex
from genomed.interpret.oncogenicity import classify_oncogenicity
from genomed.interpret.somatic import interpret_somatic
from genomed.interpret.variant_input import INPUT_COLUMNS
from genomed.knowledge import bundle_format as fmt
from genomed.knowledge.civic import read_civic

EVIDENCE = [
    # id, profile, type, significance, level, direction
    ("9001", "11", "Functional", "Gain of Function", "D", "Supports"),
    ("9002", "12", "Functional", "Unaltered Function", "D", "Supports"),
    ("9003", "13", "Functional", "Loss of Function", "E", "Supports"),
    ("9004", "14", "Functional", "Loss of Function", "D", "Supports"),
]
PROFILES = [("11", "KRAS G13C", "101"), ("12", "KRAS A18D", "102"), ("13", "TP53 R249M", "103"),
            ("14", "TP53 R249M", "103")]  # fmt: skip
VARIANTS = [("101", "KRAS", "G13C"), ("102", "KRAS", "A18D"), ("103", "TP53", "R249M")]


def _civic(tmp_path):
    evidence = ["molecular_profile\tmolecular_profile_id\tdisease\tdoid\ttherapies\tevidence_type\t"
                "evidence_direction\tevidence_level\tsignificance\tevidence_status\tevidence_id\tvariant_origin"]  # fmt: skip
    names = {p: n for p, n, _ in PROFILES}
    for eid, profile, kind, sig, level, direction in EVIDENCE:
        evidence.append(
            f"{names[profile]}\t{profile}\tCancer\t162\t\t{kind}\t{direction}\t{level}\t{sig}\taccepted\t{eid}\tSomatic"
        )
    (tmp_path / "nightly-ClinicalEvidenceSummaries.tsv").write_text("\n".join(evidence) + "\n")
    profiles = ["molecular_profile_id\tname\tvariant_ids"] + ["\t".join(p) for p in PROFILES]
    (tmp_path / "nightly-MolecularProfileSummaries.tsv").write_text("\n".join(profiles) + "\n")
    variants = ["variant_id\tgene\tvariant"] + ["\t".join(v) for v in VARIANTS]
    (tmp_path / "nightly-VariantSummaries.tsv").write_text("\n".join(variants) + "\n")
    return read_civic(tmp_path)


def _onc(v: dict, role: str, index: EvidenceIndex, **extra):
    return classify_oncogenicity(
        v,
        role=role,
        hotspots=[],
        clinical_same_change=[],
        frequency_consulted=False,
        evidence=index.match_variant(v),
        **extra,
    )


def _row(gene: str, change: str, pos: int, consequence: str = "missense_variant") -> dict:
    return {"variant_key": 0, "gene": gene, "protein_change": change, "aa_pos": pos,
            "consequence": consequence, "af": None}  # fmt: skip


def test_civic_functional_significance_is_kept_in_the_bundle_rows(tmp_path):
    rows = _civic(tmp_path).columns
    assert rows["evidence_type"] == ["functional"] * 4
    assert rows["significance"] == [
        "gain_of_function",
        "unaltered_function",
        "loss_of_function",
        "loss_of_function",
    ]


def test_os2_and_sbs2_from_functional_evidence(tmp_path):
    index = EvidenceIndex(fmt.conform("biomarkers", _civic(tmp_path).columns))
    # KRAS G13C, oncogene, EID9001 gain of function (level D, supports): OS2 = +4 -> VUS (4)
    onc = _onc(_row("KRAS", "G13C", 13), "oncogene", index)
    assert onc.codes() == "OS2" and onc.points == 4
    assert "EID9001 (gain of function, level D)" in onc.criteria[0].reason
    # the same gain of function in a gene known only as a tumour suppressor: not OS2
    assert _onc(_row("KRAS", "G13C", 13), "tsg", index).codes() == ""
    # KRAS A18D, EID9002 unaltered function: SBS2 = -4 -> likely benign
    onc = _onc(_row("KRAS", "A18D", 18), "oncogene", index)
    assert (onc.codes(), onc.points, onc.classification) == ("SBS2", -4, "Likely benign")
    # TP53 R249M, tumour suppressor: EID9004 loss of function at level D counts, EID9003
    # (level E, inferential) does not
    onc = _onc(_row("TP53", "R249M", 249), "tsg", index)
    assert onc.codes() == "OS2" and "EID9004" in onc.criteria[0].reason
    assert "EID9003" not in onc.criteria[0].reason
    # another change at the residue is not "this variant": no OS2
    assert _onc(_row("TP53", "R249S", 249), "tsg", index).codes() == ""


def test_op2_retinoblastoma_rb1(tmp_path):
    # RB1 R251* (a stop gain) in retinoblastoma (RBL): OVS1 (RB1 is a tumour suppressor in
    # gene_roles) 8 + OP2 1 = 9, likely oncogenic; in a uveal melanoma (UM) no OP2: 8
    row = {f.name: None for f in INPUT_COLUMNS} | {
        "chrom": "13", "pos": 48367512, "ref": "C", "alt": "T", "variant_key": 7, "filter": "PASS",
        "gene": "RB1", "consequence": "stop_gained", "protein_change": "R251*", "aa_pos": 251,
    }  # fmt: skip
    table = pa.Table.from_pylist([row], schema=INPUT_COLUMNS)
    rb = interpret_somatic(variants=table, tumor_type="RBL").variants[0]
    codes = [c["criterion"] for c in rb["oncogenicity_criteria"]]
    assert codes == ["OVS1", "OP2"] and rb["oncogenicity_points"] == 9
    op2 = rb["oncogenicity_criteria"][1]["reason"]
    assert "retinoblastoma (RBL)" in op2 and "Horak" in op2
    um = interpret_somatic(variants=table, tumor_type="UM").variants[0]
    assert [c["criterion"] for c in um["oncogenicity_criteria"]] == ["OVS1"]
