"""Treatment and time-order predicates, and treatment response, on a small synthetic
timeline (tests/data/cohort: a cBioPortal study with SPECIMEN days, plus treatments with
lines of therapy and RECIST responses as clinical tables). Expected sets worked by hand
from the fixture files (see tests/data/cohort/PROVENANCE.md)."""

from __future__ import annotations

import json

import pytest
from conftest import TEST_DATA
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.cohort import CohortSyntaxError, open_cohort, treatment_response
from genomed.store.ingest_cbioportal import ingest_cbioportal
from genomed.store.ingest_clinical import ingest_clinical
from genomed.store.workspace import Workspace

FIXTURE = TEST_DATA / "cohort"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    ws = Workspace.create(tmp_path_factory.mktemp("egfr") / "ws", build="GRCh38")
    ingest_cbioportal(ws, FIXTURE / "egfr_study")
    ingest_clinical(ws, "treatments", FIXTURE / "treatments.csv")
    ingest_clinical(ws, "responses", FIXTURE / "responses.csv")
    return ws


def ids(*numbers: int) -> list[str]:
    return [f"SYN-L{n:02d}" for n in numbers]


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("treated_with(erlotinib)", ids(1, 2, 3, 4, 6, 7)),
        ("treated_with(Erlotinib, line=1)", ids(1, 2, 3, 4, 6)),
        ("treated_with(erlotinib, line=2)", ids(7)),
        ("not treated_with(erlotinib)", ids(5, 8)),
        # T790M samples: L01-B day 320, L02-A -5, L04-B 150, L06-A no day, L07-B 400;
        # erlotinib starts at 0 (L01, L02, L04, L06) and 210 (L07)
        ("mutated(EGFR, T790M) after treated_with(erlotinib)", ids(1, 4, 7)),
        ("mutated(EGFR, T790M) before treated_with(erlotinib)", ids(2)),
        # erlotinib intervals: L01 0-300, L04 0-400, L07 210-300
        ("mutated(EGFR, T790M) during treated_with(erlotinib)", ids(4)),
        ("treated_with(osimertinib) after treated_with(erlotinib)", ids(1)),
        ("treated_with(erlotinib) after treated_with(gefitinib)", ids(7)),
        # L858R before erlotinib: L01 (-10), L02 (-5), L04 (-3), L07 (-2 < 210); L06 has no day
        (
            "mutated(EGFR, L858R) before treated_with(erlotinib) and not treated_with(erlotinib, line=2)",
            ids(1, 2, 4),
        ),
        ("mutated(EGFR) and not mutated(EGFR, T790M)", ids(3)),
        ("mutated(EGFR, E746_A750del) or mutated(KRAS, G12)", ids(3, 5)),
        ("mutated(EGFR, silent)", ids(5)),
        ("not (mutated(EGFR) or mutated(KRAS))", ids(8)),
        # AGE: 58 66 49 71 63 55 60 77; SMOKING: Never Former Never Never Current NA Never Current
        ("age >= 60 and SMOKING = never", ids(4, 7)),
        ("SMOKING is missing or (age < 50 and sex = female)", ids(3, 6)),
        ("SMOKING != never and age <= 66", ids(2, 5)),
        ("os_event = true and not treated_with(erlotinib)", ids(5, 8)),
    ],
)
def test_treatment_and_time_order(ws, definition, expected):
    with open_cohort(ws, definition) as data:
        assert data.patient_ids == expected


def test_time_order_needs_events():
    from genomed.cohort import parse

    with pytest.raises(CohortSyntaxError, match="relates two events"):
        parse("(mutated(EGFR)) after treated_with(erlotinib)")
    with pytest.raises(CohortSyntaxError, match="one time relation at a time"):
        parse("mutated(EGFR) after treated_with(a) before treated_with(b)")


def test_unknown_drug_warns(ws):
    with open_cohort(ws, "treated_with(osimertnib)") as data:
        assert data.patient_ids == []
        assert data.warnings == ["no patient in this workspace was treated with osimertnib"]


def test_response_by_genotype(ws):
    # best erlotinib responses: L01 PR (PR then PD), L02 PD, L03 CR, L04 SD, L06 PD, L07 PR.
    # L858R: L01 L02 L04 L06 L07 -> 2 responders of 5; the others (L03) 1 of 1.
    # time on erlotinib (days): L01 300, L02 200, L04 400, L06 100, L07 90 -> KM median
    # (no censoring) 200 days; L03 400 days.
    result = treatment_response(ws, "all", "erlotinib", by="mutated(EGFR, L858R)")
    groups = result.groups.set_index("group")
    row = groups.loc["mutated(EGFR, L858R)"]
    assert row[["treated", "assessed", "CR", "PR", "SD", "PD"]].tolist() == [5, 5, 0, 2, 1, 2]
    assert row["response_rate"] == pytest.approx(0.4)
    assert row["median_months_on_treatment"] == pytest.approx(200 / 30.4375)
    other = groups.loc["not mutated(EGFR, L858R)"]
    assert other[["treated", "CR", "response_rate"]].tolist() == [1, 1, 1.0]
    assert other["median_months_on_treatment"] == pytest.approx(400 / 30.4375)
    # Fisher on [[2, 3], [1, 0]]: with margins 5/1 and 3/3 the only tables are
    # [[2,3],[1,0]] (P = C(5,2)C(1,1)/C(6,3) = 1/2) and [[3,2],[0,1]] (P = 1/2): two-sided 1
    assert result.fisher_p == pytest.approx(1.0)


def test_ongoing_treatment_is_censored(ws):
    # osimertinib (L01 from day 330, no stop) is ongoing: censored at the last known day,
    # L01's latest event: the erlotinib PD at day 300 < 330, so the start itself -> 0 months
    result = treatment_response(ws, "all", "osimertinib")
    row = result.groups.iloc[0]
    assert row["treated"] == 1 and row["ongoing"] == 1
    assert row["median_months_on_treatment"] is None
    assert result.patients["months_on_treatment"].tolist() == [0.0]


def test_cli_response(ws, tmp_path):
    args = [
        "cohort",
        "response",
        "all",
        "--drug",
        "erlotinib",
        "--by",
        "mutated(EGFR, L858R)",
        "-w",
        str(ws.path),
    ]
    out = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "response.png")])
    assert out.exit_code == 0, out.output
    assert "Response to erlotinib" in out.output and "Fisher p = 1" in out.output
    assert (tmp_path / "response.png").exists()
    data = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    first = data["groups"][0]
    assert (first["group"], first["response_rate"]) == ("mutated(EGFR, L858R)", 0.4)
    assert (round(first["rate_lower"], 3), round(first["rate_upper"], 3)) == (
        0.118,
        0.769,
    )  # Wilson, 2 of 5
