"""VCF conformance: strict rejection of what the specification forbids, lenient reports.

``genomed ingest vcf PATH --strict`` must refuse a file the VCF specification (v4.1,
v4.2, v4.3; v4.4/v4.5 with the v4.3 rules plus their additions) forbids, naming file,
line, field and what was expected. Without ``--strict`` the ingest accepts what real
callers emit and lists how the file deviates, so a reviewer sees that, say, GATK wrote
``GQ=14.79`` under a ``Type=Integer`` declaration.

Each rule has one of three levels (docs/vcf-conformance.md lists them all):

* *violation* -- the spec says must / must not. Strict: :class:`InputError` at the first
  one. Lenient: a :class:`Deviation`.
* *advisory* -- the spec says should (undeclared INFO keys, undeclared contigs...). Both
  modes: a :class:`Deviation`, never an error.
* *fatal* -- no reader can go on (no ``#CHROM`` line, wrong column count, POS not an
  integer, duplicate sample names). Both modes: :class:`InputError`.

The rules follow the spec text and, where the text is silent or has changed since, the
hts-specs conformance suite (test/vcf, derived from EBI's vcf-validator), which is what
"conformant" means in practice. The file is streamed once. Lenient mode checks the sample
columns of the first :data:`LENIENT_SAMPLE_RECORDS` records only and afterwards just
counts them, so a 2,504-sample file costs about what a sites-only file costs.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from genomed.errors import InputError
from genomed.model.normalise import trim_alleles

#: Lenient mode checks every sample column of this many records, then only counts columns.
LENIENT_SAMPLE_RECORDS = 1000
HEADER_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
SUPPORTED_VERSIONS = ("4.1", "4.2", "4.3", "4.4", "4.5")


@dataclass(frozen=True)
class Deviation:
    """One way a file departs from the VCF spec: where (1-based text line, field) and what."""

    line: int
    field: str
    message: str


# --------------------------------------------------------------------------------------
# Data tables: reserved keys and per-version rules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reserved:
    """What the spec reserves a key for; ``numbers``/``types`` list the accepted values."""

    numbers: frozenset[str]
    types: frozenset[str]
    non_negative: bool = False
    unit_interval: bool = False
    pattern: re.Pattern[str] | None = None


def _r(
    number: str,
    type_: str,
    *,
    non_negative: bool = False,
    unit_interval: bool = False,
    pattern: re.Pattern[str] | None = None,
) -> Reserved:
    """Shorthand for the tables below; alternatives are separated by '|'."""
    numbers, types = frozenset(number.split("|")), frozenset(type_.split("|"))
    return Reserved(numbers, types, non_negative, unit_interval, pattern)


_CIGAR = re.compile(r"(?:[0-9]+[MIDNSHP=X])+")
#: Reserved INFO keys of v4.1/v4.2 (section 1.4.1; Number/Type as in the conformance
#: suite). SB is left out: v4.1/4.2 gave it no type and the v4.3 suite passes SB=0.150.
RESERVED_INFO_41 = {
    "AA": _r("1", "String"),
    "AC": _r("A", "Integer", non_negative=True),
    "AF": _r("A", "Float", unit_interval=True),
    "AN": _r("1", "Integer", non_negative=True),
    "BQ": _r("1", "Float"),
    "CIGAR": _r("A", "String", pattern=_CIGAR),
    "DB": _r("0", "Flag"),
    "DP": _r("1", "Integer", non_negative=True),
    "END": _r("1", "Integer", non_negative=True),
    "H2": _r("0", "Flag"),
    "H3": _r("0", "Flag"),
    "MQ": _r("1", "Float|Integer"),
    "MQ0": _r("1", "Integer", non_negative=True),
    "NS": _r("1", "Integer", non_negative=True),
    "SOMATIC": _r("0", "Flag"),
    "VALIDATED": _r("0", "Flag"),
    "1000G": _r("0", "Flag"),
}
#: Reserved INFO keys of v4.3+ (Table 1).
RESERVED_INFO_43 = {
    **RESERVED_INFO_41,
    "AD": _r("R", "Integer", non_negative=True),
    "ADF": _r("R", "Integer", non_negative=True),
    "ADR": _r("R", "Integer", non_negative=True),
    "MQ": _r("1", "Float"),
}
#: Reserved FORMAT keys of v4.1/v4.2 (section 1.4.2).
RESERVED_FORMAT_41 = {
    "DP": _r("1", "Integer", non_negative=True),
    "EC": _r("A", "Integer", non_negative=True),
    "FT": _r("1", "String"),
    "GL": _r("G", "Float"),
    "GLE": _r("G|.", "String"),
    "GP": _r("G", "Float"),
    "GQ": _r("1", "Integer"),
    "GT": _r("1", "String"),
    "HQ": _r("2", "Integer"),
    "MQ": _r("1", "Integer"),
    "PL": _r("G", "Integer"),
    "PQ": _r("1", "Integer"),
    "PS": _r("1", "Integer", non_negative=True),
}
#: Reserved FORMAT keys of v4.3+ (Table 2): AD/ADF/ADR and PP added, GLE gone, GP in [0,1].
RESERVED_FORMAT_43 = {
    **{key: value for key, value in RESERVED_FORMAT_41.items() if key != "GLE"},
    "AD": _r("R", "Integer", non_negative=True),
    "ADF": _r("R", "Integer", non_negative=True),
    "ADR": _r("R", "Integer", non_negative=True),
    "GP": _r("G", "Float", unit_interval=True),
    "PP": _r("G", "Integer"),
}
#: First-level types a colon-separated symbolic allele ID must start with.
SV_TYPES = frozenset({"DEL", "INS", "DUP", "INV", "CNV", "BND"})
INFO_TYPES = frozenset({"Integer", "Float", "Flag", "Character", "String"})
FORMAT_TYPES = INFO_TYPES - {"Flag"}

# Contig names: the SAM reference-name rule ([!-~] minus \,"`'()[]{}<>, not starting with
# * or =). The v4.1-4.3 suites still forbid ':' (the old "no colon" rule); v4.3 forbids '*'.
_NAME = r"0-9A-Za-z!#$%&+./;?@^_|~\-"
_CONTIG_41 = re.compile(rf"[{_NAME}][{_NAME}*=]*")
_CONTIG_43 = re.compile(rf"[{_NAME}][{_NAME}=]*")
_CONTIG_44 = re.compile(rf"[{_NAME}:][{_NAME}:*=]*")
_INFO_KEY_41 = re.compile(r"[^\s;=]+")
_INFO_KEY_43 = re.compile(r"[A-Za-z_][0-9A-Za-z_.]*|1000G")
_FORMAT_KEY_41 = re.compile(r"[A-Za-z0-9]+")  # v4.1/4.2: "colon-separated alphanumeric"
_FORMAT_KEY_43 = re.compile(r"[A-Za-z_][0-9A-Za-z_.]*")


@dataclass(frozen=True)
class VersionRules:
    """Everything that differs between VCF versions, as data."""

    version: str
    number_codes: frozenset[str]
    info_key: re.Pattern[str]
    format_key: re.Pattern[str]
    contig: re.Pattern[str]
    reserved_info: Mapping[str, Reserved]
    reserved_format: Mapping[str, Reserved]
    modern: bool  # v4.3+: unique meta IDs, IDs on all <> lines, no repeated values, BCF ints
    ordered_meta_fields: bool  # <= v4.3: ID, Number, Type, Description first and in order
    info_spaces: bool  # v4.3+ allows spaces in INFO values
    gt_leading_phase: bool  # v4.4+: GT may start with '/' or '|'
    local_alleles: bool  # v4.5: LAA, Number=LA/LR/LG, empty local-allele vectors


def rules_for(version: str) -> VersionRules:
    """The rule set of one VCF version ("4.1" ... "4.5")."""
    minor = int(version.split(".")[1])
    numbers = {"A", "G", "."} | ({"R"} if minor >= 2 else set())
    numbers |= {"LA", "LR", "LG", "P", "M"} if minor >= 4 else set()
    return VersionRules(
        version=version,
        number_codes=frozenset(numbers),
        info_key=_INFO_KEY_43 if minor >= 3 else _INFO_KEY_41,
        format_key=_FORMAT_KEY_43 if minor >= 3 else _FORMAT_KEY_41,
        contig=_CONTIG_44 if minor >= 4 else _CONTIG_43 if minor == 3 else _CONTIG_41,
        reserved_info=RESERVED_INFO_43 if minor >= 3 else RESERVED_INFO_41,
        reserved_format=RESERVED_FORMAT_43 if minor >= 3 else RESERVED_FORMAT_41,
        modern=minor >= 3,
        ordered_meta_fields=minor <= 3,
        info_spaces=minor >= 3,
        gt_leading_phase=minor >= 4,
        local_alleles=minor >= 5,
    )


_FLOAT = re.compile(r"[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|(?i:inf|infinity|nan))")
_INT = re.compile(r"[-+]?[0-9]+")
_BASES = re.compile(r"[ACGTNacgtn]+")
_NON_PRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\udc80-\udcff]")
_WHITESPACE = re.compile(r"\s")
_UINT = re.compile(r"[0-9]+")
_INT32_MAX = 2**31 - 1


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


class _Reporter:
    """Turns rule outcomes into an InputError (strict / fatal) or a capped Deviation list."""

    def __init__(self, path: str, strict: bool, max_deviations: int) -> None:
        self.path = path
        self.strict = strict
        self.max_deviations = max_deviations
        self.deviations: list[Deviation] = []
        self._seen: set[tuple[str, str]] = set()

    def fatal(self, line: int, field: str, message: str, expected: str | None = None) -> NoReturn:
        """Something no reader can get past: raise in both modes."""
        raise InputError(message, path=self.path, line=line, field=field, expected=expected)

    def violation(self, line: int, field: str, message: str, expected: str | None = None) -> None:
        """The spec forbids it: raise when strict, record a deviation otherwise."""
        if self.strict:
            self.fatal(line, field, message, expected)
        self.note(line, field, message + (f"; expected {expected}" if expected else ""))

    def note(self, line: int, field: str, message: str) -> None:
        """Record a deviation (both modes), up to the cap."""
        if len(self.deviations) < self.max_deviations:
            self.deviations.append(Deviation(line, field, message))

    def once(self, key: str, line: int, field: str, message: str) -> None:
        """An advisory that would repeat on every record (undeclared key...): note it once."""
        if (key, field) not in self._seen:
            self._seen.add((key, field))
            self.note(line, field, message)


# --------------------------------------------------------------------------------------
# Header: meta lines and the #CHROM line
# --------------------------------------------------------------------------------------

#: A parsed structured meta line: (key, value, was the value quoted).
Fields = list[tuple[str, str, bool]]


@dataclass(frozen=True)
class Definition:
    """A declared (or reserved) INFO/FORMAT key: Number and Type as written."""

    number: str
    type: str
    reserved: Reserved | None = None


class MetaSyntaxError(ValueError):
    """A structured meta line that does not parse as <key=value,...>."""


def parse_structured(body: str) -> Fields:
    """Split the inside of ``<...>`` into (key, value, quoted) triples.

    A value is quoted ("..." with backslash escapes), a [bracketed, list] or bare (up to
    the next comma). Raises :class:`MetaSyntaxError` with the reason.
    """
    fields: Fields = []
    i, n = 0, len(body)
    while i < n:
        eq, comma = body.find("=", i), body.find(",", i)
        if eq < 0 or 0 <= comma < eq:
            raise MetaSyntaxError(f"'{body[i : comma if comma >= 0 else n]}' is not key=value")
        key = body[i:eq]
        value, quoted, i = _structured_value(body, eq + 1)
        fields.append((key, value, quoted))
        if i < n:
            if body[i] != ",":
                raise MetaSyntaxError(f"unexpected '{body[i]}' after the value of {key}")
            i += 1
            if i == n:
                raise MetaSyntaxError("trailing comma")
    return fields


def _structured_value(body: str, i: int) -> tuple[str, bool, int]:
    """Read one value starting at ``i``; return (value, quoted, index after it)."""
    if body.startswith('"', i):
        j, out = i + 1, []
        while j < len(body) and body[j] != '"':
            if body[j] == "\\" and j + 1 < len(body):  # \" and \\ stand for " and \
                j += 1
            out.append(body[j])
            j += 1
        if j >= len(body):
            raise MetaSyntaxError("unterminated quoted value")
        return "".join(out), True, j + 1
    if body.startswith("[", i):
        j = body.find("]", i)
        if j < 0:
            raise MetaSyntaxError("unterminated [ list")
        return body[i : j + 1], False, j + 1
    j = body.find(",", i)
    j = len(body) if j < 0 else j
    return body[i:j], False, j


_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#\s]*)(\S*)")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)*[A-Za-z][A-Za-z0-9\-]*\.?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def is_url(text: str) -> bool:
    """An absolute URL with a real host (RFC 3986 / RFC 1123); file:// may omit the host."""
    match = _URL.fullmatch(text)
    if not match:
        return False
    host = match.group(2).rpartition("@")[2]
    if host.startswith("["):
        return host.endswith("]") or "]:" in host
    host, _, port = host.partition(":")
    if port and not _UINT.fullmatch(port):
        return False
    if not host:
        return match.group(1).lower() == "file"
    return bool(_IPV4.fullmatch(host) or _HOST.fullmatch(host))


def symbolic_id_problem(id_: str) -> str | None:
    """Why a symbolic allele ID (the text inside <>) is invalid, or None."""
    if not id_:
        return "empty"
    if re.search(r"[\s,<>]", id_):
        return "contains whitespace, ',' or angle brackets"
    if ":" in id_ and id_.split(":", 1)[0] not in SV_TYPES:
        return "a subtype (ID with ':') must start with " + "/".join(sorted(SV_TYPES))
    return None


#: Genome / sample identifiers in SAMPLE and PEDIGREE lines (no delimiters of those lines).
_GENOME_ID = re.compile(r"[^\s,:;*<>\[\]=\"']+")
#: Required leading fields of the structured lines the spec defines, in order.
_REQUIRED_FIELDS = {
    "INFO": ("ID", "Number", "Type", "Description"),
    "FORMAT": ("ID", "Number", "Type", "Description"),
    "FILTER": ("ID", "Description"),
    "ALT": ("ID", "Description"),
}
_SPEC_STRUCTURED = frozenset(
    {"INFO", "FORMAT", "FILTER", "ALT", "contig", "SAMPLE", "PEDIGREE", "META"}
)


class _Header:
    """What the meta lines and the #CHROM line declare, checked as they are read."""

    def __init__(self, rules: VersionRules, report: _Reporter) -> None:
        self.rules = rules
        self.report = report
        self.info: dict[str, Definition] = {}
        self.format: dict[str, Definition] = {}
        self.filters: set[str] = {"PASS"}
        self.contigs: set[str] = set()
        self.samples: list[str] = []
        self.has_format_column = False
        self._ids: dict[str, set[str]] = {}
        self._line = 0

    def _bad(self, message: str, expected: str) -> None:
        """A violation on the header line being checked."""
        self.report.violation(self._line, "header", message, expected)

    def _note(self, message: str) -> None:
        self.report.note(self._line, "header", message)

    # -- meta lines --------------------------------------------------------------------

    def meta_line(self, lineno: int, line: str) -> None:
        """Check one ``##key=value`` line and remember what it declares."""
        self._line = lineno
        key, eq, value = line[2:].partition("=")
        if not eq or not key:
            return self._bad("meta line is not ##key=value", "##key=value")
        if _WHITESPACE.search(key):
            self._note(f"meta key {key!r} contains whitespace")
        if not value:
            return self._bad(f"##{key} has an empty value", "a value")
        if key == "fileformat":
            self._bad("second ##fileformat line", "exactly one, first")
        elif key in ("assembly", "pedigreeDB"):
            if not is_url(value):
                self._bad(f"##{key} is not a URL: {value}", "a URL")
        elif value.startswith("<"):
            self._structured(key, value)
        return None

    def _structured(self, key: str, value: str) -> None:
        """Parse ``<...>`` and dispatch to the checker of the line type."""
        if not value.endswith(">"):
            return self._bad(f"##{key}=< is not closed", "'>' at the end")
        if key not in _SPEC_STRUCTURED and not self.rules.modern and value.startswith('<"'):
            return None  # v4.1/4.2 files carry ##Key=<"free text">
        try:
            fields = parse_structured(value[1:-1])
        except MetaSyntaxError as exc:
            return self._bad(f"##{key} line: {exc}", "<key=value,...>")
        if not fields:
            return self._bad(f"##{key}=<> is empty", "<ID=...>")
        if not self._id_present(key, fields):
            return None
        checkers = {
            "INFO": self._meta_info,
            "FORMAT": self._meta_format,
            "FILTER": self._meta_filter,
            "ALT": self._meta_alt,
            "contig": self._meta_contig,
            "SAMPLE": self._meta_sample,
            "PEDIGREE": self._meta_pedigree,
            "META": self._meta_meta,
        }
        if key in checkers:
            checkers[key](fields)
            if key not in ("INFO", "FORMAT"):
                self._number_and_type(key, fields)
        if fields[0][0] == "ID":
            self._unique_id(key, fields[0][1])
        return None

    def _id_present(self, key: str, fields: Fields) -> bool:
        """Structured lines need an ID first (v4.3+: all; v4.1/4.2: spec-defined but PEDIGREE)."""
        needs_id = self.rules.modern or (key in _SPEC_STRUCTURED and key != "PEDIGREE")
        if not needs_id or fields[0][0] == "ID":
            return True
        if any(name == "ID" for name, _, _ in fields):
            self._order(key, "ID is not the first field")
            return True
        self._bad(f"##{key} line has no ID", "ID=... first")
        return False

    def _order(self, key: str, message: str) -> None:
        """Field order: a must up to v4.3 (conformance suite), a should from v4.4 on."""
        if self.rules.ordered_meta_fields:
            self._bad(f"##{key}: {message}", ", ".join(_REQUIRED_FIELDS.get(key, ("ID",))))
        else:
            self._note(f"##{key}: {message}")

    def _unique_id(self, key: str, id_: str) -> None:
        """IDs are unique within their type (a must for spec-defined types from v4.3)."""
        seen = self._ids.setdefault(key, set())
        if id_ in seen:
            if self.rules.modern and key in _SPEC_STRUCTURED:
                self._bad(f"##{key} ID {id_} is defined twice", "unique IDs within a type")
            else:
                self._note(f"##{key} ID {id_} is defined twice")
        seen.add(id_)

    def _required(self, key: str, fields: Fields) -> dict[str, str] | None:
        """Check the required leading fields and the quoted Description; return all fields."""
        required = _REQUIRED_FIELDS[key]
        names = [name for name, _, _ in fields]
        missing = [name for name in required if name not in names]
        if missing:
            self._bad(f"##{key} lacks {', '.join(missing)}", ", ".join(required))
            return None
        if tuple(names[: len(required)]) != required:
            self._order(key, "required fields out of order")
        if not any(quoted for name, _, quoted in fields if name == "Description"):
            self._bad(f"##{key} Description is not quoted", 'Description="..."')
        return {name: value for name, value, _ in fields}

    def _meta_info(self, fields: Fields) -> None:
        """##INFO: ID syntax, Number, Type, agreement with the reserved table."""
        self._typed_definition("INFO", fields)

    def _meta_format(self, fields: Fields) -> None:
        """##FORMAT: as ##INFO, without Flag."""
        self._typed_definition("FORMAT", fields)

    def _typed_definition(self, kind: str, fields: Fields) -> None:
        """Shared check of ##INFO and ##FORMAT definitions."""
        values = self._required(kind, fields)
        if values is None:
            return
        info = kind == "INFO"
        key_re = self.rules.info_key if info else self.rules.format_key
        types = INFO_TYPES if info else FORMAT_TYPES
        id_, number, type_ = values["ID"], values["Number"], values["Type"]
        if not key_re.fullmatch(id_):
            self._bad(f"##{kind} ID {id_!r} is not a valid key", key_re.pattern)
        if not self._valid_number(number):
            self._bad(f"##{kind} {id_} Number={number} is invalid", self._number_text())
        if type_ not in types:
            self._bad(f"##{kind} {id_} Type={type_} is invalid", ", ".join(sorted(types)))
        spec = (self.rules.reserved_info if info else self.rules.reserved_format).get(id_)
        if spec is not None and (number not in spec.numbers or type_ not in spec.types):
            numbers, types_ = "|".join(sorted(spec.numbers)), "|".join(sorted(spec.types))
            self._bad(
                f"##{kind} {id_} redefines a reserved key", f"Number={numbers}, Type={types_}"
            )
        if type_ == "Flag" and number != "0":
            self._note(f"##INFO {id_}: Flag with Number={number}; the spec says Number=0")
        for name, _, quoted in fields[4:]:
            if not quoted:
                message = f"##{kind} optional field {name} is not a quoted string"
                self.report.once(f"{kind}/{name}", self._line, "header", message)
        (self.info if info else self.format)[id_] = Definition(number, type_, spec)

    def _valid_number(self, number: str) -> bool:
        return bool(_UINT.fullmatch(number)) or number in self.rules.number_codes

    def _number_text(self) -> str:
        return "an integer or one of " + ", ".join(sorted(self.rules.number_codes))

    def _meta_filter(self, fields: Fields) -> None:
        """##FILTER: ID has no whitespace or semicolon and is not the reserved '0'."""
        values = self._required("FILTER", fields)
        if values is not None:
            id_ = values["ID"]
            if not id_ or _WHITESPACE.search(id_) or ";" in id_ or id_ == "0":
                self._bad(f"##FILTER ID {id_!r} is invalid", "no whitespace or ';', not '0'")
            self.filters.add(id_)

    def _meta_alt(self, fields: Fields) -> None:
        """##ALT: the symbolic allele ID rules of the ALT column."""
        values = self._required("ALT", fields)
        problem = values and symbolic_id_problem(values["ID"])
        if values and problem:
            self._bad(f"##ALT ID {values['ID']!r}: {problem}", "a symbolic allele ID")

    def _meta_contig(self, fields: Fields) -> None:
        """##contig: ID follows the contig-name rule of the version; length is an integer."""
        values = {name: value for name, value, _ in fields}
        id_ = values["ID"]
        if not self.rules.contig.fullmatch(id_):
            self._bad(f"##contig ID {id_!r} is not a valid contig name", self.rules.contig.pattern)
        if not _UINT.fullmatch(values.get("length", "0")):
            self._bad(f"##contig {id_} length={values['length']} is not an integer", "an integer")
        self.contigs.add(id_)

    def _meta_sample(self, fields: Fields) -> None:
        """##SAMPLE: v4.1/4.2 fixed ID,Genomes,Mixture,Description; v4.3 an ID, any fields."""
        if not self.rules.modern:
            if [name for name, _, _ in fields[:4]] != ["ID", "Genomes", "Mixture", "Description"]:
                self._bad("##SAMPLE fields", "ID, Genomes, Mixture, Description")
            elif fields[1][2] or fields[2][2]:
                self._bad("##SAMPLE Genomes/Mixture are quoted", "unquoted ;-lists")
        if not _GENOME_ID.fullmatch(fields[0][1]):
            self._bad(f"##SAMPLE ID {fields[0][1]!r} is invalid", _GENOME_ID.pattern)

    def _meta_pedigree(self, fields: Fields) -> None:
        """##PEDIGREE: every value is a genome ID (no whitespace, ':', ',' ...)."""
        for name, value, _ in fields:
            if not _GENOME_ID.fullmatch(value):
                self._bad(f"##PEDIGREE {name}={value!r} is not a genome ID", _GENOME_ID.pattern)

    def _meta_meta(self, fields: Fields) -> None:
        """##META (v4.3): Values is a [bracketed, list]."""
        for name, value, _ in fields:
            if name == "Values" and not (value.startswith("[") and value.endswith("]")):
                self._bad("##META Values is not a [list]", "Values=[a, b, ...]")

    def _number_and_type(self, key: str, fields: Fields) -> None:
        """Number/Type on other spec-defined lines (##META, stray ones on ##ALT) are valid."""
        for name, value, _ in fields:
            if name == "Number" and not self._valid_number(value):
                self._bad(f"##{key} Number={value} is invalid", self._number_text())
            elif name == "Type" and value not in INFO_TYPES:
                self._bad(f"##{key} Type={value} is invalid", ", ".join(sorted(INFO_TYPES)))

    # -- #CHROM line -------------------------------------------------------------------

    def header_line(self, lineno: int, line: str) -> None:
        """The #CHROM line: the 8 fixed names, then FORMAT and unique sample names."""
        self._line = lineno
        columns = line.split("\t")
        if len(columns) < 8:
            self.report.fatal(lineno, "header", f"#CHROM line has {len(columns)} columns", "8+")
        if tuple(columns[:8]) != HEADER_COLUMNS:
            self._bad("#CHROM line reads " + " ".join(columns[:8]), "\t".join(HEADER_COLUMNS))
        if len(columns) > 8:
            self.has_format_column = True
            self.samples = columns[9:]
            if columns[8] != "FORMAT":
                self._bad(f"9th header column is {columns[8]!r}", "FORMAT")
            if not self.samples:
                self._bad("FORMAT column without samples", "at least one sample")
        if "" in self.samples:
            self._bad("empty sample name (tab at the end of the line?)", "a sample name")
        if len(set(self.samples)) != len(self.samples):
            dupes = sorted({name for name in self.samples if self.samples.count(name) > 1})
            message = "duplicate sample names: " + ", ".join(dupes)
            self.report.fatal(lineno, "header", message, "unique sample names")
        if not self.contigs:
            self._note("no ##contig lines (recommended for VCF, required for BCF)")


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------

_GT = re.compile(r"(?:[0-9]+|\.)(?:[/|](?:[0-9]+|\.))*")
_GT_44 = re.compile(r"[/|]?(?:[0-9]+|\.)(?:[/|](?:[0-9]+|\.))*")
_GT_ALLELE = re.compile(r"[0-9]+|\.")
_BREAKEND = re.compile(r"[ACGTNacgtn]+([\[\]])(.+):[0-9]+\1|([\[\]])(.+):[0-9]+\3[ACGTNacgtn]+")
_SINGLE_BREAKEND = re.compile(r"\.[ACGTNacgtn]+|[ACGTNacgtn]+\.")
_LOCAL_NUMBERS = frozenset({"LA", "LR", "LG"})
#: Normalised alleles kept for the duplicate check before those behind POS are evicted.
_DUPLICATE_WINDOW = 10_000


def expected_count(number: str, n_alt: int, ploidy: int, n_local: int, info: bool) -> int | None:
    """How many comma-separated values ``Number`` asks for; None when unbounded/unknown.

    G counts genotypes of the sample's ploidy over REF+ALT: C(n_alt + ploidy, ploidy).
    INFO Number=G has no ploidy to count with, so (as in the conformance suite) any count
    goes. Records whose ALT is '.' are left open for A, R and G: the suite's passed files
    give them three GL values, as if '.' were an allele.
    """
    if _UINT.fullmatch(number):
        return int(number)
    if number in ("A", "R", "G") and not n_alt:
        return None
    if number == "A":
        return n_alt
    if number == "R":
        return n_alt + 1
    if number == "G":
        return None if info else math.comb(n_alt + ploidy, ploidy)
    if number == "LA":
        return n_local
    if number == "LR":
        return n_local + 1
    if number == "LG":
        return math.comb(n_local + ploidy, ploidy)
    return ploidy if number == "P" else None


@dataclass
class _SampleContext:
    """Per-sample facts later FORMAT fields depend on (GT ploidy, LAA length)."""

    ploidy: int = 2
    n_local: int = 0


class _Records:
    """Checks data lines in order and keeps the cross-record state (sorting, duplicates)."""

    def __init__(self, header: _Header, rules: VersionRules, report: _Reporter) -> None:
        self.header = header
        self.rules = rules
        self.report = report
        self.count = 0
        self._line = 0
        self._contig: str | None = None
        self._pos = -1
        self._finished: set[str] = set()
        self._alleles: dict[tuple[str, int, str, str], int] = {}
        self._window = _DUPLICATE_WINDOW
        self._valid_info_keys: set[str] = set()
        self._definitions: dict[tuple[str, str], Definition | None] = {}

    def _bad(self, field: str, message: str, expected: str) -> bool:
        """A violation on the current record; returns False so checks can ``return`` it."""
        self.report.violation(self._line, field, message, expected)
        return False

    def _repeated(self, field: str, message: str, expected: str) -> None:
        """Repeated ID/FILTER/INFO/FORMAT values: forbidden from v4.3, noted before."""
        if self.rules.modern:
            self._bad(field, message, expected)
        else:
            self.report.note(self._line, field, message)

    def check(self, lineno: int, line: str) -> None:
        """Check one data line."""
        self.count += 1
        self._line = lineno
        full = self.report.strict or self.count <= LENIENT_SAMPLE_RECORDS
        columns = line.split("\t") if full else line.split("\t", 9)
        n_columns = len(columns)
        if not full and n_columns == 10:  # the sample columns were left unsplit
            n_columns = 9 + columns[9].count("\t") + 1
        if _NON_PRINTABLE.search(line if full else "\t".join(columns[:9])):
            self._bad("line", "non-printable character or invalid UTF-8", "printable UTF-8 text")
        self._column_count(n_columns)
        contig = self._chrom(columns[0])
        pos = self._position(columns[1])
        self._order(contig, pos)
        self._ids(columns[2])
        ref_ok = self._ref(columns[3])
        alts = self._alt(columns[4], columns[3])
        if ref_ok:
            self._duplicates(contig, pos, columns[3], alts)
        self._qual(columns[5])
        self._filter(columns[6])
        self._info(columns[7], len(alts))
        if n_columns > 8:
            keys = self._format(columns[8])
            if full and keys:
                self._samples(keys, columns[9:], len(alts))

    # -- fixed columns -----------------------------------------------------------------

    def _column_count(self, n_columns: int) -> None:
        """8 columns without genotypes, else 9 + one per sample; anything else is fatal."""
        expected = 9 + len(self.header.samples) if self.header.has_format_column else 8
        if n_columns == 8 and expected > 8:
            self._bad("samples", "record has no FORMAT or sample columns", f"{expected} columns")
        elif n_columns != expected:
            message = f"record has {n_columns} tab-separated columns"
            self.report.fatal(self._line, "samples", message, f"{expected} as in the #CHROM line")

    def _position(self, text: str) -> int:
        """POS: a non-negative integer (0 is the telomere), 32-bit."""
        if not _UINT.fullmatch(text):
            message = f"POS {text!r} is not a non-negative integer"
            self.report.fatal(self._line, "POS", message, "an integer >= 0")
        if int(text) > _INT32_MAX:
            self._bad("POS", f"POS {text} exceeds the 32-bit Integer range", f"<= {_INT32_MAX}")
        return int(text)

    def _chrom(self, chrom: str) -> str:
        """CHROM: a contig name, or <ID> of an assembly contig. Returns the contig it names."""
        if not chrom:
            self.report.fatal(self._line, "CHROM", "CHROM is empty", "a contig name")
        name = chrom[1:-1] if len(chrom) > 2 and chrom[0] == "<" and chrom[-1] == ">" else chrom
        if not self.rules.contig.fullmatch(name):
            self._bad(
                "CHROM", f"CHROM {chrom!r} is not a valid contig name", self.rules.contig.pattern
            )
        if self.header.contigs and name not in self.header.contigs:
            self.report.once(name, self._line, "CHROM", f"CHROM {chrom} has no ##contig line")
        return name

    def _order(self, contig: str, pos: int) -> None:
        """Records of a CHROM form one block, sorted by POS within it."""
        if contig == self._contig:
            if pos < self._pos:
                self._bad("POS", f"POS {pos} comes after POS {self._pos} on {contig}", "sorted POS")
            self._pos = pos
            return
        if contig in self._finished:
            self._bad("CHROM", f"records of {contig} are not one contiguous block", "one block")
        if self._contig is not None:
            self._finished.add(self._contig)
        self._contig, self._pos = contig, pos
        self._alleles.clear()

    def _ids(self, text: str) -> None:
        """ID: '.' or ;-separated identifiers without whitespace, no repeats (v4.3+)."""
        if text == ".":
            return
        parts = text.split(";")
        if any(not part or _WHITESPACE.search(part) for part in parts):
            self._bad("ID", f"ID {text!r} has an empty or whitespace element", "IDs joined by ;")
        elif len(set(parts)) < len(parts):
            self._repeated("ID", f"ID {text!r} repeats a value", "distinct IDs")

    def _ref(self, ref: str) -> bool:
        """REF: bases A, C, G, T, N (any case)."""
        return bool(_BASES.fullmatch(ref)) or self._bad(
            "REF", f"REF {ref!r} is not a string of bases", "A, C, G, T, N (any case)"
        )

    def _alt(self, text: str, ref: str) -> list[str]:
        """ALT: '.', or a comma list of bases, '*', <ID>, or breakends. Returns the alleles."""
        if text == ".":
            return []
        alts = text.split(",")
        for alt in alts:
            problem = self._alt_problem(alt, ref)
            if problem:
                self._bad("ALT", f"ALT allele {alt!r} {problem}", "bases, *, <ID> or a breakend")
        if len({alt.upper() for alt in alts}) < len(alts):
            self.report.note(self._line, "ALT", f"ALT {text!r} lists an allele twice")
        return alts

    def _alt_problem(self, alt: str, ref: str) -> str | None:
        """Why one ALT allele is invalid, or None."""
        if _BASES.fullmatch(alt):
            return "equals REF" if alt.upper() == ref.upper() else None
        if alt == "*" or _SINGLE_BREAKEND.fullmatch(alt):
            return None
        if alt.startswith("<") and alt.endswith(">"):
            problem = symbolic_id_problem(alt[1:-1])
            return f"is not a valid symbolic allele: {problem}" if problem else None
        if alt == ".":
            return "'.' cannot be combined with other alleles"
        match = _BREAKEND.fullmatch(alt)
        if not match:
            return "is not an allele"
        mate = match.group(2) or match.group(4)
        name = mate[1:-1] if mate.startswith("<") and mate.endswith(">") else mate
        return None if self.rules.contig.fullmatch(name) else f"has an invalid mate {mate!r}"

    def _duplicates(self, contig: str, pos: int, ref: str, alts: list[str]) -> None:
        """The same normalised allele must not be given by two records (conformance suite)."""
        if len(self._alleles) > self._window:  # evict alleles behind POS: none can recur
            self._alleles = {key: line for key, line in self._alleles.items() if key[1] >= pos}
            self._window = max(_DUPLICATE_WINDOW, 2 * len(self._alleles))
        for alt in alts:
            if _BASES.fullmatch(alt):
                npos, nref, nalt = trim_alleles(pos, ref.upper(), alt.upper())
                first = self._alleles.setdefault((contig, npos, nref, nalt), self._line)
                if first != self._line:
                    message = f"{contig}:{npos} {nref}>{nalt} is already given on line {first}"
                    self._bad("ALT", message, "each variant once")

    def _qual(self, text: str) -> None:
        """QUAL: '.' or a non-negative Float."""
        if text != "." and (not _FLOAT.fullmatch(text) or float(text) < 0):
            self._bad("QUAL", f"QUAL {text!r} is not a non-negative number", "'.' or a Float >= 0")

    def _filter(self, text: str) -> None:
        """FILTER: PASS, '.', or ;-separated codes; no whitespace, '0' reserved."""
        if text == ".":
            return
        codes = text.split(";")
        for code in codes:
            if not code or code in (".", "0") or _WHITESPACE.search(code):
                expected = "PASS, '.' or codes joined by ; (not '0')"
                self._bad("FILTER", f"FILTER {text!r} has an invalid code {code!r}", expected)
                return
            if code not in self.header.filters:
                message = f"FILTER {code} is not declared in a ##FILTER line"
                self.report.once(code, self._line, "FILTER", message)
        if len(set(codes)) < len(codes):
            self._repeated("FILTER", f"FILTER {text!r} repeats a code", "distinct codes")

    # -- INFO --------------------------------------------------------------------------

    def _info(self, text: str, n_alt: int) -> None:
        """INFO: '.' or ;-separated key[=value[,value]] entries."""
        if text == ".":
            return
        seen: set[str] = set()
        for entry in text.split(";"):
            key, has_value, value = entry.partition("=")
            field = f"INFO/{key}" if key else "INFO"
            if key not in self._valid_info_keys:
                if not self.rules.info_key.fullmatch(key):
                    message = f"INFO entry {entry!r} has an invalid key"
                    self._bad(field, message, self.rules.info_key.pattern)
                    continue
                self._valid_info_keys.add(key)
            if key in seen:
                self._repeated(field, f"INFO key {key} appears twice", "distinct keys")
            seen.add(key)
            self._info_entry(field, key, value if has_value else None, n_alt)

    def _info_entry(self, field: str, key: str, value: str | None, n_alt: int) -> None:
        """One INFO key with its value (None when written without '=')."""
        definition = self._definition("INFO", key)
        is_flag = definition is not None and definition.type == "Flag"
        if value is None:
            if definition is not None and not is_flag:
                self._bad(field, f"INFO {key} has no value", f"{key}=<{definition.type}>")
        elif is_flag and value in ("0", "1"):  # the suite accepts DB=0 / DB=1: note only
            message = f"{field} is a Flag given the value {value}"
            self.report.once(field, self._line, field, message)
        elif is_flag:
            self._bad(field, f"{field} is a Flag but has the value {value!r}", "no value")
        else:
            self._info_value(field, value, definition, n_alt)

    def _definition(self, kind: str, key: str) -> Definition | None:
        """The declared definition, else the reserved one (resolved once per key)."""
        if (kind, key) not in self._definitions:
            self._definitions[kind, key] = self._lookup(kind, key)
        return self._definitions[kind, key]

    def _lookup(self, kind: str, key: str) -> Definition | None:
        """Resolve a key; the undeclared-key advisory goes to the line it first appears on."""
        declared = (self.header.info if kind == "INFO" else self.header.format).get(key)
        if declared is not None:
            return declared
        message = f"{kind} key {key} is not declared in a ##{kind} line"
        self.report.once(key, self._line, f"{kind}/{key}", message)
        table = self.rules.reserved_info if kind == "INFO" else self.rules.reserved_format
        reserved = table.get(key)
        if reserved is None:
            return None
        number = next(iter(reserved.numbers)) if len(reserved.numbers) == 1 else "."
        type_ = "Float" if "Float" in reserved.types else next(iter(reserved.types))
        return Definition(number, type_, reserved)

    def _info_value(
        self, field: str, value: str, definition: Definition | None, n_alt: int
    ) -> None:
        """One INFO value list: syntax, then Number and Type when the key is known."""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            message = f"{field} value is a quoted string (read as one value)"
            self.report.once(field, self._line, field, message)
            values = [value]
        else:
            if "=" in value:
                self._bad(field, f"{field} value {value!r} contains '='", "'=' written as %3D")
            if not self.rules.info_spaces and _WHITESPACE.search(value):
                self._bad(field, f"{field} value {value!r} contains whitespace", "no whitespace")
            values = value.split(",")
        if definition is not None:
            count = expected_count(definition.number, n_alt, 2, 0, info=True)
            self._values(field, values, definition, count)
        elif "" in values:
            self._bad(field, f"{field} has an empty value", "'.' for a missing value")

    def _values(
        self, field: str, values: list[str], definition: Definition, count: int | None
    ) -> bool:
        """Check a value list against Number (count) and Type, plus reserved-key ranges."""
        if values == ["."]:
            return True
        if count is not None and len(values) != count:
            expected = f"{count} (Number={definition.number})"
            return self._bad(field, f"{field} has {len(values)} values", expected)
        for value in values:
            problem = None if value == "." else self._type_problem(value, definition)
            if problem:
                return self._bad(field, f"{field} value {value!r} is not {problem}", problem)
        return True

    def _type_problem(self, value: str, definition: Definition) -> str | None:
        """What a single value should have been, or None when it conforms."""
        type_, reserved = definition.type, definition.reserved
        if type_ == "Integer":
            lowest = -(2**31) + 8 if self.rules.modern else -(2**31)
            if not _INT.fullmatch(value):
                return "an Integer"
            if not lowest <= int(value) <= _INT32_MAX:
                return f"an Integer in [{lowest}, {_INT32_MAX}]"
        elif type_ == "Float" and not _FLOAT.fullmatch(value):
            return "a Float"
        elif type_ == "Character" and len(value) != 1:
            return "a single Character"
        if reserved is None:
            return None
        if reserved.pattern is not None and not reserved.pattern.fullmatch(value):
            return f"matching {reserved.pattern.pattern}"
        number = float(value) if type_ in ("Integer", "Float") else 0.0
        if reserved.non_negative and number < 0:
            return "non-negative"
        return "in [0, 1]" if reserved.unit_interval and not 0 <= number <= 1 else None

    # -- FORMAT and samples ------------------------------------------------------------

    def _format(self, text: str) -> list[str]:
        """FORMAT: valid, distinct keys with GT first. Returns [] when unusable."""
        keys = text.split(":")
        for key in keys:
            if not self.rules.format_key.fullmatch(key):
                self._bad("FORMAT", f"FORMAT key {key!r} is invalid", self.rules.format_key.pattern)
                return []
        if "GT" in keys and keys[0] != "GT":
            self._bad("FORMAT/GT", f"FORMAT {text} does not start with GT", "GT first")
        if len(set(keys)) < len(keys):
            self._repeated("FORMAT", f"FORMAT {text} repeats a key", "distinct keys")
            return []
        return keys

    def _samples(self, keys: list[str], samples: list[str], n_alt: int) -> None:
        """Check every sample column; identical strings in one record are checked once."""
        definitions = [self._definition("FORMAT", key) for key in keys]
        valid: set[str] = set()
        for name, text in zip(self.header.samples, samples, strict=False):
            if text not in valid and self._sample(name, text, keys, definitions, n_alt):
                valid.add(text)

    def _sample(
        self, name: str, text: str, keys: list[str], defs: list[Definition | None], n_alt: int
    ) -> bool:
        """One sample column; returns True when it conforms."""
        parts = text.split(":")
        if len(parts) > len(keys):
            expected = f"at most {len(keys)} (FORMAT {':'.join(keys)})"
            return self._bad("FORMAT", f"sample {name} has {len(parts)} fields", expected)
        context = _SampleContext()
        ok = True
        for key, definition, value in zip(keys, defs, parts, strict=False):
            field = f"FORMAT/{key}"
            if value == "":
                if not self._zero_length_allowed(key, definition):
                    ok = self._bad(field, f"sample {name} has an empty {key}", "'.' if missing")
            elif key == "GT":
                ok &= self._genotype(name, value, n_alt, context)
            else:
                if key == "LAA":
                    context.n_local = 0 if value == "." else len(value.split(","))
                if definition is not None:
                    count = expected_count(
                        definition.number, n_alt, context.ploidy, context.n_local, info=False
                    )
                    ok &= self._values(field, value.split(","), definition, count)
        return ok

    def _zero_length_allowed(self, key: str, definition: Definition | None) -> bool:
        """v4.5 lets LAA and local-allele (LA/LR/LG) fields be empty vectors."""
        if not self.rules.local_alleles:
            return False
        return key == "LAA" or (definition is not None and definition.number in _LOCAL_NUMBERS)

    def _genotype(self, name: str, gt: str, n_alt: int, context: _SampleContext) -> bool:
        """GT: allele indices (or '.') joined by / or |, each at most the number of ALTs."""
        pattern = _GT_44 if self.rules.gt_leading_phase else _GT
        if not pattern.fullmatch(gt):
            message = f"sample {name} GT {gt!r} is not a genotype"
            return self._bad("FORMAT/GT", message, "allele indices joined by / or |")
        alleles = _GT_ALLELE.findall(gt)
        context.ploidy = len(alleles)
        for allele in alleles:
            if allele == "." or int(allele) <= n_alt:
                continue
            if n_alt == 0:  # ALT '.': the suite passes GT 0|1 there; note it, do not reject
                message = f"GT {gt} refers to an ALT allele but ALT is '.'"
                self.report.once("GT/no-ALT", self._line, "FORMAT/GT", message)
                continue
            message = f"sample {name} GT {gt} refers to allele {allele}"
            return self._bad("FORMAT/GT", message, f"allele indices 0..{n_alt}")
        return True


# --------------------------------------------------------------------------------------
# File driver
# --------------------------------------------------------------------------------------


def _unreadable(path: Path, line: int | None, exc: BaseException) -> InputError:
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


def _fileformat(report: _Reporter, lineno: int, text: str) -> str:
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
    report = _Reporter(str(path), strict, max_deviations)
    lines = _lines(path)
    last = next(lines, None)
    if last is None:
        report.fatal(1, "header", "file is empty", "##fileformat=VCFv4.x")
    rules = rules_for(_fileformat(report, last[0], last[1]))
    header = _Header(rules, report)
    records = _Records(header, rules, report)
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


def _header_section_line(report: _Reporter, header: _Header, lineno: int, text: str) -> bool:
    """Handle a line before the body; returns True once it was the #CHROM line."""
    if _NON_PRINTABLE.search(text):
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
