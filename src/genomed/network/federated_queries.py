"""Federated queries: ask every node, pool what they answered, say what each node did.

Each function sends one request to the nodes (:func:`genomed.network.hub.fan_out`),
uses the answers of the nodes that answered, and returns a dict with ``nodes`` (each
node's status: answered / refused / timed out / failed, and why) and the pooled
statistic (:mod:`genomed.network.federated_statistics`). Only answered nodes
contribute; the result names them in ``used`` so that a reader knows which
institutions the statistic covers.
"""

from __future__ import annotations

from genomed.network.federated_statistics import (
    kaplan_meier,
    logrank_from_risk_sets,
    pooled_allele_counts,
    pooled_count,
    pooled_fisher,
    pooled_risk_sets,
    stratified_logrank,
)
from genomed.network.hub import ANSWERED, NodeAnswer, NodeEntry, fan_out


def _statuses(answers: list[NodeAnswer]) -> list[dict]:
    return [a.to_dict() for a in answers]


def _scope(filters: list | None, cohort, dataset_ids: list[str] | None) -> dict:
    body: dict = {}
    if filters:
        body["filters"] = filters
    if cohort is not None:
        body["cohort"] = cohort
    if dataset_ids:
        body["datasetIds"] = dataset_ids
    return body


def federated_count(
    nodes: list[NodeEntry],
    filters: list | None = None,
    cohort=None,
    entry: str = "individuals",
    timeout: float | None = None,
    minimum_cell_count: int = 5,
) -> dict:
    """Pooled number of matching individuals (or biosamples, variants) over the nodes."""
    query: dict = {"requestedGranularity": "count", "filters": filters or []}
    if cohort is not None:
        query["genomed:cohort"] = cohort
    body = {"meta": {"apiVersion": "v2.0.0"}, "query": query}
    answers = fan_out(nodes, "POST", f"/beacon/v2/{entry}", body, timeout=timeout)
    counts: dict[str, int | None] = {}
    exists: dict[str, bool] = {}
    for a in answers:
        if a.status != ANSWERED:
            continue
        summary = a.body.get("responseSummary", {})
        exists[a.node] = bool(summary.get("exists"))
        if "numTotalResults" in summary:
            counts[a.node] = int(summary["numTotalResults"])
        elif summary.get("exists"):
            counts[a.node] = None  # withheld (below threshold, or differencing guard)
        else:
            counts[a.node] = 0
    pooled = pooled_count(counts, minimum_cell_count)
    return {
        "query": {"entry": entry, "filters": filters or [], "cohort": cohort},
        "nodes": _statuses(answers),
        "used": sorted(counts),
        "per_node": counts,
        "exists": any(exists.values()),
        "pooled": pooled.to_dict(),
    }


def federated_allele_frequency(
    nodes: list[NodeEntry],
    variant: str,
    dataset_ids: list[str] | None = None,
    timeout: float | None = None,
) -> dict:
    """Pooled AC, AN, nhomalt and AF per population of one allele (``CHROM-POS-REF-ALT``)."""
    body = {"variant": variant} | _scope(None, None, dataset_ids)
    answers = fan_out(nodes, "POST", "/genomed/v1/allele_counts", body, timeout=timeout)
    per_node: dict[str, dict] = {}
    notes: dict[str, str] = {}
    for a in answers:
        if a.status != ANSWERED:
            continue
        response = a.body.get("response", {})
        if not response.get("available"):
            notes[a.node] = response.get("reason", "no population database")
            continue
        groups = {}
        for item in response.get("variants", []):
            if item["variant"] == variant:
                for grp, counts in item["populations"].items():
                    groups[grp] = {
                        k: (v if isinstance(v, int) else None) for k, v in counts.items()
                    }
        per_node[a.node] = groups
    pooled = pooled_allele_counts(per_node)
    return {
        "variant": variant,
        "nodes": _statuses(answers),
        "used": sorted(per_node),
        "notes": notes,
        "per_node": per_node,
        "pooled": pooled.to_dict(),
    }


def federated_survival(
    nodes: list[NodeEntry],
    groups: dict[str, str | dict],
    endpoint: str = "os",
    filters: list | None = None,
    cohort=None,
    tables: bool = True,
    timeout: float | None = None,
    minimum_at_risk: int = 5,
) -> dict:
    """Log-rank (stratified by node; and pooled + Kaplan-Meier when every answering node
    released follow-up tables) of disjoint groups over the nodes."""
    body = {"groups": groups, "endpoint": endpoint, "tables": tables} | _scope(
        filters, cohort, None
    )
    answers = fan_out(nodes, "POST", "/genomed/v1/survival", body, timeout=timeout)
    sums, tables_of, sizes, withheld = {}, {}, {}, {}
    for a in answers:
        if a.status != ANSWERED:
            continue
        response = a.body["response"]
        sizes[a.node] = response["groups"]
        if "logrank" in response:
            sums[a.node] = response["logrank"]
        else:
            withheld[a.node] = response.get("logrankWithheld", "withheld")
        if "tables" in response:
            tables_of[a.node] = response["tables"]
    result: dict = {
        "endpoint": endpoint,
        "groups": list(groups),
        "nodes": _statuses(answers),
        "used": sorted(sums),
        "group_sizes": sizes,
        "withheld": withheld,
    }
    result["pooled_sizes"] = {
        g: pooled_count(
            {n: (s[g] if isinstance(s.get(g), int) else None) for n, s in sizes.items()}
        ).to_dict()
        for g in groups
    }
    if sums:
        result["stratified_logrank"] = stratified_logrank(sums).to_dict()
    if tables_of and set(tables_of) == set(sums):
        risk = pooled_risk_sets(tables_of)
        result["logrank"] = logrank_from_risk_sets(risk).to_dict()
        result["kaplan_meier"] = kaplan_meier(risk, minimum_at_risk=minimum_at_risk)
    elif tables:
        result["pooled_logrank_unavailable"] = (
            "the pooled log-rank and Kaplan-Meier need follow-up tables from every answering "
            "node (controlled access); the stratified log-rank is exact without them"
        )
    return result


def federated_fisher(
    nodes: list[NodeEntry],
    row: str | dict,
    column: str | dict,
    filters: list | None = None,
    cohort=None,
    timeout: float | None = None,
) -> dict:
    """Fisher's exact test on the 2x2 table ``row x column`` summed over the nodes."""
    body = {"row": row, "column": column} | _scope(filters, cohort, None)
    answers = fan_out(nodes, "POST", "/genomed/v1/contingency", body, timeout=timeout)
    tables = {a.node: a.body["response"]["table"] for a in answers if a.status == ANSWERED}
    cells = {
        n: [[c if isinstance(c, int) else None for c in r] for r in t] for n, t in tables.items()
    }
    return {
        "row": row,
        "column": column,
        "nodes": _statuses(answers),
        "used": sorted(cells),
        "per_node": cells,
        "pooled": pooled_fisher(cells) if cells else None,
    }
