"""The cohort definition language: parse trees, the JSON form, errors that point at tokens."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genomed.cohort.definition_language import (
    Alteration,
    And,
    CohortReference,
    CohortSyntaxError,
    Comparison,
    Everyone,
    Membership,
    Missing,
    Not,
    Or,
    TimeOrder,
    Treatment,
    from_json,
    parse,
    parse_definition,
    to_json,
    to_text,
)


def test_issue_example_parses_to_the_expected_tree():
    node = parse("tumor_type = LAML and mutated(DNMT3A) and not mutated(NPM1) and age >= 60")
    assert node == And(
        (
            Comparison("tumor_type", "=", "LAML"),
            Alteration("mutated", "DNMT3A"),
            Not(Alteration("mutated", "NPM1")),
            Comparison("age", ">=", 60),
        )
    )


def test_precedence_not_over_and_over_or():
    assert parse("a = 1 or b = 2 and not c = 3") == Or(
        (Comparison("a", "=", 1), And((Comparison("b", "=", 2), Not(Comparison("c", "=", 3)))))
    )
    assert parse("(a = 1 or b = 2) and c = 3") == And(
        (Or((Comparison("a", "=", 1), Comparison("b", "=", 2))), Comparison("c", "=", 3))
    )


def test_every_predicate_and_operator():
    node = parse(
        "mutated(KRAS, G12) and mutated(TP53, truncating) and mutated(EGFR, p.T790M) and "
        "mutated(BRCA2, origin=germline) and amplified(ERBB2) and deleted(CDKN2A) and "
        "fusion(BCR, ABL1) and profiled(NPM1, mutations) and treated_with(Cetuximab, line=2) and "
        "in_cohort(old_aml) and x != 'a b' and y < 1.5 and z <= -2 and w > 3 and v in (A, 'B C', 4) "
        "and u not in (x) and t is missing and s is not missing and all"
    )
    assert node.items == (
        Alteration("mutated", "KRAS", protein_change="G12"),
        Alteration("mutated", "TP53", consequence="truncating"),
        Alteration("mutated", "EGFR", protein_change="T790M"),
        Alteration("mutated", "BRCA2", origin="germline"),
        Alteration("amplified", "ERBB2"),
        Alteration("deleted", "CDKN2A"),
        Alteration("fusion", "BCR", partner="ABL1"),
        Alteration("profiled", "NPM1", profile="mutations"),
        Treatment("cetuximab", 2),
        CohortReference("old_aml"),
        Comparison("x", "!=", "a b"),
        Comparison("y", "<", 1.5),
        Comparison("z", "<=", -2),
        Comparison("w", ">", 3),
        Membership("v", ("A", "B C", 4)),
        Membership("u", ("x",), negated=True),
        Missing("t"),
        Missing("s", negated=True),
        Everyone(),
    )


def test_time_order_binds_two_events():
    node = parse("mutated(EGFR, T790M) after treated_with(erlotinib) or age > 80")
    assert node == Or(
        (
            TimeOrder(
                Alteration("mutated", "EGFR", protein_change="T790M"),
                "after",
                Treatment("erlotinib"),
            ),
            Comparison("age", ">", 80),
        )
    )


def test_json_form_of_the_issue_example():
    node = parse("tumor_type = LAML and mutated(DNMT3A) and not mutated(NPM1) and age >= 60")
    assert to_json(node) == {
        "and": [
            {"attribute": "tumor_type", "op": "=", "value": "LAML"},
            {"mutated": "DNMT3A"},
            {"not": {"mutated": "NPM1"}},
            {"attribute": "age", "op": ">=", "value": 60},
        ]
    }
    assert from_json(json.dumps(to_json(node))) == node
    assert parse_definition(json.dumps(to_json(node))) == node


def _error(text: str) -> CohortSyntaxError:
    with pytest.raises(CohortSyntaxError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "token", "words"),
    [
        ("mutatd(DNMT3A)", "mutatd", "did you mean mutated"),
        ("age >= 60 and mutated(TP53, foo)", "foo", "not a protein change"),
        ("a = 1 b = 2", "b", "expected 'and', 'or'"),
        ("tumor_type = LAML)", ")", "unbalanced"),
        ("treated_with(erlotinib, line=0)", "0", "whole number"),
        ("mutated(EGFR) during mutated(KRAS)", "mutated", "needs a treatment"),
        ("age is there", "there", "expected 'missing'"),
        ("x in (1, 2", "", "expected ',' or ')'"),
        ("amplified(ERBB2, G12)", "G12", "takes no other argument"),
        ('x = "open', '"open', "unterminated"),
    ],
)
def test_errors_point_at_the_offending_token(text, token, words):
    error = _error(text)
    assert words in str(error)
    assert error.token == token
    # the message shows the definition with a caret under the token
    lines = str(error).splitlines()
    assert lines[1] == "  " + text
    assert lines[2].index("^") == 2 + error.position


def test_error_position_of_an_unclosed_parenthesis():
    error = _error("tumor_type = LAML and (mutated(DNMT3A) or")
    assert error.position == len("tumor_type = LAML and (mutated(DNMT3A) or")
    assert "ends too early" in str(error)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"and": [{"mutated": "A"}, {"attribute": "age", "op": "~", "value": 1}]}, "$.and[1].op"),
        ({"not": {"mutated": "TP53", "consequence": "weird"}}, "$.not.consequence"),
        ({"after": [{"mutated": "EGFR"}]}, "$.after"),
        ({"or": [{"treated_with": "x", "line": -1}]}, "$.or[0].line"),
        ({"frobnicate": 1}, "$"),
    ],
)
def test_json_errors_name_the_path(data, path):
    with pytest.raises(CohortSyntaxError) as info:
        from_json(data)
    assert info.value.json_path == path
    assert f"(at {path})" in str(info.value)


# -- round trips over generated definitions ------------------------------------------------

genes = st.sampled_from(["TP53", "KRAS", "EGFR", "C9orf72", "HLA-A"])
words = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda w: (
        w.lower()
        not in {"and", "or", "not", "in", "is", "missing", "all", "after", "before", "during"}
    )
)
values = st.one_of(
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 3)),
    words,
    st.text(alphabet="ab c'\"\\-", min_size=1, max_size=6),
)
events = st.one_of(
    st.builds(
        Alteration,
        st.just("mutated"),
        genes,
        protein_change=st.sampled_from([None, "G12", "R882H", "E746_A750del"]),
    ),
    st.builds(
        Alteration,
        st.just("mutated"),
        genes,
        consequence=st.sampled_from(["missense", "truncating", "any"]),
    ),
    st.builds(Alteration, st.sampled_from(["amplified", "deleted"]), genes),
    st.builds(Alteration, st.just("fusion"), genes, partner=st.sampled_from([None, "ABL1"])),
    st.builds(
        Treatment,
        st.sampled_from(["erlotinib", "5-fluorouracil", "carboplatin"]),
        st.sampled_from([None, 1, 2]),
    ),
)
leaves = st.one_of(
    events,
    st.builds(Comparison, words, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), values),
    st.builds(
        Membership, words, st.lists(values, min_size=1, max_size=3).map(tuple), st.booleans()
    ),
    st.builds(Missing, words, st.booleans()),
    st.builds(TimeOrder, events, st.sampled_from(["after", "before"]), events),
    st.builds(TimeOrder, events, st.just("during"), st.builds(Treatment, st.just("erlotinib"))),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Not, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_text_and_json_round_trip(node):
    assert parse(to_text(node)) == node
    assert from_json(json.loads(json.dumps(to_json(node)))) == node
