"""PVS1 by the ClinGen SVI decision tree (NMD, 50-nt rule, exon skipping, critical region)
and BP3/PM4 by tandem repeats of the reference. Expected values are worked out by hand in
the comments, from a made-up transcript or from the shipped reference bundle's bases."""

from __future__ import annotations

import gzip
from pathlib import Path

from genomed.interpret.acmg_criteria import protein_criteria, pvs1
from genomed.interpret.critical_residues import CriticalResidues
from genomed.interpret.germline import interpret_germline
from genomed.interpret.tandem_repeat import repeat_unit, tandem_repeat
from genomed.interpret.transcript_structure import TranscriptStructure

CLINVAR = Path(__file__).parent / "data" / "knowledge" / "clinvar"
CLINVAR_VCF = CLINVAR / "clinvar_20260226_GRCh38_dev_genes.vcf.gz"
LOF = {"lof_mechanism": True}

# A made-up transcript: exons (cDNA) 1-100, 101-200, 201-300, 301-500; c.1 is cDNA 11 and
# the stop codon ends at cDNA 460, so the protein is (460 - 11 + 1) / 3 - 1 = 149 residues.
# Residue r's codon starts at c.(3r - 2) = cDNA 3r + 8. The last exon junction is after
# cDNA 300 (end of the penultimate exon 3).
TX = TranscriptStructure("TX1", ((1, 100), (101, 200), (201, 300), (301, 500)), 11, 460)


def _v(consequence: str, aa_pos: int | None, **extra) -> dict:
    return {"consequence": consequence, "gene": "GENEX", "aa_pos": aa_pos, "variant_key": 1} | extra


def test_nonsense_5_prime_of_the_50_nt_window_undergoes_nmd():
    # residue 80: codon at cDNA 248, in exon 3; 300 - 248 + 1 = 53 nt from the junction > 50
    hit = pvs1(_v("stop_gained", 80), LOF, TX)
    assert hit.criterion == "PVS1" and hit.points == 8
    assert "53 nt 5' of the last exon junction" in hit.reason and "NMD" in hit.reason


def test_nonsense_in_the_last_50_nt_of_the_penultimate_exon_escapes_nmd():
    # residue 90: codon at cDNA 278; 300 - 278 + 1 = 23 nt <= 50: escapes NMD; residues
    # 90-149 are lost = 60 / 149 = 40.3% > 10%: PVS1_Strong
    hit = pvs1(_v("stop_gained", 90), LOF, TX)
    assert (hit.criterion, hit.points) == ("PVS1_Strong", 4)
    assert "23 nt from the end of the penultimate exon" in hit.reason
    assert "residues 90-149 of 149 (40.3%" in hit.reason


def test_frameshift_new_stop_from_fster_in_reference_coordinates():
    # p.Leu70fsTer25 from a 1-nt deletion: new stop at residue 70 + 25 - 1 = 94, first base
    # c.280 of the mutant; one base was deleted, so in reference coordinates c.281 =
    # cDNA 291, 300 - 291 + 1 = 10 nt from the end of exon 3: escapes NMD (the variant
    # residue 70, cDNA 218, alone would have said NMD: 83 nt)
    v = _v("frameshift_variant", 70, hgvsp="p.Leu70CysfsTer25", ref="AG", alt="A")
    hit = pvs1(v, LOF, TX)
    assert hit.criterion == "PVS1_Strong"
    assert "new stop codon at residue 94 (fsTer25), 10 nt from the end" in hit.reason


def test_frameshift_without_fster_is_approximated_and_says_so():
    # no HGVS p.: the variant position c.200 (cDNA 210) stands in: 300 - 210 + 1 = 91 > 50
    v = _v("frameshift_variant", 67, hgvsc="c.200del", ref="AG", alt="A")
    hit = pvs1(v, LOF, TX)
    assert hit.criterion == "PVS1"
    assert "approximated by the variant position c.200" in hit.reason


def test_last_exon_small_truncation_moderate_unless_region_is_critical():
    # residue 140: cDNA 428, last exon; residues 140-149 = 10 / 149 = 6.7% <= 10%: moderate
    hit = pvs1(_v("stop_gained", 140), LOF, TX)
    assert hit.criterion == "PVS1_Moderate" and "6.7%" in hit.reason
    # a ClinVar P/LP missense of another allele at residue 145 makes the region critical
    critical = CriticalResidues()
    critical.add("GENEX", 145, "missense", "R145W", 99)
    hit = pvs1(_v("stop_gained", 140), LOF, TX, critical)
    assert hit.criterion == "PVS1_Strong" and "R145W: critical region" in hit.reason
    # ... but not the variant's own record
    critical = CriticalResidues()
    critical.add("GENEX", 140, "truncating", "Q140*", 1)
    assert pvs1(_v("stop_gained", 140), LOF, TX, critical).criterion == "PVS1_Moderate"


def test_canonical_splice_in_frame_and_out_of_frame_exon_skipping():
    # donor of exon 2 (c.190+1: c.190 = cDNA 200, the end of exon 2); exon 2 is 100 coding
    # nt, not a multiple of 3, and not the penultimate exon: frame shifts, NMD assumed
    hit = pvs1(_v("splice_donor_variant", None, hgvsc="c.190+1G>A"), LOF, TX)
    assert hit.criterion == "PVS1" and "shifts the reading frame" in hit.reason
    # acceptor of exon 3 (c.191-2: cDNA 201), the penultimate exon: the shifted frame can
    # only end in the last exon: escapes NMD; altered from residue (201 - 11) // 3 + 1 = 64
    # to 149 = 86 / 149 = 57.7%: strong
    hit = pvs1(_v("splice_acceptor_variant", None, hgvsc="c.191-2A>G"), LOF, TX)
    assert hit.criterion == "PVS1_Strong" and "residues 64-149" in hit.reason
    # exon 2 of 99 nt (101-199): skipped in frame, residues (101 - 11) // 3 + 1 = 31 to
    # (199 - 11) // 3 + 1 = 63: 33 / 149 = 22.1% > 10%: strong
    tx = TranscriptStructure("TX2", ((1, 100), (101, 199), (200, 300), (301, 500)), 11, 460)
    hit = pvs1(_v("splice_donor_variant", None, hgvsc="c.189+2T>C"), LOF, tx)
    assert hit.criterion == "PVS1_Strong"
    assert "removes its 99 coding nt in frame (residues 31-63)" in hit.reason
    # the exon with the start codon is not modelled: PVS1 stays very strong
    hit = pvs1(_v("splice_donor_variant", None, hgvsc="c.90+1G>A"), LOF, tx)
    assert hit.criterion == "PVS1" and "start codon" in hit.reason


def test_out_of_frame_skip_translated_when_the_sequence_is_known():
    # cDNA (106 nt): GG | ATG GCC (exon 1, 1-8) | AAACCCGG (exon 2, 9-16, 8 nt: out of
    # frame) | CCC TAA G x74 (exon 3, 17-96) | A x10 (exon 4, 97-106); c.1 = cDNA 3.
    # Skipping exon 2: exons 1-8, 9-88, 89-98; the new junction is at cDNA 9, in frame 0
    # ((9 - 3) % 3 = 0), so translation restarts at 9: CCC TAA -> stop codon at cDNA 12,
    # in the penultimate exon 88 - 12 + 1 = 77 nt from its end > 50: NMD -> PVS1
    seq = "GG" + "ATGGCC" + "AAACCCGG" + "CCCTAA" + "G" * 74 + "A" * 10
    tx = TranscriptStructure("TX3", ((1, 8), (9, 16), (17, 96), (97, 106)), 3, 104, seq)
    hit = pvs1(_v("splice_donor_variant", None, hgvsc="c.14+1G>A"), LOF, tx)
    assert hit.criterion == "PVS1"
    assert "77 nt 5' of the last exon junction" in hit.reason and "(translated)" in hit.reason


def test_repeat_unit_is_read_in_codons():
    assert repeat_unit("CAGCAG") == "CAG"
    assert repeat_unit("AAA") == "AAA"  # period 1 lengthened to a codon
    assert repeat_unit("GCAGCA") == "GCA"


class _Genome:
    """A genome of one stretch starting at position 1."""

    def __init__(self, bases: str) -> None:
        self.bases = bases

    def window(self, chrom, lo, hi, core_lo, core_hi):
        return 1, self.bases


def test_tandem_repeat_counts_copies_in_the_reference():
    # TT CAG CAG CAG CAG TT: deleting the CAG at 3-5 (VCF 2 TCAG>T) leaves a 12-nt CAG
    # tract = 4 copies; inserting a CAG after position 2 sees the same 4 reference copies
    genome = _Genome("TTCAGCAGCAGCAGTT")
    assert tandem_repeat(genome, "1", 2, "TCAG", "T").copies == 4
    assert tandem_repeat(genome, "1", 2, "T", "TCAG").repetitive
    # AAA deleted from A6: unit AAA, 6 nt = 2 copies < 3: not a repeat
    assert not tandem_repeat(_Genome("TTAAAAAATT"), "1", 2, "TAAA", "T").repetitive


def test_pm4_and_bp3_by_repeat_and_hotspot_gene():
    repeat_rows = [("GENEX", 500)]
    v = _v("inframe_deletion", 10, variant_key=5)
    repeat = tandem_repeat(_Genome("TTCAGCAGCAGCAGTT"), "1", 2, "TCAG", "T")
    # in a repeat, gene without hotspot residues: BP3, no PM4
    assert [h.criterion for h in protein_criteria(v, {}, set(), repeat)] == ["BP3"]
    # in a repeat of a gene with a hotspot residue (PM1-type evidence): neither
    assert protein_criteria(v, {}, set(repeat_rows), repeat) == []
    # outside a repeat: PM4
    single = tandem_repeat(_Genome("TTCAGTTGTT"), "1", 2, "TCAG", "T")
    assert [h.criterion for h in protein_criteria(v, {}, set(), single)] == ["PM4"]
    # no bases: PM4 as before, and the reason says BP3 was not evaluated
    (hit,) = protein_criteria(v, {}, set(), None)
    assert hit.criterion == "PM4" and "BP3 not evaluated" in hit.reason


def _vcf(tmp_path: Path, records: list[tuple[str, int, str, str]]) -> Path:
    path = tmp_path / "g.vcf"
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=5>", "##contig=<ID=13>"]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t." for c, p, r, a in records]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bp3_and_pm4_on_the_shipped_reference(tmp_path):
    # BRCA2 13:32333171 GCCA>G (c.1701_1703del, p.Thr568del). Reference bases from
    # 32333160: GAAGCTGGCCAGCCACCACCACACAG; the deleted CCA (172-174) is followed by CCA
    # CCA C (175-181), preceded by G: tract 3 + 7 = 10 nt = 3 copies of CCA -> repeat;
    # BRCA2 has no cancerhotspots residue -> BP3 (-1), no PM4, no frequency source: -1
    # APC 5:112838495 CAGT>C (c.2908_2910del): from 112838485 TAAATAGTGTCAGTAGTAGTGATGGT,
    # AGT deleted (496-498), AGT AGT follow (499-504), C before: 9 nt = 3 copies -> repeat,
    # but APC has hotspot residues: no BP3 and no PM4 -> no criterion, 0 points
    result = interpret_germline(
        _vcf(tmp_path, [("5", 112838495, "CAGT", "C"), ("13", 32333171, "GCCA", "G")])
    )
    apc, brca2 = result.variants
    assert [c["criterion"] for c in brca2["acmg_criteria"]] == ["BP3"]
    assert "unit CCA x3" in brca2["acmg_criteria"][0]["reason"]
    assert (brca2["acmg_points"], brca2["acmg_class"]) == (-1, "Likely benign")
    assert apc["acmg_criteria"] == [] and apc["acmg_class"] == "VUS"


def _downstream_apc_pathogenic_nonsense(after: int) -> int:
    """ClinVar P/LP (>= 2 stars) APC nonsense records 3' of ``after`` (APC is on the +
    strand, so 3' in the protein is a higher position), read straight from the VCF."""
    ok = {
        "criteria_provided,_multiple_submitters,_no_conflicts",
        "reviewed_by_expert_panel",
        "practice_guideline",
    }
    n = 0
    with gzip.open(CLINVAR_VCF, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            f = line.split("\t")
            info = dict(kv.split("=", 1) for kv in f[7].strip().split(";") if "=" in kv)
            n += (
                f[0] == "5"
                and int(f[1]) > after
                and info.get("GENEINFO", "").startswith("APC:")
                and "nonsense" in info.get("MC", "")
                and info.get("CLNREVSTAT") in ok
                and info.get("CLNSIG")
                in ("Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic")
            )
    return n


def test_apc_r2560_stop_critical_region_from_clinvar(tmp_path):
    # APC c.7678C>T p.Arg2560Ter (5:112843272): the last exon (16/16) -> escapes NMD; it
    # loses residues 2560-2843 = 284 of 2843 = 9.99% <= 10% (moderate by size), but ClinVar
    # has reviewed P/LP nonsense variants further 3' (counted from the VCF below) -> the
    # region is critical: PVS1_Strong (4)
    assert _downstream_apc_pathogenic_nonsense(112843272) > 0
    row = interpret_germline(_vcf(tmp_path, [("5", 112843272, "C", "T")])).variants[0]
    (hit,) = [c for c in row["acmg_criteria"] if c["criterion"].startswith("PVS1")]
    assert hit["criterion"] == "PVS1_Strong"
    assert "in the last exon (16/16)" in hit["reason"] and "critical region" in hit["reason"]
    assert "residues 2560-2843 of 2843" in hit["reason"]
