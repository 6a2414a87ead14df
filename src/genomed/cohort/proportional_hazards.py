"""Cox proportional hazards with Efron's tie handling, vectorised over event times.

Why not lifelines' ``CoxPHFitter``: it walks the distinct event times in a Python loop,
which takes about a second per fit at 50,000 patients with a few thousand distinct times,
and a survival query should answer interactively. Here every sum the Newton-Raphson step
needs is a ``bincount`` per distinct time followed by a reverse cumulative sum (the risk
set of time t is everyone whose time is >= t), and Efron's correction expands each tied
event time into its ``d`` terms with one ``repeat``. The estimates, standard errors and
Wald tests are those of R ``coxph(ties = "efron")`` and lifelines (tests compare them on
the Gehan 6-MP data and on random tied data).

Efron's partial log-likelihood, for distinct event times j with d_j events D_j, risk set
R_j, and w_i = exp(x_i . beta)::

    l(beta) = sum_j [ sum_{i in D_j} x_i . beta
                      - sum_{k=0}^{d_j-1} log( S0_j - k/d_j * T0_j ) ]

with S0_j = sum_{R_j} w_i and T0_j = sum_{D_j} w_i; the score and information use the
same shape with S1/T1 (w x) and S2/T2 (w x x^T).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

Z_95 = stats.norm.ppf(0.975)


@dataclass
class CoxFit:
    """Coefficients (log hazard ratios) and their Wald statistics, one entry per column."""

    coef: np.ndarray
    se: np.ndarray
    converged: bool
    iterations: int
    log_likelihood: float

    @property
    def hazard_ratio(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def lower(self) -> np.ndarray:
        return np.exp(self.coef - Z_95 * self.se)

    @property
    def upper(self) -> np.ndarray:
        return np.exp(self.coef + Z_95 * self.se)

    @property
    def p(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2 * stats.norm.sf(np.abs(self.coef / self.se))


@dataclass
class _TimeSums:
    """Per distinct time (ascending): risk-set and event sums of w, w x, w x x^T."""

    s0: np.ndarray  # (T,)
    s1: np.ndarray  # (T, p)
    s2: np.ndarray  # (T, p, p)
    t0: np.ndarray
    t1: np.ndarray
    t2: np.ndarray


def fit_cox(
    time: np.ndarray, event: np.ndarray, covariates: np.ndarray, max_iter: int = 50
) -> CoxFit:
    """Fit the Cox model of ``time``/``event`` on ``covariates`` (n x p) with Efron ties.

    Newton-Raphson from beta = 0 with step halving when the likelihood falls, stopping
    when the step is below 1e-9 (as R's ``coxph.control`` does in spirit).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    x = np.asarray(covariates, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    x = x - x.mean(axis=0)  # centring changes the baseline hazard only, not beta
    _, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event.astype(float)).astype(np.int64)
    event_x = x[event].sum(axis=0)
    beta = np.zeros(x.shape[1])
    loglik, score, information = _efron(x, event, inverse, deaths, event_x, beta)
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported after the loop
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            break
        halvings = 0
        while True:
            candidate = beta + step
            new = _efron(x, event, inverse, deaths, event_x, candidate)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 or halvings >= 20:
                break
            step, halvings = step / 2, halvings + 1
        beta, (loglik, score, information) = candidate, new
        if np.max(np.abs(step)) < 1e-9:
            converged = True
            break
    try:
        variance = np.linalg.inv(information)
        se = np.sqrt(np.diag(variance))
    except np.linalg.LinAlgError:
        se = np.full(len(beta), np.nan)
    return CoxFit(beta, se, converged, iterations, float(loglik))


def _time_sums(
    x: np.ndarray, event: np.ndarray, inverse: np.ndarray, w: np.ndarray, n_times: int
) -> _TimeSums:
    p = x.shape[1]
    wx = w[:, None] * x
    wxx = wx[:, :, None] * x[:, None, :]

    def per_time(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        flat = values.reshape(len(values), -1)
        if mask is not None:
            flat = flat * mask[:, None]
        out = np.stack(
            [
                np.bincount(inverse, weights=flat[:, k], minlength=n_times)
                for k in range(flat.shape[1])
            ],
            axis=1,
        )
        return out.reshape((n_times, *values.shape[1:]))

    e = event.astype(float)
    at = (per_time(w, None), per_time(wx, None), per_time(wxx, None))
    # risk set of time j: everyone with time >= t_j -> reverse cumulative sums
    s0, s1, s2 = (np.cumsum(a[::-1], axis=0)[::-1] for a in at)
    return _TimeSums(
        s0, s1.reshape(n_times, p), s2.reshape(n_times, p, p), per_time(w, e),
        per_time(wx, e).reshape(n_times, p), per_time(wxx, e).reshape(n_times, p, p),
    )  # fmt: skip


def _efron(
    x: np.ndarray,
    event: np.ndarray,
    inverse: np.ndarray,
    deaths: np.ndarray,
    event_x: np.ndarray,
    beta: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Efron log-likelihood, score and information matrix at ``beta``."""
    eta = x @ beta
    with np.errstate(over="ignore"):
        w = np.exp(eta)
    sums = _time_sums(x, event, inverse, w, len(deaths))
    times = np.flatnonzero(deaths)
    d = deaths[times]
    # one term per event: k = 0..d_j-1 at time j, weight k / d_j on the tied events' sums
    j = np.repeat(times, d)
    k = np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)
    frac = k / np.repeat(d, d)
    a0 = sums.s0[j] - frac * sums.t0[j]
    a1 = sums.s1[j] - frac[:, None] * sums.t1[j]
    a2 = sums.s2[j] - frac[:, None, None] * sums.t2[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = float(eta[event].sum() - np.log(a0).sum())
        mean = a1 / a0[:, None]
        score = event_x - mean.sum(axis=0)
        information = (a2 / a0[:, None, None]).sum(axis=0) - np.einsum("ni,nj->ij", mean, mean)
    return loglik, score, information
