"""The role matrix: every endpoint x every role (and no token) -> the expected status.

Mutating endpoints are called with an invalid body or an unknown id, so an allowed role gets
422/404 (proof that authorisation passed) without changing state, and the cases stay
independent of their order. Roles are checked before the body is validated.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.roles import PERMISSIONS, Action, Role, allowed
from tests.api.conftest import Harness, interception_body, report_body

UNKNOWN = "0" * 32
R, B, A, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST, Role.ADMIN

# (case id, method, path, request kwargs, roles allowed, status for an allowed role)
ENDPOINTS: list[tuple[str, str, str, dict[str, Any], set[Role], int]] = [
    ("create-report", "POST", "/reports", {"json": {"age": -1}}, {R}, 422),
    ("import-reports", "POST", "/reports/import", {}, {R}, 422),
    ("import-rejects", "GET", f"/reports/imports/{UNKNOWN}/rejects.csv", {}, {R}, 404),
    ("get-report", "GET", "/reports/M-R1", {}, {R, A}, 200),
    ("same-child-reports", "GET", "/reports/M-R1/same-child", {}, {R, A}, 200),
    ("report-candidates", "GET", "/reports/M-R1/candidates", {}, {R, A}, 200),
    ("search-reports", "GET", "/reports", {"params": {"name": "Rohima Khatoon"}}, {R, A}, 200),
    ("search-reports-post", "POST", "/reports/search", {"json": {"name": "Rohima"}}, {R, A}, 200),
    ("submit-interception", "POST", "/interceptions", {"json": {"age": "old"}}, {B}, 422),
    ("get-interception", "GET", "/interceptions/M-I1", {}, {B, R, A}, 200),
    ("list-candidates", "GET", "/interceptions/M-I1/candidates", {}, {B, R, A}, 200),
    ("edit-interception", "PATCH", "/interceptions/M-I1", {"json": {"age": "old"}}, {B, R}, 422),
    ("interception-versions", "GET", "/interceptions/M-I1/versions", {}, {B, R, A}, 200),
    ("review-queue", "GET", "/review-queue", {}, {R}, 200),
    ("get-candidate", "GET", f"/candidates/{UNKNOWN}", {}, {R}, 404),
    (
        "decide",
        "POST",
        f"/candidates/{UNKNOWN}/decision",
        {"json": {"decision": "confirm"}},
        {R},
        404,
    ),
    ("list-decisions", "GET", f"/candidates/{UNKNOWN}/decisions", {}, {R, AD}, 404),
    (
        "revoke-decision",
        "POST",
        f"/decisions/{UNKNOWN}/revoke",
        {"json": {"reason": "r"}},
        {AD},
        404,
    ),
    ("start-reconciliation", "POST", "/reconciliations", {}, {A}, 202),
    ("get-reconciliation", "GET", f"/reconciliations/{UNKNOWN}", {}, {A}, 404),
    ("reconciliation-csv", "GET", f"/reconciliations/{UNKNOWN}/candidates.csv", {}, {A}, 404),
    ("audit", "GET", "/audit", {}, {AD}, 200),
    ("webhook-deliveries", "GET", "/webhook/deliveries", {}, {AD}, 200),
    ("list-users", "GET", "/users", {}, {AD}, 200),
    ("create-user", "POST", "/users", {"json": {"username": "X"}}, {AD}, 422),
    ("new-token", "POST", f"/users/{UNKNOWN}/tokens", {}, {AD}, 404),
    ("revoke-tokens", "POST", f"/users/{UNKNOWN}/revoke", {}, {AD}, 404),
    ("enable-user", "POST", f"/users/{UNKNOWN}/enable", {}, {AD}, 404),
    ("me", "GET", "/me", {}, set(Role), 200),
    ("metrics", "GET", "/metrics", {}, {AD, A}, 200),
]

CASES = [
    pytest.param(
        method, path, kwargs, role, (ok if role in roles else 403), id=f"{name}-{role.value}"
    )
    for name, method, path, kwargs, roles, ok in ENDPOINTS
    for role in Role
] + [
    pytest.param(method, path, kwargs, None, 401, id=f"{name}-anonymous")
    for name, method, path, kwargs, _roles, _ok in ENDPOINTS
]


@pytest.fixture(scope="module")
def matrix(shared_harness: Harness) -> Harness:
    h = shared_harness
    if h.call(R, "GET", "/reports/M-R1").status_code == 404:
        assert h.call(R, "POST", "/reports", json=report_body("M-R1")).status_code == 201
        assert (
            h.call(B, "POST", "/interceptions", json=interception_body("M-I1")).status_code == 201
        )
    return h


@pytest.mark.parametrize(("method", "path", "kwargs", "role", "expected"), CASES)
def test_role_matrix(
    matrix: Harness,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    role: Role | None,
    expected: int,
) -> None:
    response = matrix.call(role, method, path, **kwargs)
    assert response.status_code == expected, response.text
    if expected in (401, 403):
        assert response.headers["content-type"].startswith("application/json")
        assert "detail" in response.json()
    if expected == 401:
        assert response.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer " + "x" * 5000}, 401),
    ],
    ids=["none", "empty", "unknown", "basic-scheme", "huge"],
)
def test_bad_tokens_are_401(matrix: Harness, header: dict[str, str], expected: int) -> None:
    assert matrix.client.get("/me", headers=header).status_code == expected


def test_every_action_has_a_role_and_admin_reads_no_child_records() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert all(PERMISSIONS[a] for a in Action)
    for action in (Action.REPORT_READ, Action.INTERCEPTION_READ, Action.CANDIDATES_READ):
        assert not allowed(Role.ADMIN, action)


@pytest.mark.parametrize(
    "role", ["", "root", "ADMIN", "admin "], ids=["empty", "root", "upper", "space"]
)
def test_unknown_roles_may_do_nothing(role: str) -> None:
    assert not any(allowed(role, a) for a in Action)


def test_matrix_covers_every_route(matrix: Harness) -> None:
    schema = matrix.client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    covered = set()
    for _name, method, path, *_ in ENDPOINTS:
        for template_method, template in documented:
            if template_method == method and _matches(template, path):
                covered.add((template_method, template))
    assert documented - covered == {("GET", "/health")}


def _matches(template: str, path: str) -> bool:
    t, p = template.strip("/").split("/"), path.strip("/").split("/")
    return len(t) == len(p) and all(a == b or a.startswith("{") for a, b in zip(t, p, strict=True))
