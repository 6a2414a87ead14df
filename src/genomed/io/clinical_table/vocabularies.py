"""The coded values of clinical tables: empty-cell spellings, RECIST, endpoints, events,
treatment types, sexes.

Each table maps every accepted spelling (lower case) to the value genomed stores, so a
new spelling is one more entry here and no parsing code changes.
"""

from __future__ import annotations

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
