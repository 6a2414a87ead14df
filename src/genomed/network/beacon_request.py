"""Beacon v2 requests, GET or POST, parsed into one :class:`BeaconQuery`.

GET: query-string parameters (``requestedGranularity``, ``skip``, ``limit``,
``filters``, ``includeResultsetResponses``, ``datasetIds``, ``testMode`` and the
entry type's request parameters: ``referenceName``, ``start``, ``end``,
``referenceBases``, ``alternateBases``, ``variantType``, ``variantMinLength``,
``variantMaxLength``, ``geneId``, ``aminoacidChange``, ``assemblyId``; lists are
comma-separated, ``start=100,200``).

POST: a Beacon ``RequestBody`` (``{"meta": {...}, "query": {...}}``). Request
parameters may be flat (``{"referenceName": "1", "start": [100]}``) or grouped by
entity as the framework schema shows (``{"g_variant": {...}}``, ``{"datasets":
{"datasetIds": [...]}}``).

Coordinates follow Beacon v2: ``start`` 0-based inclusive, ``end`` 0-based exclusive
(a VCF position ``pos`` is ``start = pos - 1``). This is the one place where genomed's
API is not 1-based, because Beacon clients expect it.

Pagination: ``skip`` counts *pages* of ``limit`` records, as the framework's ``Skip``
defines it; ``limit=0`` means the node's maximum page size.

genomed extensions (documented in docs/network.md): filters combined with OR and NOT
(POST ``{"or": [f, ...]}`` / ``{"not": f}``; GET ``a|b`` for OR and ``!a`` for NOT),
alphanumeric filters written inline in GET (``age>=60``, ``population=CHB``), and a
cohort definition in the genomed cohort language (POST ``query["genomed:cohort"]``,
GET ``cohort=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from genomed.errors import GenomedError
from genomed.network.access_levels import Granularity

API_VERSION = "v2.0.0"
INCLUDE = ("HIT", "ALL", "MISS", "NONE")
VARIANT_PARAMETERS = (
    "referenceName",
    "start",
    "end",
    "referenceBases",
    "alternateBases",
    "variantType",
    "variantMinLength",
    "variantMaxLength",
    "geneId",
    "aminoacidChange",
    "assemblyId",
    "mateName",
    "genomicAlleleShortForm",
)
_LIST_PARAMETERS = ("start", "end")
_INT_PARAMETERS = ("variantMinLength", "variantMaxLength")
_ENTITY_KEYS = (
    "g_variant",
    "g_variants",
    "genomicVariant",
    "genomicVariation",
    "genomicVariations",
    "individual",
    "individuals",
    "biosample",
    "biosamples",
)
_INLINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*(>=|<=|!=|=|<|>)\s*(.+)$")


class BeaconRequestError(GenomedError):
    """A request the node cannot interpret (HTTP 400), naming the parameter at fault."""

    status = 400


@dataclass
class BeaconQuery:
    """One Beacon request, however it arrived."""

    granularity: Granularity | None = None
    skip: int = 0
    limit: int = 10
    filters: list = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    dataset_ids: list[str] | None = None
    include: str = "HIT"
    cohort: str | dict | None = None
    test_mode: bool = False
    requested_schemas: list = field(default_factory=list)
    api_version: str = API_VERSION

    def summary(self) -> dict:
        """``receivedRequestSummary`` as the framework schema wants it."""
        out: dict[str, Any] = {
            "apiVersion": self.api_version,
            "requestedSchemas": self.requested_schemas,
            "pagination": {"skip": self.skip, "limit": self.limit},
            "requestedGranularity": (self.granularity or Granularity.BOOLEAN).label,
            "includeResultsetResponses": self.include,
            "testMode": self.test_mode,
        }
        if self.filters:
            out["filters"] = [filter_label(f) for f in self.filters]
        params = {k: v for k, v in self.parameters.items()}
        grouped: dict[str, dict] = {}
        if params:
            grouped["g_variant"] = params
        if self.dataset_ids is not None:
            grouped["datasets"] = {"datasetIds": list(self.dataset_ids)}
        if grouped:
            out["requestParameters"] = grouped
        return out

    def audit_view(self) -> dict:
        """What the audit log records of the query (identifiers are scrubbed there)."""
        out: dict[str, Any] = {}
        if self.filters:
            out["filters"] = self.filters
        if self.parameters:
            out["requestParameters"] = self.parameters
        if self.dataset_ids is not None:
            out["datasetIds"] = self.dataset_ids
        if self.cohort is not None:
            out["cohort"] = self.cohort
        out["pagination"] = {"skip": self.skip, "limit": self.limit}
        return out


def filter_label(item) -> str:
    """A short text form of a filter (for the request summary)."""
    if isinstance(item, dict):
        if "or" in item:
            return "(" + " | ".join(filter_label(i) for i in item["or"]) + ")"
        if "not" in item:
            return "!" + filter_label(item["not"])
        if "operator" in item:
            return f"{item.get('id')}{item.get('operator')}{item.get('value')}"
        return str(item.get("id"))
    return str(item)


def _int(value, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise BeaconRequestError(f"{name} must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise BeaconRequestError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise BeaconRequestError(f"{name} must be >= {minimum}, not {number}")
    if number > 2**62:
        raise BeaconRequestError(f"{name} is out of range: {number}")
    return number


def _granularity(value) -> Granularity | None:
    if value in (None, ""):
        return None
    try:
        return Granularity.parse(str(value))
    except GenomedError:
        raise BeaconRequestError(
            f"requestedGranularity must be boolean, count or record, not {value!r}"
        ) from None


def _include(value) -> str:
    if value in (None, ""):
        return "HIT"
    text = str(value).upper()
    if text not in INCLUDE:
        raise BeaconRequestError(
            f"includeResultsetResponses must be one of {', '.join(INCLUDE)}, not {value!r}"
        )
    return text


def _bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise BeaconRequestError(f"{name} must be true or false, not {value!r}")


def variant_parameters(raw: dict) -> dict[str, Any]:
    """Validate and normalise variant request parameters."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in VARIANT_PARAMETERS:
            raise BeaconRequestError(
                f"unknown request parameter {name!r}; known: {', '.join(VARIANT_PARAMETERS)}"
            )
        if value is None or value == "":
            if name in ("referenceBases", "alternateBases") and value == "":
                out[name] = ""
            continue
        if name in _LIST_PARAMETERS:
            items = value if isinstance(value, list) else str(value).split(",")
            if not 1 <= len(items) <= 2:
                raise BeaconRequestError(f"{name} takes one or two positions, got {len(items)}")
            out[name] = [_int(v, name) for v in items]
        elif name in _INT_PARAMETERS:
            out[name] = _int(value, name)
        else:
            if not isinstance(value, str | int):
                raise BeaconRequestError(f"{name} must be text, not {type(value).__name__}")
            out[name] = str(value).strip()
    for name in ("referenceBases", "alternateBases"):
        if name in out and not re.fullmatch(r"[ACGTUNRYSWKMBDHV.\-]*", out[name].upper()):
            raise BeaconRequestError(f"{name} must be IUPAC nucleotide codes, not {out[name]!r}")
        if name in out:
            out[name] = out[name].upper().replace("-", "").replace(".", "")
    return out


def _get_filter(text: str):
    text = text.strip()
    if not text:
        raise BeaconRequestError("empty filter in 'filters'")
    if "|" in text:
        return {"or": [_get_filter(t) for t in text.split("|")]}
    if text.startswith("!"):
        return {"not": _get_filter(text[1:])}
    match = _INLINE.match(text)
    if match and ":" not in match.group(1):
        name, op, value = match.groups()
        return {"id": name, "operator": "!" if op == "!=" else op, "value": value.strip()}
    return {"id": text}


def check_filter(item, where: str):
    if isinstance(item, str):
        return {"id": item}
    if not isinstance(item, dict):
        raise BeaconRequestError(f"{where}: a filter is an object or a term id, not {item!r}")
    if "or" in item:
        items = item["or"]
        if not isinstance(items, list) or not items:
            raise BeaconRequestError(f"{where}.or: needs a non-empty list of filters")
        return {"or": [check_filter(f, f"{where}.or[{i}]") for i, f in enumerate(items)]}
    if "not" in item:
        return {"not": check_filter(item["not"], f"{where}.not")}
    if not isinstance(item.get("id"), str) or not item["id"].strip():
        raise BeaconRequestError(f"{where}: a filter needs an 'id'")
    return item


def parse_get(params: dict[str, str]) -> BeaconQuery:
    """A query from GET parameters (values as received, lists comma-separated)."""
    query = BeaconQuery()
    query.granularity = _granularity(params.get("requestedGranularity"))
    query.skip = _int(params.get("skip", 0) or 0, "skip")
    query.limit = _int(params.get("limit", 10) or 0, "limit")
    query.include = _include(params.get("includeResultsetResponses"))
    query.test_mode = _bool(params.get("testMode", False), "testMode")
    if params.get("filters"):
        query.filters = [_get_filter(t) for t in params["filters"].split(",")]
    datasets = params.get("datasetIds") or params.get("datasets")
    if datasets:
        query.dataset_ids = [d.strip() for d in datasets.split(",") if d.strip()]
    if params.get("cohort"):
        query.cohort = params["cohort"]
    query.parameters = variant_parameters(
        {k: v for k, v in params.items() if k in VARIANT_PARAMETERS}
    )
    return query


def parse_post(body: Any) -> BeaconQuery:
    """A query from a POST body (a Beacon RequestBody; ``{}`` means defaults)."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BeaconRequestError("the request body must be a JSON object (a Beacon RequestBody)")
    meta = body.get("meta") or {}
    raw = body.get("query") or {}
    if not isinstance(meta, dict) or not isinstance(raw, dict):
        raise BeaconRequestError("'meta' and 'query' must be JSON objects")
    query = BeaconQuery()
    if meta.get("apiVersion"):
        query.api_version = str(meta["apiVersion"])
    schemas = meta.get("requestedSchemas") or []
    if not isinstance(schemas, list) or not all(isinstance(s, dict) for s in schemas):
        raise BeaconRequestError("meta.requestedSchemas must be a list of objects")
    query.requested_schemas = schemas
    query.granularity = _granularity(raw.get("requestedGranularity"))
    pagination = raw.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise BeaconRequestError("query.pagination must be an object")
    query.skip = _int(
        pagination.get("skip", 0) if pagination.get("skip") is not None else 0, "skip"
    )
    limit = pagination.get("limit", 10)
    query.limit = _int(10 if limit is None else limit, "limit")
    query.include = _include(raw.get("includeResultsetResponses"))
    query.test_mode = _bool(raw.get("testMode", False), "testMode")
    filters = raw.get("filters") or []
    if not isinstance(filters, list):
        raise BeaconRequestError("query.filters must be a list")
    query.filters = [check_filter(f, f"query.filters[{i}]") for i, f in enumerate(filters)]
    params = raw.get("requestParameters") or {}
    if not isinstance(params, dict):
        raise BeaconRequestError("query.requestParameters must be an object")
    flat: dict[str, Any] = {}
    for name, value in params.items():
        if name == "datasets" and isinstance(value, dict):
            ids = value.get("datasetIds") or []
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise BeaconRequestError(
                    "requestParameters.datasets.datasetIds must be a list of ids"
                )
            query.dataset_ids = list(ids)
        elif name == "datasetIds":
            if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
                raise BeaconRequestError("requestParameters.datasetIds must be a list of ids")
            query.dataset_ids = list(value)
        elif name in _ENTITY_KEYS and isinstance(value, dict):
            flat.update(value)
        elif name == "$schema":
            continue
        else:
            flat[name] = value
    query.parameters = variant_parameters(flat)
    cohort = raw.get("genomed:cohort")
    if cohort is not None:
        if not isinstance(cohort, str | dict):
            raise BeaconRequestError("query['genomed:cohort'] must be text or a JSON definition")
        query.cohort = cohort
    return query
