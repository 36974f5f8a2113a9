"""Accounts through the JSON API and the CLI (issue 15 items 3 and 9): tokens bound to their
own user, tokens that expire, disabled users that can be re-enabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api import services
from api.models import ApiToken
from api.roles import Role
from api.settings import Settings
from tests.api.conftest import Harness, interception_body, report_body
from tests.api.test_cli import shondhan

R, B, A, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST, Role.ADMIN


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_cannot_obtain_a_token_that_reads_as_someone_else(harness: Harness) -> None:
    """Finding 15.3: minting a token for a reviewer and reading a report with it used to work,
    and the audit blamed the reviewer. Now neither path gives an admin anyone else's token."""
    h = harness
    assert h.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 201
    minted = h.call(AD, "POST", f"/users/{h.user_ids[R]}/tokens")
    assert minted.status_code == 403
    assert "token" not in minted.json()
    created = h.call(AD, "POST", "/users", json={"username": "rev.new", "role": "police_reviewer"})
    assert created.status_code == 201
    assert "token" not in created.json()
    new_id = created.json()["user_id"]
    assert h.call(AD, "POST", f"/users/{new_id}/tokens").status_code == 403
    # An admin still mints their own, and it works (for admin things only).
    own = h.call(AD, "POST", f"/users/{h.user_ids[AD]}/tokens")
    assert own.status_code == 201
    assert h.client.get("/me", headers=_bearer(own.json()["token"])).json()["role"] == "admin"
    assert h.client.get("/reports/R-1", headers=_bearer(own.json()["token"])).status_code == 403
    reads = h.call(AD, "GET", "/audit", params={"record_id": "R-1"}).json()["items"]
    assert {e["username"] for e in reads} == {"t-police_reviewer"}


def test_tokens_expire_after_the_configured_lifetime(harness: Harness) -> None:
    """Finding 15.9: tokens never expired. A token carries its expiry (token_days from the
    settings) and stops working after it."""
    h = harness
    issued = h.call(AD, "POST", f"/users/{h.user_ids[AD]}/tokens").json()
    expires = datetime.fromisoformat(issued["expires_at"])
    expected = datetime.now(UTC) + Settings().token_lifetime
    assert abs((expires - expected).total_seconds()) < 120
    assert h.client.get("/me", headers=_bearer(issued["token"])).status_code == 200
    with h.app.state.sessions() as session:
        row = session.get(ApiToken, issued["token_id"])
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert h.client.get("/me", headers=_bearer(issued["token"])).status_code == 401


def test_a_shorter_token_lifetime_setting_is_used(tmp_path: Path) -> None:
    from tests.api.conftest import start_harness

    h, client = start_harness(f"sqlite:///{tmp_path / 'short.db'}", token_days=2)
    try:
        issued = h.call(AD, "POST", f"/users/{h.user_ids[AD]}/tokens").json()
        left = datetime.fromisoformat(issued["expires_at"]) - datetime.now(UTC)
        assert timedelta(days=1, hours=23) < left <= timedelta(days=2)
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("token_days", 0),
        ("token_days", 100_000),
        ("session_hours", 0),
        ("session_hours", -1),
        ("sign_in_per_minute", 0),
    ],
    ids=["token-zero", "token-huge", "session-zero", "session-negative", "rate-zero"],
)
def test_lifetime_and_rate_settings_are_validated(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})


def test_a_disabled_user_can_be_re_enabled(harness: Harness) -> None:
    """Finding 15.9: disabling was for good. Disabling revokes and refuses; re-enabling lets
    the user back in with a new credential (none comes back by itself)."""
    h = harness
    target = h.user_ids[A]
    assert h.call(AD, "POST", f"/users/{target}/revoke", params={"disable": "true"}).json() == {
        "revoked": 1
    }
    assert h.call(A, "GET", "/me").status_code == 401
    listed = {u["user_id"]: u for u in h.call(AD, "GET", "/users").json()}
    assert listed[target]["disabled"] is True
    enabled = h.call(AD, "POST", f"/users/{target}/enable")
    assert enabled.status_code == 200
    assert enabled.json()["disabled"] is False
    assert h.call(A, "GET", "/me").status_code == 401  # the old token stays revoked
    with h.app.state.sessions() as session:
        _tok, fresh = services.new_token(session, None, target)
    assert h.client.get("/me", headers=_bearer(fresh)).status_code == 200
    actions = [
        e["action"]
        for e in h.call(AD, "GET", "/audit", params={"record_id": target}).json()["items"]
    ]
    assert actions[-2:] == ["user_disable", "user_enable"]


def test_an_admin_cannot_disable_themselves(harness: Harness) -> None:
    h = harness
    own = h.user_ids[AD]
    answer = h.call(AD, "POST", f"/users/{own}/revoke", params={"disable": "true"})
    assert answer.status_code == 409
    assert h.call(AD, "GET", "/me").status_code == 200


def test_cli_enable_re_enables_a_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert shondhan(url, "migrate").returncode == 0
    created = shondhan(url, "users", "create", "--username", "an.analyst", "--role", "analyst")
    assert created.returncode == 0
    assert shondhan(url, "users", "revoke", "--username", "an.analyst", "--disable").returncode == 0
    assert "(disabled)" in shondhan(url, "users", "list").stdout
    enabled = shondhan(url, "users", "enable", "--username", "an.analyst")
    assert enabled.returncode == 0, enabled.stderr
    assert "(disabled)" not in shondhan(url, "users", "list").stdout
    assert shondhan(url, "users", "enable", "--username", "nobody").returncode == 1
    token = shondhan(url, "users", "token", "--username", "an.analyst")
    assert token.returncode == 0
    assert len(token.stdout.strip()) >= 40


def test_decision_history_carries_usernames(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    submitted = h.call(B, "POST", "/interceptions", json=interception_body("I-1")).json()
    candidate = next(c for c in submitted["candidates"] if c["report_id"] == "R-1")
    path = f"/candidates/{candidate['candidate_id']}"
    h.call(R, "POST", f"{path}/decision", json={"decision": "confirm"})
    decision = h.call(R, "GET", f"{path}/decisions").json()[0]
    h.call(AD, "POST", f"/decisions/{decision['decision_id']}/revoke", json={"reason": "test"})
    history = h.call(AD, "GET", f"{path}/decisions").json()[0]
    assert history["decided_by_username"] == "t-police_reviewer"
    assert history["revoked_by_username"] == "t-admin"
