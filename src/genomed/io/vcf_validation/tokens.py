"""Value syntax shared by header and record checks (numbers, bases, names, allele IDs).

These patterns are the same in every VCF version, so they live outside
:mod:`~genomed.io.vcf_validation.version_rules`; both the meta-line and the record checks
import them from here.
"""

from __future__ import annotations

import re

from genomed.io.vcf_validation.version_rules import SV_TYPES

FLOAT = re.compile(r"[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|(?i:inf|infinity|nan))")
INT = re.compile(r"[-+]?[0-9]+")
BASES = re.compile(r"[ACGTNacgtn]+")
NON_PRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\udc80-\udcff]")
WHITESPACE = re.compile(r"\s")
UINT = re.compile(r"[0-9]+")
INT32_MAX = 2**31 - 1


def symbolic_id_problem(id_: str) -> str | None:
    """Why a symbolic allele ID (the text inside <>) is invalid, or None."""
    if not id_:
        return "empty"
    if re.search(r"[\s,<>]", id_):
        return "contains whitespace, ',' or angle brackets"
    if ":" in id_ and id_.split(":", 1)[0] not in SV_TYPES:
        return "a subtype (ID with ':') must start with " + "/".join(sorted(SV_TYPES))
    return None
