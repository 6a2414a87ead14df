"""Who is counted under which labels, the sample groups, and grpmax settings.

Every counted sample has up to three labels: ``population`` (e.g. CHB), ``super_population``
(e.g. EAS) and ``karyotype`` (XX or XY, from the patient's recorded sex: female -> XX,
male -> XY). Its groups are::

    all                       every counted sample
    <population>              e.g. CHB
    <super_population>        e.g. EAS
    XX / XY                   karyotype
    <super_population>_XX/XY  e.g. EAS_XX

Samples with the same three labels form a *cell*; counts are summed per cell first and
expanded to groups after, so the work per group does not grow with the number of samples.

Labels come from, in order: a ``--populations`` TSV (any sample map, e.g. the 1000 Genomes
panel), the labels a sample was counted under before (kept across rebuilds), the
``patients`` table. They must be letters and digits (they become VCF INFO keys).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import pyarrow as pa

from genomed.errors import InputError
from genomed.io.sample_map import read_sample_map

ALL = "all"
RESERVED = {"ALL", "XX", "XY", "RAW"}
_LABEL = re.compile(r"^[A-Za-z0-9]+$")
#: How the groups of each level are named from a cell's labels: (SQL label, SQL condition).
GROUP_LEVELS = (
    (f"'{ALL}'", "TRUE"),
    ("population", "population IS NOT NULL"),
    ("super_population", "super_population IS NOT NULL"),
    ("karyotype", "karyotype IS NOT NULL"),
    (
        "super_population || '_' || karyotype",
        "super_population IS NOT NULL AND karyotype IS NOT NULL",
    ),
)
GRPMAX_LEVELS = ("super_population", "population")
#: Groups shown first wherever groups are listed (genomed's focus: East and South Asia).
DISPLAY_FIRST = ("EAS", "SAS")


@cache
def default_grpmax_exclusions() -> tuple[str, ...]:
    """Groups gnomAD leaves out of grpmax/fafmax (``data/grpmax_excluded_groups.tsv``)."""
    with (files("genomed.popfreq") / "data" / "grpmax_excluded_groups.tsv").open() as handle:
        return tuple(r["group"] for r in csv.DictReader(handle, delimiter="\t"))


@dataclass(frozen=True)
class GrpmaxSettings:
    """grpmax/fafmax are taken over the groups of ``level`` not in ``exclude``."""

    level: str = "super_population"
    exclude: tuple[str, ...] = field(default_factory=default_grpmax_exclusions)

    def __post_init__(self) -> None:
        if self.level not in GRPMAX_LEVELS:
            raise InputError(
                f"unknown grpmax level {self.level!r}",
                field="--grpmax-level",
                expected=" or ".join(GRPMAX_LEVELS),
            )

    def to_dict(self) -> dict:
        return {"level": self.level, "exclude": list(self.exclude)}

    @classmethod
    def from_dict(cls, data: dict) -> GrpmaxSettings:
        return cls(level=data.get("level", "super_population"), exclude=tuple(data["exclude"]))

    def excluded(self, group: str) -> bool:
        return group.upper() in {e.upper() for e in self.exclude}


def karyotype_of(sex: str | None) -> str | None:
    """``female``/``XX`` -> XX, ``male``/``XY`` -> XY, anything else -> None (unknown)."""
    if not sex:
        return None
    text = sex.strip().lower()
    if text in ("female", "xx", "f"):
        return "XX"
    if text in ("male", "xy", "m"):
        return "XY"
    return None


def read_population_labels(path: str | Path) -> dict[str, dict]:
    """A sample map (``source_name``/``sample_id``, ``population``, ``super_population``,
    ``sex``) -> {sample_id: {population, super_population, karyotype}}."""
    labels = {}
    for info in read_sample_map(path).values():
        labels[info.sample_id] = {
            "population": info.population,
            "super_population": info.super_population,
            "karyotype": karyotype_of(info.sex),
            "line": info.line,
        }
    return labels


def check_labels(samples: pa.Table, path: str | None = None) -> None:
    """Labels must be letters/digits, not reserved, and a population name must not also
    be a super-population name (both become VCF keys like ``AC_eas``)."""
    levels: dict[str, set[str]] = {"population": set(), "super_population": set()}
    for column in levels:
        for value in samples.column(column).unique().to_pylist():
            if value is None:
                continue
            if not _LABEL.match(value) or value.upper() in RESERVED:
                raise InputError(
                    f"population label {value!r} cannot be used",
                    path=path,
                    field=column,
                    expected="letters and digits, not all/XX/XY/raw",
                )
            levels[column].add(value.upper())
    clash = levels["population"] & levels["super_population"]
    if clash:
        raise InputError(
            f"labels {sorted(clash)} are both a population and a super-population",
            path=path,
            field="population",
        )


def group_kind(group: str, known_super: set[str]) -> str:
    """all | sex | super_population_sex | super_population | population."""
    if group == ALL:
        return "all"
    if group in ("XX", "XY"):
        return "sex"
    if "_" in group:
        return "super_population_sex"
    return "super_population" if group in known_super else "population"


def display_order(groups: list[str], known_super: set[str], parent: dict[str, str]) -> list[str]:
    """``all`` first; then super-populations (EAS, SAS first, then alphabetical), each
    followed by its sex groups and its populations; then XX/XY; then the rest."""

    def super_rank(name: str) -> tuple[int, str]:
        upper = name.upper()
        return (DISPLAY_FIRST.index(upper) if upper in DISPLAY_FIRST else len(DISPLAY_FIRST), upper)

    ordered: list[str] = [ALL] if ALL in groups else []
    present = set(groups)
    for sup in sorted((g for g in groups if g in known_super), key=super_rank):
        ordered.append(sup)
        ordered += [f"{sup}_{k}" for k in ("XX", "XY") if f"{sup}_{k}" in present]
        ordered += sorted(g for g in groups if parent.get(g) == sup and g not in ordered)
    ordered += [g for g in ("XX", "XY") if g in present]
    ordered += sorted(g for g in groups if g not in ordered)
    return ordered


def vcf_suffix(group: str) -> str:
    """INFO key suffix of a group, gnomAD style: '' for all, ``eas``, ``chb``, ``XX``,
    ``eas_XX``."""
    if group == ALL:
        return ""
    if group in ("XX", "XY"):
        return "_" + group
    if "_" in group:
        head, sex = group.rsplit("_", 1)
        return f"_{head.lower()}_{sex}"
    return "_" + group.lower()
