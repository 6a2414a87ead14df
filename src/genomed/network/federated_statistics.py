"""Exact federated statistics from per-node aggregates (the hub's arithmetic).

Each function takes what nodes released and returns the statistic the union of their
data would give, exactly (integer sums; no approximation), or says why it cannot:

- :func:`pooled_count` sums counts; a node's suppressed count makes the total a range.
- :func:`pooled_allele_counts` sums AC, AN, nhomalt per population; AF = sum AC / sum AN.
- :func:`pooled_risk_sets` merges per-node survival tables (time, events, censored) into
  the union's risk sets at every event time; :func:`kaplan_meier` and
  :func:`logrank_from_risk_sets` then give the union's Kaplan-Meier curves and log-rank
  test, equal to computing them on the pooled patients.
- :func:`stratified_logrank` combines per-node observed-minus-expected vectors and
  variance matrices: the log-rank test stratified by institution (each node compares
  its own patients; the sums are exact). It needs no risk sets, so nodes release it at
  registered level.
- :func:`pooled_fisher` adds 2x2 tables cell by cell and runs Fisher's exact test.

Log-rank conventions (those of ``survdiff`` and lifelines): at each distinct event time
``t`` with ``n`` at risk and ``d`` events, ``E_g = d n_g / n`` and
``V_gh = d (n - d) / (n - 1) * n_g / n * (delta_gh - n_h / n)``; the statistic is
``(O-E)' V^- (O-E)`` over the first G-1 groups, chi-square with G-1 degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class PooledCount:
    """A pooled count: exact when no node withheld its count, else a range."""

    low: int
    high: int
    withheld_by: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return not self.withheld_by

    def to_dict(self) -> dict:
        out = {"exact": self.exact, "count": self.low if self.exact else None}
        if not self.exact:
            out |= {"range": [self.low, self.high], "withheld_by": list(self.withheld_by)}
        return out


def pooled_count(counts: dict[str, int | None], minimum_cell_count: int = 5) -> PooledCount:
    """Sum of node counts; ``None`` = withheld (a node withholds only 1..k-1)."""
    released = sum(int(v) for v in counts.values() if v is not None)
    withheld = tuple(sorted(name for name, v in counts.items() if v is None))
    return PooledCount(released, released + (minimum_cell_count - 1) * len(withheld), withheld)


# -- allele frequencies --------------------------------------------------------------------


@dataclass
class PooledAlleleCounts:
    """Per population: summed AC/AN/nhomalt and AF, which nodes contributed or withheld."""

    groups: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"populations": self.groups}


def pooled_allele_counts(per_node: dict[str, dict[str, dict]]) -> PooledAlleleCounts:
    """``{node: {population: {ac, an, nhomalt}}}`` -> pooled AC/AN/nhomalt/AF per population.

    A count a node withheld (None: 1..k-1 at its access level) makes that count of that
    population unknowable from the answers: the pooled value is None and
    ``withheld_by[count]`` names the nodes. AF needs AC and AN only, so it is exact
    whenever those two are, even if some nhomalt was withheld.
    """
    result = PooledAlleleCounts()
    populations = sorted({p for groups in per_node.values() for p in groups})
    for pop in populations:
        sums = {"ac": 0, "an": 0, "nhomalt": 0}
        withheld: dict[str, list[str]] = {}
        contributed = []
        for node, groups in sorted(per_node.items()):
            counts = groups.get(pop)
            if counts is None:
                continue
            contributed.append(node)
            for key in sums:
                value = counts.get(key)
                if value is None:
                    withheld.setdefault(key, []).append(node)
                else:
                    sums[key] += int(value)
        pooled = {k: (None if k in withheld else v) for k, v in sums.items()}
        af_known = pooled["ac"] is not None and pooled["an"] is not None and pooled["an"] > 0
        result.groups[pop] = pooled | {
            "af": pooled["ac"] / pooled["an"] if af_known else None,
            "exact": not withheld,
            "nodes": contributed,
            "withheld_by": withheld,
        }
    return result


# -- survival --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskSets:
    """The union's risk sets: ``at_risk[g, j]`` and ``events[g, j]`` at ``times[j]``."""

    groups: tuple[str, ...]
    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray


def _at_risk_from_table(table: dict, times: np.ndarray) -> np.ndarray:
    """n at risk just before each of ``times`` for one node-group table."""
    t = np.asarray(table.get("time", []), dtype=float)
    leaving = np.asarray(table.get("events", []), dtype=np.int64) + np.asarray(
        table.get("censored", []), dtype=np.int64
    )
    if t.size == 0:
        return np.zeros(times.size, dtype=np.int64)
    order = np.argsort(t)
    t, leaving = t[order], leaving[order]
    # at risk at time x = those leaving at time >= x
    suffix = np.concatenate([np.cumsum(leaving[::-1])[::-1], [0]])
    return suffix[np.searchsorted(t, times, side="left")]


def pooled_risk_sets(per_node: dict[str, dict[str, dict]]) -> RiskSets:
    """Merge ``{node: {group: {time: [...], events: [...], censored: [...]}}}``.

    Each node lists, per group, every distinct follow-up time with its events and
    censorings; the union's number at risk at a time is the sum over nodes of those
    still followed then, so the merged risk sets are exactly the pooled patients'.
    """
    groups = tuple(sorted({g for tables in per_node.values() for g in tables}))
    event_times = set()
    for tables in per_node.values():
        for table in tables.values():
            for time, d in zip(table.get("time", []), table.get("events", []), strict=True):
                if d:
                    event_times.add(float(time))
    times = np.array(sorted(event_times), dtype=float)
    at_risk = np.zeros((len(groups), times.size), dtype=np.int64)
    events = np.zeros((len(groups), times.size), dtype=np.int64)
    for tables in per_node.values():
        for gi, group in enumerate(groups):
            table = tables.get(group)
            if not table:
                continue
            at_risk[gi] += _at_risk_from_table(table, times)
            t = np.asarray(table.get("time", []), dtype=float)
            d = np.asarray(table.get("events", []), dtype=np.int64)
            idx = np.searchsorted(times, t[d > 0])
            np.add.at(events[gi], idx, d[d > 0])
    return RiskSets(groups, times, at_risk, events)


def observed_minus_expected(
    at_risk: np.ndarray, events: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(O-E vector, variance matrix) over groups from risk sets at event times."""
    n = at_risk.sum(axis=0).astype(float)
    d = events.sum(axis=0).astype(float)
    keep = (n > 0) & (d > 0)
    n, d = n[keep], d[keep]
    ng = at_risk[:, keep].astype(float)
    dg = events[:, keep].astype(float)
    share = ng / n
    o_minus_e = (dg - d * share).sum(axis=1)
    factor = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    g = ng.shape[0]
    variance = np.zeros((g, g))
    for a in range(g):
        for b in range(g):
            delta = 1.0 if a == b else 0.0
            variance[a, b] = (factor * share[a] * (delta - share[b])).sum()
    return o_minus_e, variance


@dataclass(frozen=True)
class LogRankResult:
    groups: tuple[str, ...]
    observed_minus_expected: tuple[float, ...]
    statistic: float
    degrees_of_freedom: int
    p_value: float

    def to_dict(self) -> dict:
        return {
            "groups": list(self.groups),
            "observed_minus_expected": list(self.observed_minus_expected),
            "chi2": self.statistic,
            "df": self.degrees_of_freedom,
            "p": self.p_value,
        }


def _chi_square(groups, o_minus_e: np.ndarray, variance: np.ndarray) -> LogRankResult:
    g = len(groups)
    if g < 2:
        raise ValueError("a log-rank test needs at least two groups")
    u = o_minus_e[: g - 1]
    v = variance[: g - 1, : g - 1]
    statistic = float(u @ np.linalg.pinv(v) @ u) if np.any(v) else 0.0
    df = g - 1
    return LogRankResult(
        tuple(groups),
        tuple(float(x) for x in o_minus_e),
        statistic,
        df,
        float(stats.chi2.sf(statistic, df)),
    )


def logrank_from_risk_sets(risk: RiskSets) -> LogRankResult:
    """The (unstratified) log-rank test of the union, from pooled risk sets."""
    o_minus_e, variance = observed_minus_expected(risk.at_risk, risk.events)
    return _chi_square(risk.groups, o_minus_e, variance)


def stratified_logrank(per_node: dict[str, dict]) -> LogRankResult:
    """Log-rank stratified by node from ``{node: {groups, observed_minus_expected, variance}}``.

    Each node computes O-E and V on its own patients (its own risk sets); summing them
    is exact for the stratified test (strata = institutions).
    """
    groups = None
    total_u, total_v = None, None
    for answer in per_node.values():
        node_groups = tuple(answer["groups"])
        if groups is None:
            groups = node_groups
            total_u = np.zeros(len(groups))
            total_v = np.zeros((len(groups), len(groups)))
        if node_groups != groups:
            raise ValueError(f"nodes disagree on the groups: {groups} vs {node_groups}")
        total_u += np.asarray(answer["observed_minus_expected"], dtype=float)
        total_v += np.asarray(answer["variance"], dtype=float)
    if groups is None:
        raise ValueError("no node answered")
    return _chi_square(groups, total_u, total_v)


def kaplan_meier(risk: RiskSets, minimum_at_risk: int = 1) -> dict[str, dict]:
    """Per group: event times, number at risk, events, survival (product-limit).

    Rows where fewer than ``minimum_at_risk`` remain at risk are left out of the output
    (the minimum cell rule for published curves); the survival values of the rows kept
    are unaffected.
    """
    curves = {}
    for gi, group in enumerate(risk.groups):
        n = risk.at_risk[gi]
        d = risk.events[gi]
        keep = d > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(n[keep] > 0, 1.0 - d[keep] / n[keep], 1.0)
        survival = np.cumprod(factor)
        times, n_k, d_k = risk.times[keep], n[keep], d[keep]
        shown = n_k >= minimum_at_risk
        curves[group] = {
            "time": times[shown].tolist(),
            "at_risk": n_k[shown].astype(int).tolist(),
            "events": d_k[shown].astype(int).tolist(),
            "survival": survival[shown].tolist(),
        }
    return curves


# -- 2x2 tables ------------------------------------------------------------------------------


def pooled_fisher(per_node: dict[str, list[list[int | None]]]) -> dict:
    """Sum 2x2 tables ``[[a, b], [c, d]]`` over nodes; Fisher's exact test (two-sided).

    A node whose table has a withheld cell (None) cannot be pooled: the result says so
    and the test is not run (a partial table would not be the union's).
    """
    withheld = sorted(n for n, t in per_node.items() if any(v is None for row in t for v in row))
    if withheld:
        return {"exact": False, "withheld_by": withheld, "table": None, "p": None}
    table = np.zeros((2, 2), dtype=np.int64)
    for cells in per_node.values():
        table += np.asarray(cells, dtype=np.int64)
    odds_ratio, p = stats.fisher_exact(table, alternative="two-sided")
    return {
        "exact": True,
        "withheld_by": [],
        "table": table.tolist(),
        "odds_ratio": float(odds_ratio),
        "p": float(p),
    }
