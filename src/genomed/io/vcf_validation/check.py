"""The driver: walk a VCF text file once and collect its deviations (:func:`check_vcf`).

Reads the file line by line (plain, gzip or bgzip), picks the version's rules from the
``##fileformat`` line, and hands header lines to :class:`Header` and data lines to
:class:`Records`; the section-level rules (empty lines, header lines in the body, the final
newline) are checked here.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from genomed.errors import InputError
from genomed.io.vcf_validation.deviations import Deviation, Reporter
from genomed.io.vcf_validation.header import HEADER_COLUMNS, Header
from genomed.io.vcf_validation.records import Records
from genomed.io.vcf_validation.tokens import NON_PRINTABLE
from genomed.io.vcf_validation.version_rules import SUPPORTED_VERSIONS, rules_for


def _unreadable(path: Path, line: int | None, exc: BaseException) -> InputError:
    """The error for input that cannot be read at all (corrupt gzip, I/O error)."""
    return InputError(f"cannot read: {exc}", path=str(path), line=line, field="file")


def _is_bcf(path: Path) -> bool:
    """BCF input is validated by htslib itself; recognise it by suffix or magic bytes."""
    if path.suffix.lower() == ".bcf":
        return True
    try:
        with path.open("rb") as handle:
            magic = handle.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                return handle.read(3) == b"BCF"
    except (OSError, EOFError) as exc:
        raise _unreadable(path, None, exc) from exc
    return magic == b"BC"


def _lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """Yield (1-based line number, text without separator, whether it had a separator).

    Unreadable input (corrupt or truncated gzip) becomes an InputError naming the file and
    the line reading stopped at. Invalid UTF-8 survives as surrogates for the checks.
    """
    number = 0
    try:
        with path.open("rb") as handle:
            compressed = handle.read(2) == b"\x1f\x8b"
        encoding = {"encoding": "utf-8", "errors": "surrogateescape", "newline": ""}
        with (
            gzip.open(path, "rt", **encoding) if compressed else path.open("r", **encoding) as text
        ):
            for number, raw in enumerate(text, start=1):
                line = raw.rstrip("\r\n")
                yield number, line, len(line) != len(raw)
    except (OSError, EOFError) as exc:
        raise _unreadable(path, number + 1, exc) from exc


def _fileformat(report: Reporter, lineno: int, text: str) -> str:
    """The first line must be ##fileformat=VCFvX.Y; return the version to check against."""
    if text.startswith("\ufeff"):
        report.violation(lineno, "header", "file starts with a byte order mark", "no BOM")
        text = text[1:]
    if not text.startswith("##fileformat=VCF"):
        message = "first line is not a ##fileformat=VCF line"
        report.fatal(lineno, "header", message, "##fileformat=VCFv4.x")
    value = text[len("##fileformat=") :]
    match = re.fullmatch(r"VCFv(\d+)\.(\d+)", value)
    if match is None:
        report.violation(lineno, "header", f"fileformat {value!r} is malformed", "VCFv4.1-VCFv4.5")
        return "4.2"
    version = f"{match.group(1)}.{match.group(2)}"
    if version not in SUPPORTED_VERSIONS:
        report.violation(lineno, "header", f"VCF version {version} is not checked", "VCFv4.1-4.5")
        older = (int(match.group(1)), int(match.group(2))) < (4, 1)
        return SUPPORTED_VERSIONS[0] if older else SUPPORTED_VERSIONS[-1]
    return version


def check_vcf(path: str | Path, strict: bool, max_deviations: int = 1000) -> list[Deviation]:
    """Check a VCF text file (plain, gzip or bgzip) against the VCF specification.

    Parameters
    ----------
    path
        The file. ``.bcf`` (or BCF magic bytes) returns ``[]``: htslib validates BCF.
    strict
        True: raise :class:`~genomed.errors.InputError` (path, line, field, expected) at
        the first thing the spec forbids. False: collect those as deviations and raise
        only when no reader could go on (missing ``##fileformat`` or ``#CHROM`` line,
        wrong column count, POS not a non-negative integer, duplicate sample names).
    max_deviations
        Stop collecting after this many; the file is still read to the end.

    Returns
    -------
    list[Deviation]
        In line order. In strict mode only "should"-level advisories (undeclared keys or
        contigs, quoted INFO strings...), which never fail a file.
    """
    path = Path(path)
    if _is_bcf(path):
        return []
    report = Reporter(str(path), strict, max_deviations)
    lines = _lines(path)
    last = next(lines, None)
    if last is None:
        report.fatal(1, "header", "file is empty", "##fileformat=VCFv4.x")
    rules = rules_for(_fileformat(report, last[0], last[1]))
    header = Header(rules, report)
    records = Records(header, rules, report)
    in_body = False
    for last in lines:
        lineno, text, _ = last
        if not text:
            report.violation(lineno, "line", "empty line", "no empty lines")
        elif in_body:
            if text.startswith("#"):
                report.violation(lineno, "header", "header line after #CHROM", "records only")
            else:
                records.check(lineno, text)
        else:
            in_body = _header_section_line(report, header, lineno, text)
    if not in_body:
        report.fatal(last[0], "header", "no #CHROM header line", "\t".join(HEADER_COLUMNS))
    if not last[2]:
        report.violation(last[0], "newline", "last line has no line separator", "a final newline")
    return report.deviations


def _header_section_line(report: Reporter, header: Header, lineno: int, text: str) -> bool:
    """Handle a line before the body; returns True once it was the #CHROM line."""
    if NON_PRINTABLE.search(text):
        report.violation(lineno, "header", "non-printable character or invalid UTF-8", "UTF-8")
    if text.startswith("##"):
        header.meta_line(lineno, text)
    elif text.startswith("#CHROM"):
        header.header_line(lineno, text)
        return True
    elif text.startswith("#"):
        report.violation(lineno, "header", "line with a single '#' before #CHROM", "##key=value")
    else:
        report.fatal(lineno, "header", "data line before the #CHROM line", "##meta, then #CHROM")
    return False
