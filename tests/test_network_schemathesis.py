"""Property-based fuzzing of the node's OpenAPI schema (schemathesis): no 5xx, ever.

Every operation of ``/openapi.json`` (Beacon v2 and the genomed extensions) gets
requests generated from its schema, with a controlled token (so the deepest code paths
run) on a node whose rate limit and budget are lifted. Every answer must be below 500,
and every Beacon answer (data or error) must validate against the official schemas.
"""

from __future__ import annotations

import json
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from test_network_support import assert_valid_beacon, build_central_workspace

from genomed.network.access_levels import AccessLevel
from genomed.network.node_config import load_node_config
from genomed.network.tokens import TokenStore
from genomed.web.app import create_app

INFORMATIONAL = (
    "/info",
    "/service-info",
    "/configuration",
    "/map",
    "/entry_types",
    "/filtering_terms",
)


@pytest.fixture(scope="module")
def fuzzed_node(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "ws"
    build_central_workspace(path)
    (path / "node").mkdir()
    (path / "node" / "node.json").write_text(
        json.dumps(
            {
                "privacy": {
                    "rate_limit_per_minute": 10**7,
                    "rate_limit_burst": 10**6,
                    "query_budget_per_day": 10**9,
                    "audit_fsync": False,
                }
            }
        )
    )
    token, _ = TokenStore(load_node_config(path).tokens_path).create(AccessLevel.CONTROLLED)
    app = create_app(path)
    yield app, token
    app.state.node.close()
    shutil.rmtree(path, ignore_errors=True)


def test_no_server_errors_and_beacon_answers_validate(fuzzed_node):
    """Each operation gets its own hypothesis run (schemathesis strategies); failures are
    collected over all operations and reported together."""
    app, token = fuzzed_node
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 45  # 7 informational, 36 Beacon entry routes, 4 extensions
    failures: list[str] = []

    def check(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        where = f"{case.method} {case.formatted_path} {case.query} {case.body}"
        if response.status_code >= 500:
            failures.append(f"{where}: HTTP {response.status_code} {response.text[:300]}")
            return
        path = case.path
        if (
            path.startswith("/beacon/v2/")
            and not path.endswith(INFORMATIONAL)
            and path != "/beacon/v2/"
        ):
            try:
                assert_valid_beacon(response.json(), response.status_code)
            except AssertionError as error:
                failures.append(f"{where}: {str(error)[:300]}")

    for operation in operations:
        run = settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(check))
        run()
    assert failures == [], "\n".join(failures[:10])
