"""Interpretation rules kept as data tables (``genomed/data/knowledge/rules/*.tsv``):
AMP/ASCO/CAP tier rules, oncogenicity criteria and classes, ACMG strengths and classes,
somatic and germline thresholds, single-aetiology malignancies (oncogenicity OP2) and
the reading of functional evidence (OS2/SBS2). Each is read once and cached; see the TSV files for the values.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from pathlib import Path

RULES_DIR = Path(str(files("genomed") / "data" / "knowledge" / "rules"))


@cache
def read_rules(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``rules/<name>.tsv`` as dicts (strings)."""
    with open(RULES_DIR / f"{name}.tsv", newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t"))


def amp_tier(level: str, this_tumour: bool) -> tuple[str, str] | None:
    """(tier, AMP evidence level) for evidence of CIViC ``level`` in this or another
    tumour type; None when such evidence does not place a variant in tier I or II."""
    wanted = "this" if this_tumour else "other"
    for row in read_rules("amp_tiers"):
        if row["level"] == level and row["tumour_match"] == wanted:
            return row["tier"], row["amp_level"]
    return None


def points_table(name: str) -> dict[str, int]:
    """criterion/strength -> points."""
    key = "criterion" if name == "oncogenicity_criteria" else "strength"
    return {row[key]: int(row["points"]) for row in read_rules(name)}


def classify(points: int, classes: str) -> str:
    """Class of a points total from ``oncogenicity_classes`` or ``acmg_classes``."""
    for row in read_rules(classes):
        if int(row["min_points"]) <= points <= int(row["max_points"]):
            return row["class"]
    raise ValueError(f"no class for {points} points in {classes}")


def threshold(name: str, table: str = "somatic_thresholds") -> float:
    """A value of ``somatic_thresholds`` (or of another name/value table such as
    ``germline_thresholds``)."""
    for row in read_rules(table):
        if row["name"] == name:
            return float(row["value"])
    raise KeyError(name)


def criterion_text(criterion: str) -> str:
    for row in read_rules("oncogenicity_criteria"):
        if row["criterion"] == criterion:
            return row["description"]
    return criterion
