"""HGVS c./n./p./g. on the synthetic genome, every rule of the HGVS recommendations the
annotator implements, on both strands. Expected values are worked out by hand from the
sequences spelled out in tests/data/annotate/synthetic/make_synthetic.py.

+ strand ENSTPLUS.1: c.1 = genomic 131; exon 1 ends at c.20 (150); exon 2 is c.21-c.80
(201-260); exon 3 starts at c.81 (312); stop TAA = c.118-120 (349-351).
CDS: ATG GCC AAA AAG TGC TTC CA|G CAG GAA ...  (M A K K C F Q Q E ...)
- strand ENSTMINUS.1: c.k = genomic 1301-k (exon A, c.1-c.50), 1251-k (exon B, c.51-c.120),
1201-k (exon C, c.121-c.150); 5' UTR c.-30 = 1330; 3' UTR c.*1 = 1050.
CDS: ATG CTG GGA GGA GTC TGG ACC AAG CGG ...  (M L G G V W T K R ...)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from genomed.annotate.annotator import annotate_variants
from genomed.reference.build import build_reference_bundle

SYNTHETIC = Path(__file__).parent / "data" / "annotate" / "synthetic"


@pytest.fixture(scope="module")
def synthetic_bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("synthetic")
    for name in ("synthetic.fa", "synthetic.gff3"):
        shutil.copy(SYNTHETIC / name, work / name)
    build_reference_bundle(
        work / "synthetic.gff3", work / "bundle", build="GRCh38", fasta=work / "synthetic.fa"
    )
    return work / "bundle"


def annotate_one(bundle: Path, pos: int, ref: str, alt: str, transcript: str) -> dict:
    table = pa.table({"chrom": ["1"], "pos": [pos], "ref": [ref], "alt": [alt]})
    rows = annotate_variants(table, bundle, all_transcripts=True).to_pylist()
    hits = [r for r in rows if r["transcript"] == transcript]
    assert len(hits) == 1, rows
    return hits[0]


PLUS = "ENSTPLUS.1"
MINUS = "ENSTMINUS.1"
NC = "ENSTNC.1"

CASES = [
    # (id, transcript, pos, ref, alt, hgvs_c, hgvs_p, consequence)
    # substitution: GCC -> GAC
    ("plus substitution", PLUS, 135, "C", "A", "c.5C>A", "p.(Ala2Asp)", "missense_variant"),
    # synonymous: GCC -> GCT, p.(=)
    ("plus synonymous", PLUS, 136, "C", "T", "c.6C>T", "p.(=)", "synonymous_variant"),
    # nonsense: TGC -> TGA
    ("plus nonsense", PLUS, 145, "C", "A", "c.15C>A", "p.(Cys5Ter)", "stop_gained"),
    # start loss: ATG -> ACG
    ("plus start lost", PLUS, 132, "T", "C", "c.2T>C", "p.(Met1?)", "start_lost"),
    # stop loss: TAA -> CAA, 3' UTR reads GGC TGA: Gly then the new stop, 2nd residue
    ("plus stop lost", PLUS, 349, "T", "C", "c.118T>C", "p.(Ter40GlnextTer2)", "stop_lost"),
    ("plus stop retained", PLUS, 351, "A", "G", "c.120A>G", "p.(=)", "stop_retained_variant"),
    # deletion in AAAAA (c.7-c.11), written at c.7 by the VCF: 3' shifted to c.11;
    # new frame ATG GCC AAA AGT GCT TCC AGC AGG AAG ATC TGA: Lys4Ser ... Ter at 8
    (
        "plus del 3' shift",
        PLUS,
        136,
        "CA",
        "C",
        "c.11del",
        "p.(Lys4SerfsTer8)",
        "frameshift_variant",
    ),
    # insertion of A in AAAAA: a duplication of c.11; Lys4 stays (AAA), Cys5 -> Val (GTG),
    # the +1 frame reaches TAA in the 3' UTR 44 codons on
    ("plus dup", PLUS, 136, "C", "CA", "c.11dup", "p.(Cys5ValfsTer44)", "frameshift_variant"),
    # insertion that copies nothing: c.5_6insT; codon 3 AAA -> CAA first (same +1 frame: Ter46)
    (
        "plus insertion",
        PLUS,
        135,
        "C",
        "CT",
        "c.5_6insT",
        "p.(Lys3GlnfsTer46)",
        "frameshift_variant",
    ),
    # multi-base substitution = delins; GCC -> TTC
    ("plus delins", PLUS, 134, "GC", "TT", "c.4_5delinsTT", "p.(Ala2Phe)", "missense_variant"),
    # inversion AG -> CT at c.11_12; AAG -> ACT
    ("plus inversion", PLUS, 141, "AG", "CT", "c.11_12inv", "p.(Lys4Thr)", "missense_variant"),
    # in-frame deletion of one CAG of CAGCAG (c.19-c.24, across the exon 1/2 junction):
    # c.22_24del, the second Gln (3' rule at protein level)
    ("plus inframe del", PLUS, 201, "GCAG", "G", "c.22_24del", "p.(Gln8del)", "inframe_deletion"),
    # exon/exon junction exception: c.80 (last base of exon 2) and c.81 are both T; the
    # deletion of c.80 is not shifted to c.81, which would be another genomic change
    ("plus junction", PLUS, 259, "GT", "G", "c.80del", "p.(Ala28ProfsTer23)", "frameshift_variant"),
    # intronic offsets, donor (+) and acceptor (-) sides
    ("plus donor +5", PLUS, 155, "G", "A", "c.20+5G>A", None, "splice_donor_5th_base_variant"),
    ("plus acceptor -1", PLUS, 200, "G", "A", "c.21-1G>A", None, "splice_acceptor_variant"),
    # intron 2 has 51 bases (261-311): the middle one (286) takes '+'
    ("plus intron middle", PLUS, 286, "C", "T", "c.80+26C>T", None, "intron_variant"),
    # intronic deletion in CCCC (195-198, c.21-6..c.21-3), left-aligned at 194: shifted on
    # the genome to the last C
    ("plus intronic del", PLUS, 194, "TC", "T", "c.21-3del", None, "splice_region_variant"),
    # minus strand: TTTTTT at c.51-9..c.51-4 is AAAAAA at 1204-1209 on the + strand; the
    # VCF (left-aligned) deletion of 1204 is already the 3'-most in transcript terms
    ("minus intronic del", MINUS, 1203, "GA", "G", "c.51-4del", None, "splice_region_variant"),
    # ... and a right-aligned one (1209, c.51-9) is described there too; its consequence
    # stays that of the position as written (as VEP does)
    (
        "minus intronic del 2",
        MINUS,
        1208,
        "AA",
        "A",
        "c.51-4del",
        None,
        "splice_polypyrimidine_tract_variant",
    ),
    # UTRs
    ("plus 5'UTR", PLUS, 101, "C", "T", "c.-30C>T", None, "5_prime_UTR_variant"),
    ("plus 3'UTR", PLUS, 353, "G", "A", "c.*2G>A", None, "3_prime_UTR_variant"),
    # minus strand: bases complemented, positions run backwards along the genome
    ("minus substitution", MINUS, 1296, "A", "G", "c.5T>C", "p.(Leu2Pro)", "missense_variant"),
    ("minus nonsense", MINUS, 1284, "C", "T", "c.17G>A", "p.(Trp6Ter)", "stop_gained"),
    ("minus start lost", MINUS, 1298, "C", "T", "c.3G>A", "p.(Met1?)", "start_lost"),
    # duplication of GGA (c.7-c.12 GGAGGA, then G): 3' shifted in transcript direction to
    # c.11_13 (GAG); protein GG -> GGG: p.(Gly4dup)
    ("minus dup", MINUS, 1288, "C", "CTCC", "c.11_13dup", "p.(Gly4dup)", "inframe_insertion"),
    # deletion of one G of GG (c.7-c.8), left-aligned in the VCF at genomic 1293: c.8del;
    # new frame GAG GAG TCT GGA CCA AGC GGC TGC CCG AGT TCA AGG CCA TCA GCT TCA AGG ACC TGC TGA
    ("minus del", MINUS, 1292, "TC", "T", "c.8del", "p.(Gly3GlufsTer20)", "frameshift_variant"),
    # delins on the minus strand: genomic AG (1296-1297) -> TT is c.4_5 CT -> AA: CTG -> AAG
    ("minus delins", MINUS, 1296, "AG", "TT", "c.4_5delinsAA", "p.(Leu2Lys)", "missense_variant"),
    # insertion that copies nothing: genomic T after 1295 is A between c.5 and c.6; CTG ->
    # CTA GGG AGG ...: Leu2 and Gly3 stay, Gly4 -> Arg (= 1), the new frame stops at 49
    (
        "minus insertion",
        MINUS,
        1295,
        "C",
        "CT",
        "c.5_6insA",
        "p.(Gly4ArgfsTer49)",
        "frameshift_variant",
    ),
    ("minus donor +5", MINUS, 1246, "C", "T", "c.50+5G>A", None, "splice_donor_5th_base_variant"),
    ("minus acceptor -1", MINUS, 1201, "C", "A", "c.51-1G>T", None, "splice_acceptor_variant"),
    ("minus 5'UTR", MINUS, 1330, "C", "T", "c.-30G>A", None, "5_prime_UTR_variant"),
    ("minus 3'UTR", MINUS, 1050, "G", "A", "c.*1C>T", None, "3_prime_UTR_variant"),
    ("minus stop retained", MINUS, 1051, "C", "T", "c.150G>A", "p.(=)", "stop_retained_variant"),
    # TAG -> CAG; 3' UTR CCT GAC CGG TTA ACC GGT TAA: new stop 7 residues after Gln50
    ("minus stop lost", MINUS, 1053, "A", "G", "c.148T>C", "p.(Ter50GlnextTer7)", "stop_lost"),
    # non-coding transcript: n. numbering, 3' shifted deletion (GG at n.7-8 -> n.8del)
    ("nc substitution", NC, 1617, "A", "G", "n.17A>G", None, "non_coding_transcript_exon_variant"),
    ("nc deletion", NC, 1606, "CG", "C", "n.8del", None, "non_coding_transcript_exon_variant"),
    ("nc intron", NC, 1651, "G", "A", "n.50+1G>A", None, "splice_donor_variant"),
]


@pytest.mark.parametrize(
    "transcript,pos,ref,alt,hgvs_c,hgvs_p,consequence",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_hgvs_rules(synthetic_bundle, transcript, pos, ref, alt, hgvs_c, hgvs_p, consequence):
    row = annotate_one(synthetic_bundle, pos, ref, alt, transcript)
    assert row["hgvs_c"] == hgvs_c
    assert row["hgvs_p"] == hgvs_p
    assert row["most_severe"] == consequence
    assert row["sequence_status"] in (None, "ok")


GENOMIC = [
    ("substitution", 135, "C", "A", "NC_000001.11:g.135C>A"),
    # + strand 3' shift of a deleted A in AAAAA (136 anchor -> 137..141): g.141del
    ("deletion", 136, "CA", "C", "NC_000001.11:g.141del"),
    ("duplication", 136, "C", "CA", "NC_000001.11:g.141dup"),
    # TCCTCC at 1289-1294 (the minus gene's GGAGGA): TCC inserted after 1288 shifts to 1294
    ("duplication on the + strand of a - gene", 1288, "C", "CTCC", "NC_000001.11:g.1292_1294dup"),
    ("delins", 134, "GC", "TT", "NC_000001.11:g.134_135delinsTT"),
    # the minus gene's intronic AAAAAA (1204-1209): + strand 3' shift to 1209
    ("intronic deletion", 1203, "GA", "G", "NC_000001.11:g.1209del"),
]


@pytest.mark.parametrize(
    "pos,ref,alt,expected", [g[1:] for g in GENOMIC], ids=[g[0] for g in GENOMIC]
)
def test_hgvs_genomic(synthetic_bundle, pos, ref, alt, expected):
    row = annotate_one(synthetic_bundle, pos, ref, alt, PLUS if pos < 1000 else MINUS)
    assert row["hgvs_g"] == expected


def test_codons_and_positions_follow_vep(synthetic_bundle):
    row = annotate_one(synthetic_bundle, 135, "C", "A", PLUS)
    assert (row["codons"], row["amino_acids"]) == ("gCc/gAc", "A/D")
    assert (row["cdna_position"], row["cds_position"], row["protein_position"]) == ("35", "5", "2")
    assert (row["exon"], row["intron"]) == ("1/3", None)
    # an insertion between codons 2 and 3 is placed between them, with its flanks
    row = annotate_one(synthetic_bundle, 136, "C", "CA", PLUS)
    assert (row["cds_position"], row["protein_position"], row["codons"]) == ("6-7", "2-3", "-/A")
    row = annotate_one(synthetic_bundle, 1296, "A", "G", MINUS)
    assert (row["codons"], row["amino_acids"], row["strand"]) == ("cTg/cCg", "L/P", -1)
    row = annotate_one(synthetic_bundle, 155, "G", "A", PLUS)
    assert (row["exon"], row["intron"]) == (None, "1/2")


def test_reference_mismatch_is_reported(synthetic_bundle):
    # genomic 135 is C; a VCF claiming T there still gets a prediction, flagged
    row = annotate_one(synthetic_bundle, 135, "T", "A", PLUS)
    assert row["sequence_status"] == "ref_mismatch"
