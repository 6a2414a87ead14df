"""Federated statistics equal the same statistics computed centrally on the union.

The central references are independent implementations: lifelines (Kaplan-Meier,
log-rank), scipy (Fisher's exact test), and plain sums over the pooled rows. The data
are survival times with many ties, split unevenly over three "nodes".
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from scipy import stats

from genomed.network.federated_statistics import (
    kaplan_meier,
    logrank_from_risk_sets,
    pooled_allele_counts,
    pooled_count,
    pooled_fisher,
    pooled_risk_sets,
    stratified_logrank,
)
from genomed.network.survival_aggregates import logrank_sums, survival_table


def _survival_data(seed: int, n: int = 240, groups=("A", "B")):
    rng = np.random.default_rng(seed)
    group = rng.choice(groups, size=n)
    scale = np.where(group == groups[0], 20.0, 30.0)
    months = np.round(rng.exponential(scale), 0) + 1  # whole months: many ties
    event = rng.random(n) < 0.7
    node = rng.choice(["n1", "n2", "n3"], size=n, p=[0.5, 0.3, 0.2])
    return months, event, group, node


def _node_tables(months, event, group, node, names):
    per_node = {}
    for name in np.unique(node):
        here = node == name
        per_node[str(name)] = {
            g: survival_table(months[here & (group == g)], event[here & (group == g)])
            for g in names
        }
    return per_node


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pooled_logrank_equals_lifelines_on_the_union(seed):
    months, event, group, node = _survival_data(seed)
    risk = pooled_risk_sets(_node_tables(months, event, group, node, ["A", "B"]))
    federated = logrank_from_risk_sets(risk)
    a, b = group == "A", group == "B"
    central = logrank_test(months[a], months[b], event[a], event[b])
    assert federated.statistic == pytest.approx(central.test_statistic, rel=1e-10)
    assert federated.p_value == pytest.approx(central.p_value, rel=1e-9)


def test_three_group_logrank_equals_lifelines_multivariate():
    months, event, group, node = _survival_data(7, n=300, groups=("A", "B", "C"))
    risk = pooled_risk_sets(_node_tables(months, event, group, node, ["A", "B", "C"]))
    federated = logrank_from_risk_sets(risk)
    central = multivariate_logrank_test(months, group, event)
    assert federated.degrees_of_freedom == 2
    assert federated.statistic == pytest.approx(central.test_statistic, rel=1e-9)
    assert federated.p_value == pytest.approx(central.p_value, rel=1e-8)


def test_pooled_kaplan_meier_equals_lifelines_on_the_union():
    months, event, group, node = _survival_data(11)
    risk = pooled_risk_sets(_node_tables(months, event, group, node, ["A", "B"]))
    curves = kaplan_meier(risk)
    for g in ("A", "B"):
        mine = group == g
        kmf = KaplanMeierFitter().fit(months[mine], event[mine])
        table = kmf.event_table
        expected = kmf.survival_function_.iloc[:, 0]
        for t, n, d, s in zip(
            curves[g]["time"],
            curves[g]["at_risk"],
            curves[g]["events"],
            curves[g]["survival"],
            strict=True,
        ):
            assert table.loc[t, "at_risk"] == n
            assert table.loc[t, "observed"] == d
            assert expected.loc[t] == pytest.approx(s, rel=1e-12)


def test_kaplan_meier_leaves_out_rows_below_the_minimum_at_risk():
    months, event, group, node = _survival_data(5)
    risk = pooled_risk_sets(_node_tables(months, event, group, node, ["A", "B"]))
    full = kaplan_meier(risk)
    shown = kaplan_meier(risk, minimum_at_risk=5)
    for g in ("A", "B"):
        assert min(shown[g]["at_risk"]) >= 5
        assert len(shown[g]["time"]) < len(full[g]["time"])
        # survival values of the rows kept are those of the full curve
        keep = dict(zip(full[g]["time"], full[g]["survival"], strict=True))
        for t, s in zip(shown[g]["time"], shown[g]["survival"], strict=True):
            assert s == keep[t]


def _stratified_reference(months, event, group, node):
    """Stratified log-rank written out directly: per stratum, sum d_A - d n_A/n and the
    hypergeometric variance over that stratum's event times."""
    u = v = 0.0
    for stratum in np.unique(node):
        s = node == stratum
        for t in np.unique(months[s & event]):
            at = s & (months >= t)
            n, n_a = at.sum(), (at & (group == "A")).sum()
            dead = s & (months == t) & event
            d, d_a = dead.sum(), (dead & (group == "A")).sum()
            u += d_a - d * n_a / n
            if n > 1:
                v += d * (n - d) / (n - 1) * n_a / n * (1 - n_a / n)
    return u * u / v


def test_stratified_logrank_from_node_sums_equals_direct_stratified_computation():
    months, event, group, node = _survival_data(3)
    sums = {}
    for name in np.unique(node):
        here = node == name
        sums[str(name)] = logrank_sums(months[here], event[here], group[here], ["A", "B"])
    federated = stratified_logrank(sums)
    expected = _stratified_reference(months, event, group, node)
    assert federated.statistic == pytest.approx(expected, rel=1e-10)
    assert federated.p_value == pytest.approx(stats.chi2.sf(expected, 1), rel=1e-9)


def test_one_node_stratified_equals_plain_logrank():
    months, event, group, _ = _survival_data(9)
    sums = {"only": logrank_sums(months, event, group, ["A", "B"])}
    a, b = group == "A", group == "B"
    central = logrank_test(months[a], months[b], event[a], event[b])
    assert stratified_logrank(sums).p_value == pytest.approx(central.p_value, rel=1e-9)


def test_pooled_fisher_equals_scipy_on_the_summed_table():
    tables = {"n1": [[12, 5], [7, 30]], "n2": [[6, 9], [5, 22]], "n3": [[10, 5], [5, 8]]}
    pooled = pooled_fisher(tables)
    assert pooled["table"] == [[28, 19], [17, 60]]
    odds, p = stats.fisher_exact([[28, 19], [17, 60]])
    assert pooled["p"] == pytest.approx(p, rel=1e-12)
    assert pooled["odds_ratio"] == pytest.approx(odds)


def test_pooled_fisher_refuses_tables_with_withheld_cells():
    pooled = pooled_fisher({"n1": [[12, 5], [7, 30]], "n2": [[None, None], [None, None]]})
    assert pooled == {"exact": False, "withheld_by": ["n2"], "table": None, "p": None}


def test_pooled_count_is_a_range_when_a_node_withheld_its_count():
    assert pooled_count({"a": 10, "b": 7}).to_dict() == {"exact": True, "count": 17}
    withheld = pooled_count({"a": 10, "b": None, "c": 0}, minimum_cell_count=5)
    assert withheld.to_dict() == {
        "exact": False,
        "count": None,
        "range": [10, 14],
        "withheld_by": ["b"],
    }


def test_pooled_allele_frequency_is_the_ratio_of_summed_counts():
    per_node = {
        "n1": {
            "all": {"ac": 30, "an": 1000, "nhomalt": 2},
            "EAS": {"ac": 20, "an": 200, "nhomalt": 1},
        },
        "n2": {"all": {"ac": 12, "an": 600, "nhomalt": 0}},
        "n3": {"all": {"ac": 9, "an": 400, "nhomalt": None}},
    }
    pooled = pooled_allele_counts(per_node).groups
    # n3 withheld nhomalt only: AC, AN and AF are still exact
    assert (
        pooled["all"]["ac"] == 51
        and pooled["all"]["an"] == 2000
        and pooled["all"]["af"] == 51 / 2000
    )
    assert pooled["all"]["nhomalt"] is None and pooled["all"]["exact"] is False
    assert pooled["all"]["withheld_by"] == {"nhomalt": ["n3"]}
    assert pooled["EAS"] == {
        "ac": 20,
        "an": 200,
        "nhomalt": 1,
        "af": 0.1,
        "exact": True,
        "nodes": ["n1"],
        "withheld_by": {},
    }
    withheld_ac = pooled_allele_counts(
        {"n1": {"all": {"ac": None, "an": 10, "nhomalt": 0}}}
    ).groups["all"]
    assert withheld_ac["ac"] is None and withheld_ac["af"] is None
