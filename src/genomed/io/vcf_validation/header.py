"""Header checks: each ``##`` meta line and the ``#CHROM`` line, as they are read.

:class:`Header` also remembers what the header declares (INFO/FORMAT definitions,
FILTERs, contigs, sample names), which the record checks need.
"""

from __future__ import annotations

import re

from genomed.io.vcf_validation.deviations import Reporter
from genomed.io.vcf_validation.meta_lines import (
    Definition,
    Fields,
    MetaSyntaxError,
    is_url,
    parse_structured,
)
from genomed.io.vcf_validation.tokens import UINT, WHITESPACE, symbolic_id_problem
from genomed.io.vcf_validation.version_rules import FORMAT_TYPES, INFO_TYPES, VersionRules

#: The eight fixed column names every #CHROM line starts with.
HEADER_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")

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


class Header:
    """What the meta lines and the #CHROM line declare, checked as they are read."""

    def __init__(self, rules: VersionRules, report: Reporter) -> None:
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
        """An advisory on the header line being checked."""
        self.report.note(self._line, "header", message)

    # -- meta lines --------------------------------------------------------------------

    def meta_line(self, lineno: int, line: str) -> None:
        """Check one ``##key=value`` line and remember what it declares."""
        self._line = lineno
        key, eq, value = line[2:].partition("=")
        if not eq or not key:
            return self._bad("meta line is not ##key=value", "##key=value")
        if WHITESPACE.search(key):
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
        """Number= is a non-negative integer or one of the version's letter codes."""
        return bool(UINT.fullmatch(number)) or number in self.rules.number_codes

    def _number_text(self) -> str:
        """What a valid Number= is, for the ``expected`` part of a message."""
        return "an integer or one of " + ", ".join(sorted(self.rules.number_codes))

    def _meta_filter(self, fields: Fields) -> None:
        """##FILTER: ID has no whitespace or semicolon and is not the reserved '0'."""
        values = self._required("FILTER", fields)
        if values is not None:
            id_ = values["ID"]
            if not id_ or WHITESPACE.search(id_) or ";" in id_ or id_ == "0":
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
        if not UINT.fullmatch(values.get("length", "0")):
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
