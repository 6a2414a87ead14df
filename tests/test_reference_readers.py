"""Transcript-model readers: genePred layouts, GFF3 (Ensembl and NCBI style), GTF."""

from __future__ import annotations

from pathlib import Path

import pytest

from genomed.errors import InputError
from genomed.reference.genepred import read_genepred
from genomed.reference.gff import read_gff3, read_gtf, read_models

SYNTHETIC = Path(__file__).parent / "data" / "annotate" / "synthetic"


def test_refgene_with_bin_column_is_0_based_half_open(tmp_path):
    # UCSC refGene layout: bin name chrom strand txStart txEnd cdsStart cdsEnd exonCount
    # exonStarts exonEnds score name2 cdsStartStat cdsEndStat exonFrames
    row = "585\tNM_000001\tchr1\t-\t100\t400\t150\t350\t2\t100,300,\t200,400,\t0\tGENE\tcmpl\tincmpl\t0,0,"
    path = tmp_path / "refGene.txt"
    path.write_text(row + "\n")
    (m,) = list(read_genepred(path))
    assert (m.transcript_id, m.chrom, m.strand, m.gene) == ("NM_000001", "1", -1, "GENE")
    assert m.exons == ((101, 200), (301, 400))
    assert m.cds == (151, 350)
    assert m.attributes["cdsEndStat"] == "incmpl"


def test_genepred_with_header_and_noncoding(tmp_path):
    path = tmp_path / "models.tsv"
    path.write_text(
        "#name\tchrom\tstrand\ttxStart\ttxEnd\tcdsStart\tcdsEnd\texonCount\texonStarts\texonEnds\tgene_symbol\n"
        "T1\tchrX\t+\t0\t50\t50\t50\t1\t0,\t50,\tNCGENE\n"
    )
    (m,) = list(read_genepred(path))
    assert m.cds is None and m.chrom == "X" and m.gene == "NCGENE" and m.exons == ((1, 50),)


def test_genepred_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("T1\tchr1\t+\t0\t50\t0\t50\t2\t0,\t50,\n")
    with pytest.raises(InputError) as err:
        list(read_genepred(path))
    assert err.value.line == 1 and err.value.field == "exonCount"


def test_gff3_ensembl_style():
    models = {m.transcript_id: m for m in read_gff3(SYNTHETIC / "synthetic.gff3")}
    assert set(models) == {"ENSTPLUS.1", "ENSTMINUS.1", "ENSTNC.1"}
    plus = models["ENSTPLUS.1"]
    assert plus.exons == ((101, 150), (201, 260), (312, 401))
    assert plus.cds == (131, 351) and plus.gene == "PLUSG" and plus.transcript_name == "PLUSG-201"
    assert plus.coding_cdna_span() == (31, 150)  # 30 nt 5' UTR, 120 nt CDS
    minus = models["ENSTMINUS.1"]
    assert minus.strand == -1 and minus.coding_cdna_span() == (31, 180)
    assert models["ENSTNC.1"].cds is None and models["ENSTNC.1"].biotype == "lncRNA"


def test_gff3_ncbi_style(tmp_path):
    path = tmp_path / "ncbi.gff3"
    path.write_text(
        "##gff-version 3\n"
        "NC_000017.11\tRefSeq\tgene\t100\t400\t.\t-\t.\tID=gene-G;Name=G;gene_biotype=protein_coding\n"
        "NC_000017.11\tRefSeq\tmRNA\t100\t400\t.\t-\t.\tID=rna-NM_9.2;Parent=gene-G;transcript_id=NM_9.2\n"
        "NC_000017.11\tRefSeq\texon\t100\t200\t.\t-\t.\tParent=rna-NM_9.2\n"
        "NC_000017.11\tRefSeq\texon\t300\t400\t.\t-\t.\tParent=rna-NM_9.2\n"
        "NC_000017.11\tRefSeq\tCDS\t150\t200\t.\t-\t0\tParent=rna-NM_9.2\n"
        "NC_000017.11\tRefSeq\tCDS\t300\t350\t.\t-\t0\tParent=rna-NM_9.2\n"
    )
    (m,) = list(read_models(path))
    assert (m.transcript_id, m.chrom, m.gene, m.cds) == ("NM_9.2", "17", "G", (150, 350))


def test_gtf_cds_is_extended_by_the_stop_codon(tmp_path):
    path = tmp_path / "models.gtf"
    attrs = 'gene_id "ENSG1"; gene_version "3"; transcript_id "ENST1"; transcript_version "2"; gene_name "G"; transcript_biotype "protein_coding";'
    path.write_text(
        "\n".join(
            f"chr2\tENSEMBL\t{kind}\t{s}\t{e}\t.\t+\t.\t{attrs}"
            for kind, s, e in [
                ("transcript", 10, 99),
                ("exon", 10, 40),
                ("exon", 60, 99),
                ("CDS", 20, 40),
                ("CDS", 60, 80),
                ("stop_codon", 81, 83),
            ]
        )
        + "\n"
    )
    (m,) = list(read_gtf(path))
    assert (m.transcript_id, m.gene_id, m.cds, m.chrom) == ("ENST1.2", "ENSG1.3", (20, 83), "2")
