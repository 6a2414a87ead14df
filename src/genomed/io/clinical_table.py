"""Clinical tables (CSV/TSV): treatments, responses, outcomes, observations, diagnoses,
patients. Each KIND has a column contract (:data:`CONTRACTS`, documented for users in
``docs/clinical-tables.md``); a file is parsed with :mod:`pyarrow.csv`, every value is
checked against the contract, and the first problem is raised as an
:class:`~genomed.errors.InputError` naming the file, the line (the header is line 1;
``#`` comment lines before it count), the column as written in the file and what was
expected. Nothing is returned for a file with any bad value.

Besides genomed's own columns, two cBioPortal conventions are read:

- *timeline* (treatments): ``PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE,
  TREATMENT_TYPE, SUBTYPE, AGENT``; dates are integer days relative to diagnosis. Only
  ``EVENT_TYPE = TREATMENT`` rows are treatments; others are counted and skipped.
- *wide outcomes* (outcomes): ``OS_MONTHS, OS_STATUS, PFS_MONTHS, PFS_STATUS, ...`` as
  in ``data_clinical_patient.txt``; each endpoint pair becomes one row.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from genomed.errors import InputError

# fmt: off
#: Cell values read as "no value" (compared in lower case after trimming whitespace).
NULL_VALUES = (
    "", "na", "n/a", "nan", "null", "none", ".", "[not available]", "[not applicable]",
    "[unknown]", "[not evaluated]", "[not reported]", "[missing]",
)


def _spellings(table: dict) -> dict:
    """``{stored value: other spellings}`` -> ``{spelling in lower case: stored value}``."""
    return {
        spelling: value
        for value, others in table.items()
        for spelling in (str(value).lower(), *others)
    }


RECIST = _spellings({
    "CR": ("complete response",),
    "PR": ("partial response",),
    "SD": ("stable disease",),
    "PD": ("progressive disease",),
    "NE": ("not evaluable", "inevaluable"),
})
ENDPOINTS = _spellings({
    "os": ("overall survival",),
    "pfs": ("progression-free survival", "progression free survival"),
    "dfs": ("disease-free survival", "disease free survival"),
    "dss": ("disease-specific survival", "disease specific survival"),
})
#: Event spellings -> True (event: death, progression, recurrence) / False (censored).
#: cBioPortal's ``1:DECEASED`` / ``0:LIVING`` style is read by its leading digit.
EVENTS = {
    **dict.fromkeys(("1", "true", "yes", "event", "deceased", "dead", "dead with tumor",
                     "progressed", "progression", "recurred", "recurred/progressed",
                     "relapsed"), True),
    **dict.fromkeys(("0", "false", "no", "censored", "censor", "living", "alive",
                     "alive or dead tumor free", "diseasefree", "disease free",
                     "progressionfree"), False),
}
TREATMENT_TYPES = _spellings({
    "chemotherapy": ("chemo",),
    "targeted": ("targeted therapy",),
    "immunotherapy": ("immune therapy",),
    "hormonal": ("hormone", "hormone therapy", "hormonal therapy", "endocrine",
                 "endocrine therapy"),
    "radiation": ("radiation therapy", "radiotherapy"),
    "surgery": (),
    "investigational": (),
    "other": (),
})
#: Treatment types that need no drug.
DRUGLESS_TREATMENTS = frozenset({"radiation", "surgery"})
SEXES = _spellings({
    "female": ("f",),
    "male": ("m",),
    "other": ("other_sex",),
    "unknown": ("unknown_sex", "u"),
})
# fmt: on

_INTEGER = r"^[+-]?\d+(\.0*)?$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_CURIE = r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$"
_ONCOTREE = r"^[A-Z0-9][A-Z0-9_./-]*$"
_INT32 = 2**31 - 1


@dataclass(frozen=True)
class Column:
    """One column of a contract.

    ``type``: ``text``, ``drug`` (lower case, inner spaces collapsed), ``integer``,
    ``number``, ``code`` (one of ``codes``: accepted spellings in lower case -> stored
    value), ``event`` (see :data:`EVENTS`), ``curie``, ``oncotree``. ``required``: the
    column must be present and no value may be empty; ``in_header``: the column must be
    present but values may be empty (a row rule decides)."""

    name: str
    type: str
    description: str
    example: str
    required: bool = False
    in_header: bool = False
    aliases: tuple[str, ...] = ()
    codes: Mapping[str, str | bool | None] | None = None
    minimum: float | None = None
    maximum: float | None = None
    case: str | None = None  # lower | upper
    hint: str | None = None  # said after the type in error messages, e.g. the unit

    def expected(self) -> str:
        if self.type == "code":
            values = list(dict.fromkeys(v for v in self.codes.values() if v is not None))
            return "one of " + ", ".join(str(v) for v in values) + " (any case)"
        if self.type == "event":
            return (
                "1/0, true/false, yes/no, DECEASED/LIVING, event/censored or cBioPortal 1:.../0:..."
            )
        text = {
            "integer": "an integer",
            "number": "a number",
            "curie": "an ontology id like OMIM:614959 or MONDO:0005233",
            "oncotree": "an OncoTree code like LUAD",
            "drug": "a drug name",
        }.get(self.type, "a non-empty value")
        if self.minimum is not None and self.maximum is not None:
            text += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text += f" >= {self.minimum:g}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True)
class Contract:
    """The columns of one KIND and the workspace table its rows go to."""

    kind: str
    table: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # no two rows may share these values
    one_of: tuple[str, ...] = ()  # every row needs a value in at least one of these

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_PATIENT = Column(
    "patient_id",
    "text",
    "pseudonymous patient id, as in the patients table",
    "P001",
    required=True,
    aliases=("patient",),
)
_DAY = Column(
    "day",
    "integer",
    "day of the event relative to diagnosis (negative before)",
    "120",
    hint="days relative to diagnosis",
)

CONTRACTS: dict[str, Contract] = {
    c.kind: c
    for c in (
        Contract(
            "treatments",
            "treatments",
            "one row per drug (or radiation/surgery) given to a patient over an interval",
            (
                _PATIENT,
                Column(
                    "drug",
                    "drug",
                    "generic drug name; stored lower-case; may be empty only for radiation or surgery",
                    "Cetuximab",
                    in_header=True,
                    aliases=("agent",),
                ),
                Column("start_day", "integer", "first day of the treatment", "14", hint="days relative to diagnosis"),
                Column("stop_day", "integer", "last day (>= start_day; empty if ongoing)", "98", hint="days relative to diagnosis"),
                Column(
                    "line",
                    "integer",
                    "line of therapy, 1 = first line",
                    "1",
                    minimum=1,
                    maximum=99,
                    aliases=("line_of_therapy", "line_of_treatment"),
                ),
                Column("treatment_type", "code", "kind of treatment", "targeted", codes=TREATMENT_TYPES),
            ),
        ),
        Contract(
            "responses",
            "responses",
            "one row per assessed response to a drug (RECIST 1.1 categories)",
            (
                _PATIENT,
                Column("drug", "drug", "the drug the response is to; stored lower-case", "cetuximab", required=True, aliases=("agent",)),
                Column("response", "code", "RECIST response", "PR", required=True, codes=RECIST, aliases=("best_response", "recist")),
                _DAY,
            ),
        ),
        Contract(
            "outcomes",
            "outcomes",
            "one row per time-to-event endpoint of a patient",
            (
                _PATIENT,
                Column("endpoint", "code", "survival endpoint", "os", required=True, codes=ENDPOINTS),
                Column("months", "number", "time from diagnosis to event or censoring, in months", "27.4", required=True, minimum=0, maximum=1200),
                Column("event", "event", "whether the event happened (else censored)", "1", required=True, aliases=("status",)),
            ),
            unique=("patient_id", "endpoint"),
        ),
        Contract(
            "observations",
            "observations",
            "one row per observation: lifestyle, measurement, questionnaire...",
            (
                _PATIENT,
                Column("category", "text", "group of the observation, stored lower-case", "lifestyle", required=True, case="lower"),
                Column("name", "text", "what was observed, stored lower-case", "pack_years", required=True, case="lower"),
                Column("value", "text", "numbers go to value_number, anything else to value_string", "20", required=True),
                Column("unit", "text", "unit of a numeric value (UCUM where possible)", "kg/m2"),
                _DAY,
            ),
        ),
        Contract(
            "diagnoses",
            "diagnoses",
            "one row per diagnosis; needs tumor_type or disease_id",
            (
                _PATIENT,
                Column("tumor_type", "oncotree", "OncoTree code, stored upper-case", "LUAD", case="upper", aliases=("oncotree_code", "cancer_type")),
                Column("disease_id", "curie", "ontology id of the disease", "MONDO:0005233"),
                Column("disease_label", "text", "name of the disease", "lung adenocarcinoma", aliases=("disease_name",)),
                Column("sample_id", "text", "sample the diagnosis was made on", "P001-T1"),
                Column("age_at_diagnosis", "number", "age in years", "61.5", minimum=0, maximum=150),
                Column("onset", "text", "age or stage of onset (ISO 8601 age like P2Y, or HPO onset term)", "P62Y"),
                _DAY,
            ),
            one_of=("tumor_type", "disease_id"),
        ),
        Contract(
            "patients",
            "patients",
            "one row per patient; ids already in the workspace are left unchanged",
            (
                _PATIENT,
                Column("sex", "code", "sex", "female", codes=SEXES),
                Column("birth_year", "integer", "year of birth", "1961", minimum=1850, maximum=date.today().year),
                Column("age_at_diagnosis", "number", "age at diagnosis in years", "61.5", minimum=0, maximum=150, aliases=("age",)),
                Column("population", "text", "population label (1000 Genomes code or local)", "CHB"),
                Column("super_population", "text", "continental group, stored upper-case", "EAS", case="upper"),
            ),
            unique=("patient_id",),
        ),
    )
}  # fmt: skip

#: cBioPortal timeline columns read for ``treatments`` (lower-case header -> role).
TIMELINE_COLUMNS = {
    "patient_id": "patient_id",
    "start_date": "start_day",
    "stop_date": "stop_day",
    "agent": "drug",
    "line_of_treatment": "line",
}


@dataclass
class _Raw:
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
        lines = self.record_lines
        return lines[record] if 0 <= record < len(lines) else None


@dataclass
class _Block:
    """Rows shaped like a contract: target column -> (name in the file, strings)."""

    columns: dict[str, tuple[str, pa.Array]]
    records: np.ndarray  # record index in the file of every row
    constants: dict[str, str] = field(default_factory=dict)


@dataclass
class _Problem:
    record: int
    column: str
    message: str
    expected: str


@dataclass
class ClinicalTable:
    """A validated clinical table: rows in the columns of workspace table ``contract.table``
    (without ``batch_id``), where each row came from, and what was left out."""

    kind: str
    path: Path
    format: str  # genomed | cbioportal-timeline | cbioportal-wide-outcomes
    table: pa.Table
    records: np.ndarray
    ignored_columns: list[str]
    skipped: dict[str, int]
    _raw: _Raw

    @property
    def contract(self) -> Contract:
        return CONTRACTS[self.kind]

    def line_of_row(self, row: int) -> int | None:
        """1-based line in the file where row ``row`` of :attr:`table` starts."""
        return self._raw.line_of(int(self.records[row]))

    def column_name(self, target: str) -> str:
        """How the file spells the column that fills workspace column ``target``."""
        for name in self._raw.names:
            if _key(name) == target or _key(name) in _aliases(self.contract, target):
                return name
        return target


def _key(name: str) -> str:
    return name.strip().lstrip("\ufeff").lower().replace(" ", "_")


def _aliases(contract: Contract, target: str) -> tuple[str, ...]:
    for column in contract.columns:
        if column.name == target:
            return column.aliases
    return ()


def _open_binary(path: Path):
    return gzip.open(path) if path.suffix == ".gz" else open(path, "rb")


def _open_text(path: Path):
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def _delimiter(path: Path, header: str) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".tsv", ".tab", ".txt"):
        return "\t"
    if last == ".csv":
        return ","
    return "\t" if header.count("\t") >= header.count(",") and "\t" in header else ","


def _read_raw(path: Path) -> _Raw:
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
        key = _key(name)
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

    def invalid_row(row) -> str:
        problems.append(row.actual_columns)
        return "skip"

    with _open_binary(path) as handle:
        data = handle.read()
    offset = 0
    for _ in range(header_line):  # comments and header are not CSV: cut them off
        offset = data.find(b"\n", offset) + 1 or len(data)
    if not data[offset:].strip():  # a header and no rows
        empty = {name: pa.array([], pa.string()) for name in internal}
        return _Raw(path, delimiter, header_line, internal, pa.table(empty))
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
    raw = _Raw(path, delimiter, header_line, internal, table)
    if problems:
        _raise_field_count(raw, len(internal))
    return raw


def _raise_field_count(raw: _Raw, expected: int) -> None:
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


def _trimmed(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Trimmed strings and a mask of missing values (see :data:`NULL_VALUES`)."""
    text = pc.utf8_trim_whitespace(values.fill_null(""))
    missing = pc.is_in(pc.utf8_lower(text), value_set=pa.array(NULL_VALUES))
    return text, _mask(missing)


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow column as a NumPy mask."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _convert(column: Column, text: pa.Array, missing: np.ndarray):
    """Typed values (null where missing) and the mask of values that do not fit."""
    n = len(text)
    present = ~missing
    masked = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)
    if column.type in ("integer", "number"):
        pattern = _INTEGER if column.type == "integer" else _NUMBER
        fits = _mask(pc.match_substring_regex(text, pattern))
        bad = present & ~fits
        usable = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), masked)
        numbers = pc.cast(usable, pa.float64())
        values = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=float)
        with np.errstate(invalid="ignore"):
            if column.type == "integer":
                bad |= present & ~bad & (np.abs(values) > _INT32)
            if column.minimum is not None:
                bad |= present & ~bad & (values < column.minimum)
            if column.maximum is not None:
                bad |= present & ~bad & (values > column.maximum)
        if column.type == "integer":
            ints = np.where(present & ~bad, np.nan_to_num(values), 0).astype(np.int64)
            return pa.array(ints, pa.int64(), mask=~(present & ~bad)), bad
        return pa.array(
            np.where(present & ~bad, values, np.nan), pa.float64(), mask=~(present & ~bad)
        ), bad
    if column.type in ("code", "event"):
        codes = column.codes if column.type == "code" else EVENTS
        keys = pa.array(list(codes))
        lowered = pc.utf8_lower(text)
        index = pc.index_in(lowered, value_set=keys)
        stored = pa.array(
            list(codes.values()), pa.bool_() if column.type == "event" else pa.string()
        )
        values = pc.take(stored, index)
        found = _mask(index.is_valid())
        if column.type == "event":
            digit = pc.extract_regex(lowered, r"^(?P<d>[01])\s*:")
            has_digit = _mask(digit.is_valid())
            from_digit = pc.equal(pc.struct_field(digit, "d"), "1")
            values = pc.if_else(pa.array(found), values, from_digit)
            found |= has_digit
        bad = present & ~found
        keep = pa.array(present & ~bad)
        return pc.if_else(keep, values, pa.scalar(None, values.type)), bad
    if column.type in ("curie", "oncotree"):
        if column.case == "upper":
            text = pc.utf8_upper(text)
        pattern = _CURIE if column.type == "curie" else _ONCOTREE
        fits = _mask(pc.match_substring_regex(text, pattern))
        bad = present & ~fits
        return pc.if_else(pa.array(present & ~bad), text, pa.scalar(None, pa.string())), bad
    if column.type == "drug":
        text = pc.replace_substring_regex(pc.utf8_lower(text), r"\s+", " ")
    elif column.case == "lower":
        text = pc.utf8_lower(text)
    elif column.case == "upper":
        text = pc.utf8_upper(text)
    return pc.if_else(pa.array(present), text, pa.scalar(None, pa.string())), np.zeros(n, bool)


def _validate_block(
    contract: Contract, block: _Block
) -> tuple[dict[str, pa.Array], list[_Problem]]:
    out: dict[str, pa.Array] = {}
    problems: list[_Problem] = []
    n = len(block.records)
    for column in contract.columns:
        if column.name in block.constants:
            out[column.name] = pa.array([block.constants[column.name]] * n, pa.string())
            continue
        if column.name not in block.columns:
            continue
        display, strings = block.columns[column.name]
        text, missing = _trimmed(strings)
        if column.required:
            row = _first(missing)
            if row is not None:
                problems.append(
                    _Problem(int(block.records[row]), display, "empty value", column.expected())
                )
        values, bad = _convert(column, text, missing)
        row = _first(bad)
        if row is not None:
            value = text[row].as_py()
            problems.append(
                _Problem(
                    int(block.records[row]),
                    display,
                    f"invalid value {value!r} ({int(bad.sum())} invalid in this column)"
                    if bad.sum() > 1
                    else f"invalid value {value!r}",
                    column.expected(),
                )
            )
        out[column.name] = values
    return out, problems


def _row_problems(contract: Contract, block: _Block, values: dict[str, pa.Array]) -> list[_Problem]:
    """Rules across columns: a drug unless radiation/surgery; stop >= start; one_of."""
    problems = []
    records = block.records

    def name(target: str) -> str:
        return block.columns.get(target, (target, None))[0]

    def null(target: str) -> np.ndarray:
        return _mask(values[target].is_null())

    if contract.kind == "treatments":
        kinds = values.get("treatment_type")
        drugless = (
            _mask(pc.is_in(kinds, pa.array(sorted(DRUGLESS_TREATMENTS))))
            if kinds is not None
            else np.zeros(len(records), bool)
        )
        row = _first(null("drug") & ~drugless)
        if row is not None:
            problems.append(
                _Problem(
                    int(records[row]),
                    name("drug"),
                    "empty drug",
                    "a drug name (it may be empty only when treatment_type is radiation or surgery)",
                )
            )
        if "start_day" in values and "stop_day" in values:
            before = pc.less(values["stop_day"], values["start_day"]).fill_null(False)
            row = _first(_mask(before))
            if row is not None:
                problems.append(
                    _Problem(
                        int(records[row]),
                        name("stop_day"),
                        f"stop day {values['stop_day'][row].as_py()} is before start day "
                        f"{values['start_day'][row].as_py()}",
                        "stop_day >= start_day",
                    )
                )
    if contract.one_of:
        empty = np.ones(len(records), bool)
        for target in contract.one_of:
            if target in values:
                empty &= null(target)
        row = _first(empty)
        if row is not None:
            problems.append(
                _Problem(
                    int(records[row]),
                    "/".join(name(t) for t in contract.one_of),
                    "no " + " or ".join(contract.one_of),
                    "a value in at least one of " + ", ".join(contract.one_of),
                )
            )
    return problems


def _missing_columns(raw: _Raw, needed: list[str], have: set[str], kind: str, fmt: str):
    missing = [n for n in needed if n not in have]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} for {kind}"
            + (f" ({fmt})" if fmt != "genomed" else ""),
            path=str(raw.path),
            line=raw.header_line,
            field=missing[0],
            expected="columns " + ", ".join(needed) + " (see docs/clinical-tables.md)",
        )


def _native_block(raw: _Raw, contract: Contract) -> tuple[_Block, list[str]]:
    by_key = {_key(n): n for n in raw.names}
    columns: dict[str, tuple[str, pa.Array]] = {}
    used: set[str] = set()
    for column in contract.columns:
        for key in (column.name, *column.aliases):
            if key in by_key:
                name = by_key[key]
                columns[column.name] = (name, raw.table.column(name).combine_chunks())
                used.add(name)
                break
    needed = [c.name for c in contract.columns if c.required or c.in_header]
    _missing_columns(raw, needed, set(columns), contract.kind, "genomed")
    if contract.one_of and not any(t in columns for t in contract.one_of):
        _missing_columns(raw, [" or ".join(contract.one_of)], set(), contract.kind, "genomed")
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return _Block(columns, np.arange(raw.table.num_rows)), ignored


def _timeline_block(raw: _Raw, skipped: dict[str, int], unmapped: dict[str, int]):
    by_key = {_key(n): n for n in raw.names}
    needed = ["patient_id", "start_date", "event_type"]
    _missing_columns(raw, needed, set(by_key), "treatments", "cBioPortal timeline")
    event = pc.utf8_upper(
        pc.utf8_trim_whitespace(raw.table.column(by_key["event_type"]).combine_chunks())
    )
    is_treatment = _mask(pc.equal(event, "TREATMENT"))
    for value, count in zip(
        *np.unique(
            np.asarray(event.to_pylist(), dtype=object)[~is_treatment].astype(str),
            return_counts=True,
        ),
        strict=True,
    ):
        skipped[f"timeline rows with EVENT_TYPE {value or '(empty)'}"] = int(count)
    rows = np.flatnonzero(is_treatment)
    take = pa.array(rows)
    columns: dict[str, tuple[str, pa.Array]] = {}
    used = {by_key["event_type"]}
    for key, target in TIMELINE_COLUMNS.items():
        if key in by_key:
            name = by_key[key]
            columns[target] = (name, raw.table.column(name).combine_chunks().take(take))
            used.add(name)
    if "drug" not in columns:
        columns["drug"] = ("AGENT", pa.array([""] * len(rows), pa.string()))

    # treatment_type: SUBTYPE when it is a known type, else TREATMENT_TYPE when it is
    # (Radiation Therapy -> radiation; Medical Therapy alone says nothing more); any
    # other text -> other, counted in the report.
    def texts(key: str) -> list[str]:
        if key not in by_key:
            return [""] * len(rows)
        used.add(by_key[key])
        values = raw.table.column(by_key[key]).combine_chunks().take(take).to_pylist()
        return [("" if (v or "").strip().lower() in NULL_VALUES else v.strip()) for v in values]

    kinds: list[str | None] = []
    for subtype, general in zip(texts("subtype"), texts("treatment_type"), strict=True):
        kind = TREATMENT_TYPES.get(subtype.lower()) or TREATMENT_TYPES.get(general.lower())
        if kind is None:
            unknown = [t for t in (subtype, general) if t and t.lower() != "medical therapy"]
            if unknown:
                kind = "other"
                for text in unknown:
                    unmapped[text] = unmapped.get(text, 0) + 1
        kinds.append(kind)
    columns["treatment_type"] = ("SUBTYPE/TREATMENT_TYPE", pa.array(kinds, pa.string()))
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return _Block(columns, rows), ignored


def _wide_outcome_blocks(raw: _Raw, skipped: dict[str, int]) -> tuple[list[_Block], list[str]]:
    by_key = {_key(n): n for n in raw.names}
    if "patient_id" not in by_key:
        _missing_columns(raw, ["patient_id"], set(), "outcomes", "cBioPortal wide")
    patient = raw.table.column(by_key["patient_id"]).combine_chunks()
    blocks = []
    used = {by_key["patient_id"]}
    for endpoint in ("os", "pfs", "dfs", "dss"):
        months_key, status_key = f"{endpoint}_months", f"{endpoint}_status"
        if months_key not in by_key and status_key not in by_key:
            continue
        _missing_columns(
            raw,
            [months_key.upper(), status_key.upper()],
            {k.upper() for k in by_key},
            "outcomes",
            "cBioPortal wide",
        )
        months = raw.table.column(by_key[months_key]).combine_chunks()
        status = raw.table.column(by_key[status_key]).combine_chunks()
        used |= {by_key[months_key], by_key[status_key]}
        _, months_missing = _trimmed(months)
        _, status_missing = _trimmed(status)
        both = months_missing & status_missing
        if both.any():
            skipped[f"patients without {endpoint.upper()}"] = int(both.sum())
        rows = np.flatnonzero(~both)
        take = pa.array(rows)
        blocks.append(
            _Block(
                {
                    "patient_id": (by_key["patient_id"], patient.take(take)),
                    "months": (by_key[months_key], months.take(take)),
                    "event": (by_key[status_key], status.take(take)),
                },
                rows,
                constants={"endpoint": endpoint},
            )
        )
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return blocks, ignored


def _unique_problem(
    contract: Contract,
    values: dict[str, pa.Array],
    records: np.ndarray,
    names: Callable[[str], str],
):
    if not contract.unique:
        return None
    seen: dict[tuple, int] = {}
    keys = zip(*(values[c].to_pylist() for c in contract.unique), strict=True)
    for row, key in enumerate(keys):
        if key in seen:
            return _Problem(
                int(records[row]),
                names(contract.unique[-1]),
                f"{' / '.join(str(k) for k in key)} repeats the row on line {{line:{int(records[seen[key]])}}}",
                "one row per " + " and ".join(contract.unique),
            )
        seen[key] = row
    return None


def read_clinical_table(path: str | Path, kind: str) -> ClinicalTable:
    """Read and validate a clinical table of ``kind`` (a key of :data:`CONTRACTS`)."""
    path = Path(path)
    if kind not in CONTRACTS:
        raise InputError(
            f"unknown clinical table kind {kind!r}",
            field="KIND",
            expected="one of " + ", ".join(CONTRACTS),
        )
    contract = CONTRACTS[kind]
    raw = _read_raw(path)
    keys = {_key(n) for n in raw.names}
    skipped: dict[str, int] = {}
    unmapped: dict[str, int] = {}
    if kind == "treatments" and {"start_date", "event_type"} <= keys:
        fmt = "cbioportal-timeline"
        block, ignored = _timeline_block(raw, skipped, unmapped)
        blocks = [block]
    elif kind == "outcomes" and "endpoint" not in keys and any(k.endswith("_months") for k in keys):
        fmt = "cbioportal-wide-outcomes"
        blocks, ignored = _wide_outcome_blocks(raw, skipped)
    else:
        fmt = "genomed"
        block, ignored = _native_block(raw, contract)
        blocks = [block]
    problems: list[_Problem] = []
    parts: list[dict[str, pa.Array]] = []
    for block in blocks:
        values, found = _validate_block(contract, block)
        problems += found
        if not found:
            problems += _row_problems(contract, block, values)
        parts.append(values)
    if problems:
        _raise(raw, problems)
    records = np.concatenate([b.records for b in blocks]) if blocks else np.zeros(0, np.int64)
    targets = [c.name for c in contract.columns if any(c.name in p for p in parts)]
    merged = {
        t: pa.concat_arrays([p[t] for p in parts]) if parts else pa.array([], pa.string())
        for t in targets
    }
    order = np.argsort(records, kind="stable")
    merged = {t: v.take(pa.array(order)) for t, v in merged.items()}
    records = records[order]
    display = {t: b.columns[t][0] for b in blocks for t in b.columns}
    problem = _unique_problem(contract, merged, records, lambda t: display.get(t, t))
    if problem:
        _raise(raw, [problem])
    table = _to_workspace(contract, merged)
    if unmapped:
        skipped["timeline treatment types read as other: " + ", ".join(sorted(unmapped))] = sum(
            unmapped.values()
        )
    return ClinicalTable(kind, path, fmt, table, records, ignored, skipped, raw)


def _raise(raw: _Raw, problems: list[_Problem]) -> None:
    problem = min(problems, key=lambda p: p.record)
    message = re.sub(
        r"\{line:(\d+)\}", lambda m: str(raw.line_of(int(m.group(1)))), problem.message
    )
    raise InputError(
        message,
        path=str(raw.path),
        line=raw.line_of(problem.record),
        field=problem.column,
        expected=problem.expected,
    )


def _to_workspace(contract: Contract, values: dict[str, pa.Array]) -> pa.Table:
    """Map contract columns to the columns of the workspace table."""
    columns = dict(values)
    if contract.kind == "observations":
        text = columns.pop("value")
        fits = pc.match_substring_regex(text, _NUMBER).fill_null(False)
        numbers = pc.cast(pc.if_else(fits, text, pa.scalar(None, pa.string())), pa.float64())
        columns["value_number"] = numbers
        columns["value_string"] = pc.if_else(fits, pa.scalar(None, pa.string()), text)
    casts = {"integer": pa.int32(), "number": pa.float64(), "event": pa.bool_()}
    for column in contract.columns:
        if column.name in columns and column.type in casts:
            columns[column.name] = columns[column.name].cast(casts[column.type])
    return pa.table(columns)
