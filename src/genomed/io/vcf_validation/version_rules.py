"""What differs between VCF versions, as data: reserved keys, name patterns, Number codes.

Kept apart from the checks so that a rule change in a new spec version is an edit to a
table here (and :func:`rules_for`), not to the code that walks a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Versions with their own rule set; other 4.x files are checked as the nearest of these.
SUPPORTED_VERSIONS = ("4.1", "4.2", "4.3", "4.4", "4.5")


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
