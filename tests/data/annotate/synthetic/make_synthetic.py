"""Write the synthetic test genome (synthetic.fa, synthetic.gff3) used by the HGVS and
consequence tests. Run from this folder: ``python make_synthetic.py``.

Contig ``1`` (2,000 bp) holds three transcripts whose sequences are spelled out below,
segment by segment, so every expected value in the tests can be worked out by hand:

* ENSTPLUS.1 (gene PLUSG, + strand), exons 101-150, 201-260, 312-401; 5' UTR 101-130,
  CDS 131-351 minus introns (120 nt, 40 codons, TAA at 349-351), 3' UTR 352-401.
  Intron 1 is 151-200 (50 nt), intron 2 is 261-311 (51 nt, middle base 286).
* ENSTMINUS.1 (gene MINUSG, - strand), exons 1001-1080, 1131-1200, 1251-1330 (5' exon
  last); 5' UTR 30 nt, CDS 150 nt (50 codons), 3' UTR 50 nt.
* ENSTNC.1 (gene NCG, + strand, lncRNA), exons 1601-1650, 1701-1760.
"""

from pathlib import Path

COMP = str.maketrans("ACGT", "TGCA")


def rc(s: str) -> str:
    return s.translate(COMP)[::-1]


# ---- + strand transcript ENSTPLUS.1 ------------------------------------------------
UP = ("GATCCTAG" * 13)[:100]  # 1-100
UTR5 = "CTCGAGCTCGAGCTCGAGCTCGAGCTCGAG"  # 101-130 (c.-30..c.-1)
# CDS codons: 1 ATG 2 GCC 3 AAA 4 AAG 5 TGC 6 TTC 7 CAG 8 CAG ...
EX1_CDS = "ATGGCCAAAAAGTGCTTCCA"  # 131-150 = c.1-c.20
INTRON1 = "GTAAGTACTGACTGACTGACTGACTGACTGACTGACTTTCTTTTCCCCAG"  # 151-200
EX2 = "GCAGGAAGATCTGAGCGGCCTGGAGCGCACCGTGCCGAAGCGCCTGGACAAGCTGTTCGT"  # 201-260 = c.21-c.80
INTRON2 = "GTGAGTCCTCCTCCTCCTCCTCCTCATCCTCCTCCTCCTCTTTTCCTTCAG"  # 261-311
EX3_CDS = "TGCCGCGACGGCATCAAGCTGGGCGAGTTCGCCGCCGTAA"  # 312-351 = c.81-c.120
UTR3 = "GGCTGAACCGGTTAACCGGTTAACCGGTTAACCGGTTAACCGGTTAACCG"  # 3' UTR
GAP1 = None  # filler up to 1000, computed


def build() -> tuple[str, list[str]]:
    plus = UP + UTR5 + EX1_CDS + INTRON1 + EX2 + INTRON2 + EX3_CDS + UTR3
    assert len(UP) == 100 and len(UTR5) == 30 and len(EX1_CDS) == 20
    assert len(INTRON1) == 50 and len(EX2) == 60 and len(INTRON2) == 51
    assert len(EX3_CDS) == 40 and len(UTR3) == 50, (len(EX3_CDS), len(UTR3))
    genome = plus + ("TTGACCAG" * 100)[: 1000 - len(plus)]
    # ---- - strand transcript ENSTMINUS.1, written 5'->3' in transcript orientation --
    m_utr5 = "GAGCTCGAGCTCGAGCTCGAGCTCGAGCTC"  # tx 1-30 (c.-30..c.-1)
    # codons: 1 ATG 2 CTG 3 GGA 4 GGA 5 GTC 6 TGG 7 ACC ... (c.1-c.50 in exon A)
    m_exa_cds = "ATGCTGGGAGGAGTCTGGACCAAGCGGCTGCCCGAGTTCAAGGCCATCAG"  # 50 nt
    m_intron_a = "GTAAGAGGAGGAGGAGGAGGAGGAGGAGGAGGAGGAGGAGGTTTTTTCAG"  # 50 nt
    m_exb = "CTTCAAGGACCTGCTGAAGGAGCACTGGCGCGAGAACGTGCTGAAGCGCGCCGAGGAGCTGCGCAAGAGC"  # 70
    m_intron_b = "GTGAGCCCAGCCCAGCCCAGCCCAGCCCAGCCCAGCCCAGCTCTCCCCAG"  # 50 nt
    m_exc_cds = "GCCGCCATCGCCGAGCTGAAGTTCCTGTAG"  # c.121-c.150, stop TAG at c.148-150
    m_utr3 = "CCTGACCGGTTAACCGGTTAACCGGTTAACCGGTTAACCGGTTAACCGGT"  # 50 nt
    for name, seg, size in (
        ("m_exa_cds", m_exa_cds, 50),
        ("m_intron_a", m_intron_a, 50),
        ("m_exb", m_exb, 70),
        ("m_intron_b", m_intron_b, 50),
        ("m_exc_cds", m_exc_cds, 30),
        ("m_utr3", m_utr3, 50),
    ):
        assert len(seg) == size, (name, len(seg))
    tx_orientation = m_utr5 + m_exa_cds + m_intron_a + m_exb + m_intron_b + m_exc_cds + m_utr3
    minus_block = rc(tx_orientation)  # genomic 1001..1330
    assert len(minus_block) == 330
    genome += minus_block
    genome += ("CCAATTGG" * 40)[: 1600 - len(genome)]
    nc = "ACGTACGGTTACCGGTAACGTTAGCCTAGGCTTAACGGATCCAGTTGCAA"  # 1601-1650
    nc_intron = "GTAAGTCCCTTTCCCTTTCCCTTTCCCTTTCCCTTTCCCTTTCCCTTTAG"  # 1651-1700
    nc2 = "GGCATTGCCAATTTGGCCAAGGTTTCCGGAAATTTGGGCCCAAATTTGGGCCCTTTAAAC"  # 1701-1760
    genome += nc + nc_intron + nc2
    genome += ("GATTACA" * 40)[: 2000 - len(genome)]
    assert len(genome) == 2000
    gff = [
        "##gff-version 3",
        "##sequence-region 1 1 2000",
        "1\tsynthetic\tgene\t101\t401\t.\t+\t.\tID=gene:PLUSG;Name=PLUSG;biotype=protein_coding;gene_id=PLUSG",
        "1\tsynthetic\tmRNA\t101\t401\t.\t+\t.\tID=transcript:ENSTPLUS;Parent=gene:PLUSG;Name=PLUSG-201;biotype=protein_coding;transcript_id=ENSTPLUS;version=1",
    ]
    for s, e in ((101, 150), (201, 260), (312, 401)):
        gff.append(f"1\tsynthetic\texon\t{s}\t{e}\t.\t+\t.\tParent=transcript:ENSTPLUS")
    for s, e, phase in ((131, 150, 0), (201, 260, 1), (312, 351, 1)):
        gff.append(
            f"1\tsynthetic\tCDS\t{s}\t{e}\t.\t+\t{phase}\tID=CDS:ENSPPLUS;Parent=transcript:ENSTPLUS"
        )
    gff.append("1\tsynthetic\tfive_prime_UTR\t101\t130\t.\t+\t.\tParent=transcript:ENSTPLUS")
    gff.append("1\tsynthetic\tthree_prime_UTR\t352\t401\t.\t+\t.\tParent=transcript:ENSTPLUS")
    gff += [
        "1\tsynthetic\tgene\t1001\t1330\t.\t-\t.\tID=gene:MINUSG;Name=MINUSG;biotype=protein_coding;gene_id=MINUSG",
        "1\tsynthetic\tmRNA\t1001\t1330\t.\t-\t.\tID=transcript:ENSTMINUS;Parent=gene:MINUSG;Name=MINUSG-201;biotype=protein_coding;transcript_id=ENSTMINUS;version=1",
    ]
    for s, e in ((1001, 1080), (1131, 1200), (1251, 1330)):
        gff.append(f"1\tsynthetic\texon\t{s}\t{e}\t.\t-\t.\tParent=transcript:ENSTMINUS")
    for s, e, phase in ((1251, 1300, 0), (1131, 1200, 1), (1051, 1080, 0)):
        gff.append(
            f"1\tsynthetic\tCDS\t{s}\t{e}\t.\t-\t{phase}\tID=CDS:ENSPMINUS;Parent=transcript:ENSTMINUS"
        )
    gff.append("1\tsynthetic\tfive_prime_UTR\t1301\t1330\t.\t-\t.\tParent=transcript:ENSTMINUS")
    gff.append("1\tsynthetic\tthree_prime_UTR\t1001\t1050\t.\t-\t.\tParent=transcript:ENSTMINUS")
    gff += [
        "1\tsynthetic\tncRNA_gene\t1601\t1760\t.\t+\t.\tID=gene:NCG;Name=NCG;biotype=lncRNA;gene_id=NCG",
        "1\tsynthetic\tlnc_RNA\t1601\t1760\t.\t+\t.\tID=transcript:ENSTNC;Parent=gene:NCG;Name=NCG-201;biotype=lncRNA;transcript_id=ENSTNC;version=1",
        "1\tsynthetic\texon\t1601\t1650\t.\t+\t.\tParent=transcript:ENSTNC",
        "1\tsynthetic\texon\t1701\t1760\t.\t+\t.\tParent=transcript:ENSTNC",
    ]
    return genome, gff


if __name__ == "__main__":
    genome, gff = build()
    here = Path(__file__).parent
    lines = [genome[i : i + 60] for i in range(0, len(genome), 60)]
    (here / "synthetic.fa").write_text(">1 synthetic test contig\n" + "\n".join(lines) + "\n")
    (here / "synthetic.gff3").write_text("\n".join(gff) + "\n")
