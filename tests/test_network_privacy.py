"""Privacy rules of a node, one unit at a time: count release, differencing guard,
rate limit and budget, tokens stored hashed, the hash-chained audit log."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genomed.network.access_levels import AccessError, AccessLevel, Granularity, max_granularity
from genomed.network.audit_log import AuditLog, read_audit_log, scrub, verify_audit_log
from genomed.network.count_release import release_count, round_half_up
from genomed.network.differencing_guard import DifferencingGuard
from genomed.network.privacy_policy import PrivacyPolicy
from genomed.network.query_quota import QueryQuota
from genomed.network.tokens import TokenStore, parse_dataset_grants

POLICY = PrivacyPolicy()


# -- minimum cell count and rounding ---------------------------------------------------------


@pytest.mark.parametrize("level", [AccessLevel.PUBLIC, AccessLevel.REGISTERED])
def test_counts_below_the_threshold_are_never_released(level):
    for n in range(1, POLICY.minimum_cell_count):
        release = release_count(n, level, POLICY)
        assert release.suppressed
        assert release.to_json() == {"suppressed": "below_threshold", "minimumCellCount": 5}
    assert release_count(0, level, POLICY).value == 0


def test_registered_counts_are_exact_public_counts_are_rounded_to_ten():
    assert [release_count(n, AccessLevel.REGISTERED, POLICY).value for n in (5, 6, 17)] == [
        5,
        6,
        17,
    ]
    assert [release_count(n, AccessLevel.PUBLIC, POLICY).value for n in (5, 14, 15, 17, 104)] == [
        10,
        10,
        20,
        20,
        100,
    ]


def test_controlled_counts_are_exact_even_below_the_threshold():
    assert release_count(2, AccessLevel.CONTROLLED, POLICY).value == 2


def test_rounding_never_releases_a_count_below_the_threshold():
    policy = PrivacyPolicy.from_dict({"rounding": {"registered": 20}})
    assert release_count(5, AccessLevel.REGISTERED, policy).value == 20
    assert round_half_up(25, 10) == 30 and round_half_up(24, 10) == 20 and round_half_up(7, 1) == 7


def test_unknown_privacy_settings_are_an_error():
    with pytest.raises(Exception, match="unknown privacy settings"):
        PrivacyPolicy.from_dict({"minimum_cel_count": 3})


def test_granularity_per_level():
    assert max_granularity(AccessLevel.PUBLIC) is Granularity.BOOLEAN
    assert max_granularity(AccessLevel.PUBLIC, public_counts=True) is Granularity.COUNT
    assert max_granularity(AccessLevel.REGISTERED) is Granularity.COUNT
    assert max_granularity(AccessLevel.CONTROLLED) is Granularity.RECORD


# -- differencing guard ----------------------------------------------------------------------


def test_guard_refuses_a_count_that_differs_from_an_earlier_one_by_one_person():
    guard = DifferencingGuard(minimum_cell_count=5)
    women_1950 = np.arange(37)
    assert guard.admit("t1", [women_1950])
    # the same question minus one person: 36 people, differs by 1 -> withheld
    assert not guard.admit("t1", [women_1950[1:]])
    # asking the very same set again reveals nothing new
    assert guard.admit("t1", [women_1950])
    # a set differing by >= k is fine
    assert guard.admit("t1", [women_1950[5:]])
    # another token has its own history
    assert guard.admit("t2", [women_1950[1:]])


def test_guard_checks_additions_as_well_as_removals():
    guard = DifferencingGuard(minimum_cell_count=5)
    assert guard.admit("t", [np.arange(20)])
    assert not guard.admit("t", [np.arange(24)])  # 4 more people
    assert guard.admit("t", [np.arange(25)])  # 5 more: allowed


def test_guard_checks_the_union_of_a_multi_count_answer():
    guard = DifferencingGuard(minimum_cell_count=5)
    cohort = np.arange(100)
    assert guard.admit("t", [cohort])
    # groups of 60 and 37: the union (97) differs from the cohort by 3 -> all withheld
    assert not guard.admit("t", [np.arange(60), np.arange(60, 97)])
    # groups covering the cohort: union identical, each group far from everything
    assert guard.admit("t", [np.arange(60), np.arange(60, 100)])


def test_guard_history_is_bounded():
    guard = DifferencingGuard(minimum_cell_count=5, history=2)
    guard.admit("t", [np.arange(10)])
    guard.admit("t", [np.arange(100, 150)])
    guard.admit("t", [np.arange(200, 260)])  # evicts the first set
    assert guard.admit("t", [np.arange(9)])


# -- rate limit and budget -------------------------------------------------------------------


def test_rate_limit_allows_a_burst_then_refuses_with_429_until_refilled():
    now = [0.0]
    quota = QueryQuota(per_minute=60, burst=3, budget_per_day=100, clock=lambda: now[0])
    for _ in range(3):
        quota.take("t")
    with pytest.raises(AccessError) as refused:
        quota.take("t")
    assert refused.value.status == 429 and "rate limit" in str(refused.value)
    now[0] += 1.0  # one token per second
    quota.take("t")


def test_daily_budget_refuses_with_429_and_survives_a_restart_through_seeding():
    quota = QueryQuota(per_minute=6000, burst=100, budget_per_day=2)
    quota.seed("t", quota.today(), 1)
    quota.take("t")
    with pytest.raises(AccessError, match="budget spent") as refused:
        quota.take("t")
    assert refused.value.status == 429


# -- tokens ----------------------------------------------------------------------------------


def test_tokens_are_stored_as_scrypt_hashes_and_verify(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token, record = store.create(AccessLevel.REGISTERED, label="hub")
    text = (tmp_path / "tokens.json").read_text()
    secret = token.split("_", 2)[2]
    assert secret not in text and token not in text
    stored = json.loads(text)["tokens"][0]
    assert stored["scrypt"]["n"] == 2**14 and len(stored["hash"]) == 64
    assert (tmp_path / "tokens.json").stat().st_mode & 0o777 == 0o600
    assert store.verify(token).token_id == record.token_id
    # a second store (another process) verifies from the file alone
    assert TokenStore(tmp_path / "tokens.json").verify(token).level is AccessLevel.REGISTERED


def test_wrong_unknown_malformed_and_revoked_tokens_get_401(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token, record = store.create(AccessLevel.CONTROLLED)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad, message in [
        (forged, "invalid token"),
        ("gmd_00000000_" + "x" * 43, "unknown token"),
        ("hello", "malformed"),
    ]:
        with pytest.raises(AccessError, match=message) as refused:
            store.verify(bad)
        assert refused.value.status == 401
    store.verify(token)
    store.revoke(record.token_id)
    with pytest.raises(AccessError, match="revoked"):
        store.verify(token)


def test_dataset_grants():
    grants = parse_dataset_grants(["laml,1000g:registered"], AccessLevel.CONTROLLED)
    assert grants == {"laml": AccessLevel.CONTROLLED, "1000g": AccessLevel.REGISTERED}
    assert parse_dataset_grants(None, AccessLevel.PUBLIC) == {"*": AccessLevel.PUBLIC}


# -- audit log ------------------------------------------------------------------------------


def test_audit_log_is_append_only_and_hash_chained(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append({"token": "ab12cd34", "endpoint": "/beacon/v2/individuals", "status": 200})
    log.append({"token": "ab12cd34", "endpoint": "/beacon/v2/g_variants", "status": 403})
    # a new writer (after a restart) continues the chain
    AuditLog(path).append({"token": "anonymous", "endpoint": "/beacon/v2/info", "status": 401})
    entries = list(read_audit_log(path))
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert verify_audit_log(path) == (3, None)
    # editing a line breaks the chain at that entry
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"status": 403', '"status": 200')
    path.write_text("\n".join(lines) + "\n")
    assert verify_audit_log(path) == (2, "entry 2 was modified (hash differs)")
    # removing a line is detected too
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert verify_audit_log(path)[0] == 2


def test_audit_scrub_replaces_identifiers_with_keyed_pseudonyms():
    query = {
        "filters": [
            {"id": "HP:0001250"},
            {"id": "patient_id", "operator": "=", "value": "TCGA-AB-2802"},
        ],
        "cohort": {"and": [{"attribute": "sample_id", "op": "in", "value": ["S1", "S2"]}]},
        "individual_id": "P1",
    }
    out = scrub(query, b"key")
    text = json.dumps(out)
    for name in ("TCGA-AB-2802", "S1", "S2", "P1"):
        assert name not in text
    assert out["filters"][0] == {"id": "HP:0001250"}
    assert scrub(query, b"key") == out and scrub(query, b"other") != out
