"""Property-based fuzzing of the whole OpenAPI schema with schemathesis: whatever schemathesis
generates (valid and invalid), the service never answers 5xx, and every response conforms to
the documented status codes, content types and response schemas. Bounded for CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.roles import PERMISSIONS, Action, Role
from tests.api.conftest import Harness, interception_body, report_body, start_harness

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Which action each operation needs, so the fuzzer calls it with a role that gets past auth.
OPERATION_ACTION: dict[tuple[str, str], Action] = {
    ("POST", "/reports"): Action.REPORT_CREATE,
    ("POST", "/reports/import"): Action.REPORT_IMPORT,
    ("GET", "/reports/imports/{attempt_id}/rejects.csv"): Action.REPORT_IMPORT,
    ("GET", "/reports"): Action.REPORT_READ,
    ("POST", "/reports/search"): Action.REPORT_READ,
    ("GET", "/reports/{report_id}"): Action.REPORT_READ,
    ("GET", "/reports/{report_id}/same-child"): Action.REPORT_READ,
    ("GET", "/reports/{report_id}/candidates"): Action.REPORT_READ,
    ("POST", "/interceptions"): Action.INTERCEPTION_CREATE,
    ("GET", "/interceptions/{interception_id}"): Action.INTERCEPTION_READ,
    ("GET", "/interceptions/{interception_id}/candidates"): Action.CANDIDATES_READ,
    ("PATCH", "/interceptions/{interception_id}"): Action.INTERCEPTION_EDIT,
    ("GET", "/interceptions/{interception_id}/versions"): Action.INTERCEPTION_READ,
    ("GET", "/review-queue"): Action.REVIEW_QUEUE,
    ("GET", "/candidates/{candidate_id}"): Action.REVIEW_QUEUE,
    ("POST", "/candidates/{candidate_id}/decision"): Action.DECIDE,
    ("GET", "/candidates/{candidate_id}/decisions"): Action.DECIDE,
    ("POST", "/decisions/{decision_id}/revoke"): Action.REVOKE_DECISION,
    ("POST", "/reconciliations"): Action.RECONCILIATION_START,
    ("GET", "/reconciliations/{reconciliation_id}"): Action.RECONCILIATION_READ,
    ("GET", "/reconciliations/{reconciliation_id}/candidates.csv"): Action.RECONCILIATION_READ,
    ("GET", "/audit"): Action.AUDIT_READ,
    ("GET", "/webhook/deliveries"): Action.WEBHOOK_READ,
    ("GET", "/users"): Action.USERS_MANAGE,
    ("POST", "/users"): Action.USERS_MANAGE,
    ("POST", "/users/{user_id}/tokens"): Action.USERS_MANAGE,
    ("POST", "/users/{user_id}/revoke"): Action.USERS_MANAGE,
    ("POST", "/users/{user_id}/enable"): Action.USERS_MANAGE,
    ("GET", "/me"): Action.SELF_READ,
    ("GET", "/metrics"): Action.METRICS_READ,
    ("GET", "/health"): Action.SELF_READ,
}


@pytest.fixture(scope="module")
def fuzz_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    h, client = start_harness(f"sqlite:///{Path(db)}")
    for i in range(3):
        h.call(Role.POLICE_REVIEWER, "POST", "/reports", json=report_body(f"F-R{i}", age=9 + i))
        h.call(Role.BGB_OFFICER, "POST", "/interceptions", json=interception_body(f"F-I{i}"))
    try:
        yield h
    finally:
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def api_schema(fuzz_harness: Harness) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_harness.app)


def _role_for(method: str, path: str) -> Role:
    return sorted(PERMISSIONS[OPERATION_ACTION[(method, path)]])[0]


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(OPERATION_ACTION),
    ids=[f"{m} {p}" for m, p in sorted(OPERATION_ACTION)],
)
def test_fuzz_openapi(method: str, path: str, api_schema: Any, fuzz_harness: Harness) -> None:
    operation = api_schema[path][method]
    # One in-process client for the whole run; not entered, so the app's lifespan (already
    # running under the harness) is not started and stopped again for every call.
    client = asgi.get_client(fuzz_harness.app)
    headers = fuzz_harness.auth(_role_for(method, path))

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if path == "/users/{user_id}/revoke":
            case.path_parameters = {"user_id": "f" * 32}  # never lock the fuzzer's own users out
        case.call_and_validate(session=client, headers=headers, checks=CHECKS)

    run()


def test_every_operation_is_mapped(fuzz_harness: Harness) -> None:
    paths = fuzz_harness.client.get("/openapi.json").json()["paths"]
    assert {(m.upper(), p) for p, ops in paths.items() for m in ops} == set(OPERATION_ACTION)
