"""Record checks: the fixed columns, INFO, FORMAT and sample columns of each data line.

:class:`Records` sees the data lines in file order, so it also holds what spans records:
contig blocks, POS sorting and duplicate alleles. Values are read against the
:class:`~genomed.io.vcf_validation.meta_lines.Definition` the header (or the reserved-key
table) gives their key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from genomed.io.vcf_validation.deviations import Reporter
from genomed.io.vcf_validation.header import Header
from genomed.io.vcf_validation.meta_lines import Definition
from genomed.io.vcf_validation.tokens import (
    BASES,
    FLOAT,
    INT,
    INT32_MAX,
    NON_PRINTABLE,
    UINT,
    WHITESPACE,
    symbolic_id_problem,
)
from genomed.io.vcf_validation.version_rules import VersionRules
from genomed.model.normalise import trim_alleles

#: Lenient mode checks every sample column of this many records, then only counts columns.
LENIENT_SAMPLE_RECORDS = 1000

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
    if UINT.fullmatch(number):
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


class Records:
    """Checks data lines in order and keeps the cross-record state (sorting, duplicates)."""

    def __init__(self, header: Header, rules: VersionRules, report: Reporter) -> None:
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
        if NON_PRINTABLE.search(line if full else "\t".join(columns[:9])):
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
        if not UINT.fullmatch(text):
            message = f"POS {text!r} is not a non-negative integer"
            self.report.fatal(self._line, "POS", message, "an integer >= 0")
        if int(text) > INT32_MAX:
            self._bad("POS", f"POS {text} exceeds the 32-bit Integer range", f"<= {INT32_MAX}")
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
        if any(not part or WHITESPACE.search(part) for part in parts):
            self._bad("ID", f"ID {text!r} has an empty or whitespace element", "IDs joined by ;")
        elif len(set(parts)) < len(parts):
            self._repeated("ID", f"ID {text!r} repeats a value", "distinct IDs")

    def _ref(self, ref: str) -> bool:
        """REF: bases A, C, G, T, N (any case)."""
        return bool(BASES.fullmatch(ref)) or self._bad(
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
        if BASES.fullmatch(alt):
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
            if BASES.fullmatch(alt):
                npos, nref, nalt = trim_alleles(pos, ref.upper(), alt.upper())
                first = self._alleles.setdefault((contig, npos, nref, nalt), self._line)
                if first != self._line:
                    message = f"{contig}:{npos} {nref}>{nalt} is already given on line {first}"
                    self._bad("ALT", message, "each variant once")

    def _qual(self, text: str) -> None:
        """QUAL: '.' or a non-negative Float."""
        if text != "." and (not FLOAT.fullmatch(text) or float(text) < 0):
            self._bad("QUAL", f"QUAL {text!r} is not a non-negative number", "'.' or a Float >= 0")

    def _filter(self, text: str) -> None:
        """FILTER: PASS, '.', or ;-separated codes; no whitespace, '0' reserved."""
        if text == ".":
            return
        codes = text.split(";")
        for code in codes:
            if not code or code in (".", "0") or WHITESPACE.search(code):
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
            if not self.rules.info_spaces and WHITESPACE.search(value):
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
            if not INT.fullmatch(value):
                return "an Integer"
            if not lowest <= int(value) <= INT32_MAX:
                return f"an Integer in [{lowest}, {INT32_MAX}]"
        elif type_ == "Float" and not FLOAT.fullmatch(value):
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
