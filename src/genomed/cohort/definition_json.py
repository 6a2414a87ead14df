"""The JSON form of a cohort definition: one object per node (see :func:`to_json` for
every key); errors name the JSON path of the offending value (``$.and[1].op``)."""

from __future__ import annotations

import json
from typing import Any

from genomed.cohort.definition_nodes import (
    COMPARISON_OPERATORS,
    GENOTYPE_PREDICATES,
    PROFILES,
    TIME_RELATIONS,
    Alteration,
    And,
    CohortReference,
    CohortSyntaxError,
    Comparison,
    Everyone,
    Membership,
    Missing,
    Node,
    Not,
    Or,
    TimeOrder,
    Treatment,
    classify_mutation_qualifier,
)


def to_json(node: Node) -> dict:
    """The JSON form of a definition (plain dicts and lists; see the module notes)."""
    if isinstance(node, Everyone):
        return {"all": True}
    if isinstance(node, Comparison):
        return {"attribute": node.attribute, "op": node.op, "value": node.value}
    if isinstance(node, Membership):
        return {
            "attribute": node.attribute,
            "op": "not in" if node.negated else "in",
            "value": list(node.values),
        }
    if isinstance(node, Missing):
        return {
            "attribute": node.attribute,
            "op": "is not missing" if node.negated else "is missing",
        }
    if isinstance(node, Alteration):
        out: dict[str, Any] = {node.kind: node.gene}
        for key in ("protein_change", "consequence", "tier", "origin", "partner", "profile"):
            value = getattr(node, key)
            if value is not None:
                out[key] = value
        return out
    if isinstance(node, Treatment):
        return {"treated_with": node.drug} | ({"line": node.line} if node.line else {})
    if isinstance(node, CohortReference):
        return {"in_cohort": node.name}
    if isinstance(node, TimeOrder):
        return {node.relation: [to_json(node.left), to_json(node.right)]}
    if isinstance(node, Not):
        return {"not": to_json(node.item)}
    if isinstance(node, And):
        return {"and": [to_json(i) for i in node.items]}
    if isinstance(node, Or):
        return {"or": [to_json(i) for i in node.items]}
    raise TypeError(f"not a cohort definition node: {node!r}")


def _json_error(message: str, path: str) -> CohortSyntaxError:
    return CohortSyntaxError(message, json_path=path)


def _json_str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _json_error(f"expected a non-empty string, got {json.dumps(value)}", path)
    return value


def _json_value(value: Any, path: str) -> str | float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _json_error(f"expected a string or a number, got {json.dumps(value)}", path)
    return value


def from_json(data: Any, path: str = "$") -> Node:
    """Read the JSON form (a dict, or a JSON string); errors name the JSON path."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise _json_error(
                f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})", path
            ) from None
    if not isinstance(data, dict):
        raise _json_error(f"expected an object, got {json.dumps(data)}", path)
    keys = set(data)
    if "all" in keys:
        return Everyone()
    for word, cls in (("and", And), ("or", Or)):
        if word in keys:
            items = data[word]
            if not isinstance(items, list) or len(items) < 1:
                raise _json_error(f"'{word}' needs a list of conditions", f"{path}.{word}")
            nodes = tuple(from_json(item, f"{path}.{word}[{i}]") for i, item in enumerate(items))
            return nodes[0] if len(nodes) == 1 else cls(nodes)
    if "not" in keys:
        return Not(from_json(data["not"], f"{path}.not"))
    for relation in TIME_RELATIONS:
        if relation in keys:
            pair = data[relation]
            if not isinstance(pair, list) or len(pair) != 2:
                raise _json_error(f"'{relation}' needs a list of two events", f"{path}.{relation}")
            left, right = (
                from_json(item, f"{path}.{relation}[{i}]") for i, item in enumerate(pair)
            )
            for i, event in enumerate((left, right)):
                if not isinstance(event, Alteration | Treatment):
                    raise _json_error(
                        "expected an event (mutated, treated_with, ...)", f"{path}.{relation}[{i}]"
                    )
            if relation == "during" and not isinstance(right, Treatment):
                raise _json_error("'during' needs a treatment second", f"{path}.during[1]")
            return TimeOrder(left, relation, right)
    if "attribute" in keys:
        attribute = _json_str(data["attribute"], f"{path}.attribute")
        op = data.get("op")
        if op in COMPARISON_OPERATORS:
            return Comparison(attribute, op, _json_value(data.get("value"), f"{path}.value"))
        if op in ("in", "not in"):
            values = data.get("value")
            if not isinstance(values, list) or not values:
                raise _json_error("'in' needs a non-empty list of values", f"{path}.value")
            return Membership(
                attribute,
                tuple(_json_value(v, f"{path}.value[{i}]") for i, v in enumerate(values)),
                op == "not in",
            )
        if op in ("is missing", "is not missing"):
            return Missing(attribute, op == "is not missing")
        raise _json_error(
            f"unknown op {json.dumps(op)}; expected one of {', '.join(COMPARISON_OPERATORS)}, in, not in, "
            "is missing, is not missing",
            f"{path}.op",
        )
    if "treated_with" in keys:
        line = data.get("line")
        if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
            raise _json_error("line must be a whole number from 1", f"{path}.line")
        return Treatment(_json_str(data["treated_with"], f"{path}.treated_with").lower(), line)
    if "in_cohort" in keys:
        return CohortReference(_json_str(data["in_cohort"], f"{path}.in_cohort"))
    for kind in GENOTYPE_PREDICATES:
        if kind in keys:
            gene = _json_str(data[kind], f"{path}.{kind}")
            fields: dict[str, Any] = {}
            allowed = {
                "mutated": ("protein_change", "consequence", "tier", "origin"),
                "fusion": ("partner",),
                "profiled": ("profile",),
            }.get(kind, ())
            for key in sorted(keys - {kind}):
                if key not in allowed:
                    raise _json_error(f"{kind} has no option {key!r}", f"{path}.{key}")
                value = _json_str(
                    data[key] if not isinstance(data[key], int) else str(data[key]), f"{path}.{key}"
                )
                if kind == "mutated":
                    slot, normal = classify_mutation_qualifier(
                        value, {"consequence": "class", "protein_change": "protein"}.get(key, key)
                    )
                    if slot != key:
                        raise _json_error(
                            normal if slot is None else f"{value!r} is not a {key}", f"{path}.{key}"
                        )
                    value = normal
                elif kind == "profiled" and value.lower() not in PROFILES:
                    raise _json_error(
                        f"profile must be one of {', '.join(PROFILES)}", f"{path}.{key}"
                    )
                fields[key] = value.lower() if key == "profile" else value
            return Alteration(kind, gene, **fields)
    raise _json_error(f"unknown condition with keys {sorted(keys)}", path)
