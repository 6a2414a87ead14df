"""The statistics of the cohort analyses against textbook and published worked examples.

Expected values come from the literature (cited per test) or are worked out by hand in
the comments, never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_DATA

from genomed.cohort import compare_cohorts, survival_analysis
from genomed.cohort.cooccurrence import pair_test
from genomed.cohort.multiple_testing import benjamini_hochberg
from genomed.cohort.response import wilson_interval
from genomed.store.ingest_clinical import ingest_clinical
from genomed.store.workspace import Workspace

GEHAN = TEST_DATA / "cohort" / "gehan"


@pytest.fixture(scope="module")
def gehan(tmp_path_factory) -> Workspace:
    ws = Workspace.create(tmp_path_factory.mktemp("gehan") / "ws", build="GRCh38")
    ingest_clinical(ws, "patients", GEHAN / "patients.csv")
    ingest_clinical(ws, "outcomes", GEHAN / "outcomes.csv")
    ingest_clinical(ws, "observations", GEHAN / "observations.csv")
    return ws


def test_gehan_log_rank_medians_and_cox(gehan):
    # Gehan (1965) 6-MP vs placebo: log-rank chi2 16.79 (1 df), p = 4.17e-5; medians 23
    # and 8 weeks; Cox (Efron) coefficient 1.572, SE 0.412 -> HR 4.817 (2.148-10.80).
    result = survival_analysis(gehan, "all", by="arm = placebo", endpoint="pfs")
    assert result.logrank["statistic"] == pytest.approx(16.79, abs=0.01)
    assert result.logrank["p"] == pytest.approx(4.17e-5, rel=0.01)
    assert result.logrank["df"] == 1
    groups = result.groups.set_index("group")
    assert groups.loc["arm = placebo", ["patients", "events", "median"]].tolist() == [21, 21, 8]
    assert groups.loc["not arm = placebo", ["patients", "events", "median"]].tolist() == [21, 9, 23]
    cox = result.cox.iloc[0]
    assert math.log(cox["hazard_ratio"]) == pytest.approx(1.572, abs=0.001)
    assert cox["hazard_ratio"] == pytest.approx(4.817, abs=0.005)
    assert cox["lower"] == pytest.approx(math.exp(1.572 - 1.959964 * 0.412), rel=0.003)
    assert cox["upper"] == pytest.approx(math.exp(1.572 + 1.959964 * 0.412), rel=0.003)
    # numbers at risk (ticks every 6 weeks up to 35): at week 12, placebo times >= 12 are
    # 12, 12, 15, 17, 22, 23 (6); 6-MP: 13, 16, 17+, 19+, 20+, 22, 23, 25+, 32+, 32+, 34+, 35+ (12)
    assert result.at_risk["time"].tolist() == [0, 6, 12, 18, 24, 30]
    at_risk = result.at_risk.set_index("time")
    assert at_risk.loc[0.0].tolist() == [21, 21]
    assert at_risk.loc[12.0].tolist() == [6, 12]


def test_gehan_km_curve_by_hand(gehan):
    # placebo: no censoring, so S(t) = survivors / 21: 9 relapses before week 8 and 4 at
    # week 8 leave 8: S(8) = 8/21
    result = survival_analysis(gehan, "arm = placebo", endpoint="pfs")
    curve = result.curves["all"].set_index("time")
    assert curve.loc[8.0, "survival"] == pytest.approx(8 / 21)
    # 6-MP at week 6: 3 deaths of 21 -> 18/21; at week 7: 1 of 17 at risk -> 18/21 * 16/17
    result = survival_analysis(gehan, "arm = 6-MP", endpoint="pfs")
    curve = result.curves["all"].set_index("time")
    assert curve.loc[6.0, "survival"] == pytest.approx(18 / 21)
    assert curve.loc[7.0, "survival"] == pytest.approx(18 / 21 * 16 / 17)


def test_fisher_tea_tasting():
    # Fisher's lady tasting tea: [[3, 1], [1, 3]]: one-sided P = 17/70 = 0.2429, OR = 9
    log2, p, tendency = pair_test(neither=3, a_only=1, b_only=1, both=3)
    assert p == pytest.approx(17 / 70)
    assert log2 == pytest.approx(math.log2(9))
    assert tendency == "co-occurrence"
    log2, p, tendency = pair_test(neither=1, a_only=3, b_only=3, both=1)
    assert p == pytest.approx(17 / 70)
    assert tendency == "mutual exclusivity"
    # a zero cell: OR = 0, log2 = -inf; P(both = 0 | margins 4, 4 of 8) = C(4,0)C(4,4)/C(8,4) = 1/70
    log2, p, tendency = pair_test(neither=0, a_only=4, b_only=4, both=0)
    assert log2 == -math.inf and p == pytest.approx(1 / 70) and tendency == "mutual exclusivity"


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.2 -> p*m/rank = 0.04, 0.06, 0.0533, 0.2 -> running min
    # from the top: 0.04, 0.0533, 0.0533, 0.2; back in input order; NaN stays NaN
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.2, np.nan])
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(q[4])
    assert benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx(
        [0.05] * 5
    )  # R p.adjust


def test_wilson_interval_newcombe():
    # Newcombe (Stat Med 1998), Altman et al. "Statistics with confidence": 81/263 ->
    # Wilson 95% CI 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


@pytest.fixture(scope="module")
def groups_ws(tmp_path_factory) -> Workspace:
    """Three groups of 3 with scores 1..9 and two groups of 30 with a yes/no answer."""
    folder = tmp_path_factory.mktemp("groups")
    rows = [(f"K{i}", "kw", str(i)) for i in range(1, 10)]
    patients = ["patient_id"] + [r[0] for r in rows]
    observations = ["patient_id,category,name,value"]
    observations += [f"{p},test,score,{v}" for p, _, v in rows]
    observations += [
        f"{p},test,arm,{'A' if int(v) <= 3 else 'B' if int(v) <= 6 else 'C'}" for p, _, v in rows
    ]
    # chi-squared arms: X has 20 yes / 10 no, Y 10 yes / 20 no
    for arm, yes in (("X", 20), ("Y", 10)):
        for i in range(30):
            pid = f"{arm}{i:02d}"
            patients.append(pid)
            observations.append(f"{pid},test,arm,{arm}")
            observations.append(f"{pid},test,answer,{'yes' if i < yes else 'no'}")
    (folder / "patients.csv").write_text("\n".join(patients) + "\n")
    (folder / "observations.csv").write_text("\n".join(observations) + "\n")
    ws = Workspace.create(folder / "ws", build="GRCh38")
    ingest_clinical(ws, "patients", folder / "patients.csv")
    ingest_clinical(ws, "observations", folder / "observations.csv")
    return ws


def test_mann_whitney_by_hand(groups_ws):
    # scores 1,2,3 vs 4,5,6: U = 0; exact two-sided P = 2 / C(6,3) = 0.1
    result = compare_cohorts(
        groups_ws, ["arm = A", "arm = B"], attributes=["score"], names=["A", "B"]
    )
    row = result.attributes.set_index("attribute").loc["score"]
    assert row["test"] == "mann-whitney"
    assert row["statistic"] == 0
    assert row["p"] == pytest.approx(0.1)


def test_kruskal_wallis_by_hand(groups_ws):
    # rank sums 6, 15, 24 of n = 9: H = 12/(9*10) * (36 + 225 + 576)/3 - 3*10 = 7.2;
    # P = chi2 survival with 2 df = exp(-7.2/2)
    result = compare_cohorts(groups_ws, ["arm = A", "arm = B", "arm = C"], attributes=["score"])
    row = result.attributes.iloc[0]
    assert row["test"] == "kruskal-wallis"
    assert row["statistic"] == pytest.approx(7.2)
    assert row["p"] == pytest.approx(math.exp(-3.6))


def test_chi_squared_by_hand(groups_ws):
    # [[20, 10], [10, 20]], expected 15 each: chi2 = 4 * 25/15 = 6.667; 1 df:
    # P = erfc(sqrt(chi2 / 2))
    result = compare_cohorts(
        groups_ws, ["arm = X", "arm = Y"], attributes=["answer"], names=["X", "Y"]
    )
    row = result.attributes.iloc[0]
    assert row["test"] == "chi-squared"
    assert row["statistic"] == pytest.approx(20 / 3)
    assert row["p"] == pytest.approx(math.erfc(math.sqrt(10 / 3)))
    assert row["X_summary"] == "yes 67%" and row["Y_summary"] == "no 67%"


@pytest.mark.parametrize("n, p, seed", [(60, 1, 0), (500, 3, 1), (5000, 2, 2)])
def test_vectorised_cox_equals_lifelines_on_tied_data(n, p, seed):
    # genomed's Efron Cox (cohort.proportional_hazards) against the reference
    # implementation, lifelines CoxPHFitter (Efron ties), on integer times with many ties,
    # censoring and mixed binary/continuous covariates
    from lifelines import CoxPHFitter

    from genomed.cohort.proportional_hazards import fit_cox

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 0] = rng.random(n) < 0.4
    time = np.ceil(rng.exponential(12 * np.exp(-0.7 * x[:, 0])))
    event = rng.random(n) < 0.7
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]).assign(t=time, e=event)
    reference = CoxPHFitter().fit(frame, "t", "e")
    fit = fit_cox(time, event, x)
    assert fit.converged
    assert fit.coef == pytest.approx(reference.params_.to_numpy(), abs=1e-6)
    assert fit.se == pytest.approx(reference.standard_errors_.to_numpy(), rel=1e-6)
    assert fit.p == pytest.approx(reference.summary["p"].to_numpy(), rel=1e-5, abs=1e-12)
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood_, rel=1e-9)
