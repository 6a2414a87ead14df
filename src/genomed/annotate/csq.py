"""The ``CSQ`` INFO field in Ensembl VEP's layout.

One ``CSQ`` value per VCF record; one comma-separated entry per (ALT allele, transcript);
fields separated by ``|`` in the order of :data:`CSQ_FIELDS` (declared in the header's
``Format:`` description, as VEP does, so bcftools +split-vep and other VEP readers work).
Characters VCF forbids inside a value are escaped as VEP does: ``;`` -> ``%3B``,
``=`` -> ``%3D``, ``,`` -> ``%2C``, space -> ``_``, ``|`` -> ``&``.

Knowledge and population columns (ClinVar, hotspots, CIViC, frequencies) are appended
after the VEP fields when the run has those sources; the header lists exactly the
fields present.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: (CSQ field, source column of the annotation table) in VEP's order.
CSQ_FIELDS: list[tuple[str, str]] = [
    ("Allele", "allele"),
    ("Consequence", "consequence"),
    ("IMPACT", "impact"),
    ("SYMBOL", "gene"),
    ("Gene", "gene_id"),
    ("Feature_type", "feature_type"),
    ("Feature", "transcript"),
    ("BIOTYPE", "biotype"),
    ("EXON", "exon"),
    ("INTRON", "intron"),
    ("HGVSc", "hgvsc_full"),
    ("HGVSp", "hgvsp_full"),
    ("cDNA_position", "cdna_position"),
    ("CDS_position", "cds_position"),
    ("Protein_position", "protein_position"),
    ("Amino_acids", "amino_acids"),
    ("Codons", "codons"),
    ("Existing_variation", "existing_variation"),
    ("DISTANCE", "distance"),
    ("STRAND", "strand"),
    ("FLAGS", "flags"),
    ("VARIANT_CLASS", "variant_class"),
    ("SYMBOL_SOURCE", "symbol_source"),
    ("HGNC_ID", "hgnc_id"),
    ("CANONICAL", "canonical_flag"),
    ("MANE_SELECT", "mane_select"),
    ("MANE_PLUS_CLINICAL", "mane_plus_clinical"),
    ("ENSP", "protein_id"),
    ("HGVS_OFFSET", "hgvs_offset"),
    ("HGVSg", "hgvs_g"),
    ("GENOMED_SEQUENCE", "sequence_status"),
]

#: Optional fields appended when present in the annotation table.
OPTIONAL_FIELDS: list[tuple[str, str]] = [
    ("CLIN_SIG", "clinvar_significance"),
    ("ClinVar_REVSTAT", "clinvar_review_status"),
    ("ClinVar_STARS", "clinvar_stars"),
    ("ClinVar_VCV", "clinvar_id"),
    ("HOTSPOT", "hotspot"),
    ("CIVIC", "civic"),
    ("AF", "af"),
    ("AF_POPULATIONS", "af_populations"),
    ("POPFREQ_AF", "popfreq_af"),
]

_ESCAPES = [(";", "%3B"), ("=", "%3D"), (",", "%2C"), (" ", "_"), ("|", "&")]


def variant_class(ref_len, alt_len) -> pa.Array:
    """VEP's VARIANT_CLASS from minimal allele lengths (arrays)."""
    r, a = np.asarray(ref_len), np.asarray(alt_len)
    out = np.select(
        [(r == 1) & (a == 1), r == 0, a == 0, r == a],
        ["SNV", "insertion", "deletion", "substitution"],
        default="indel",
    )
    return pa.array(out)


def csq_fields(table: pa.Table) -> list[tuple[str, str]]:
    """The CSQ fields this table can fill (the VEP ones, then optional ones present)."""
    return CSQ_FIELDS + [(f, c) for f, c in OPTIONAL_FIELDS if c in table.column_names]


def header_line(fields: list[tuple[str, str]], bundle_id: str, version: str) -> str:
    names = "|".join(f for f, _ in fields)
    return (
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'genomed {version} with bundle {bundle_id}. Format: {names}">'
    )


_SPECIAL = np.zeros(256, dtype=bool)
_SPECIAL[[ord(old) for old, _ in _ESCAPES]] = True


def _may_need_escapes(text: pa.Array | pa.ChunkedArray) -> bool:
    """False when no value buffer holds a character of :data:`_ESCAPES` (one NumPy
    pass over the bytes instead of one Arrow pass per character)."""
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        data = chunk.buffers()[2]
        if data is not None and _SPECIAL[np.frombuffer(data, dtype=np.uint8)].any():
            return True
    return False


def _escaped(column: pa.Array) -> pa.Array:
    text = pc.cast(column, pa.string())
    if not _may_need_escapes(text):
        return text
    for old, new in _ESCAPES:
        text = pc.replace_substring(text, old, new)
    return text


#: columns whose values can hold characters that must be escaped in a CSQ value
_FREE_TEXT = {
    "hgvsp_full", "existing_variation", "flags", "civic", "hotspot",
    "clinvar_review_status", "clinvar_significance", "af_populations",
}  # fmt: skip


def csq_entries(table: pa.Table, fields: list[tuple[str, str]]) -> pa.Array:
    """One CSQ entry string per row of a prepared annotation table."""
    columns = []
    for _, name in fields:
        col = table.column(name)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            col = pc.cast(col, pa.string())
        columns.append(_escaped(col) if name in _FREE_TEXT else col)
    return pc.binary_join_element_wise(*columns, "|", null_handling="replace", null_replacement="")


def prepare_for_csq(annotations: pa.Table, rsid: pa.Array | None = None) -> pa.Table:
    """Add the derived columns CSQ needs (full HGVS with accessions, flags...)."""
    t = annotations
    has_tx = pc.is_valid(t.column("transcript"))
    hgvsc = pc.binary_join_element_wise(t.column("transcript"), t.column("hgvs_c"), ":")
    protein = pc.coalesce(t.column("protein_id"), t.column("transcript"))
    hgvsp = pc.binary_join_element_wise(protein, t.column("hgvs_p"), ":")
    ref_len = pc.utf8_length(t.column("ref"))
    alt_len = pc.utf8_length(t.column("alt"))
    same_first = pc.equal(pc.utf8_slice_codeunits(t.column("ref"), 0, 1),
                          pc.utf8_slice_codeunits(t.column("alt"), 0, 1))  # fmt: skip
    anchored = pc.and_(same_first, pc.not_equal(ref_len, alt_len))
    r_min = pc.if_else(anchored, pc.subtract(ref_len, 1), ref_len)
    a_min = pc.if_else(anchored, pc.subtract(alt_len, 1), alt_len)
    extra = {
        "feature_type": pc.if_else(has_tx, pa.scalar("Transcript"), pa.scalar(None, pa.string())),
        "hgvsc_full": hgvsc,
        "hgvsp_full": hgvsp,
        "variant_class": variant_class(
            r_min.to_numpy(zero_copy_only=False), a_min.to_numpy(zero_copy_only=False)
        ),  # fmt: skip
        "symbol_source": pc.if_else(
            pc.is_valid(t.column("hgnc_id")), pa.scalar("HGNC"), pa.scalar(None, pa.string())
        ),
        "canonical_flag": pc.if_else(
            pc.fill_null(t.column("canonical"), False),
            pa.scalar("YES"),
            pa.scalar(None, pa.string()),
        ),
        "existing_variation": rsid if rsid is not None else pa.nulls(t.num_rows, pa.string()),
    }
    for name, column in extra.items():
        t = t.append_column(name, column)
    return t


#: fields per transcript that are the same on every row: built once per bundle, taken by
#: transcript index (three blocks, because CSQ interleaves them with per-variant fields)
_BLOCKS = (
    ("SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE"),
    ("STRAND", "FLAGS"),
    ("SYMBOL_SOURCE", "HGNC_ID", "CANONICAL", "MANE_SELECT", "MANE_PLUS_CLINICAL", "ENSP"),
)
#: per-row fields between the blocks, as (CSQ field, annotation column)
_ROW_FIELDS = dict(CSQ_FIELDS)


class CsqBuilder:
    """CSQ entries for annotation rows that carry ``tx_index``: transcript fields come
    from per-transcript strings built once per bundle (see :data:`_BLOCKS`)."""

    def __init__(self, bundle) -> None:
        t = bundle.transcripts
        n = t.num_rows
        strand = pc.cast(t.column("strand"), pa.string())
        canonical = pc.if_else(t.column("canonical"), pa.scalar("YES"), pa.scalar(""))
        source = pc.if_else(pc.is_valid(t.column("hgnc_id")), pa.scalar("HGNC"), pa.scalar(""))
        values = {
            "SYMBOL": t.column("gene"),
            "Gene": t.column("gene_id"),
            "Feature_type": pa.array(["Transcript"] * n),
            "Feature": t.column("transcript_id"),
            "BIOTYPE": t.column("biotype"),
            "STRAND": strand,
            "FLAGS": _escaped(pc.replace_substring(t.column("flags"), ",", "&")),
            "SYMBOL_SOURCE": source,
            "HGNC_ID": t.column("hgnc_id"),
            "CANONICAL": canonical,
            "MANE_SELECT": t.column("mane_select"),
            "MANE_PLUS_CLINICAL": t.column("mane_plus_clinical"),
            "ENSP": t.column("protein_id"),
        }
        self.blocks = []
        for names in _BLOCKS:
            joined = pc.binary_join_element_wise(
                *[values[k] for k in names], "|", null_handling="replace", null_replacement=""
            )
            empty = "|" * (len(names) - 1)  # for rows without a transcript (intergenic)
            self.blocks.append(
                pa.concat_arrays(
                    [
                        joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined,
                        pa.array([empty]),
                    ]
                )
            )
        self.feature = pa.concat_arrays(
            [t.column("transcript_id").combine_chunks(), pa.nulls(1, pa.string())]
        )
        protein = pc.coalesce(t.column("protein_id"), t.column("transcript_id")).combine_chunks()
        self.protein = pa.concat_arrays([protein, pa.nulls(1, pa.string())])
        self.missing = n  # index of the "no transcript" entries

    def fields(self, table: pa.Table) -> list[tuple[str, str]]:
        return CSQ_FIELDS + [(f, c) for f, c in OPTIONAL_FIELDS if c in table.column_names]

    def entries(self, table: pa.Table, existing: pa.Array | None) -> pa.Array:
        """CSQ entries (one per row) of a table from ``Annotator.annotate`` with
        ``tx_index`` and ``variant_class`` among its columns."""
        index = pc.fill_null(table.column("tx_index"), self.missing)
        block = [b.take(index) for b in self.blocks]
        hgvsc = pc.binary_join_element_wise(self.feature.take(index), table.column("hgvs_c"), ":")
        hgvsp = _escaped(
            pc.binary_join_element_wise(self.protein.take(index), table.column("hgvs_p"), ":")
        )
        existing = existing if existing is not None else pa.nulls(table.num_rows, pa.string())
        col = table.column
        parts = [
            col("allele"), col("consequence"), col("impact"), block[0], col("exon"),
            col("intron"), hgvsc, hgvsp, col("cdna_position"), col("cds_position"),
            col("protein_position"), col("amino_acids"), col("codons"), _escaped(existing),
            pc.cast(col("distance"), pa.string()), block[1], col("variant_class"), block[2],
            pc.cast(col("hgvs_offset"), pa.string()), col("hgvs_g"), col("sequence_status"),
        ]  # fmt: skip
        for _, name in OPTIONAL_FIELDS:
            if name in table.column_names:
                value = col(name)
                if not pa.types.is_string(value.type):
                    value = pc.cast(value, pa.string())
                parts.append(_escaped(value) if name in _FREE_TEXT else value)
        return pc.binary_join_element_wise(
            *parts, "|", null_handling="replace", null_replacement=""
        )
