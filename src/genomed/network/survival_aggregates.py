"""What a node computes from its own patients for a federated survival comparison.

Input: one row per patient with ``months`` (follow-up), ``event`` (True = event) and
``group`` (the comparison group the patient belongs to). Output, per group:

- :func:`survival_table`: every distinct follow-up time with its events and censorings
  (the hub merges these into the union's risk sets: exact Kaplan-Meier and log-rank).
  This is a patient-level summary (it lists follow-up times), so a node releases it
  only at controlled level.
- :func:`logrank_sums`: the node's observed-minus-expected vector and variance matrix
  (its own risk sets), whose sums over nodes give the log-rank test stratified by
  institution. Released at registered level when every group has at least k patients.
"""

from __future__ import annotations

import numpy as np

from genomed.network.federated_statistics import observed_minus_expected


def survival_table(months: np.ndarray, events: np.ndarray) -> dict:
    """Distinct times (ascending) with events and censorings at each; n at risk before it."""
    months = np.asarray(months, dtype=float)
    events = np.asarray(events, dtype=bool)
    if months.size == 0:
        return {"time": [], "events": [], "censored": [], "at_risk": []}
    times, inverse = np.unique(months, return_inverse=True)
    d = np.bincount(inverse, weights=events.astype(float), minlength=times.size).astype(int)
    total = np.bincount(inverse, minlength=times.size).astype(int)
    at_risk = np.cumsum(total[::-1])[::-1]
    return {
        "time": times.tolist(),
        "events": d.tolist(),
        "censored": (total - d).tolist(),
        "at_risk": at_risk.tolist(),
    }


def logrank_sums(
    months: np.ndarray, events: np.ndarray, groups: np.ndarray, names: list[str]
) -> dict:
    """O-E and variance over ``names`` from this node's risk sets at its event times."""
    months = np.asarray(months, dtype=float)
    events = np.asarray(events, dtype=bool)
    groups = np.asarray(groups)
    times = np.unique(months[events])
    at_risk = np.zeros((len(names), times.size), dtype=np.int64)
    d = np.zeros((len(names), times.size), dtype=np.int64)
    for gi, name in enumerate(names):
        mine = groups == name
        m = np.sort(months[mine])
        at_risk[gi] = m.size - np.searchsorted(m, times, side="left")
        e = months[mine & events]
        d[gi] = np.bincount(np.searchsorted(times, e), minlength=times.size)[: times.size]
    o_minus_e, variance = observed_minus_expected(at_risk, d)
    return {
        "groups": list(names),
        "observed_minus_expected": o_minus_e.tolist(),
        "variance": variance.tolist(),
    }
