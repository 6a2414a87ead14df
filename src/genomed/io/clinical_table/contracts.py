"""The column contract of each clinical table KIND (:data:`CONTRACTS`).

One place says which columns a KIND has, their types, ranges and aliases, and which
workspace table the rows go to; ``docs/clinical-tables.md`` documents the same contracts
for users, and the parsing code reads them instead of hard-coding columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from genomed.io.clinical_table.vocabularies import ENDPOINTS, RECIST, SEXES, TREATMENT_TYPES


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
        """What a valid value looks like, as said after "expected" in error messages."""
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
        """The column named ``name`` (its contract name, not an alias)."""
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
