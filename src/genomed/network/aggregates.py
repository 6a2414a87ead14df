"""genomed extensions to Beacon v2: the aggregates federated statistics are built from.

All are POST endpoints under ``/genomed/v1`` answering ``{"meta": ..., "response": ...}``
and need at least count granularity (registered, or public when the node releases
public counts). Counts pass the same privacy rules as Beacon counts.

``allele_counts``
    AC, AN, nhomalt, nhemi per population of one allele, from the node's population
    database (``genomed popfreq``). Each count 1..k-1 is withheld at public/registered
    level. The hub sums them: pooled AF = sum AC / sum AN.
``contingency``
    the 2x2 table ``row x column`` inside a population (filters and/or a cohort
    definition): ``[[row & col, row & not col], [not row & col, not row & not col]]``.
    If any cell is withheld, all four are (a margin known from another answer would
    otherwise give it away); the cells' sets also pass the differencing guard.
``survival``
    for two or more disjoint groups (cohort definitions) with outcomes for an endpoint:
    group sizes; the node's log-rank observed-minus-expected vector and variance matrix
    (released with the sizes); and, at controlled level when asked (``tables``), each
    group's follow-up table (every distinct time with events and censorings) from which
    the hub computes the union's exact Kaplan-Meier curves and log-rank test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from genomed.network.access_levels import AccessError, AccessLevel, Granularity, max_granularity
from genomed.network.beacon_filters import IDENTIFIER_ATTRIBUTES, attributes_used
from genomed.network.beacon_request import (
    BeaconQuery,
    BeaconRequestError,
    check_filter,
    variant_parameters,
)
from genomed.network.beacon_responses import response_meta
from genomed.network.node_data import (
    member_codes,
    popfreq_datasets,
    popfreq_rows,
    popfreq_version,
    scoped_patients,
)
from genomed.network.node_service import Answer, Caller, Context, NodeService
from genomed.network.survival_aggregates import logrank_sums, survival_table
from genomed.network.variant_query import parse_variant_id, variant_selection

ENDPOINTS = ("os", "pfs", "dfs", "dss")


def _query(body: dict) -> BeaconQuery:
    if not isinstance(body, dict):
        raise BeaconRequestError("the request body must be a JSON object")
    query = BeaconQuery(granularity=Granularity.COUNT)
    filters = body.get("filters") or []
    if not isinstance(filters, list):
        raise BeaconRequestError("filters must be a list")
    query.filters = [check_filter(f, f"filters[{i}]") for i, f in enumerate(filters)]
    ids = body.get("datasetIds")
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BeaconRequestError("datasetIds must be a list of dataset ids")
        query.dataset_ids = ids
    cohort = body.get("cohort")
    if cohort is not None and not isinstance(cohort, str | dict):
        raise BeaconRequestError("cohort must be a definition (text or JSON)")
    query.cohort = cohort
    return query


def _meta(service: NodeService, ctx: Context, granularity: Granularity) -> dict:
    return response_meta(service.config.beacon_id, None, granularity, ctx.query)


def _select(service: NodeService, ctx: Context, definition) -> list[str]:
    from genomed.cohort.definition_language import parse_definition, to_json
    from genomed.cohort.evaluate import select_patients

    if not isinstance(definition, str | dict):
        raise BeaconRequestError("a group/row/column is a cohort definition (text or JSON)")
    as_json = to_json(parse_definition(definition))
    if ctx.level < AccessLevel.CONTROLLED and attributes_used(as_json) & IDENTIFIER_ATTRIBUTES:
        raise AccessError(
            "definitions on patient or sample identifiers need controlled access", 403
        )
    return select_patients(ctx.con, as_json).patient_ids


def population(service: NodeService, ctx: Context) -> pa.Table:
    """Patients in scope matching the filters and cohort (registered as _scope_patients)."""
    return scoped_patients(ctx.con, ctx.scope, service._selected_patients(ctx))


def _codes(table: pa.Table, ids: set[str]) -> tuple[int, np.ndarray]:
    mask = np.isin(np.asarray(table.column("patient_id").to_pylist(), dtype=object), list(ids))
    codes = member_codes(table)[mask] if table.num_rows else np.zeros(0, dtype=np.int64)
    return int(mask.sum()), codes


# -- allele counts ---------------------------------------------------------------------------


def allele_counts(service: NodeService, caller: Caller, body: dict) -> Answer:
    query = _query(body)
    ctx = service.context(caller, query, needs=Granularity.COUNT)
    if body.get("variant"):
        chrom, pos, ref, alt = parse_variant_id(str(body["variant"]))
        params = {
            "referenceName": chrom,
            "start": [pos - 1],
            "referenceBases": ref,
            "alternateBases": alt,
        }
    else:
        raw = body.get("requestParameters") or {}
        if not isinstance(raw, dict):
            raise BeaconRequestError("requestParameters must be an object")
        params = variant_parameters(raw)
        if "start" not in params or len(params["start"]) != 1 or "alternateBases" not in params:
            raise BeaconRequestError(
                "allele_counts needs one allele: referenceName, start, alternateBases (or 'variant')"
            )
    datasets = popfreq_datasets(ctx.con)
    if datasets is None:
        response = {
            "available": False,
            "reason": "no population database on this node (genomed popfreq build)",
        }
        return Answer(
            {"meta": _meta(service, ctx, Granularity.COUNT), "response": response},
            granularity="count",
            returned={"available": False},
        )
    levels = {d: caller.level_on(d) for d in datasets}
    missing = [
        d
        for d, lv in levels.items()
        if lv is None or max_granularity(lv, service.policy.public_counts) < Granularity.COUNT
    ]
    if missing:
        raise AccessError(
            "population counts include dataset(s) "
            f"{', '.join(missing)}, which this token may not see as counts",
            403,
        )
    level = min(levels.values())
    selection = variant_selection(params, service.data.workspace.build)
    rows = ctx.con.execute(
        f"SELECT v.variant_key, v.chrom, v.pos, v.ref, v.alt FROM variants v WHERE {selection.where}",
        selection.params,
    ).fetchall()
    keys = [r[0] for r in rows]
    freqs = popfreq_rows(ctx.con, keys)
    variants = []
    returned: dict[str, Any] = {}
    for key, chrom, pos, ref, alt in rows:
        if key not in freqs:
            continue
        released = service.frequency_counts(ctx, freqs[key], level)
        vid = f"{chrom}-{pos}-{ref}-{alt}"
        variants.append(
            {
                "variant": vid,
                "populations": {
                    r["grp"]: {k: r[k] for k in ("ac", "an", "nhomalt", "nhemi")} for r in released
                },
            }
        )
        returned[vid] = {r["grp"]: r["ac"] for r in released if r["grp"] == "all"}
    response = {
        "available": True,
        "found": bool(variants),
        "variants": variants,
        "source": popfreq_version(ctx.con),
        "counts": "adj (gnomAD genotype filter)",
        "level": level.label,
    }
    return Answer(
        {"meta": _meta(service, ctx, Granularity.COUNT), "response": response},
        granularity="count",
        returned={"variants": len(variants), "ac_all": returned},
    )


# -- 2x2 tables --------------------------------------------------------------------------------


def contingency(service: NodeService, caller: Caller, body: dict) -> Answer:
    query = _query(body)
    ctx = service.context(caller, query, needs=Granularity.COUNT)
    if "row" not in body or "column" not in body:
        raise BeaconRequestError("contingency needs 'row' and 'column' definitions")
    table = population(service, ctx)
    members = set(table.column("patient_id").to_pylist())
    rows = set(_select(service, ctx, body["row"])) & members
    cols = set(_select(service, ctx, body["column"])) & members
    cells_ids = [rows & cols, rows - cols, (members - rows) & cols, members - rows - cols]
    counts, sets = zip(*(_codes(table, ids) for ids in cells_ids), strict=True)
    released = service.release_together(ctx, list(counts), list(sets))
    cells = [r.to_json() for r in released]
    response = {
        "table": [[cells[0], cells[1]], [cells[2], cells[3]]],
        "rows": ["row", "not row"],
        "columns": ["column", "not column"],
    }
    return Answer(
        {"meta": _meta(service, ctx, Granularity.COUNT), "response": response},
        granularity="count",
        returned={"cells": cells},
    )


# -- survival ----------------------------------------------------------------------------------


def survival(service: NodeService, caller: Caller, body: dict) -> Answer:
    query = _query(body)
    want_tables = bool(body.get("tables", False))
    ctx = service.context(caller, query, needs=Granularity.COUNT)
    endpoint = str(body.get("endpoint", "os")).lower()
    if endpoint not in ENDPOINTS:
        raise BeaconRequestError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
    groups = body.get("groups")
    if not isinstance(groups, dict) or len(groups) < 2:
        raise BeaconRequestError(
            "survival needs 'groups': {name: definition, ...} with two or more groups"
        )
    table = population(service, ctx)
    outcomes = ctx.con.execute(
        "SELECT patient_id, min(months) AS months, bool_or(event) AS event FROM outcomes "
        "WHERE endpoint = ? AND months IS NOT NULL AND event IS NOT NULL "
        "AND patient_id IN (SELECT patient_id FROM _scope_patients) GROUP BY patient_id",
        [endpoint],
    ).fetchall()
    followed = {pid: (months, event) for pid, months, event in outcomes}
    names = [str(n) for n in groups]
    members = {}
    for name in names:
        members[name] = set(_select(service, ctx, groups[name])) & set(followed)
    seen: set[str] = set()
    for name in names:
        if members[name] & seen:
            raise BeaconRequestError(
                "survival groups must not overlap (a patient is in two groups)"
            )
        seen |= members[name]
    counts, sets = zip(*(_codes(table, members[n]) for n in names), strict=True)
    released = service.release_together(ctx, list(counts), list(sets))
    response: dict[str, Any] = {
        "endpoint": endpoint,
        "groups": {n: r.to_json() for n, r in zip(names, released, strict=True)},
    }
    withheld = any(r.suppressed for r in released)
    if not withheld:
        ids = [pid for n in names for pid in sorted(members[n])]
        months = np.array([followed[p][0] for p in ids], dtype=float)
        events = np.array([bool(followed[p][1]) for p in ids])
        labels = np.array([n for n in names for _ in members[n]], dtype=object)
        response["logrank"] = logrank_sums(months, events, labels, names)
        if want_tables:
            if ctx.level >= AccessLevel.CONTROLLED:
                response["tables"] = {
                    n: survival_table(months[labels == n], events[labels == n]) for n in names
                }
            else:
                response["tablesWithheld"] = (
                    "follow-up tables list individual times: they need controlled access"
                )
    else:
        response["logrankWithheld"] = next(r.reason for r in released if r.suppressed)
    return Answer(
        {"meta": _meta(service, ctx, Granularity.COUNT), "response": response},
        granularity="count",
        returned={"groups": response["groups"], "tables": "tables" in response},
    )


HANDLERS = {"allele_counts": allele_counts, "contingency": contingency, "survival": survival}


def extension_request(
    service: NodeService, kind: str, *, authorization: str | None, client: str, body
) -> tuple[int, dict]:
    """Answer one ``/genomed/v1/<kind>`` request (audited like Beacon queries)."""
    handler = HANDLERS[kind]

    def view() -> dict:
        return body if isinstance(body, dict) else {"raw": body}

    return service.answer(
        authorization=authorization,
        client=client,
        method="POST",
        endpoint=f"/genomed/v1/{kind}",
        entry=kind,
        handler=lambda caller: handler(service, caller, body if body is not None else {}),
        query_view=view,
    )
