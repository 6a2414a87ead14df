"""Mutation Annotation Format (MAF): GDC/TCGA MAFs and cBioPortal ``data_mutations*.txt``.

A MAF is tab-separated: optional ``#`` comment lines (``#version 2.4``), one header row,
one row per somatic mutation of a tumour sample. Files are read with ``pyarrow.csv`` (all
columns as text, so every value can be checked and reported with its line number), then
converted column by column.

Columns (matched case-insensitively; ``End_position`` and ``End_Position`` both work):

============================  ============================================================
required                      Hugo_Symbol, Chromosome, Start_Position, Reference_Allele,
                              Tumor_Seq_Allele2, Tumor_Sample_Barcode
optional                      Tumor_Seq_Allele1 (absent in maftools' and some cBioPortal
                              MAFs), NCBI_Build, End_Position, Variant_Classification,
                              Protein_Change, HGVSp_Short, HGVSc, Transcript_ID, dbSNP_RS,
                              t_ref_count, t_alt_count, t_depth, FILTER, Mutation_Status,
                              Matched_Norm_Sample_Barcode, and a VAF column
                              (:data:`VAF_COLUMNS`)
============================  ============================================================

Alleles. The tumour allele is ``Tumor_Seq_Allele2`` unless it equals the reference, then
``Tumor_Seq_Allele1``. MAF writes the empty side of an indel as ``-`` and places a
deletion at its first deleted base and an insertion at the base before it. Without a
reference sequence there is no VCF anchor base, so the reader keeps the MAF alleles as
they are (``pos`` = Start_Position, ``-`` for the empty side); such alleles get hashed
variant keys (see :mod:`genomed.model.variant_key`) and do not match VCF-ingested
indels. With ``fasta`` (a reference of the MAF's build) the anchor base is prepended
(deletion: ``pos`` = Start_Position - 1, ``REF`` = anchor + deleted bases, ``ALT`` = anchor;
insertion: ``pos`` = Start_Position, ``REF`` = anchor, ``ALT`` = anchor + inserted bases)
and the indel is left-aligned, exactly as the VCF ingest normalises, so keys match.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import left_align

REQUIRED_COLUMNS = (
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
)

#: Columns that carry a tumour variant allele fraction when read counts are absent, and
#: the factor that turns their values into a fraction (0..1).
VAF_COLUMNS = {
    "i_TumorVAF_WU": 0.01,  # Washington University MAFs (TCGA LAML): percent
    "tumor_f": 1.0,  # MuTect 1 / Broad MAFs: fraction
    "i_tumor_f": 1.0,
    "t_vaf": 1.0,
}

#: Spellings of genome builds in NCBI_Build, cBioPortal ``reference_genome`` and --build.
BUILD_ALIASES = {
    "37": "GRCh37",
    "grch37": "GRCh37",
    "grch37-lite": "GRCh37",
    "hg19": "GRCh37",
    "b37": "GRCh37",
    "38": "GRCh38",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
}

#: Values that mean "no value" in a MAF or cBioPortal cell (compared case-insensitively).
MISSING_VALUES = ("", "na", "n/a", ".", "nan", "null", "none")

_ALLELE = r"^([ACGTN]+|-)$"
_UNSIGNED = r"^[0-9]+$"
#: A decimal number as text (what NUMBER cells and VAF columns must match).
NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def genome_build(text: str | None) -> str | None:
    """``GRCh37``/``GRCh38`` for any spelling in :data:`BUILD_ALIASES`, else ``None``."""
    if text is None:
        return None
    return BUILD_ALIASES.get(text.strip().lower())


# -- tab-separated tables with line numbers ------------------------------------------


@dataclass
class TabTable:
    """A tab-separated file read as text columns.

    ``table`` holds every column as strings (whitespace-trimmed, ``''`` when empty);
    ``lines`` the 1-based line of each row in the file; ``comments`` the ``#`` lines
    before the header (without the newline); ``header_line`` the header's line number.
    Blank lines are dropped.
    """

    path: Path
    table: pa.Table
    lines: np.ndarray
    comments: list[str]
    header_line: int

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    @property
    def names(self) -> list[str]:
        return self.table.column_names

    def find(self, name: str) -> str | None:
        """The file's spelling of column ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        for column in self.table.column_names:
            if column.lower() == lowered:
                return column
        return None

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def text(self, name: str) -> pa.Array:
        """Column ``name`` as one string array (``InputError`` if the file lacks it)."""
        column = self.find(name)
        if column is None:
            raise InputError(
                f"missing column {name}", path=str(self.path), line=self.header_line, field=name
            )
        return self.table.column(column).combine_chunks()

    def fail(self, mask, message: str, field: str, expected: str | None = None) -> None:
        """Raise :class:`InputError` at the first row where ``mask`` is true, if any."""
        if isinstance(mask, pa.ChunkedArray):
            mask = mask.combine_chunks()
        flags = np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False))
        bad = np.flatnonzero(flags)
        if len(bad):
            raise InputError(
                message,
                path=str(self.path),
                line=int(self.lines[bad[0]]),
                field=field,
                expected=expected,
            )


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _open_text(path: Path):
    if _is_gzip(path):
        return gzip.open(path, "rt", newline="")
    return open(path, newline="")


def _line_of_text(path: Path, text: str) -> int | None:
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.rstrip("\r\n") == text:
                return number
    return None


def read_tab_separated(path: str | Path) -> TabTable:
    """Read a tab-separated file with optional leading ``#`` lines and a header row.

    Every column is read as text. A row with the wrong number of fields, a header with
    a repeated column name or a file without a header row is an :class:`InputError`
    naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=str(path))
    comments: list[str] = []
    header: str | None = None
    with _open_text(path) as handle:
        for text in handle:
            if text.startswith("#"):
                comments.append(text.rstrip("\r\n"))
                continue
            header = text.rstrip("\r\n")
            break
    header_line = len(comments) + 1
    if header is None or not header.strip():
        raise InputError("no header row", path=str(path), line=header_line)
    names = [name.strip() or f"_column{i + 1}" for i, name in enumerate(header.split("\t"))]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InputError(
                f"column {name} occurs twice in the header",
                path=str(path),
                line=header_line,
                field=name,
            )
        seen.add(name.lower())
    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "skip"

    stream = pa.input_stream(str(path), compression="gzip" if _is_gzip(path) else None)
    table = pacsv.read_csv(
        stream,
        read_options=pacsv.ReadOptions(skip_rows=header_line, column_names=names),
        parse_options=pacsv.ParseOptions(
            delimiter="\t",
            quote_char=False,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if invalid:
        row = invalid[0]
        if row.text.strip() or len(names) == 1:
            number = row.number or _line_of_text(path, row.text)
            raise InputError(
                f"{row.actual_columns} tab-separated fields, the header has {row.expected_columns}",
                path=str(path),
                line=number,
                expected=f"{row.expected_columns} fields",
            )
    lines = np.arange(header_line + 1, header_line + 1 + table.num_rows, dtype=np.int64)
    table = pa.table({name: pc.utf8_trim_whitespace(table.column(name)) for name in names})
    if table.num_rows and names:
        empty = pc.equal(table.column(names[0]), "").to_numpy(zero_copy_only=False)
        for name in names[1:]:
            if not empty.any():
                break
            empty &= pc.equal(table.column(name), "").to_numpy(zero_copy_only=False)
        if empty.any():
            table = table.filter(pa.array(~empty))
            lines = lines[~empty]
    return TabTable(path, table, lines, comments, header_line)


def missing_mask(values: pa.Array) -> pa.Array:
    """True where a text cell holds no value (:data:`MISSING_VALUES`)."""
    return pc.is_in(pc.utf8_lower(values), value_set=pa.array(MISSING_VALUES))


def null_if_missing(values: pa.Array) -> pa.Array:
    """Text cells with :data:`MISSING_VALUES` replaced by nulls."""
    return pc.if_else(missing_mask(values), pa.scalar(None, pa.string()), values)


def parse_integers(tab: TabTable, name: str, *, signed: bool = False) -> pa.Array:
    """Column ``name`` as int64 (null where missing); a non-integer is an InputError."""
    values = null_if_missing(tab.text(name))
    pattern = r"^-?[0-9]+$" if signed else _UNSIGNED
    tab.fail(
        pc.invert(pc.match_substring_regex(values, pattern)),
        f"not {'an integer' if signed else 'a non-negative integer'}",
        tab.find(name) or name,
        expected="an integer" if signed else "a non-negative integer",
    )
    return pc.cast(values, pa.int64())


def parse_numbers(tab: TabTable, name: str) -> pa.Array:
    """Column ``name`` as float64 (null where missing); a non-number is an InputError."""
    values = null_if_missing(tab.text(name))
    tab.fail(
        pc.invert(pc.match_substring_regex(values, NUMBER_PATTERN)),
        "not a number",
        tab.find(name) or name,
        expected="a number",
    )
    return pc.cast(values, pa.float64())


# -- MAF --------------------------------------------------------------------------------


@dataclass
class MafRecords:
    """The mutations of one MAF, one row per input row.

    ``table`` columns: ``line``, ``sample_name`` (Tumor_Sample_Barcode), ``chrom``
    (canonical), ``pos``, ``ref``, ``alt`` (see the module notes for indels), ``gene``,
    ``protein_change``, ``variant_class``, ``hgvsc``, ``transcript_id``, ``rsid``,
    ``alt_count`` (tumour alleles equal to ``alt``, 1 or 2; null without
    Tumor_Seq_Allele1), ``ad_ref``, ``ad_alt``,
    ``dp``, ``vaf``, ``filter``, ``origin`` (somatic | germline), ``matched_normal``.
    ``build`` is the build NCBI_Build declares (``None`` when the column is absent).
    """

    path: Path
    table: pa.Table
    build: str | None
    indels: int
    anchored: bool

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def _optional_text(tab: TabTable, name: str) -> pa.Array:
    if not tab.has(name):
        return pa.nulls(tab.num_rows, pa.string())
    return null_if_missing(tab.text(name))


def _declared_build(tab: TabTable) -> str | None:
    if not tab.has("NCBI_Build"):
        return None
    raw = null_if_missing(tab.text("NCBI_Build"))
    distinct = [v for v in pc.unique(raw).to_pylist() if v is not None]
    builds = {}
    for value in distinct:
        build = genome_build(value)
        if build is None:
            tab.fail(
                pc.equal(raw, value),
                f"unknown genome build {value!r}",
                tab.find("NCBI_Build"),
                expected="37/GRCh37/hg19 or 38/GRCh38/hg38",
            )
        builds[value] = build
    if len(set(builds.values())) > 1:
        first = distinct[0]
        tab.fail(
            pc.invert(
                pc.is_in(
                    raw, value_set=pa.array([v for v in distinct if builds[v] == builds[first]])
                )
            ),
            "rows of more than one genome build",
            tab.find("NCBI_Build"),
            expected=f"{builds[first]} throughout (from the first rows)",
        )
    return next(iter(builds.values()), None)


def _vaf(tab: TabTable, ad_ref: pa.Array, ad_alt: pa.Array, dp: pa.Array) -> pa.Array:
    """Allele fraction from read counts, else from a VAF column (see :data:`VAF_COLUMNS`)."""
    depth = pc.if_else(pc.is_valid(dp), dp, pc.add(ad_ref, ad_alt))
    depth_f = pc.cast(depth, pa.float64())
    positive = pc.fill_null(pc.greater(depth, 0), False)
    vaf = pc.if_else(
        positive, pc.divide(pc.cast(ad_alt, pa.float64()), depth_f), pa.scalar(None, pa.float64())
    )
    for name, factor in VAF_COLUMNS.items():
        if tab.has(name):
            vaf = pc.coalesce(vaf, pc.multiply(parse_numbers(tab, name), factor))
    return vaf


def _protein_change(tab: TabTable) -> pa.Array:
    """Protein_Change, else HGVSp_Short; always written with the ``p.`` prefix."""
    change = pc.coalesce(_optional_text(tab, "Protein_Change"), _optional_text(tab, "HGVSp_Short"))
    prefixed = pc.binary_join_element_wise("p.", change, "")
    return pc.if_else(pc.starts_with(change, "p."), change, prefixed)


def _anchor_indels(
    tab: TabTable,
    chrom: np.ndarray,
    pos: np.ndarray,
    ref: np.ndarray,
    alt: np.ndarray,
    fasta: Path,
) -> None:
    """Give MAF indels (a ``-`` side) their VCF anchor base from ``fasta`` and left-align
    them, in place. A reference allele that does not match the FASTA is an InputError."""
    import pysam

    reference = pysam.FastaFile(str(fasta))
    contigs = {normalise_chrom(name): name for name in reference.references}

    def fetch(name: str, start: int, end: int) -> str:
        return reference.fetch(contigs[name], start, end).upper()

    for i in np.flatnonzero((ref == "-") | (alt == "-")):
        line = int(tab.lines[i])
        if chrom[i] not in contigs:
            raise InputError(
                f"chromosome {chrom[i]} is not in the reference FASTA {fasta}",
                path=str(tab.path),
                line=line,
                field="Chromosome",
            )
        p = int(pos[i])
        if ref[i] == "-":  # insertion after Start_Position
            anchor = fetch(chrom[i], p - 1, p)
            new = (p, anchor, anchor + alt[i])
        else:  # deletion starting at Start_Position
            actual = fetch(chrom[i], p - 1, p - 1 + len(ref[i]))
            if actual != ref[i]:
                raise InputError(
                    f"Reference_Allele {ref[i]} does not match the reference FASTA ({actual or 'nothing'}) "
                    f"at {chrom[i]}:{p}",
                    path=str(tab.path),
                    line=line,
                    field=tab.find("Reference_Allele"),
                    expected="a FASTA of the MAF's genome build",
                )
            anchor = fetch(chrom[i], p - 2, p - 1)
            new = (p - 1, anchor + ref[i], anchor)
        try:
            pos[i], ref[i], alt[i] = left_align(chrom[i], *new, fetch)
        except ValueError as error:
            raise InputError(
                str(error), path=str(tab.path), line=line, field="Reference_Allele"
            ) from None


def read_maf(path: str | Path, *, fasta: str | Path | None = None) -> MafRecords:
    """Read a MAF into :class:`MafRecords` (see the module notes for alleles and columns).

    Raises :class:`InputError` naming file, line and column for a missing required
    column, a position that is not a positive integer, an allele that is not
    ``[ACGTN]+`` or ``-``, a row whose tumour alleles both equal the reference, a count
    or VAF that is not a number, or an unknown/mixed NCBI_Build.
    """
    tab = read_tab_separated(path)
    for name in REQUIRED_COLUMNS:
        if not tab.has(name):
            raise InputError(
                f"missing required MAF column {name}",
                path=str(tab.path),
                line=tab.header_line,
                field=name,
                expected="the MAF columns " + ", ".join(REQUIRED_COLUMNS),
            )
    n = tab.num_rows
    build = _declared_build(tab)

    sample = tab.text("Tumor_Sample_Barcode")
    tab.fail(pc.equal(sample, ""), "empty sample barcode", tab.find("Tumor_Sample_Barcode"))
    raw_chrom = tab.text("Chromosome")
    tab.fail(pc.equal(raw_chrom, ""), "empty chromosome", tab.find("Chromosome"))
    start = tab.text("Start_Position")
    tab.fail(
        pc.invert(pc.match_substring_regex(start, r"^[0-9]*[1-9][0-9]*$")),
        "position is not a positive integer",
        tab.find("Start_Position"),
        expected="a positive integer",
    )

    ref = pc.utf8_upper(tab.text("Reference_Allele"))
    allele1 = pc.utf8_upper(tab.text("Tumor_Seq_Allele1")) if tab.has("Tumor_Seq_Allele1") else ref
    allele2 = pc.utf8_upper(tab.text("Tumor_Seq_Allele2"))
    tab.fail(
        pc.invert(pc.match_substring_regex(ref, _ALLELE)),
        "bad reference allele",
        tab.find("Reference_Allele"),
        expected="bases ACGTN or '-'",
    )
    use2 = pc.not_equal(allele2, ref)
    alt = pc.if_else(use2, allele2, allele1)
    tab.fail(
        pc.equal(alt, ref),
        "neither tumour allele differs from the reference",
        tab.find("Tumor_Seq_Allele2"),
        expected="a tumour allele other than Reference_Allele",
    )
    bad_alt = pc.invert(pc.match_substring_regex(alt, _ALLELE))
    tab.fail(
        pc.and_(bad_alt, use2),
        "bad tumour allele",
        tab.find("Tumor_Seq_Allele2"),
        expected="bases ACGTN or '-'",
    )
    tab.fail(
        bad_alt, "bad tumour allele", tab.find("Tumor_Seq_Allele1"), expected="bases ACGTN or '-'"
    )
    if tab.has("Tumor_Seq_Allele1"):
        alt_count = pc.add(
            pc.cast(pc.equal(allele1, alt), pa.int8()), pc.cast(pc.equal(allele2, alt), pa.int8())
        )
    else:  # only one tumour allele given: copies unknown
        alt_count = pa.nulls(n, pa.int8())

    encoded = pc.dictionary_encode(raw_chrom)  # canonicalise each distinct name once
    names = [normalise_chrom(c) for c in encoded.dictionary.to_pylist()]
    chrom = np.asarray(
        pa.array(names, pa.string()).take(encoded.indices).to_numpy(zero_copy_only=False),
        dtype=object,
    )
    pos = pc.cast(start, pa.int64()).to_numpy().copy()
    ref_np = np.asarray(ref.to_numpy(zero_copy_only=False), dtype=object).copy()
    alt_np = np.asarray(alt.to_numpy(zero_copy_only=False), dtype=object).copy()
    indels = int(np.count_nonzero((ref_np == "-") | (alt_np == "-")))
    if fasta is not None and indels:
        _anchor_indels(tab, chrom, pos, ref_np, alt_np, Path(fasta))

    ad_ref = (
        parse_integers(tab, "t_ref_count") if tab.has("t_ref_count") else pa.nulls(n, pa.int64())
    )
    ad_alt = (
        parse_integers(tab, "t_alt_count") if tab.has("t_alt_count") else pa.nulls(n, pa.int64())
    )
    depth = parse_integers(tab, "t_depth") if tab.has("t_depth") else pa.nulls(n, pa.int64())
    vaf = _vaf(tab, ad_ref, ad_alt, depth)
    dp = pc.if_else(pc.is_valid(depth), depth, pc.add(ad_ref, ad_alt))

    gene = _optional_text(tab, "Hugo_Symbol")
    gene = pc.if_else(pc.equal(gene, "Unknown"), pa.scalar(None, pa.string()), gene)
    rsid = _optional_text(tab, "dbSNP_RS")
    rsid = pc.if_else(pc.starts_with(rsid, "rs"), rsid, pa.scalar(None, pa.string()))
    status = pc.utf8_lower(_optional_text(tab, "Mutation_Status"))
    origin = pc.if_else(pc.fill_null(pc.equal(status, "germline"), False), "germline", "somatic")

    table = pa.table(
        {
            "line": pa.array(tab.lines, pa.int64()),
            "sample_name": sample,
            "chrom": pa.array(chrom.tolist(), pa.string()),
            "pos": pa.array(pos, pa.int64()),
            "ref": pa.array(ref_np.tolist(), pa.string()),
            "alt": pa.array(alt_np.tolist(), pa.string()),
            "gene": gene,
            "protein_change": _protein_change(tab),
            "variant_class": _optional_text(tab, "Variant_Classification"),
            "hgvsc": _optional_text(tab, "HGVSc"),
            "transcript_id": _optional_text(tab, "Transcript_ID"),
            "rsid": rsid,
            "alt_count": alt_count,
            "ad_ref": pc.cast(ad_ref, pa.int32()),
            "ad_alt": pc.cast(ad_alt, pa.int32()),
            "dp": pc.cast(dp, pa.int32()),
            "vaf": pc.cast(vaf, pa.float32()),
            "filter": _optional_text(tab, "FILTER"),
            "origin": origin,
            "matched_normal": _optional_text(tab, "Matched_Norm_Sample_Barcode"),
        }
    )
    return MafRecords(tab.path, table, build, indels, anchored=fasta is not None)


def tcga_patient_id(barcode: str) -> str | None:
    """``TCGA-AB-2802`` for a TCGA barcode such as ``TCGA-AB-2802-03A-01W``, else ``None``."""
    if barcode.startswith("TCGA-") and len(barcode) >= 12 and barcode[7] == "-":
        return barcode[:12]
    return None
