"""Beacon filters -> a genomed cohort definition (JSON form), evaluated by genomed.cohort.

Every filter selects patients, so a Beacon query and a ``genomed cohort`` definition go
through the same evaluator (:func:`genomed.cohort.evaluate.select_patients`):

=======================================  =============================================
Beacon filter                            cohort definition
=======================================  =============================================
``HP:0001250`` (ontology)                ``hpo in (HP:0001250 and every descendant)``
                                         (``includeDescendantTerms: false``: the term only)
``NCIT:C16576`` / ``NCIT:C20197``        ``sex = female`` / ``sex = male``
``oncotree:NSCLC``                       ``tumor_type in (NSCLC and every descendant)``
                                         (LUAD, LUSC, LCLC; ``includeDescendantTerms:
                                         false``: the code only; a code the bundle's
                                         OncoTree table does not list: the code only)
``MONDO:..``, ``OMIM:..``, ``NCIT:..``   ``disease = <id>`` (diagnoses.disease_id)
alphanumeric ``{id, operator, value}``   ``<id> <op> <value>`` over the cohort attributes
                                         (age, population, super_population, FAB_..., ...)
genomed ``{"or": [..]}`` / ``{"not": f}``  ``or`` / ``not``
=======================================  =============================================

Several filters are combined with AND, as Beacon v2 specifies. Unknown prefixes and
unknown HPO terms are errors (HTTP 400), not silently ignored.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from genomed.network.beacon_request import BeaconRequestError
from genomed.network.hpo_terms import UnknownTermError, descendants
from genomed.network.oncotree_terms import descendants as oncotree_descendants

IDENTIFIER_ATTRIBUTES = frozenset({"patient_id", "sample_id"})
_OPERATORS = {"=": "=", "!": "!=", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@cache
def ontology_terms() -> dict:
    with (files("genomed.network") / "data" / "ontology_terms.json").open() as handle:
        return json.load(handle)


def _value(text):
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    text = str(text).strip()
    if _NUMBER.match(text):
        number = float(text)
        return (
            int(number)
            if number.is_integer() and "." not in text and "e" not in text.lower()
            else number
        )
    return text


def _ontology(item: dict) -> dict:
    term = item["id"].strip()
    prefix, sep, local = term.partition(":")
    if not sep or not local:
        raise BeaconRequestError(
            f"filter {term!r} is neither an ontology term (PREFIX:ID) nor an alphanumeric "
            "filter (id, operator, value)"
        )
    upper = term.upper()
    terms = ontology_terms()
    if upper in terms["sex"]:
        return {"attribute": "sex", "op": "=", "value": terms["sex"][upper]["value"]}
    if prefix.upper() == "HP":
        if item.get("includeDescendantTerms", True) is False:
            ids = [f"HP:{local}"]
        else:
            try:
                ids = list(descendants(f"HP:{local}"))
            except UnknownTermError as error:
                raise BeaconRequestError(str(error)) from None
        return {"attribute": "hpo", "op": "in", "value": ids}
    if prefix.lower() in terms["oncotree_prefixes"]:
        return {"attribute": "tumor_type", "op": "in", "value": list(oncotree_codes(item))}
    if prefix.lower() in terms["disease_prefixes"]:
        return {"attribute": "disease", "op": "=", "value": term}
    raise BeaconRequestError(
        f"unsupported filter term {term!r}: this node filters on HP (with descendants), "
        "NCIT sex terms, oncotree:<code>, disease ids (MONDO, OMIM, ORPHA, NCIT, DOID), and "
        "alphanumeric fields (see /beacon/v2/filtering_terms)"
    )


def is_oncotree_filter(item) -> bool:
    """Whether ``item`` is a (top-level) ontology filter on an OncoTree code."""
    if not isinstance(item, dict) or "operator" in item or "value" in item:
        return False
    prefix, sep, local = str(item.get("id", "")).strip().partition(":")
    return bool(sep and local) and prefix.lower() in ontology_terms()["oncotree_prefixes"]


def oncotree_codes(item: dict) -> tuple[str, ...]:
    """The tumour-type codes an OncoTree filter matches (upper case, sorted): the code and
    its descendants, or the code alone with ``includeDescendantTerms: false``."""
    local = item["id"].strip().partition(":")[2].strip().upper()
    if item.get("includeDescendantTerms", True) is False:
        return (local,)
    return oncotree_descendants(local)


def sample_tumor_types(filters: list) -> list[str] | None:
    """Tumour types a biosample must have to match the top-level OncoTree filters (each
    filter's codes, intersected: filters combine with AND); None without such filters.

    Filters select patients; on the biosamples endpoint the OncoTree filters select the
    samples of those patients too (a patient with a LUAD and a COAD sample is one biosample
    under ``oncotree:NSCLC``). An empty list means no sample can match.
    """
    codes: set[str] | None = None
    for item in filters:
        if is_oncotree_filter(item):
            these = set(oncotree_codes(item))
            codes = these if codes is None else codes & these
    return None if codes is None else sorted(codes)


def _alphanumeric(item: dict) -> dict:
    name = item["id"].strip()
    op = _OPERATORS.get(str(item.get("operator", "=")).strip())
    if op is None:
        raise BeaconRequestError(
            f"filter {name!r}: operator must be one of =, !, <, >, <=, >=, not {item.get('operator')!r}"
        )
    value = item.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BeaconRequestError(f"filter {name!r}: needs a value")
    if isinstance(value, str) and "%" in value:
        raise BeaconRequestError(f"filter {name!r}: wildcards (%) are not supported")
    return {"attribute": name, "op": op, "value": _value(value)}


def filter_definition(item) -> dict:
    """One Beacon filter (or genomed OR/NOT extension) -> cohort JSON."""
    if isinstance(item, str):
        item = {"id": item}
    if "or" in item:
        return {"or": [filter_definition(f) for f in item["or"]]}
    if "not" in item:
        return {"not": filter_definition(item["not"])}
    if "operator" in item or "value" in item:
        return _alphanumeric(item)
    return _ontology(item)


def combined_definition(filters: list, cohort: str | dict | None) -> dict | None:
    """AND of all filters and the optional cohort definition; None selects everyone."""
    parts = [filter_definition(f) for f in filters]
    if cohort is not None:
        from genomed.cohort.definition_language import parse_definition, to_json

        parts.append(to_json(parse_definition(cohort)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"and": parts}


def attributes_used(definition) -> set[str]:
    """Every attribute a definition compares (to refuse identifiers at aggregate levels)."""
    found: set[str] = set()
    if isinstance(definition, dict):
        if "attribute" in definition:
            found.add(str(definition["attribute"]).lower())
        for value in definition.values():
            found |= attributes_used(value)
    elif isinstance(definition, list):
        for value in definition:
            found |= attributes_used(value)
    return found
