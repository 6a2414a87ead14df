"""The reference-bundle format: every table and column, documented once.

A bundle is a directory::

    manifest.json          name, version, build, sources (with sha256 and licence),
                           files (with sha256), counts, validation summary
    transcripts.parquet    one row per transcript model (sorted by chrom, start, end)
    exons.parquet          one row per exon (sorted by transcript_index, start)
    sequences.parquet      cDNA of transcripts that have a validated sequence
    genome.parquet         optional genomic stretches (+ strand) for intronic/genomic HGVS
    validation.parquet     every failed check of every transcript (see validation.py)

Coordinates are 1-based inclusive genome positions; cDNA positions count from the
first base of the transcript (1) in transcript orientation. A bundle is immutable: its
``manifest.json`` ``id`` (``name@version``) is what annotations record.
"""

from __future__ import annotations

import pyarrow as pa

FORMAT_VERSION = 1

STR, I8, I16, I32, BOOL = pa.string(), pa.int8(), pa.int16(), pa.int32(), pa.bool_()

TRANSCRIPTS = pa.schema(
    [
        ("transcript_id", STR),  # ENST00000269305.9, NM_000546.6, or the model's own name
        ("transcript_name", STR),  # e.g. TP53-201 (Ensembl display name) when known
        ("gene", STR),  # HGNC symbol
        ("gene_id", STR),  # ENSG... or NCBI GeneID
        ("hgnc_id", STR),  # HGNC:11998
        ("chrom", STR),  # canonical (1..22, X, Y, MT)
        ("strand", I8),  # +1 / -1
        ("start", I32),  # transcript span, genome, 1-based inclusive
        ("end", I32),
        ("biotype", STR),  # protein_coding, nonsense_mediated_decay, lncRNA, ...
        ("coding", BOOL),
        ("cds_start", I32),  # genomic span of CDS incl. stop codon (null: non-coding)
        ("cds_end", I32),
        ("cdna_coding_start", I32),  # cDNA position of the first base of the start codon
        ("cdna_coding_end", I32),  # cDNA position of the last base of the stop codon
        ("length", I32),  # spliced length
        ("exon_count", I16),
        ("canonical", BOOL),  # one per gene: MANE Select where known
        ("mane_select", STR),  # RefSeq NM_ of the MANE Select pair, when this is it
        ("mane_plus_clinical", STR),
        ("refseq_id", STR),  # RefSeq accession with identical sequence, when known
        ("protein_id", STR),  # ENSP (or NP_ for RefSeq models)
        ("refseq_protein", STR),  # NP_ of the MANE pair
        ("has_sequence", BOOL),  # a validated cDNA is in sequences.parquet
        ("sequence_source", STR),  # where it came from (file / accession)
        ("flags", STR),  # comma-separated: cds_start_NF, cds_end_NF
    ]
)

EXONS = pa.schema(
    [
        ("transcript_index", I32),  # row of transcripts.parquet
        ("exon_number", I16),  # 1 = 5'-most exon in transcript orientation
        ("start", I32),  # genome, 1-based inclusive
        ("end", I32),
        ("cdna_start", I32),  # cDNA position of the exon's 5'-most base
        ("cdna_end", I32),  # cDNA position of the exon's 3'-most base
    ]
)

SEQUENCES = pa.schema(
    [
        ("transcript_id", STR),
        ("sequence", pa.large_string()),  # cDNA, transcript orientation, A/C/G/T/N
        ("source", STR),  # file name the bases came from
        ("accession", STR),  # the record's own accession.version (e.g. NM_000546.6)
        ("note", STR),  # e.g. "spliced from genome slice NG_017013.2"
    ]
)

GENOME = pa.schema(
    [
        ("chrom", STR),
        ("start", I32),  # 1-based inclusive
        ("end", I32),
        ("sequence", pa.large_string()),  # + strand
        ("source", STR),
    ]
)

VALIDATION = pa.schema(
    [
        ("transcript_id", STR),
        ("gene", STR),
        ("check", STR),  # see genomed.reference.validation
        ("detail", STR),
        ("sequence_source", STR),
    ]
)

TABLE_FILES = {
    "transcripts": ("transcripts.parquet", TRANSCRIPTS),
    "exons": ("exons.parquet", EXONS),
    "sequences": ("sequences.parquet", SEQUENCES),
    "genome": ("genome.parquet", GENOME),
    "validation": ("validation.parquet", VALIDATION),
}
