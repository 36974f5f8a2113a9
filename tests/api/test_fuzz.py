"""Property-based fuzzing of the whole OpenAPI schema with schemathesis: whatever schemathesis
generates (valid and invalid), the service never answers 5xx, and every response conforms to
the documented status codes, content types and response schemas. Bounded for CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.roles import PERMISSIONS, Action, Role
from tests.api.conftest import Harness, interception_body, report_body, start_harness

pytestmark = pytest.mark.slow

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
    ("GET", "/reports/{report_id}"): Action.REPORT_READ,
    ("POST", "/interceptions"): Action.INTERCEPTION_CREATE,
    ("GET", "/interceptions/{interception_id}"): Action.INTERCEPTION_READ,
    ("GET", "/interceptions/{interception_id}/candidates"): Action.CANDIDATES_READ,
    ("GET", "/review-queue"): Action.REVIEW_QUEUE,
    ("GET", "/candidates/{candidate_id}"): Action.REVIEW_QUEUE,
    ("POST", "/candidates/{candidate_id}/decision"): Action.DECIDE,
    ("GET", "/candidates/{candidate_id}/decisions"): Action.DECIDE,
    ("POST", "/decisions/{decision_id}/revoke"): Action.REVOKE_DECISION,
    ("POST", "/reconciliations"): Action.RECONCILIATION_START,
    ("GET", "/reconciliations/{reconciliation_id}"): Action.RECONCILIATION_READ,
    ("GET", "/reconciliations/{reconciliation_id}/candidates.csv"): Action.RECONCILIATION_READ,
    ("GET", "/audit"): Action.AUDIT_READ,
    ("GET", "/users"): Action.USERS_MANAGE,
    ("POST", "/users"): Action.USERS_MANAGE,
    ("POST", "/users/{user_id}/tokens"): Action.USERS_MANAGE,
    ("POST", "/users/{user_id}/revoke"): Action.USERS_MANAGE,
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


schema = schemathesis.pytest.from_fixture("api_schema")


def _role_for(method: str, path: str) -> Role:
    action = OPERATION_ACTION[(method.upper(), path)]
    # Revoking tokens would lock the fuzzer out of later calls: use a spare admin there.
    return sorted(PERMISSIONS[action])[0]


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_openapi(case: Any, fuzz_harness: Harness) -> None:
    role = _role_for(case.method, case.path)
    headers = fuzz_harness.auth(role)
    if case.path == "/users/{user_id}/revoke":
        headers = fuzz_harness.auth(None) | {
            "Authorization": f"Bearer {fuzz_harness.tokens[Role.ADMIN]}"
        }
        case.path_parameters = {"user_id": "f" * 32}  # an unknown user: never lock out our own
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_every_operation_is_mapped(fuzz_harness: Harness) -> None:
    paths = fuzz_harness.client.get("/openapi.json").json()["paths"]
    assert {(m.upper(), p) for p, ops in paths.items() for m in ops} == set(OPERATION_ACTION)
