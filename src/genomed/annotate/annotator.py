"""``annotate_variants``: an Arrow table of alleles in, one row per variant x transcript out.

Steps, each over whole columns: alleles trimmed to VCF and minimal form
(:mod:`~genomed.annotate.variant_alleles`); (variant, transcript) pairs from one binned
interval join in DuckDB (:mod:`~genomed.annotate.overlap`); position-level consequences
(:mod:`~genomed.annotate.consequence`); codons, coding terms and ``p.``
(:mod:`~genomed.annotate.coding_effect`, Python only for non-SNV coding changes);
``c.``/``n.``/``g.`` (:mod:`~genomed.annotate.hgvs`). A variant near no transcript gets
one ``intergenic_variant`` row; a variant that cannot be annotated (symbolic ALT, ``*``,
REF equal to ALT) gets one row with a null consequence.

Output columns are listed in :data:`ANNOTATION_COLUMNS` (documented once, there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.annotate.coding_effect import ProteinCache, coding_effects
from genomed.annotate.consequence import PairConsequences, predict_locations
from genomed.annotate.consequence_terms import B, masks_to_arrays
from genomed.annotate.genome_access import GenomeAccess
from genomed.annotate.hgvs import hgvs_genomic, hgvs_transcript
from genomed.annotate.indel_shift import indel_shifts
from genomed.annotate.overlap import FLANK, overlapping_pairs, transcript_bins
from genomed.annotate.text_columns import ranges
from genomed.annotate.transcript_coordinates import ExonIndex
from genomed.annotate.variant_alleles import VariantAlleles, prepare_alleles
from genomed.model.variant_key import variant_keys
from genomed.reference.bundle import ReferenceBundle

S, I8, I32, I64, BOOL = pa.string(), pa.int8(), pa.int32(), pa.int64(), pa.bool_()

#: Output of :func:`annotate_variants`, one row per (variant, transcript) pair.
ANNOTATION_COLUMNS = pa.schema(
    [
        ("row", I64),  # index of the input row
        ("variant_key", I64),  # see genomed.model.variant_key (of the trimmed allele)
        ("chrom", S),  # canonical
        ("pos", I32),  # trimmed, VCF style (anchor base kept for indels)
        ("ref", S),
        ("alt", S),
        ("allele", S),  # VEP's Allele: the minimal ALT, '-' when empty
        ("consequence", S),  # SO terms joined by '&', most severe first
        ("most_severe", S),
        ("impact", S),  # HIGH | MODERATE | LOW | MODIFIER
        ("gene", S),
        ("gene_id", S),
        ("hgnc_id", S),
        ("transcript", S),  # bundle transcript_id (Feature)
        ("transcript_name", S),
        ("biotype", S),
        ("strand", I8),
        ("canonical", BOOL),
        ("mane_select", S),  # RefSeq NM_ when the transcript is MANE Select
        ("mane_plus_clinical", S),
        ("protein_id", S),
        ("exon", S),  # "3/11" or "3-4/11"
        ("intron", S),  # "2/10"
        ("cdna_position", S),  # "123", "123-125", "?-125"
        ("cds_position", S),
        ("protein_position", S),
        ("amino_acids", S),  # "R/H"; "R" when unchanged
        ("codons", S),  # "cGc/cAc"
        ("hgvs_c", S),  # "c.215C>G" / "n.12del" (no accession)
        ("hgvs_p", S),  # "p.(Pro72Arg)"; null when no sequence or non-coding
        ("hgvs_g", S),  # "NC_000017.11:g.7676154G>C"
        ("hgvs_offset", I32),  # bases the c./n. description was shifted 3'
        ("distance", I32),  # to the transcript, for up/downstream rows
        ("flags", S),  # cds_start_NF, cds_end_NF
        ("sequence_status", S),  # ok | no_sequence (p. unavailable) | ref_mismatch
        ("bundle", S),  # bundle id (name@version)
    ]
)


#: VEP's VARIANT_CLASS names, indexed by the codes of ``_assemble``'s variant_class
VARIANT_CLASSES = pa.array(["SNV", "insertion", "deletion", "substitution", "indel"], S)


class Annotator:
    """A bundle prepared for annotation (exon index, bins, protein cache); reuse it for
    many batches."""

    def __init__(
        self,
        bundle: ReferenceBundle | str | Path | None = None,
        *,
        all_transcripts: bool = False,
        fasta: str | Path | None = None,
        keys: bool = True,
    ) -> None:
        self.keys = keys  # compute variant_key (the VCF writer alone does not need it)
        if bundle is None:
            bundle = ReferenceBundle.default()
        elif not isinstance(bundle, ReferenceBundle):
            bundle = ReferenceBundle(bundle)
        self.bundle = bundle
        self.arrays = bundle.arrays
        self.index = ExonIndex(self.arrays)
        a = self.arrays
        self.selected = np.ones(len(a.start), dtype=bool) if all_transcripts else a.canonical.copy()
        if not all_transcripts:
            # keep MANE Plus Clinical transcripts too: clinically reportable
            plus = (
                bundle.transcripts.column("mane_plus_clinical")
                .is_valid()
                .to_numpy(zero_copy_only=False)
            )
            self.selected |= plus
        self.bins = transcript_bins(a.chrom_code, a.start, a.end, self.selected, FLANK)
        self._con = None  # one DuckDB connection for all batches
        self.proteins = ProteinCache(bundle)
        fetch = None
        if fasta is not None:
            from genomed.reference.fasta import IndexedGenome

            fetch = IndexedGenome(fasta).fetch
        self.genome = GenomeAccess(bundle, fetch)

    def annotate(self, table: pa.Table, columns: list[str] | None = None) -> pa.Table:
        """Annotate one batch (see :func:`annotate_variants`). ``columns`` limits the
        output to those columns (``row`` always comes first); the internal columns
        ``tx_index`` (bundle transcript index) and ``variant_class`` may be asked for too."""
        alleles = prepare_alleles(table)
        codes = self.bundle.chrom_codes
        names, name_of_row = alleles.chrom_codes()
        name_code = np.array([codes.get(c, -1) for c in names], dtype=np.int32)
        var_code = name_code[name_of_row] if len(names) else np.zeros(0, dtype=np.int32)
        ok = alleles.annotatable  # a contig without transcripts gives intergenic rows
        rows = np.flatnonzero(ok & (var_code >= 0))
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
        v, t = overlapping_pairs(
            var_code[rows], alleles.start[rows], alleles.end[rows], self.bins, self._con
        )
        v = rows[v]
        pairs = predict_locations(self.arrays, self.index, alleles, v, t)
        coding = coding_effects(self.bundle, pairs, alleles, self.proteins)
        mask = pairs.mask | coding.extra_mask
        decided = B["start_lost"] | B["stop_lost"] | B["stop_retained_variant"]
        decided |= B["start_retained_variant"]
        clear = ~pairs.full_coding & ((coding.extra_mask & decided) != 0)
        mask = np.where(clear, mask & ~B["coding_sequence_variant"], mask)
        wanted = set(columns) if columns is not None else set(ANNOTATION_COLUMNS.names)
        hgvs_c = offsets = hgvs_g = None
        shifts = None
        if wanted & {"hgvs_c", "hgvs_offset", "hgvs_g"}:
            shifts = indel_shifts(self.genome, alleles)
        if wanted & {"hgvs_c", "hgvs_offset"}:
            hgvs_c, offsets = hgvs_transcript(
                self.arrays, self.bundle.sequence, self.genome, pairs, alleles, self.index, shifts
            )
        if "hgvs_g" in wanted:
            hgvs_g = hgvs_genomic(self.bundle.build, self.genome, alleles, shifts)
        return self._assemble(alleles, ok, pairs, coding, mask, hgvs_c, offsets, hgvs_g, wanted)

    def _assemble(self, alleles: VariantAlleles, ok, pairs: PairConsequences, coding,
                  mask, hgvs_c, offsets, hgvs_g, wanted: set[str]) -> pa.Table:  # fmt: skip
        n = len(alleles)
        m = len(pairs.v)
        has_pair = np.zeros(n, dtype=bool)
        has_pair[pairs.v] = True
        lonely = np.flatnonzero(~has_pair)
        # rows: pairs, then variants without pairs; then sorted by input row
        v_all = np.concatenate([pairs.v, lonely])
        order = np.argsort(v_all, kind="stable")
        v_all = v_all[order]
        take = pa.array(order)
        is_pair = np.concatenate([np.ones(m, bool), np.zeros(len(lonely), bool)])[order]
        t_all = np.concatenate([pairs.t, np.zeros(len(lonely), np.int64)])[order]
        t_idx = pa.array(t_all, mask=~is_pair)
        v_take = pa.array(v_all)
        a = self.arrays
        tx = self.bundle.transcripts
        exon_count = np.where(is_pair, a.exon_count[t_all], 0)

        def rows(values, dtype=None) -> pa.Array:
            """pair-level values (+ nulls for lonely rows) in output order"""
            arr = (
                values
                if isinstance(values, pa.Array)
                else pa.array(values, dtype, from_pandas=True)
            )
            return pa.concat_arrays([arr, pa.nulls(len(lonely), arr.type)]).take(take)

        def ints(values) -> np.ndarray:
            return np.concatenate([np.asarray(values, np.int64), np.zeros(len(lonely), np.int64)])[
                order
            ]

        def tx_col(name: str):
            return lambda: pc.take(tx.column(name), t_idx)

        def terms():
            if not hasattr(terms, "value"):
                lonely_mask = np.where(ok[lonely], B["intergenic_variant"], 0).astype(np.int64)
                terms.value = masks_to_arrays(np.concatenate([mask, lonely_mask])[order])
            return terms.value

        def nonzero(values):
            values = ints(values)
            return pa.array(values, I32, mask=values == 0)

        def variant_class():
            r, alt_len = alleles.rlen, alleles.alen
            code = np.select([(r == 1) & (alt_len == 1), r == 0, alt_len == 0, r == alt_len],
                             [0, 1, 2, 3], 4).astype(np.int8)  # fmt: skip
            return VARIANT_CLASSES.take(pa.array(code[v_all]))

        build = {
            "row": lambda: pa.array(v_all, I64),
            "variant_key": lambda: (
                pa.array(self._keys(alleles), I64).take(v_take)
                if self.keys
                else pa.nulls(len(v_all), I64)
            ),
            "chrom": lambda: pa.array(alleles.chrom, S).take(v_take),
            "pos": lambda: pa.array(alleles.pos, I32).take(v_take),
            "ref": lambda: pa.array(alleles.ref, S).take(v_take),
            "alt": lambda: pa.array(alleles.alt, S).take(v_take),
            "allele": lambda: pc.if_else(
                pa.array(alleles.alen[v_all] == 0),
                pa.scalar("-"),
                pa.array(alleles.alt_min, S).take(v_take),
            ),
            "consequence": lambda: terms()[0],
            "most_severe": lambda: terms()[1],
            "impact": lambda: terms()[2],
            "gene": tx_col("gene"),
            "gene_id": tx_col("gene_id"),
            "hgnc_id": tx_col("hgnc_id"),
            "transcript": tx_col("transcript_id"),
            "transcript_name": tx_col("transcript_name"),
            "biotype": tx_col("biotype"),
            "strand": lambda: pa.array(
                np.where(is_pair, a.strand[t_all], 0).astype(np.int8), I8, mask=~is_pair
            ),
            "canonical": lambda: pa.array(np.where(is_pair, a.canonical[t_all], False)),
            "mane_select": tx_col("mane_select"),
            "mane_plus_clinical": tx_col("mane_plus_clinical"),
            "protein_id": tx_col("protein_id"),
            "exon": lambda: ranges(
                ints(pairs.exon_lo), ints(pairs.exon_hi), exon_count > 0, exon_count
            ),
            "intron": lambda: ranges(
                ints(pairs.intron_lo),
                ints(pairs.intron_hi),
                exon_count > 1,
                np.maximum(exon_count - 1, 0),
            ),  # fmt: skip
            "cdna_position": lambda: ranges(
                ints(pairs.cdna_lo),
                ints(pairs.cdna_hi),
                (ints(pairs.cdna_lo) + ints(pairs.cdna_hi)) > 0,
            ),
            "cds_position": lambda: ranges(
                ints(pairs.cds_lo), ints(pairs.cds_hi), ints(pairs.touches_cds) > 0
            ),
            "protein_position": lambda: ranges(
                ints(coding.protein_lo), ints(coding.protein_hi), ints(coding.protein_lo) > 0
            ),
            "amino_acids": lambda: rows(coding.amino_acids, S),
            "codons": lambda: rows(coding.codons, S),
            "hgvs_c": lambda: rows(hgvs_c),
            "hgvs_p": lambda: rows(coding.hgvs_p, S),
            "hgvs_g": lambda: hgvs_g.take(v_take),
            "hgvs_offset": lambda: nonzero(offsets),
            "distance": lambda: nonzero(pairs.distance),
            "flags": tx_col("flags"),
            "sequence_status": lambda: rows(coding.sequence_status, S),
            "bundle": lambda: pa.array(np.full(len(v_all), self.bundle.id, dtype=object), S),
            "tx_index": lambda: pa.array(t_all.astype(np.int32), pa.int32(), mask=~is_pair),
            "variant_class": variant_class,
        }
        fields = [f for f in ANNOTATION_COLUMNS if f.name == "row" or f.name in wanted]
        for extra, dtype in (("tx_index", pa.int32()), ("variant_class", S)):
            if extra in wanted:
                fields.append(pa.field(extra, dtype))
        schema = pa.schema(fields)
        arrays = [build[f.name]().cast(f.type) for f in schema]
        return pa.Table.from_arrays(arrays, schema=schema)

    def _keys(self, alleles: VariantAlleles) -> np.ndarray:
        return variant_keys(alleles.chrom, alleles.pos, alleles.ref, alleles.alt)


def annotate_variants(
    table: pa.Table,
    bundle: ReferenceBundle | str | Path | None = None,
    *,
    all_transcripts: bool = False,
    fasta: str | Path | None = None,
) -> pa.Table:
    """Annotate alleles with consequences and HGVS.

    Parameters
    ----------
    table
        Arrow table with ``chrom``, ``pos`` (1-based), ``ref``, ``alt``; one allele per
        row (split multi-allelic sites first). Other columns are ignored; output rows
        point back with ``row``.
    bundle
        A :class:`~genomed.reference.bundle.ReferenceBundle` or its directory; default:
        the GRCh38 bundle shipped with genomed.
    all_transcripts
        Report every transcript of the bundle, not just the canonical (MANE Select) and
        MANE Plus Clinical ones.
    fasta
        Optional indexed genome FASTA, used to shift intronic indels 3' and for ``g.``.

    Returns
    -------
    pyarrow.Table
        :data:`ANNOTATION_COLUMNS`, one row per (variant, transcript) within 5 kb,
        ordered by input row; ``intergenic_variant`` rows for variants near no transcript.
    """
    return Annotator(bundle, all_transcripts=all_transcripts, fasta=fasta).annotate(table)
