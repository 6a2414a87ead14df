"""VCF records as Arrow text columns, read and written in large batches.

For annotation the VCF body never needs decoding into Python objects: each line is one
Arrow string; the first fields are split off with Arrow compute kernels and the line is
put back together with a new INFO value, also with Arrow. This keeps a 1-million-record
file at a few seconds of I/O. BCF input goes through htslib (pysam) line by line.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from genomed.errors import InputError

#: byte that never occurs in VCF text, used as the CSV "delimiter" so a whole line is one value
_NO_DELIMITER = "\x1f"


@dataclass
class VcfText:
    """Header lines (without newlines) and the number of them."""

    path: Path
    header: list[str]
    first_record_length: int = 100

    @property
    def columns_line(self) -> str:
        return self.header[-1]


def _open_text(path: Path):
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def read_header(path: str | Path) -> VcfText:
    """Header lines of a VCF (``##...`` and ``#CHROM``); InputError if there is none."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.suffix == ".bcf":
        import pysam

        pysam.set_verbosity(0)  # no "could not retrieve index" warnings for unindexed BCF
        with pysam.VariantFile(str(path)) as vf:
            lines = str(vf.header).rstrip("\n").split("\n")
        return VcfText(path, lines)
    lines = []
    first = 100
    with _open_text(path) as handle:
        for text in handle:
            if not text.startswith("#"):
                first = len(text)
                break
            lines.append(text.rstrip("\n"))
    if not lines or not lines[-1].startswith("#CHROM"):
        raise InputError(
            "no #CHROM header line", path=str(path), line=len(lines) + 1, field="header"
        )
    return VcfText(path, lines, first)


#: records per batch the reader aims at (memory stays flat; per-batch overheads small)
BATCH_RECORDS = 20_000


def iter_line_batches(vcf: VcfText, batch_bytes: int | None = None) -> Iterator[pa.Array]:
    """Arrow string arrays of record lines, in file order, about :data:`BATCH_RECORDS`
    lines each (the block size follows the length of the first record)."""
    if batch_bytes is None:
        batch_bytes = min(max(vcf.first_record_length * BATCH_RECORDS, 1 << 20), 256 << 20)
    path = vcf.path
    if path.suffix == ".bcf":
        import pysam

        batch: list[str] = []
        with pysam.VariantFile(str(path)) as vf:
            for record in vf:
                batch.append(str(record).rstrip("\n"))
                if len(batch) >= 100_000:
                    yield pa.array(batch, pa.string())
                    batch = []
        if batch:
            yield pa.array(batch, pa.string())
        return
    with open(path, "rb") as handle:
        gz = handle.read(2) == b"\x1f\x8b"
    stream = pa.input_stream(str(path), compression="gzip" if gz else None)
    reader = pcsv.open_csv(
        stream,
        read_options=pcsv.ReadOptions(
            column_names=["line"], skip_rows=len(vcf.header), block_size=batch_bytes
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=_NO_DELIMITER, quote_char=False, escape_char=False, ignore_empty_lines=True
        ),
        convert_options=pcsv.ConvertOptions(
            column_types={"line": pa.string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    for batch in reader:
        if batch.num_rows:
            yield batch.column(0)


@dataclass
class RecordFields:
    """The first eight VCF fields of a batch of lines, and the remainder (FORMAT+samples)."""

    chrom: pa.Array
    pos: pa.Array  # int64
    id: pa.Array
    ref: pa.Array
    alt: pa.Array
    qual: pa.Array
    filter: pa.Array
    info: pa.Array
    rest: pa.Array  # null when the file has no sample columns


def split_fields(lines: pa.Array, first_line: int, path: str) -> RecordFields:
    """Split lines into fields; InputError names the first line with fewer than 8."""
    parts = pc.split_pattern(lines, "\t", max_splits=8)
    counts = pc.list_value_length(parts)
    short = pc.less(counts, 8)
    if pc.any(short).as_py():
        bad = pc.index(short, True).as_py()
        raise InputError(
            "record has fewer than 8 tab-separated fields",
            path=path,
            line=first_line + bad,
            field="#CHROM..INFO",
        )
    fields = [pc.list_element(parts, i) for i in range(8)]
    rest = pc.binary_join(pc.list_slice(parts, 8, 9), "\t")
    rest = pc.if_else(pc.greater(counts, 8), rest, pa.scalar(None, pa.string()))
    try:
        pos = pc.cast(fields[1], pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = fields[1].to_pylist()
        bad = next(i for i, v in enumerate(values) if not v.isdigit())
        raise InputError(
            f"POS {values[bad]!r} is not an integer", path=path, line=first_line + bad, field="POS"
        ) from None
    return RecordFields(
        chrom=fields[0],
        pos=pos,
        id=fields[2],
        ref=fields[3],
        alt=fields[4],
        qual=fields[5],
        filter=fields[6],
        info=fields[7],
        rest=rest,
    )


def record_lines(fields: RecordFields, info: pa.Array, info_tail: pa.Array) -> pa.Array:
    """Lines, each ending in a newline, rebuilt with INFO ``info`` + ``info_tail``
    (e.g. ``DP=3;CSQ=`` + the CSQ value), in one pass over the text."""
    tab = pa.scalar("\t")
    rest = pc.binary_join_element_wise(tab, fields.rest, "")  # null without samples
    return pc.binary_join_element_wise(
        fields.chrom, tab, pc.cast(fields.pos, pa.string()), tab, fields.id, tab, fields.ref,
        tab, fields.alt, tab, fields.qual, tab, fields.filter, tab, info, info_tail, rest,
        pa.scalar("\n"), "", null_handling="replace", null_replacement="",
    )  # fmt: skip


def with_info(fields: RecordFields, info: pa.Array) -> pa.Array:
    """Lines rebuilt with a new INFO column."""
    cols = [
        fields.chrom,
        pc.cast(fields.pos, pa.string()),
        fields.id,
        fields.ref,
        fields.alt,
        fields.qual,
        fields.filter,
        info,
    ]
    head = pc.binary_join_element_wise(*cols, "\t")
    return pc.if_else(
        pc.is_valid(fields.rest), pc.binary_join_element_wise(head, fields.rest, "\t"), head
    )
