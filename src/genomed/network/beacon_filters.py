"""Beacon filters -> a genomed cohort definition (JSON form), evaluated by genomed.cohort.

Every filter selects patients, so a Beacon query and a ``genomed cohort`` definition go
through the same evaluator (:func:`genomed.cohort.evaluate.select_patients`):

=======================================  =============================================
Beacon filter                            cohort definition
=======================================  =============================================
``HP:0001250`` (ontology)                ``hpo in (HP:0001250 and every descendant)``
                                         (``includeDescendantTerms: false``: the term only)
``NCIT:C16576`` / ``NCIT:C20197``        ``sex = female`` / ``sex = male``
``oncotree:AML``                         ``tumor_type = AML`` (OncoTree code, exact)
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
        return {"attribute": "tumor_type", "op": "=", "value": local.upper()}
    if prefix.lower() in terms["disease_prefixes"]:
        return {"attribute": "disease", "op": "=", "value": term}
    raise BeaconRequestError(
        f"unsupported filter term {term!r}: this node filters on HP (with descendants), "
        "NCIT sex terms, oncotree:<code>, disease ids (MONDO, OMIM, ORPHA, NCIT, DOID), and "
        "alphanumeric fields (see /beacon/v2/filtering_terms)"
    )


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
