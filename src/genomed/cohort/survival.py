"""Survival of a cohort: Kaplan-Meier curves, medians with 95% CI, log-rank, Cox hazard ratios.

Reads ``outcomes`` (``endpoint``, ``months``, ``event``) of the cohort's patients;
patients without the endpoint (or with a negative time) are left out and counted.

- Kaplan-Meier and its pointwise 95% CI: lifelines ``KaplanMeierFitter`` (Greenwood
  variance on the log(-log S) scale, the "exponential Greenwood" interval); the median's
  95% CI is where that band crosses 0.5 (lifelines ``median_survival_times``), as R's
  ``survfit(conf.type = "log-log")`` reports it.
- Log-rank: lifelines ``logrank_test`` (two groups) / ``multivariate_logrank_test``.
- Cox proportional hazards: :func:`~genomed.cohort.proportional_hazards.fit_cox` (Efron
  ties, Wald 95% CI; vectorised, equal to lifelines ``CoxPHFitter`` and R ``coxph``), the
  first group of ``--by`` (the patients satisfying the expression) against the others,
  optionally adjusted for covariates (numeric as is, text one-hot against its most
  frequent value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times

from genomed.cohort.attributes import AttributeCatalog
from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.cohort.definition_language import And, Or, to_text
from genomed.cohort.proportional_hazards import fit_cox
from genomed.errors import GenomedError
from genomed.store.workspace import Workspace

ENDPOINTS = ("os", "pfs", "dfs", "dss")
_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class SurvivalError(GenomedError):
    """No outcome data for the endpoint, or a grouping that cannot be used."""


@dataclass
class SurvivalResult:
    """Everything ``genomed cohort survival`` prints and plots."""

    endpoint: str
    groups: pd.DataFrame  # group, patients, events, median, median_lower, median_upper
    curves: dict[str, pd.DataFrame]  # group -> time, survival, lower, upper, at_risk
    at_risk: pd.DataFrame  # time, then one column per group
    logrank: dict | None  # statistic, df, p
    cox: pd.DataFrame | None  # term, hazard_ratio, lower, upper, p
    excluded: int  # cohort patients without this endpoint
    provenance: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "groups": _records(self.groups),
            "logrank": self.logrank,
            "cox": _records(self.cox) if self.cox is not None else None,
            "at_risk": _records(self.at_risk),
            "excluded_without_endpoint": self.excluded,
            "curves": {g: _records(c) for g, c in self.curves.items()},
            "provenance": self.provenance,
            "warnings": self.warnings,
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    clean = frame.astype(object).where(pd.notna(frame), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def outcome_frame(data: CohortData, endpoint: str) -> pd.DataFrame:
    """patient_id, months, event of the cohort's patients for ``endpoint`` (one row each)."""
    if endpoint not in ENDPOINTS:
        raise SurvivalError(
            f"unknown endpoint {endpoint!r}; expected one of {', '.join(ENDPOINTS)}"
        )
    return data.con.execute(
        "SELECT o.patient_id, any_value(o.months) AS months, any_value(o.event) AS event FROM outcomes o "
        "JOIN cohort_patients m ON m.patient_id = o.patient_id "
        "WHERE lower(o.endpoint) = $e AND o.months IS NOT NULL AND o.event IS NOT NULL AND o.months >= 0 "
        "GROUP BY o.patient_id ORDER BY o.patient_id",
        {"e": endpoint},
    ).df()


def group_labels(
    data: CohortData, by: str | None, patient_ids: pd.Series
) -> tuple[pd.Series, list[str]]:
    """A group label per patient and the groups in order (the first is compared with the rest).

    ``by`` is an expression (``mutated(DNMT3A)``: two groups, the expression and its
    negation) or the name of a text attribute (one group per value; patients without a
    value are left out).
    """
    if by is None:
        return pd.Series("all", index=patient_ids.index), ["all"]
    if _ATTRIBUTE.match(by.strip()) and by.strip().lower() != "all":
        attribute = AttributeCatalog(data.con).resolve(by.strip())
        if attribute is None:
            raise SurvivalError(f"--by {by!r} is neither an expression nor a known attribute")
        if attribute.kind == "number":
            raise SurvivalError(
                f"{attribute.name} is numeric: group with an expression such as --by '{by} >= 60'"
            )
        values = data.con.execute(
            f"SELECT a.patient_id, min(CAST(a.value AS VARCHAR)) AS value FROM ({attribute.sql}) a "
            "JOIN cohort_patients m ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL GROUP BY a.patient_id"
        ).df()
        mapping = dict(zip(values["patient_id"], values["value"], strict=True))
        labels = patient_ids.map(mapping)
        order = labels.value_counts().index.tolist()
        return labels, [str(v) for v in order]
    selection = data.select(by)
    text = to_text(selection.definition)
    chosen = set(selection.patient_ids)
    yes, no = text, f"not ({text})" if isinstance(selection.definition, And | Or) else f"not {text}"
    labels = patient_ids.map(lambda p: yes if p in chosen else no)
    return labels, [yes, no]


def _covariates(data: CohortData, names: list[str], patient_ids: pd.Series) -> pd.DataFrame:
    catalog = AttributeCatalog(data.con)
    columns = {}
    for name in names:
        attribute = catalog.resolve(name)
        if attribute is None:
            raise SurvivalError(f"unknown covariate {name!r}")
        values = data.con.execute(
            f"SELECT a.patient_id, min(a.value) AS value FROM ({attribute.sql}) a "
            "JOIN cohort_patients m ON m.patient_id = a.patient_id WHERE a.value IS NOT NULL GROUP BY a.patient_id"
        ).df()
        series = patient_ids.map(dict(zip(values["patient_id"], values["value"], strict=True)))
        if attribute.kind == "number":
            columns[attribute.name] = pd.to_numeric(series)
        else:
            series = series.astype("string" if attribute.kind == "text" else "object")
            levels = series.value_counts().index.tolist()
            for level in levels[1:]:
                column = (series == level).astype("float64")
                columns[f"{attribute.name}={level}"] = column.where(series.notna())
    return pd.DataFrame(columns, index=patient_ids.index)


def time_ticks(max_time: float, n: int = 6) -> np.ndarray:
    """Round tick times from 0 covering ``max_time`` (months: steps of 6, 12, 24, ...)."""
    if not np.isfinite(max_time) or max_time <= 0:
        return np.array([0.0])
    for step in (1, 2, 3, 6, 12, 24, 36, 48, 60, 120, 240):
        if max_time / step <= n:
            break
    return np.arange(0, max_time + 1e-9, step, dtype=float)


def kaplan_meier(
    months: np.ndarray, events: np.ndarray, label: str = "all"
) -> tuple[KaplanMeierFitter, pd.DataFrame]:
    """A fitted lifelines KM and its table: time, survival, lower, upper, at_risk, events."""
    kmf = KaplanMeierFitter(label=label).fit(months, events.astype(bool))
    table = pd.DataFrame(
        {
            "time": kmf.survival_function_.index.to_numpy(dtype=float),
            "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
            "lower": kmf.confidence_interval_.iloc[:, 0].to_numpy(),
            "upper": kmf.confidence_interval_.iloc[:, 1].to_numpy(),
            "at_risk": kmf.event_table["at_risk"].to_numpy(),
            "events": kmf.event_table["observed"].to_numpy(),
        }
    )
    return kmf, table


def survival_of(
    data: CohortData,
    by: str | None = None,
    endpoint: str = "os",
    covariates: list[str] | None = None,
) -> SurvivalResult:
    """:func:`survival_analysis` on an open cohort."""
    frame = outcome_frame(data, endpoint.lower())
    excluded = len(data.patient_ids) - len(frame)
    if frame.empty:
        raise SurvivalError(
            f"no {endpoint} outcomes for the {len(data.patient_ids)} patients of {data.name} "
            "(ingest them with `genomed ingest clinical` or a cBioPortal study)"
        )
    labels, order = group_labels(data, by, frame["patient_id"])
    frame = frame.assign(group=labels.to_numpy())
    frame = frame[frame["group"].notna()]
    order = [g for g in order if (frame["group"] == g).any()]
    months = frame["months"].to_numpy(dtype=float)
    events = frame["event"].to_numpy(dtype=bool)
    groups = frame["group"].to_numpy()
    rows, curves = [], {}
    ticks = time_ticks(float(months.max()))
    at_risk = {"time": ticks}
    for group in order:
        mask = groups == group
        kmf, table = kaplan_meier(months[mask], events[mask], group)
        ci = median_survival_times(kmf.confidence_interval_)
        median = kmf.median_survival_time_
        rows.append(
            {
                "group": group,
                "patients": int(mask.sum()),
                "events": int(events[mask].sum()),
                "median": _finite(median),
                "median_lower": _finite(ci.iloc[0, 0]),
                "median_upper": _finite(ci.iloc[0, 1]),
            }
        )
        curves[group] = table
        at_risk[group] = (months[mask][None, :] >= ticks[:, None]).sum(axis=1)
    result = SurvivalResult(
        endpoint=endpoint.lower(),
        groups=pd.DataFrame(rows),
        curves=curves,
        at_risk=pd.DataFrame(at_risk),
        logrank=None,
        cox=None,
        excluded=excluded,
        provenance=data.provenance() | {"by": by, "covariates": covariates or []},
        warnings=list(data.warnings),
    )
    if len(order) >= 2:
        if len(order) == 2:
            a, b = groups == order[0], groups == order[1]
            test = logrank_test(months[a], months[b], events[a], events[b])
        else:
            test = multivariate_logrank_test(months, groups, events)
        result.logrank = {
            "statistic": float(test.test_statistic),
            "df": int(test.degrees_of_freedom),
            "p": float(test.p_value),
        }
    if len(order) >= 2 or covariates:
        result.cox = cox_model(
            frame, order, _covariates(data, covariates or [], frame["patient_id"])
        )
        if result.cox.attrs.get("converged") is False:
            result.warnings.append(
                "the Cox model did not converge (a group with no events, or a covariate that "
                "separates the outcomes): its hazard ratios are not reliable"
            )
        n_used = result.cox.attrs.get("patients")
        if n_used is not None and n_used < len(frame):
            result.warnings.append(
                f"Cox model used {n_used} of {len(frame)} patients (the others miss a covariate)"
            )
    return result


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def cox_model(frame: pd.DataFrame, order: list[str], covariates: pd.DataFrame) -> pd.DataFrame:
    """Hazard ratios (95% CI, Wald p) of each group against the last, plus covariates."""
    design = pd.DataFrame(
        {"months": frame["months"].to_numpy(float), "event": frame["event"].to_numpy(bool)}
    )
    groups = frame["group"].to_numpy()
    reference = order[-1] if len(order) == 2 else order[0]
    for group in order:
        if group != reference:
            design[f"group={group}"] = (groups == group).astype(float)
    for column in covariates.columns:
        design[column] = covariates[column].to_numpy(dtype=float)
    design = design.dropna()
    terms = [c for c in design.columns if c not in ("months", "event")]
    if not terms or design["event"].sum() == 0:
        return pd.DataFrame(columns=["term", "hazard_ratio", "lower", "upper", "p"])
    fit = fit_cox(design["months"].to_numpy(), design["event"].to_numpy(), design[terms].to_numpy())
    out = pd.DataFrame(
        {
            "term": terms,
            "hazard_ratio": fit.hazard_ratio,
            "lower": fit.lower,
            "upper": fit.upper,
            "p": fit.p,
        }
    )
    out.attrs["patients"] = len(design)
    out.attrs["reference"] = reference
    out.attrs["converged"] = fit.converged
    return out


def survival_analysis(
    ws: Workspace,
    cohort: CohortLike,
    by: str | None = None,
    endpoint: str = "os",
    covariates: list[str] | None = None,
) -> SurvivalResult:
    """Kaplan-Meier, log-rank and Cox of a cohort, optionally split ``by`` an expression or attribute.

    Parameters
    ----------
    by
        ``"mutated(DNMT3A)"`` (patients satisfying it vs the rest; the hazard ratio is of
        the first against the second) or a text attribute (``"FAB_CLASSIFICATION"``: one
        curve per value, hazard ratios against the most frequent value).
    endpoint
        ``os`` | ``pfs`` | ``dfs`` | ``dss`` (the ``outcomes.endpoint``).
    covariates
        Attributes to adjust the Cox model for (``["age", "sex"]``).
    """
    with open_cohort(ws, cohort) as data:
        return survival_of(data, by, endpoint, covariates)
