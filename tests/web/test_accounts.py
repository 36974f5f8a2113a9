"""Accounts on the pages (issue 15 items 3-5, issue 16 item 4): server-side sessions that
sign-out and revocation end, uniform sign-in answers, back-off by source and account, the
sign-in rate limit, one-time passwords, my account (own tokens), the admin's account forms and
the audit log (newest first, filters, CSV, decisions described, usernames). In process, with
the fake index of ``test_pages``."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import services
from api.app import create_app
from api.models import User, WebSession
from api.passwords import ACCOUNT_FAILURES
from api.roles import Role
from api.settings import Settings
from api.web import security
from tests.web.conftest import cheap_hash
from tests.web.test_pages import FakeIndex

PASSWORD = "synthetic password 1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db = tmp_path_factory.mktemp("accounts") / "accounts.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        secret_key="synthetic-secret-for-account-tests",
        sync_enabled=False,
        sign_in_per_minute=10_000,
    )
    application = create_app(settings, index_factory=FakeIndex)
    with TestClient(application):
        yield application


def _user(app: Any, role: Role = Role.POLICE_REVIEWER, *, password: str = PASSWORD) -> str:
    """A fresh user with a (cheap) password; returns the username."""
    name = f"u{secrets.token_hex(4)}"
    with app.state.sessions() as session:
        user, _, _ = services.create_user(session, None, name, role)
        user.password_hash = cheap_hash(password)
        session.commit()
    return name


def _id(app: Any, username: str) -> str:
    with app.state.sessions() as session:
        return services.find_user(session, username=username).id


def _client(app: Any, source: str = "testclient") -> TestClient:
    return TestClient(app, client=(source, 50000))


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )


def _post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Any:
    form = {"csrf_token": _csrf(client, "/")} | (data or {})
    return client.post(path, data=form, follow_redirects=False)


def _alert(response: Any) -> str:
    match = re.search(r'role="alert">([^<]*)<', response.text)
    return match.group(1) if match else ""


def _audit_count(app: Any) -> int:
    from sqlalchemy import func, select

    from api.models import AuditEvent

    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _opens(client: TestClient, path: str = "/review") -> bool:
    return client.get(path, follow_redirects=False).status_code == 200


# ------------------------------------------------------------------ 15.5 server-side sessions


def test_a_cookie_saved_before_sign_out_no_longer_opens_review(app: Any) -> None:
    """Finding 15.5: the cookie alone used to be the session, valid for 12 h after sign-out."""
    name = _user(app)
    client = _client(app)
    assert _sign_in(client, name).status_code == 303
    saved = client.cookies.get(security.SESSION_COOKIE)
    assert _opens(client)
    assert _post(client, "/logout").status_code == 303
    replay = _client(app)
    replay.cookies.set(security.SESSION_COOKIE, saved or "")
    assert replay.get("/review", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("disable", [False, True], ids=["revoke-tokens", "disable"])
def test_revoking_or_disabling_a_user_ends_their_web_sessions(app: Any, disable: bool) -> None:
    """Finding 15.5: revoking a user's tokens left their web session working."""
    name = _user(app)
    reviewer = _client(app)
    assert _sign_in(reviewer, name).status_code == 303
    assert _opens(reviewer)
    with app.state.sessions() as session:
        services.revoke_user_tokens(session, None, _id(app, name), disable=disable)
    assert not _opens(reviewer)


def test_an_expired_session_opens_nothing(app: Any) -> None:
    name = _user(app)
    client = _client(app)
    _sign_in(client, name)
    assert _opens(client)
    with app.state.sessions() as session:
        for row in session.query(WebSession).filter(WebSession.user_id == _id(app, name)):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert not _opens(client)


def test_old_sessions_are_pruned_at_the_next_sign_in(app: Any) -> None:
    name = _user(app)
    for _ in range(3):
        _sign_in(_client(app), name)
    with app.state.sessions() as session:
        rows = session.query(WebSession).filter(WebSession.user_id == _id(app, name)).all()
        assert len(rows) == 3
        rows[0].ended_at = datetime.now(UTC) - timedelta(days=2)
        rows[1].expires_at = datetime.now(UTC) - timedelta(days=2)
        session.commit()
    _sign_in(_client(app), name)
    with app.state.sessions() as session:
        left = session.query(WebSession).filter(WebSession.user_id == _id(app, name)).count()
    assert left == 2


def test_sessions_last_the_configured_hours(app: Any) -> None:
    name = _user(app)
    _sign_in(_client(app), name)
    with app.state.sessions() as session:
        row = session.query(WebSession).filter(WebSession.user_id == _id(app, name)).one()
        left = row.expires_at - datetime.now(UTC)
    hours = app.state.settings.session_hours
    assert timedelta(hours=hours) - timedelta(minutes=2) < left <= timedelta(hours=hours)


# ------------------------------------------------------------- 15.4 uniform answers, back-off


def test_every_refusal_is_the_same_answer_after_one_password_check(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 15.4: an existing user's answer differed from an unknown one's (text, timing).
    Unknown name, wrong password, disabled account and an account backing off all get the same
    status and words, and each costs exactly one argon2 verification and one audit event (the
    same database write)."""
    import api.services.users as users_service

    wrong, disabled, backing = _user(app), _user(app), _user(app)
    with app.state.sessions() as session:
        services.set_disabled(session, None, _id(app, disabled), True)
        row = services.find_user(session, username=backing)
        row.locked_until = datetime.now(UTC) + timedelta(minutes=5)
        session.commit()
    calls: list[int] = []
    real = users_service.verify_password

    def counting(stored: str | None, given: str | None) -> bool:
        calls.append(1)
        return real(stored, given)

    monkeypatch.setattr(users_service, "verify_password", counting)
    answers = []
    for username, password in [
        ("nobody-at-all", PASSWORD),
        (wrong, "not the password"),
        (disabled, PASSWORD),
        (backing, PASSWORD),
    ]:
        calls.clear()
        before = _audit_count(app)
        response = _sign_in(_client(app, f"198.51.100.{len(answers) + 1}"), username, password)
        answers.append((response.status_code, _alert(response)))
        assert calls == [1], username
        assert _audit_count(app) == before + 1, username
    assert len(set(answers)) == 1
    assert answers[0][0] == 401
    assert "Wrong username or password" in answers[0][1]


def test_account_back_off_spares_a_source_that_signed_in_before(app: Any) -> None:
    """Many sources failing on one account start its back-off (the right password from a new
    source is refused), but the owner's usual source still gets in: strangers cannot lock
    them out, and nothing is a hard lock."""
    name = _user(app)
    owner = _client(app, "203.0.113.1")
    assert _sign_in(owner, name).status_code == 303
    for i in range(ACCOUNT_FAILURES):
        stranger = _client(app, f"203.0.113.{100 + i // 4}")
        assert _sign_in(stranger, name, "guessing wrong").status_code == 401
    newcomer = _client(app, "203.0.113.250")
    assert _sign_in(newcomer, name).status_code == 401
    owner.cookies.clear()
    assert _sign_in(owner, name).status_code == 303
    with app.state.sessions() as session:
        row = services.find_user(session, username=name)
        assert row.failed_logins == 0
        assert row.locked_until is None


def test_sign_in_rate_limit_per_source_answers_429_before_any_work(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 15.4: sign-in had no rate limit. The fourth attempt in a minute from one source
    gets 429 with Retry-After, without reaching the sign-in service; another source and other
    endpoints are unaffected."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'limit.db'}",
        secret_key="synthetic-secret-limit",
        sync_enabled=False,
        sign_in_per_minute=3,
    )
    application = create_app(settings, index_factory=FakeIndex)
    with TestClient(application, client=("192.0.2.1", 1)) as client:
        token = _csrf(client)
        for _ in range(3):
            answer = client.post(
                "/login", data={"username": "x", "password": "y", "csrf_token": token}
            )
            assert answer.status_code == 401
        reached: list[str] = []
        monkeypatch.setattr(services, "sign_in", lambda *a, **k: reached.append("x"))
        limited = client.post(
            "/login", data={"username": "x", "password": "y", "csrf_token": token}
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "Too many sign-in attempts" in limited.text
        assert reached == []
        assert client.get("/health").status_code == 200
        assert client.get("/login").status_code == 200
    with TestClient(application, client=("192.0.2.2", 1)) as other:
        monkeypatch.undo()
        answer = other.post(
            "/login", data={"username": "x", "password": "y", "csrf_token": _csrf(other)}
        )
        assert answer.status_code == 401


# ------------------------------------------- 15.3 one-time passwords; my account; own tokens


def test_an_admin_set_password_is_one_time_and_reads_nothing(app: Any) -> None:
    """An admin who sets a reviewer's password and signs in with it reaches only the form to
    choose a new one: no page with a child's record, no token."""
    admin_name, reviewer_name = _user(app, Role.ADMIN), _user(app)
    admin = _client(app)
    _sign_in(admin, admin_name)
    answer = _post(
        admin, f"/web/admin/users/{_id(app, reviewer_name)}/password", {"password": "one-time pw 1"}
    )
    assert answer.status_code == 303
    impostor = _client(app, "192.0.2.99")
    assert _sign_in(impostor, reviewer_name, "one-time pw 1").status_code == 303
    for path in ("/review", "/web/reports", "/"):
        moved = impostor.get(path, follow_redirects=False)
        assert moved.status_code == 303
        assert moved.headers["location"] == "/web/account"
    assert 'data-testid="must-change"' in impostor.get("/web/account").text
    refused = _post(impostor, "/web/account/tokens")
    assert refused.status_code == 303
    assert refused.headers["location"] == "/web/account"
    # The user chooses their own password; then everything opens.
    changed = _post(
        impostor,
        "/web/account/password",
        {"current": "one-time pw 1", "new": "my own password", "repeat": "my own password"},
    )
    assert changed.status_code == 303
    assert _opens(impostor)


def test_my_account_issues_and_revokes_my_own_tokens(app: Any) -> None:
    name = _user(app)
    client = _client(app)
    _sign_in(client, name)
    page = _post(client, "/web/account/tokens")
    assert page.status_code == 200
    token = re.search(r"<code>([^<]+)</code>", page.text)
    assert token is not None
    api = _client(app)
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert api.get("/me", headers=bearer).json()["username"] == name
    listed = client.get("/web/account").text
    assert token.group(1) not in listed  # shown once
    assert listed.count("<tr><td>") == 2  # the operator's first token and this one
    assert _post(client, "/web/account/tokens/revoke").status_code == 303
    assert api.get("/me", headers=bearer).status_code == 401
    assert "no working API token" in client.get("/web/account").text
    assert _opens(client)  # revoking my tokens keeps this session


@pytest.mark.parametrize(
    ("new", "repeat", "current", "problem"),
    [
        ("long new password", "other new password", PASSWORD, "differ"),
        ("short", "short", PASSWORD, "at least 10"),
        ("long new password", "long new password", "wrong current pw", "current password"),
    ],
    ids=["mismatch", "too-short", "wrong-current"],
)
def test_changing_my_password_refuses_bad_input(
    app: Any, new: str, repeat: str, current: str, problem: str
) -> None:
    name = _user(app)
    client = _client(app)
    _sign_in(client, name)
    answer = _post(
        client, "/web/account/password", {"current": current, "new": new, "repeat": repeat}
    )
    assert answer.status_code == 422
    assert problem in _alert(answer)


# ---------------------------------------------------------------- 16.4 the admin's account forms


def test_admin_disables_and_re_enables_an_account_on_the_page(app: Any) -> None:
    admin_name, officer_name = _user(app, Role.ADMIN), _user(app, Role.BGB_OFFICER)
    officer = _client(app, "192.0.2.50")
    _sign_in(officer, officer_name)
    assert _opens(officer, "/web/interceptions/new")
    admin = _client(app)
    _sign_in(admin, admin_name)
    target = _id(app, officer_name)
    assert _post(admin, f"/web/admin/users/{target}/disable").status_code == 303
    assert not _opens(officer, "/web/interceptions/new")
    assert _sign_in(officer, officer_name).status_code == 401
    assert _post(admin, f"/web/admin/users/{target}/enable").status_code == 303
    assert _sign_in(officer, officer_name).status_code == 303
    assert _opens(officer, "/web/interceptions/new")
    own = _post(admin, f"/web/admin/users/{_id(app, admin_name)}/disable")
    assert own.status_code == 409


@pytest.mark.parametrize(
    ("password", "status", "words"),
    [("short", 422, "at least 10"), ("x" * 1500, 422, "too long")],
    ids=["too-short", "too-long"],
)
def test_admin_one_time_password_refuses_bad_passwords(
    app: Any, password: str, status: int, words: str
) -> None:
    admin = _client(app)
    _sign_in(admin, _user(app, Role.ADMIN))
    target = _user(app)
    answer = _post(admin, f"/web/admin/users/{_id(app, target)}/password", {"password": password})
    assert answer.status_code == status
    assert words in _alert(answer)
    assert _sign_in(_client(app, "192.0.2.77"), target).status_code == 303  # unchanged


def test_admin_page_never_shows_a_token_for_someone_else(app: Any) -> None:
    admin = _client(app)
    _sign_in(admin, _user(app, Role.ADMIN))
    created = _post(admin, "/web/admin/users", {"username": "fresh.officer", "role": "bgb_officer"})
    assert created.status_code == 303
    page = admin.get(created.headers["location"])
    assert "new-token" not in page.text
    with app.state.sessions() as session:
        user = session.query(User).filter(User.username == "fresh.officer").one()
        assert user.password_hash is None


# --------------------------------------------------------------------------- 16.4 the audit log


@pytest.fixture(scope="module")
def decided(app: Any) -> dict[str, str]:
    """A report, an interception, a rejection and a confirmation by a reviewer (synthetic)."""
    from api.schemas import DecisionIn, InterceptionIn, ReportIn

    reviewer_name, officer_name = _user(app), _user(app, Role.BGB_OFFICER)
    with app.state.sessions() as session:
        reviewer = services.find_user(session, username=reviewer_name)
        officer = services.find_user(session, username=officer_name)
        for rid in ("AUD-R1", "AUD-R2"):
            services.create_report(
                session,
                reviewer,
                ReportIn(report_id=rid, name="Rahima Khatun", sex="F", age=10),
                index=app.state.index,
            )
        candidates = services.submit_interception(
            session,
            officer,
            InterceptionIn(interception_id="AUD-I1", name="Rohima Khatoon", sex="F", age=11),
            index=app.state.index,
            top_k=5,
        ).candidates
        by_report = {c.report_id: c.id for c in candidates}
        services.decide(
            session,
            reviewer,
            by_report["AUD-R2"],
            DecisionIn(decision="reject"),
            index=app.state.index,
        )
        services.decide(
            session,
            reviewer,
            by_report["AUD-R1"],
            DecisionIn(decision="confirm"),
            index=app.state.index,
        )
    return {"reviewer": reviewer_name, "confirmed": by_report["AUD-R1"]}


def _admin(app: Any) -> TestClient:
    client = _client(app)
    _sign_in(client, _user(app, Role.ADMIN))
    return client


def _event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-event-id="(\d+)"', html)]


def test_audit_log_is_newest_first_and_pages_backwards(
    app: Any, decided: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 16.4: the log listed oldest first."""
    from api.web import admin_pages

    monkeypatch.setattr(admin_pages, "AUDIT_PAGE", 5)
    admin = _admin(app)
    first = admin.get("/web/admin/audit")
    ids = _event_ids(first.text)
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 5
    older = re.search(r'href="\?before=(\d+)', first.text)
    assert older is not None
    assert int(older.group(1)) == ids[-1]
    more = _event_ids(admin.get(f"/web/admin/audit?before={older.group(1)}").text)
    assert len(more) == 5
    assert more == sorted(more, reverse=True)
    assert max(more) < min(ids)
    assert admin.get("/web/admin/audit?before=9223372036854775808").status_code == 422


def test_audit_log_describes_decisions_with_usernames(app: Any, decided: dict[str, str]) -> None:
    """Finding 16.4: decision entries said "create decision <id>" and people were hex ids."""
    admin = _admin(app)
    html = admin.get("/web/admin/audit", params={"record_type": "decision"}).text
    details = re.findall(r'data-testid="decision-detail">([^<]*)<', html)
    confirm = [d for d in details if d.startswith("Confirm match")]
    reject = [d for d in details if d.startswith("Not the same child")]
    assert confirm
    assert reject
    assert decided["confirmed"] in confirm[0]
    assert "AUD-I1" in confirm[0]
    assert "AUD-R1" in confirm[0]
    assert decided["reviewer"] in confirm[0]
    assert _id(app, decided["reviewer"]) not in html
    # Events about a user name them.
    users_html = admin.get("/web/admin/audit", params={"record_type": "user"}).text
    assert f"Username: {decided['reviewer']}" in users_html
    for private in ("Rahima", "Rohima", "Khatun"):
        assert private not in html


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"action": "decide"}, lambda row: row["action"] == "decide"),
        ({"record_type": "report"}, lambda row: row["record_type"] == "report"),
        ({"record_id": "AUD-R1"}, lambda row: row["record_id"] == "AUD-R1"),
    ],
    ids=["action", "record-type", "record-id"],
)
def test_audit_filters_and_csv_export_agree(
    app: Any, decided: dict[str, str], params: dict[str, str], check: Any
) -> None:
    admin = _admin(app)
    page_ids = _event_ids(admin.get("/web/admin/audit", params=params).text)
    exported = admin.get("/web/admin/audit.csv", params=params)
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows
    assert all(check(r) for r in rows)
    assert [int(r["event_id"]) for r in rows][: len(page_ids)] == page_ids


def test_audit_filter_by_actor_and_dates(app: Any, decided: dict[str, str]) -> None:
    admin = _admin(app)
    mine = list(
        csv.DictReader(
            io.StringIO(
                admin.get("/web/admin/audit.csv", params={"actor": decided["reviewer"]}).text
            )
        )
    )
    assert mine
    assert {r["actor"] for r in mine} == {decided["reviewer"]}
    assert any(r["details"].startswith("confirm candidate") for r in mine)
    today = datetime.now(UTC).date()
    later = {"date_from": (today + timedelta(days=1)).isoformat()}
    assert _event_ids(admin.get("/web/admin/audit", params=later).text) == []
    now = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    assert _event_ids(admin.get("/web/admin/audit", params=now).text)
    backwards = {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()}
    refused = admin.get("/web/admin/audit", params=backwards)
    assert refused.status_code == 422
    assert "before" in _alert(refused)


def test_audit_csv_neutralises_formulas_and_is_itself_audited(
    app: Any, decided: dict[str, str]
) -> None:
    from api import audit
    from api.audit import AuditAction, RecordType

    with app.state.sessions() as session:
        audit.record(session, None, AuditAction.READ, RecordType.REPORT, "=HYPERLINK(1)")
        session.commit()
    admin = _admin(app)
    text = admin.get("/web/admin/audit.csv", params={"record_type": "report"}).text
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text
    assert "(command line)" in text
    last = list(csv.DictReader(io.StringIO(admin.get("/web/admin/audit.csv").text)))
    assert any(r["action"] == "download" and r["record_type"] == "audit" for r in last)


def test_only_admins_read_the_audit_log_and_its_export(app: Any) -> None:
    reviewer = _client(app)
    _sign_in(reviewer, _user(app))
    assert reviewer.get("/web/admin/audit.csv").status_code == 403
    assert reviewer.get("/web/admin/audit").status_code == 403


def test_decision_history_names_the_reviewer(app: Any, decided: dict[str, str]) -> None:
    """Finding 16.4: decision history showed hex user ids (JSON) or nobody (the page)."""
    reviewer = _client(app)
    _sign_in(reviewer, decided["reviewer"])
    html = reviewer.get(f"/review/{decided['confirmed']}").text
    history = re.findall(r'data-testid="decision-history">([^<]*)<', html)
    assert history
    assert decided["reviewer"] in history[0]
