"""Sample maps: who each sample in a file is (patient, kind, tumour type, sex, population).

A TSV with a header. Column names (case-insensitive; aliases in brackets):
``source_name`` [vcf_sample, sample] the name in the file; ``sample_id`` the workspace id
(default: source_name); ``patient_id`` [patient]; ``kind`` germline|tumor|normal;
``tumor_type`` OncoTree code; ``sex`` [gender] female|male|...; ``population`` [pop];
``super_population`` [super_pop]. The 1000 Genomes panel file (sample, pop, super_pop,
gender) is a valid sample map as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genomed.errors import InputError

_ALIASES = {
    "vcf_sample": "source_name",
    "sample": "source_name",
    "patient": "patient_id",
    "gender": "sex",
    "pop": "population",
    "super_pop": "super_population",
}
_COLUMNS = {
    "source_name",
    "sample_id",
    "patient_id",
    "kind",
    "tumor_type",
    "sex",
    "population",
    "super_population",
}
KINDS = ("germline", "tumor", "normal")


@dataclass(frozen=True)
class SampleInfo:
    source_name: str
    sample_id: str
    patient_id: str
    kind: str
    tumor_type: str | None = None
    sex: str | None = None
    population: str | None = None
    super_population: str | None = None
    line: int | None = None


def _sex(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().lower()
    return {
        "m": "male",
        "f": "female",
        "xy": "male",
        "xx": "female",
        "1": "male",
        "2": "female",
    }.get(text, text)


def read_sample_map(path: str | Path) -> dict[str, SampleInfo]:
    """Read a sample map into {source_name: SampleInfo}; InputError on a bad row."""
    path = Path(path)
    rows: dict[str, SampleInfo] = {}
    with open(path) as handle:
        header_line = handle.readline()
        names = [
            _ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header_line.split("\t")
        ]
        if "source_name" not in names:
            raise InputError(
                "sample map has no sample column",
                path=str(path),
                line=1,
                expected="source_name/sample",
            )
        for number, text in enumerate(handle, start=2):
            if not text.strip():
                continue
            values = text.rstrip("\n").split("\t")
            record = {
                n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)
            }
            record = {k: v for k, v in record.items() if k in _COLUMNS and v}
            name = record.get("source_name")
            if not name:
                raise InputError(
                    "empty sample name", path=str(path), line=number, field="source_name"
                )
            kind = record.get("kind", "germline").lower()
            if kind not in KINDS:
                raise InputError(
                    f"unknown kind {kind!r}",
                    path=str(path),
                    line=number,
                    field="kind",
                    expected="|".join(KINDS),
                )
            sample_id = record.get("sample_id", name)
            rows[name] = SampleInfo(
                source_name=name,
                sample_id=sample_id,
                patient_id=record.get("patient_id", sample_id),
                kind=kind,
                tumor_type=record.get("tumor_type"),
                sex=_sex(record.get("sex")),
                population=record.get("population"),
                super_population=record.get("super_population"),
                line=number,
            )
    return rows
