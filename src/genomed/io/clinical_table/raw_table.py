"""Reading a clinical file as strings: comments, header, delimiter, and record lines.

Nothing is typed here: every cell stays a string, so the value checks can name the column
as the file spells it and the line a record starts on (found again only when an error
needs it, since quoted values may span lines).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from genomed.errors import InputError


@dataclass
class RawTable:
    """The file as strings: header names as written and one string column each."""

    path: Path
    delimiter: str
    header_line: int
    names: list[str]
    table: pa.Table

    @cached_property
    def record_lines(self) -> list[int]:
        """Line where every data record starts (computed only when an error needs it)."""
        lines = []
        with _open_text(self.path) as handle:
            for _ in range(self.header_line):
                handle.readline()
            reader = csv.reader(handle, delimiter=self.delimiter)
            consumed = 0
            for record in reader:
                start = self.header_line + consumed + 1
                consumed = reader.line_num
                if record:
                    lines.append(start)
        return lines

    def line_of(self, record: int) -> int | None:
        """1-based line where record ``record`` (0-based) starts, None if there is none."""
        lines = self.record_lines
        return lines[record] if 0 <= record < len(lines) else None


def column_key(name: str) -> str:
    """A header name as matched against contracts: case-blind, spaces as underscores."""
    return name.strip().lstrip("\ufeff").lower().replace(" ", "_")


def _open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it ends in ``.gz``."""
    return gzip.open(path) if path.suffix == ".gz" else open(path, "rb")


def _open_text(path: Path) -> io.TextIOWrapper:
    """UTF-8 text (a byte order mark dropped), newlines kept for the csv module."""
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def _delimiter(path: Path, header: str) -> str:
    """Tab or comma: by extension, else by the header line (tabs win over commas)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".tsv", ".tab", ".txt"):
        return "\t"
    if last == ".csv":
        return ","
    return "\t" if header.count("\t") >= header.count(",") and "\t" in header else ","


def read_raw(path: Path) -> RawTable:
    """Read ``path`` as string columns, refusing what no contract can read.

    Raises :class:`~genomed.errors.InputError` for a missing or non-UTF-8 file, a missing
    header line, a column name given twice, or a record with the wrong number of fields.
    """
    if not path.is_file():
        raise InputError("no such file", path=str(path))
    comments = 0
    try:
        with _open_text(path) as handle:
            header = handle.readline()
            while header.startswith("#"):
                comments += 1
                header = handle.readline()
    except (UnicodeDecodeError, OSError, EOFError) as error:
        raise InputError(f"cannot read as UTF-8 text: {error}", path=str(path)) from None
    header_line = comments + 1
    if not header.strip():
        raise InputError(
            "no header line", path=str(path), line=header_line, expected="column names"
        )
    delimiter = _delimiter(path, header)
    names = next(csv.reader([header.rstrip("\r\n")], delimiter=delimiter))
    names = [n.strip().lstrip("\ufeff") for n in names]
    seen: dict[str, int] = {}
    internal = []
    for i, name in enumerate(names):
        key = column_key(name)
        if key and key in seen:
            raise InputError(
                f"column {name!r} occurs twice (columns {seen[key] + 1} and {i + 1})",
                path=str(path),
                line=header_line,
                field=name,
                expected="unique column names",
            )
        seen[key] = i
        internal.append(name if key else f"_unnamed_{i + 1}")
    problems: list[int] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        """Skip a row with the wrong field count for now; its line is found afterwards."""
        problems.append(row.actual_columns)
        return "skip"

    with _open_binary(path) as handle:
        data = handle.read()
    offset = 0
    for _ in range(header_line):  # comments and header are not CSV: cut them off
        offset = data.find(b"\n", offset) + 1 or len(data)
    if not data[offset:].strip():  # a header and no rows
        empty = {name: pa.array([], pa.string()) for name in internal}
        return RawTable(path, delimiter, header_line, internal, pa.table(empty))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data[offset:]),
            read_options=pacsv.ReadOptions(column_names=internal),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(internal, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        raise InputError(f"cannot parse: {error}", path=str(path)) from None
    raw = RawTable(path, delimiter, header_line, internal, table)
    if problems:
        _raise_field_count(raw, len(internal))
    return raw


def _raise_field_count(raw: RawTable, expected: int) -> None:
    """Find the first record whose field count is wrong and report its line."""
    with _open_text(raw.path) as handle:
        for _ in range(raw.header_line):
            handle.readline()
        reader = csv.reader(handle, delimiter=raw.delimiter)
        consumed = 0
        for record in reader:
            start = raw.header_line + consumed + 1
            consumed = reader.line_num
            if record and len(record) != expected:
                raise InputError(
                    f"{len(record)} fields where the header has {expected}",
                    path=str(raw.path),
                    line=start,
                    expected=f"{expected} {'tab' if raw.delimiter == chr(9) else 'comma'}-separated fields",
                )
    raise InputError("rows with the wrong number of fields", path=str(raw.path))
