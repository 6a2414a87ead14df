"""Treatment response of a cohort to one drug, by genotype (or any grouping).

Patients: the cohort's members with a ``treatments`` row of the drug. Best response: the
best of their ``responses`` rows for the drug in the order CR > PR > SD > PD (other
values count as assessed, not responding); response rate = (CR + PR) / assessed, with
a Wilson 95% interval. Time on treatment: from the first start to the last stop of the
drug; a treatment without a stop day is ongoing and censored at the patient's last known
day (latest treatment, response or timeline day), summarised by Kaplan-Meier. Two groups
are compared by Fisher's exact test (response) and log-rank (time on treatment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy import stats

from genomed.cohort.cohort_data import CohortData, CohortLike, open_cohort
from genomed.cohort.survival import group_labels
from genomed.store.workspace import Workspace

RESPONSE_ORDER = ("CR", "PR", "SD", "PD")
RESPONDERS = ("CR", "PR")
DAYS_PER_MONTH = 30.4375


@dataclass
class ResponseResult:
    drug: str
    patients: pd.DataFrame  # patient_id, group, best_response, months_on_treatment, ongoing
    groups: pd.DataFrame  # group, treated, assessed, CR, PR, SD, PD, other, response_rate, ...
    fisher_p: float | None = None
    logrank_p: float | None = None
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from genomed.cohort.survival import _records

        return {
            "drug": self.drug,
            "groups": _records(self.groups),
            "response_fisher_p": self.fisher_p,
            "time_on_treatment_logrank_p": self.logrank_p,
            "provenance": self.provenance,
        }


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion (NaN, NaN when n = 0)."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def treated_patients(data: CohortData, drug: str) -> pd.DataFrame:
    """patient_id, best_response, start_day, stop_day, last_day for the drug."""
    order = " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(RESPONSE_ORDER))
    sql = f"""
    WITH given AS (
        SELECT t.patient_id, min(t.start_day) AS start_day,
               CASE WHEN bool_and(t.stop_day IS NOT NULL) THEN max(t.stop_day) END AS stop_day
        FROM treatments t JOIN cohort_patients m ON m.patient_id = t.patient_id
        WHERE lower(t.drug) = $drug GROUP BY t.patient_id),
    best AS (
        SELECT patient_id, arg_min(upper(response), CASE upper(response) {order} ELSE 99 END) AS best_response
        FROM responses WHERE lower(drug) = $drug AND response IS NOT NULL GROUP BY patient_id),
    last_seen AS (
        SELECT patient_id, max(d) AS last_day FROM (
            SELECT patient_id, greatest(start_day, stop_day) AS d FROM treatments
            UNION ALL SELECT patient_id, day FROM responses
            UNION ALL SELECT patient_id, greatest(start_day, stop_day) FROM timeline) GROUP BY patient_id)
    SELECT g.patient_id, b.best_response, g.start_day, g.stop_day, l.last_day
    FROM given g LEFT JOIN best b ON b.patient_id = g.patient_id
    LEFT JOIN last_seen l ON l.patient_id = g.patient_id ORDER BY g.patient_id
    """
    return data.con.execute(sql, {"drug": drug.lower()}).df()


def response_of(data: CohortData, drug: str, by: str | None = None) -> ResponseResult:
    """:func:`treatment_response` on an open cohort."""
    frame = treated_patients(data, drug)
    labels, order = group_labels(data, by, frame["patient_id"])
    frame = frame.assign(group=labels.to_numpy())
    frame = frame[frame["group"].notna()].copy()
    end = frame["stop_day"].where(frame["stop_day"].notna(), frame["last_day"])
    frame["ongoing"] = frame["stop_day"].isna()
    frame["months_on_treatment"] = (end - frame["start_day"]).clip(lower=0) / DAYS_PER_MONTH
    rows = []
    for group in order:
        part = frame[frame["group"] == group]
        if part.empty:
            continue
        responses = part["best_response"].dropna().str.upper()
        counts = {r: int((responses == r).sum()) for r in RESPONSE_ORDER}
        assessed = int(len(responses))
        responders = counts["CR"] + counts["PR"]
        low, high = wilson_interval(responders, assessed)
        timed = part[part["months_on_treatment"].notna()]
        median = None
        if len(timed):
            kmf = KaplanMeierFitter().fit(timed["months_on_treatment"], ~timed["ongoing"])
            median = (
                float(kmf.median_survival_time_) if np.isfinite(kmf.median_survival_time_) else None
            )
        rows.append(
            {
                "group": group,
                "treated": len(part),
                "assessed": assessed,
                **counts,
                "other": assessed - sum(counts.values()),
                "response_rate": responders / assessed if assessed else None,
                "rate_lower": low if assessed else None,
                "rate_upper": high if assessed else None,
                "median_months_on_treatment": median,
                "ongoing": int(part["ongoing"].sum()),
            }
        )
    result = ResponseResult(
        drug.lower(), frame, pd.DataFrame(rows), provenance=data.provenance() | {"by": by}
    )
    if len(rows) == 2:
        a, b = rows
        table = [
            [a["CR"] + a["PR"], a["assessed"] - a["CR"] - a["PR"]],
            [b["CR"] + b["PR"], b["assessed"] - b["CR"] - b["PR"]],
        ]
        if a["assessed"] and b["assessed"]:
            result.fisher_p = float(stats.fisher_exact(table)[1])
        x = frame[(frame["group"] == a["group"]) & frame["months_on_treatment"].notna()]
        y = frame[(frame["group"] == b["group"]) & frame["months_on_treatment"].notna()]
        if len(x) and len(y):
            test = logrank_test(
                x["months_on_treatment"], y["months_on_treatment"], ~x["ongoing"], ~y["ongoing"]
            )
            result.logrank_p = float(test.p_value)
    return result


def treatment_response(
    ws: Workspace, cohort: CohortLike, drug: str, by: str | None = None
) -> ResponseResult:
    """Response rates and time on ``drug`` of a cohort's treated patients, split ``by`` an
    expression (``"mutated(KRAS)"``) or a text attribute."""
    with open_cohort(ws, cohort) as data:
        return response_of(data, drug, by)
