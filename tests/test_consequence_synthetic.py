"""Consequence classes on the synthetic genome, VEP's definitions, both strands.

ENSTPLUS.1 (+): exon 1 101-150 (CDS from 131), intron 1 151-200, exon 2 201-260, intron 2
261-311, exon 3 312-401 (CDS to 351). ENSTMINUS.1 (-): exons 1251-1330, 1131-1200,
1001-1080. ENSTNC.1 (lncRNA, +): exons 1601-1650, 1701-1760.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from genomed.annotate.annotator import annotate_variants
from genomed.annotate.consequence_terms import IMPACT, RANK, TERMS, masks_to_strings
from genomed.reference.build import build_reference_bundle
from genomed.reference.fasta import read_fasta

SYNTHETIC = Path(__file__).parent / "data" / "annotate" / "synthetic"
GENOME = read_fasta(SYNTHETIC / "synthetic.fa")["1"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("synthetic")
    for name in ("synthetic.fa", "synthetic.gff3"):
        shutil.copy(SYNTHETIC / name, work / name)
    build_reference_bundle(
        work / "synthetic.gff3", work / "b", build="GRCh38", fasta=work / "synthetic.fa"
    )
    return work / "b"


def ref(pos: int, length: int = 1) -> str:
    return GENOME[pos - 1 : pos - 1 + length]


def consequences(bundle, pos, ref_allele, alt, chrom="1") -> dict[str, dict]:
    table = pa.table({"chrom": [chrom], "pos": [pos], "ref": [ref_allele], "alt": [alt]})
    return {
        r["transcript"]: r
        for r in annotate_variants(table, bundle, all_transcripts=True).to_pylist()
    }


def csq(bundle, pos, ref_allele, alt, transcript="ENSTPLUS.1") -> str:
    return consequences(bundle, pos, ref_allele, alt)[transcript]["consequence"]


def snv(pos: int) -> tuple[int, str, str]:
    r = ref(pos)
    return pos, r, "A" if r != "A" else "G"


@pytest.mark.parametrize(
    "pos,expected",
    [
        (148, "splice_region"),  # 3rd-last base of exon 1 (coding)
        (151, "splice_donor_variant"),  # intron +1
        (152, "splice_donor_variant"),  # +2
        (153, "splice_donor_region_variant&intron_variant"),  # +3
        (154, "splice_donor_region_variant&intron_variant"),  # +4
        (155, "splice_donor_5th_base_variant&intron_variant"),  # +5
        (156, "splice_donor_region_variant&intron_variant"),  # +6
        (157, "splice_region_variant&intron_variant"),  # +7
        (158, "splice_region_variant&intron_variant"),  # +8
        (159, "intron_variant"),  # +9
        (183, "intron_variant"),  # -18
        (184, "splice_polypyrimidine_tract_variant&intron_variant"),  # -17
        (192, "splice_polypyrimidine_tract_variant&intron_variant"),  # -9
        (193, "splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant"),  # -8
        (198, "splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant"),  # -3
        (199, "splice_acceptor_variant"),  # -2
        (200, "splice_acceptor_variant"),  # -1
        (101, "5_prime_UTR_variant"),
        (130, "5_prime_UTR_variant"),  # base before the ATG
        (352, "3_prime_UTR_variant"),  # base after the stop codon
        (401, "3_prime_UTR_variant"),
    ],
)
def test_plus_strand_position_terms(bundle, pos, expected):
    got = csq(bundle, *snv(pos))
    if expected == "splice_region":
        assert "splice_region_variant" in got.split("&")
    else:
        assert got == expected


@pytest.mark.parametrize(
    "pos,expected",
    [
        # minus strand: intron A is 1201-1250; the donor (+1) is 1250, the acceptor (-1) 1201
        (1250, "splice_donor_variant"),
        (1246, "splice_donor_5th_base_variant&intron_variant"),  # +5
        (1243, "splice_region_variant&intron_variant"),  # +8
        (1201, "splice_acceptor_variant"),
        (1210, "splice_polypyrimidine_tract_variant&intron_variant"),  # -10
        (1330, "5_prime_UTR_variant"),
        (1001, "3_prime_UTR_variant"),
    ],
)
def test_minus_strand_position_terms(bundle, pos, expected):
    assert csq(bundle, *snv(pos), transcript="ENSTMINUS.1") == expected


def test_insertions_use_both_flanks(bundle):
    # between the last exon base (150) and intron +1: splice region only (VEP)
    assert csq(bundle, 150, ref(150), ref(150) + "T") == "splice_region_variant"
    # between +1 and +2: inside the donor site
    assert csq(bundle, 151, ref(151), ref(151) + "A") == "splice_donor_variant"
    # between +2 and +3: intronic, splice region
    assert csq(bundle, 152, ref(152), ref(152) + "A") == "splice_region_variant&intron_variant"
    # right before the ATG: 5' UTR; right after the stop: 3' UTR
    assert csq(bundle, 130, ref(130), ref(130) + "T") == "5_prime_UTR_variant"
    assert csq(bundle, 351, ref(351), ref(351) + "T") == "3_prime_UTR_variant"


def test_upstream_downstream_distance_and_intergenic(bundle):
    rows = consequences(bundle, *snv(95))
    plus, minus = rows["ENSTPLUS.1"], rows["ENSTMINUS.1"]
    assert (plus["consequence"], plus["distance"]) == ("upstream_gene_variant", 6)
    # the minus-strand gene is 3' of this position: downstream, 1001 - 95 bases away
    assert (minus["consequence"], minus["distance"]) == ("downstream_gene_variant", 906)
    (row,) = consequences(bundle, 500, "A", "G", chrom="2").values()
    assert (row["consequence"], row["gene"], row["impact"]) == (
        "intergenic_variant",
        None,
        "MODIFIER",
    )


def test_non_coding_transcript(bundle):
    assert csq(bundle, *snv(1610), transcript="ENSTNC.1") == "non_coding_transcript_exon_variant"
    assert (
        csq(bundle, *snv(1680), transcript="ENSTNC.1")
        == "intron_variant&non_coding_transcript_variant"
    )


def test_transcript_ablation_and_exon_spanning_deletion(bundle):
    start, end = 1599, 1762  # covers the whole lncRNA 1601-1760
    row = consequences(bundle, start, ref(start, end - start + 1), ref(start))["ENSTNC.1"]
    assert row["most_severe"] == "transcript_ablation" and row["impact"] == "HIGH"
    # deletion of 149-152 (c.19-c.20 and +1..+2): donor site and coding sequence, no
    # full codon change can be predicted
    row = consequences(bundle, 148, ref(148, 5), ref(148))["ENSTPLUS.1"]
    assert row["consequence"] == "splice_donor_variant&coding_sequence_variant"
    assert (row["exon"], row["intron"]) == ("1/3", "1/2")


def test_start_codon_indels_follow_vep(bundle):
    # deleting the A of ATG: frameshift and start lost; p. = Met1?
    row = consequences(bundle, 130, ref(130, 2), ref(130))["ENSTPLUS.1"]
    assert row["consequence"] == "frameshift_variant&start_lost" and row["hgvs_p"] == "p.(Met1?)"
    # deleting the 5' UTR end with the ATG: start lost and 5' UTR
    row = consequences(bundle, 127, ref(127, 5), ref(127))["ENSTPLUS.1"]
    assert row["consequence"] == "start_lost&5_prime_UTR_variant"


def test_severity_table():
    assert TERMS[0].name == "transcript_ablation" and TERMS[-2].name == "intergenic_variant"
    assert RANK["stop_gained"] < RANK["frameshift_variant"] < RANK["missense_variant"]
    assert RANK["splice_donor_5th_base_variant"] < RANK["splice_region_variant"]
    assert IMPACT["missense_variant"] == "MODERATE" and IMPACT["splice_region_variant"] == "LOW"
    import numpy as np

    joined, worst, impact = masks_to_strings(
        np.array([(1 << RANK["intron_variant"]) | (1 << RANK["splice_region_variant"])])
    )
    assert joined == ["splice_region_variant&intron_variant"] and impact == ["LOW"]
