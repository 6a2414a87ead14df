"""A transcript model: exons and coding region in genome coordinates, read from any format.

Coordinates are 1-based inclusive like the rest of genomed (readers of 0-based
genePred convert on the way in). ``exons`` are sorted by genomic start whatever the
strand; ``exon_number`` in the bundle counts in transcript order (exon 1 is the 5' exon).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Biotypes whose models have a translated CDS (others are annotated as non-coding).
CODING_BIOTYPES = frozenset(
    {
        "protein_coding",
        "nonsense_mediated_decay",
        "non_stop_decay",
        "protein_coding_LoF",
        "IG_C_gene",
        "IG_D_gene",
        "IG_J_gene",
        "IG_V_gene",
        "TR_C_gene",
        "TR_D_gene",
        "TR_J_gene",
        "TR_V_gene",
        "polymorphic_pseudogene",
        "mRNA",
    }
)


@dataclass(frozen=True)
class TranscriptModel:
    """One transcript as read from a model file (before sequences are attached).

    ``cds`` is the genomic span of the coding region including the stop codon, or
    ``None`` for a non-coding transcript. ``attributes`` carries source-specific extras
    (MANE flags, RefSeq ids...) that the bundle builder may use.
    """

    transcript_id: str
    chrom: str
    strand: int  # +1 or -1
    exons: tuple[tuple[int, int], ...]
    cds: tuple[int, int] | None
    gene: str | None = None
    gene_id: str | None = None
    biotype: str | None = None
    transcript_name: str | None = None
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def start(self) -> int:
        return self.exons[0][0]

    @property
    def end(self) -> int:
        return self.exons[-1][1]

    @property
    def length(self) -> int:
        """Spliced length (sum of exon lengths)."""
        return sum(e - s + 1 for s, e in self.exons)

    @property
    def coding(self) -> bool:
        return self.cds is not None

    def exons_in_transcript_order(self) -> list[tuple[int, int]]:
        return list(self.exons) if self.strand > 0 else list(reversed(self.exons))

    def cdna_position(self, pos: int) -> int | None:
        """cDNA position (1-based, transcript orientation) of an exonic genomic ``pos``."""
        offset = 0
        for s, e in self.exons_in_transcript_order():
            if s <= pos <= e:
                return offset + (pos - s + 1 if self.strand > 0 else e - pos + 1)
            offset += e - s + 1
        return None

    def coding_cdna_span(self) -> tuple[int, int] | None:
        """cDNA positions of the first and last coding bases (first base of the start
        codon, last base of the stop codon); ``None`` when non-coding or when the CDS
        ends do not fall in exons (a malformed model)."""
        if self.cds is None:
            return None
        first, last = (self.cds[0], self.cds[1]) if self.strand > 0 else (self.cds[1], self.cds[0])
        a, b = self.cdna_position(first), self.cdna_position(last)
        if a is None or b is None:
            return None
        return a, b

    def spliced_sequence(self, fetch) -> str | None:
        """cDNA sequence from a genome: ``fetch(chrom, start1, end1)`` returns the + strand
        bases or ``None`` when that stretch is not available."""
        from genomed.reference.genetic_code import reverse_complement

        parts = []
        for s, e in self.exons:
            bases = fetch(self.chrom, s, e)
            if bases is None or len(bases) != e - s + 1:
                return None
            parts.append(bases.upper())
        seq = "".join(parts)
        return seq if self.strand > 0 else reverse_complement(seq)
