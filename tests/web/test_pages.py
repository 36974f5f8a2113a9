"""In-process tests of the pages (no browser): security headers and cookies, CSRF, lock-out,
redirect safety, role refusals, forms. A small fake index keeps them independent of the engine's
model (the browser tests use the real one).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import services
from api.app import create_app
from api.roles import Role
from api.settings import Settings
from api.web import security
from api.web.context import safe_next
from matcher.fields import AGE_REASON
from matcher.names import name_key
from matcher.records import Band, Candidate, Contribution, Interception, Report, Verdict
from tests.web.conftest import cheap_hash

PASSWORD = "synthetic password 1"


class FakeIndex:
    """Proposes every report whose name key shares a token with the interception's name."""

    def __init__(self) -> None:
        self.reports: dict[str, Report] = {}

    def add(self, report: Report) -> None:
        self.reports[report.report_id] = report

    def add_many(self, reports: Iterable[Report]) -> None:
        for report in reports:
            self.add(report)

    def remove(self, report_id: str) -> None:
        self.reports.pop(report_id, None)

    def __len__(self) -> int:
        return len(self.reports)

    def query(
        self, interception: Interception, *, top_k: int = 10, exclude: Collection[str] = ()
    ) -> list[Candidate]:
        wanted = set(name_key(interception.name).split())
        hits = [
            r
            for r in self.reports.values()
            if r.report_id not in exclude and wanted & set(name_key(r.name).split())
        ]
        return [
            Candidate(
                interception.interception_id,
                r.report_id,
                rank,
                0.9,
                Band.REVIEW,
                (
                    Contribution("name", Verdict.AGREE, 3.0, "same name key"),
                    Contribution("age", Verdict.DISAGREE, -1.5, "far"),
                ),
            )
            for rank, r in enumerate(hits[:top_k], start=1)
        ]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app per module (tests clear cookies and do not depend on each other's rows)."""
    db = tmp_path_factory.mktemp("pages") / "pages.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        secret_key="synthetic-secret-for-page-tests",
        sync_enabled=False,
        sign_in_per_minute=10_000,  # the tests sign in from one TestClient address
    )
    application = create_app(settings, index_factory=FakeIndex)
    with TestClient(application) as client:
        application.state.client = client
        with application.state.sessions() as session:
            for username, role in (
                ("officer", Role.BGB_OFFICER),
                ("reviewer", Role.POLICE_REVIEWER),
                ("admin", Role.ADMIN),
                ("locky", Role.BGB_OFFICER),
            ):
                user, _, _ = services.create_user(session, None, username, role)
                user.password_hash = cheap_hash(PASSWORD)
                session.commit()
        yield application


def _client(app: Any) -> TestClient:
    client: TestClient = app.state.client
    client.cookies.clear()
    return client


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    token = _csrf(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def test_sign_in_sets_a_strict_httponly_cookie_and_rotates_the_nonce(app: Any) -> None:
    client = _client(app)
    client.get("/login")
    before = client.cookies.get(security.SESSION_COOKIE)
    response = _sign_in(client, "officer")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http in the test
    after = client.cookies.get(security.SESSION_COOKIE)
    assert after != before


@pytest.mark.parametrize(
    ("username", "password"),
    [("officer", "wrong password"), ("ghost", PASSWORD), ("", "")],
    ids=["wrong-password", "unknown-user", "empty"],
)
def test_failed_sign_in_looks_the_same(app: Any, username: str, password: str) -> None:
    client = _client(app)
    response = _sign_in(client, username, password)
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_back_off_holds_the_failing_source_only_then_set_password(app: Any) -> None:
    """Five failures from one source hold that source back on that name (the right password
    is refused there with the same answer); another source still signs in, so a stranger
    cannot lock the owner out. A new password ends the sessions signed in with the old one."""
    client = _client(app)
    for _ in range(security.MAX_FAILURES):
        response = _sign_in(client, "locky", "wrong password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    held = _sign_in(client, "locky")  # right password, this source is backing off
    assert held.status_code == 401
    assert "Wrong username or password" in held.text
    with TestClient(app, client=("192.0.2.7", 50000)) as owner:
        assert _sign_in(owner, "locky").status_code == 303
        assert owner.get("/", follow_redirects=False).status_code == 200
        from cli.users import set_password

        url = str(app.state.settings.database_url)
        assert set_password("locky", PASSWORD, database_url=url)
        # A new password ends the sessions signed in with the old one.
        assert owner.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("form", "cookie"),
    [({}, True), ({"csrf_token": "forged"}, True), ({"csrf_token": "x"}, False)],
    ids=["no-token", "wrong-token", "no-session"],
)
def test_posts_without_a_valid_csrf_token_are_refused(
    app: Any, form: dict[str, str], cookie: bool
) -> None:
    from sqlalchemy import func, select

    from api.models import InterceptionRow

    def count() -> int:
        with app.state.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(InterceptionRow)) or 0)

    client = _client(app)
    if cookie:
        _sign_in(client, "officer")
    before = count()
    response = client.post("/web/interceptions", data={**form, "name": "Forged"})
    assert response.status_code == 403
    assert "another site" in response.text
    assert count() == before


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/review?band=match", "/review?band=match"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
        ("/x" * 400, "/"),
    ],
    ids=[
        "local",
        "absolute",
        "protocol-relative",
        "backslash",
        "javascript",
        "empty",
        "none",
        "huge",
    ],
)
def test_safe_next_allows_only_local_paths(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("officer", "/review", 403),
        ("officer", "/web/reports", 403),
        ("officer", "/web/admin", 403),
        ("reviewer", "/web/interceptions/new", 403),
        ("reviewer", "/web/admin/audit", 403),
        ("admin", "/review", 403),
        ("admin", "/web/admin", 200),
        ("officer", "/web/interceptions/new", 200),
        ("reviewer", "/review", 200),
        ("officer", "/web/interceptions/NOPE-1", 404),
    ],
    ids=lambda v: str(v),
)
def test_role_refusals_are_html_pages(app: Any, username: str, path: str, status: int) -> None:
    client = _client(app)
    _sign_in(client, username)
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_anonymous_is_redirected_to_sign_in_with_next(app: Any) -> None:
    response = _client(app).get("/review?band=match", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/review%3Fband%3Dmatch"


def test_static_files_are_served_from_a_fixed_list(app: Any) -> None:
    client = _client(app)
    assert client.get("/static/shondhan.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/..%2Fweb%2Fsecurity.py").status_code == 404
    assert client.get("/static/missing.css").status_code == 404


def test_submit_review_confirm_in_process(app: Any) -> None:
    client = _client(app)
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    response = client.post(
        "/web/reports",
        data={"csrf_token": token, "report_id": "R-1", "name": "Rahima Khatun", "age": "১০"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/web/reports/R-1?done=report_added"
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    response = client.post(
        "/web/interceptions",
        data={
            "csrf_token": token,
            "name": "Rohima Khatoon",
            "age": "~12",
            "home_district": "Jashore",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    interception_url = response.headers["location"]
    page = client.get(interception_url).text
    assert 'data-report-id="R-1"' in page
    assert "Rahima Khatun" not in page  # the officer may not read the report

    _sign_in(client, "reviewer")
    queue = client.get("/review").text
    candidate_id = re.search(r'data-candidate-id="([0-9a-f]+)"', queue)
    assert candidate_id is not None
    page = client.get(f"/review/{candidate_id.group(1)}").text
    assert 'data-field="name" data-mark="agree"' in page
    assert 'data-field="age" data-mark="disagree"' in page
    token = _csrf(client, f"/review/{candidate_id.group(1)}")
    response = client.post(
        f"/review/{candidate_id.group(1)}/decision",
        data={"csrf_token": token, "decision": "confirm", "note": "synthetic"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/review?done=decision_saved"
    _sign_in(client, "officer")
    assert 'data-testid="interception-status">Matched' in client.get(interception_url).text


@pytest.mark.parametrize(
    ("age", "date", "field"),
    [("twelve", "", "age"), ("", "32/13/2025", "interception_date"), ("500", "", "age")],
    ids=["age-words", "bad-date", "age-out-of-range"],
)
def test_form_errors_are_shown_not_stored(app: Any, age: str, date: str, field: str) -> None:
    client = _client(app)
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    response = client.post(
        "/web/interceptions",
        data={"csrf_token": token, "name": "Rahima", "age": age, "interception_date": date},
    )
    assert response.status_code == 422
    assert 'data-testid="form-errors"' in response.text
    assert f'name="{field}"' in response.text
    assert 'value="Rahima"' in response.text  # what was typed is kept


def test_an_interception_form_with_nothing_about_the_child_is_refused(app: Any) -> None:
    from sqlalchemy import func, select

    from api.models import InterceptionRow

    client = _client(app)
    _sign_in(client, "officer")
    with app.state.sessions() as session:
        before = session.scalar(select(func.count()).select_from(InterceptionRow))
    token = _csrf(client, "/web/interceptions/new")
    response = client.post(
        "/web/interceptions",
        data={"csrf_token": token, "name": "", "age": "", "interception_date": "2025-03-14"},
    )
    assert response.status_code == 422
    assert "says nothing about the child" in response.text
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InterceptionRow)) == before


def test_language_cookie_switches_labels(app: Any) -> None:
    client = _client(app)
    response = client.get("/lang/bn?next=/login", follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert security.LANG_COOKIE in response.headers["set-cookie"]
    page = client.get("/login").text
    assert '<html lang="bn">' in page
    assert "প্রবেশ করুন" in page
    assert (
        client.get("/lang/bn?next=https://evil.example", follow_redirects=False).headers["location"]
        == "/"
    )


def test_upazila_suggestions_need_a_session(app: Any) -> None:
    client = _client(app)
    assert (
        client.get("/web/places/upazilas?district=Jashore", follow_redirects=False).status_code
        == 303
    )
    _sign_in(client, "officer")
    names = client.get("/web/places/upazilas?district=যশোর").json()
    assert "Manirampur" in names


def test_bad_query_parameters_get_an_html_page(app: Any) -> None:
    client = _client(app)
    _sign_in(client, "reviewer")
    response = client.get("/review?p=not-a-number")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


def test_templates_use_no_inline_style_or_script() -> None:
    from api.web.context import TEMPLATES

    for path in TEMPLATES.glob("*.html"):
        text = path.read_text("utf-8")
        assert 'style="' not in text, path.name
        assert "<script>" not in text, path.name
        assert "onclick=" not in text.lower(), path.name


@pytest.mark.parametrize(
    ("username", "path", "budget"),
    [
        ("officer", "/web/interceptions/new", 40_000),
        ("officer", "/", 20_000),
        ("reviewer", "/review", 40_000),
    ],
    ids=["submit-form", "home", "queue"],
)
def test_pages_stay_light_for_a_slow_link(app: Any, username: str, path: str, budget: int) -> None:
    """HTML + stylesheet + script of a page, uncompressed, within a small budget."""
    client = _client(app)
    _sign_in(client, username)
    html = client.get(path).text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    total = len(html.encode()) + sum(len(client.get(a).content) for a in assets)
    assert total < budget, f"{path}: {total} bytes"


def test_admin_revokes_a_confirmation_and_the_pair_reopens(app: Any) -> None:
    from sqlalchemy import select

    from api.models import (
        CandidateRow,
        DecisionKind,
        DecisionRow,
        InterceptionRow,
        InterceptionStatus,
    )

    client = _client(app)
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    client.post(
        "/web/reports",
        data={"csrf_token": token, "report_id": "R-REV", "name": "Shirin Sultana"},
    )
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    location = client.post(
        "/web/interceptions",
        data={"csrf_token": token, "name": "Shirin Sultana"},
        follow_redirects=False,
    ).headers["location"]
    interception_id = location.rsplit("/", 1)[-1]
    with app.state.sessions() as session:
        candidate_id = session.scalar(
            select(CandidateRow.id).where(
                CandidateRow.interception_id == interception_id, CandidateRow.report_id == "R-REV"
            )
        )
    assert candidate_id is not None
    _sign_in(client, "reviewer")
    assert f'data-candidate-id="{candidate_id}"' in client.get("/review").text
    token = _csrf(client, f"/review/{candidate_id}")
    client.post(
        f"/review/{candidate_id}/decision",
        data={"csrf_token": token, "decision": "confirm"},
    )
    with app.state.sessions() as session:
        decision = session.scalar(
            select(DecisionRow).where(
                DecisionRow.candidate_id == candidate_id,
                DecisionRow.decision == DecisionKind.CONFIRM,
            )
        )
        assert decision is not None
        decision_id = decision.id

    _sign_in(client, "admin")
    token = _csrf(client, "/web/admin")
    refused = client.post(
        "/web/admin/decisions/revoke",
        data={"csrf_token": token, "decision_id": decision_id, "reason": "  "},
    )
    assert refused.status_code == 422
    response = client.post(
        "/web/admin/decisions/revoke",
        data={"csrf_token": token, "decision_id": decision_id, "reason": "wrong child (test)"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/web/admin?done=decision_revoked"
    with app.state.sessions() as session:
        row = session.get(InterceptionRow, interception_id)
        assert row is not None
        assert row.status == InterceptionStatus.OPEN
    again = client.post(
        "/web/admin/decisions/revoke",
        data={"csrf_token": token, "decision_id": decision_id, "reason": "twice"},
    )
    assert again.status_code == 409


# -- the name search is a POST: a child's name never travels in a URL --------------------------
SEARCH_NAME = "Nasima Parvin"  # synthetic, from the public name lists' common forms


@pytest.fixture(scope="module")
def searchable(app: Any) -> Any:
    """One report named ``SEARCH_NAME`` (added through the page, as a reviewer would)."""
    client = _client(app)
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    client.post(
        "/web/reports",
        data={"csrf_token": token, "report_id": "R-SEARCH", "name": SEARCH_NAME},
        follow_redirects=False,
    )
    return app


def _read_events(app: Any) -> int:
    from sqlalchemy import func, select

    from api.models import AuditEvent

    with app.state.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.record_type == "report", AuditEvent.record_id == "R-SEARCH")
            )
            or 0
        )


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (SEARCH_NAME, True),
        ("নাসিমা পারভীন", True),
        ("Mst. Nashima Parveen", True),
        ("Zzyzx Qwerty", False),
        ("   ", None),
        ("😀", False),
        ("x" * 5000, False),
    ],
    ids=["latin", "bangla", "variant-with-prefix", "no-match", "blank", "emoji", "huge"],
)
def test_search_form_posts_and_answers_with_the_page(
    searchable: Any, query: str, found: bool | None
) -> None:
    """The form posts (with its CSRF token) and the results come back in the page itself: no
    redirect, nothing after the path. A blank name shows the empty form (no search)."""
    client = _client(searchable)
    _sign_in(client, "reviewer")
    page = client.get("/web/reports").text
    assert re.search(r'<form[^>]*method="post"[^>]*action="/web/reports/search"', page)
    token = _csrf(client, "/web/reports")
    before = _read_events(searchable)
    response = client.post("/web/reports/search", data={"csrf_token": token, "q": query})
    assert response.status_code == 200
    assert response.history == []
    assert str(response.url).endswith("/web/reports/search")
    html = response.text
    assert ('data-report-id="R-SEARCH"' in html) is bool(found)
    assert ('data-testid="search-empty"' in html) is (found is False)
    assert _read_events(searchable) == before + (1 if found else 0)


def test_a_bookmarked_query_string_does_not_search(searchable: Any) -> None:
    client = _client(searchable)
    _sign_in(client, "reviewer")
    before = _read_events(searchable)
    response = client.get("/web/reports", params={"q": SEARCH_NAME})
    assert response.status_code == 200
    assert 'data-testid="search-results"' not in response.text
    assert 'data-testid="search-empty"' not in response.text
    assert SEARCH_NAME not in response.text  # not even echoed into the form
    assert _read_events(searchable) == before


@pytest.mark.parametrize(
    ("form", "cookie"),
    [({}, True), ({"csrf_token": "forged"}, True), ({"csrf_token": "x"}, False)],
    ids=["no-token", "wrong-token", "no-session"],
)
def test_search_without_a_valid_csrf_token_is_refused(
    searchable: Any, form: dict[str, str], cookie: bool
) -> None:
    client = _client(searchable)
    if cookie:
        _sign_in(client, "reviewer")
    before = _read_events(searchable)
    response = client.post("/web/reports/search", data={**form, "q": SEARCH_NAME})
    assert response.status_code == 403
    assert "another site" in response.text
    assert SEARCH_NAME not in response.text
    assert _read_events(searchable) == before


@pytest.mark.parametrize(
    ("username", "status"),
    [("officer", 403), ("admin", 403), ("reviewer", 200)],
    ids=["officer", "admin", "reviewer"],
)
def test_search_post_follows_the_role_table(searchable: Any, username: str, status: int) -> None:
    client = _client(searchable)
    _sign_in(client, username)
    token = _csrf(client, "/")
    response = client.post("/web/reports/search", data={"csrf_token": token, "q": SEARCH_NAME})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert (SEARCH_NAME in response.text) is (status == 200)


def test_the_search_address_read_with_get_goes_back_to_the_form(searchable: Any) -> None:
    """What the language switch and a sign-in's way back do: GET the search's path."""
    client = _client(searchable)
    token = _csrf(client, "/login")
    anonymous = client.post(
        "/web/reports/search",
        data={"csrf_token": token, "q": SEARCH_NAME},
        follow_redirects=False,
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/web/reports/search"
    _sign_in(client, "reviewer")
    response = client.get("/web/reports/search", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/reports"


def test_the_officers_start_page_lists_their_own_interceptions_as_an_audited_read(
    app: Any,
) -> None:
    """The start page reads through the service (``services.recent_interceptions``): only the
    officer's own interceptions, each one shown an audited read under the officer; a reviewer's
    start page lists none and reads none."""
    from sqlalchemy import select

    from api.models import AuditEvent, InterceptionRow

    client = _client(app)
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    submitted = client.post(
        "/web/interceptions",
        data={"csrf_token": token, "interception_id": "I-HOME-1", "name": "Synthetic Home"},
        follow_redirects=False,
    )
    assert submitted.status_code == 303
    with app.state.sessions() as session:
        officer = services.find_user(session, username="officer")
        mine = set(
            session.scalars(
                select(InterceptionRow.interception_id).where(
                    InterceptionRow.created_by == officer.id
                )
            )
        )
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    home = client.get("/")
    assert home.status_code == 200
    assert "I-HOME-1" in home.text
    title = re.search(r"<title>(.*?)</title>", home.text, re.DOTALL)
    assert title is not None
    assert "I-HOME-1" not in title.group(1)  # the title is the page's name, not its table
    assert "<" not in title.group(1)
    assert home.text.count('data-testid="mine"') == 1
    with app.state.sessions() as session:
        events = session.execute(
            select(
                AuditEvent.username, AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id
            ).where(AuditEvent.id > (before or 0))
        ).all()
    assert "I-HOME-1" in mine
    assert sorted(events) == sorted(("officer", "read", "interception", i) for i in mine)
    _sign_in(client, "reviewer")
    with app.state.sessions() as session:
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert "I-HOME-1" not in client.get("/").text
    with app.state.sessions() as session:
        assert (
            session.execute(select(AuditEvent.id).where(AuditEvent.id > (before or 0))).all() == []
        )


def test_answering_the_question_edits_only_what_was_answered(app: Any) -> None:
    """``POST /web/interceptions/{id}/answer`` (the ask-next box): the posted field is added
    through the service (earlier version kept), blank and unposted fields stay as they were, an
    unreadable answer re-shows the page with the error, and a CSRF-less post is refused."""
    client = _client(app)
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    response = client.post(
        "/web/interceptions",
        data={"csrf_token": token, "name": "Sumaiya Akter", "home_district": "Khulna"},
        follow_redirects=False,
    )
    url = response.headers["location"]
    iid = url.rsplit("/", 1)[1]
    token = _csrf(client, url)
    response = client.post(
        f"{url}/answer",
        data={"csrf_token": token, "father_name": "Jamal Uddin", "mother_name": " "},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == url
    with app.state.sessions() as session:
        officer = services.find_user(session, username="officer")
        row = services.get_interception(session, officer, iid)
        assert (row.father_name, row.mother_name, row.home_district) == (
            "Jamal Uddin",
            None,
            "Khulna",
        )
        versions = services.interception_versions(session, officer, iid)
        assert [v.details["father_name"] for v in versions] == [None]
    response = client.post(f"{url}/answer", data={"csrf_token": token, "age": "old"})
    assert response.status_code == 422
    assert 'data-testid="form-errors"' in response.text
    assert AGE_REASON.split(" (")[0] in response.text
    response = client.post(f"{url}/answer", data={"father_name": "Forged"})
    assert response.status_code == 403


def test_search_results_show_sex_and_the_engines_age_now(app: Any) -> None:
    """Sex and the age the child is expected to be today (the engine's
    ``matcher.dates.expected_age_on``, not a page computation), in the search results."""
    from datetime import date

    from matcher.dates import expected_age_on

    client = _client(app)
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    added = client.post(
        "/web/reports",
        data={
            "csrf_token": token,
            "report_id": "R-AGE-NOW",
            "name": "Synthetic Agenow Khatun",
            "sex": "মেয়ে",
            "age": "10",
            "report_date": "14/03/2020",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    token = _csrf(client, "/web/reports")
    html = client.post(
        "/web/reports/search", data={"csrf_token": token, "q": "Synthetic Agenow"}
    ).text
    row = re.search(r'<tr data-report-id="R-AGE-NOW">(.*?)</tr>', html, re.DOTALL)
    assert row is not None
    now = expected_age_on(10.0, date(2020, 3, 14), date.today())
    assert now is not None
    assert '<td data-field="sex">Female</td>' in row.group(1)
    assert f'<td class="num" data-field="age-now">{now:.0f}</td>' in row.group(1)


def test_a_batch_page_counts_only_match_and_review_rows_as_possible_matches(app: Any) -> None:
    from api.models import JobStatus, Reconciliation, ReconciliationCandidate

    with app.state.sessions() as session:
        analyst, _, _ = services.create_user(session, None, "analyst.count", Role.ANALYST)
        analyst.password_hash = cheap_hash(PASSWORD)
        run = Reconciliation(
            status=JobStatus.DONE, total=3, done=3, candidates=7, started_by=analyst.id
        )
        session.add(run)
        session.flush()
        bands = [Band.MATCH] + [Band.REVIEW] * 2 + [Band.NO_MATCH] * 4
        session.add_all(
            ReconciliationCandidate(
                reconciliation_id=run.id,
                interception_id=f"I-{i}",
                report_id=f"R-{i}",
                rank=1,
                score=0.5,
                band=band,
                contributions=[],
            )
            for i, band in enumerate(bands)
        )
        session.commit()
        run_id = run.id
    client = _client(app)
    _sign_in(client, "analyst.count")
    html = client.get(f"/web/reconciliations/{run_id}").text
    assert '<strong data-testid="possible-matches">3</strong>' in html
    rows = re.search(r'data-testid="candidate-rows">(.*?)</p>', html, re.DOTALL)
    assert rows is not None
    assert ": 7 (" in rows.group(1)
    assert ": 4)" in rows.group(1)


def test_import_page_lists_the_first_thousand_bad_rows_and_links_them_all(app: Any) -> None:
    """Issue 15.1: the page once listed every bad row (100,000 rows: 31 MB of HTML). It lists
    the first 1,000, counts all, links the full CSV (which the uploader can download), and
    every answer carrying a child's record is not cached."""
    client = _client(app)
    _sign_in(client, "reviewer")
    header = (
        "report_id,name,father_name,mother_name,sex,age,report_date,district,upazila,"
        "police_station,guardian_phone\n"
    )
    body = header + "".join(f"WEB-{i:05d},Rahima,,,F,abc,,,,,\n" for i in range(5000))
    page = client.post(
        "/web/reports/import",
        data={"csrf_token": _csrf(client, "/web/reports")},
        files={"file": ("r.csv", body.encode(), "text/csv")},
    )
    assert page.status_code == 422
    assert page.headers["cache-control"] == "no-store"
    table = page.text.split('data-testid="import-errors"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 1000
    assert "5,000" in page.text or "5000" in page.text
    link = re.search(r'href="(/web/reports/imports/[0-9a-f]{32}/rejects\.csv)"', page.text)
    assert link is not None
    csv_text = client.get(link.group(1)).text
    assert len(csv_text.splitlines()) == 1 + 5000


def test_audit_page_cursor_past_64_bits_is_422_not_500(app: Any) -> None:
    """Issue 15.9: ``after=9223372036854775808`` reached the database and answered 500; the
    page now pages backwards (``before``), under the same bound."""
    client = _client(app)
    _sign_in(client, "admin")
    page = client.get("/web/admin/audit", params={"before": "9223372036854775808"})
    assert page.status_code == 422


def test_the_queue_shows_what_is_new_since_the_reviewer_last_looked(app: Any) -> None:
    client = _client(app)
    _sign_in(client, "reviewer")
    client.get("/review")  # a look: everything so far is seen
    assert 'data-testid="queue-new"' not in client.get("/web/reports").text
    assert 'data-testid="new-mark"' not in client.get("/review").text
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    data = {"csrf_token": token, "name": "Nasrin Sultana", "home_district": "Khulna"}
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    client.post(
        "/web/reports",
        data={"csrf_token": token, "report_id": "R-NEWS-1", "name": "Nasrin Sultana"},
        follow_redirects=False,
    )
    _sign_in(client, "officer")
    data["csrf_token"] = _csrf(client, "/web/interceptions/new")
    assert client.post("/web/interceptions", data=data, follow_redirects=False).status_code == 303
    _sign_in(client, "reviewer")
    badge = re.search(r'data-testid="queue-new"[^>]*>([0-9]+)<', client.get("/web/reports").text)
    assert badge is not None
    assert int(badge.group(1)) >= 1
    first = client.get("/review?order=newest").text
    rows = re.findall(
        r'<tr data-candidate-id="[0-9a-f]+">\s*<td[^>]*>[^<]*</td>\s*<td>(.*?)</td>', first
    )
    assert rows
    assert 'data-testid="new-mark"' in rows[0]  # newest first, and marked new
    again = client.get("/review?order=newest").text
    assert 'data-testid="new-mark"' not in again  # looked at: no longer new
    assert 'data-testid="queue-new"' not in again


def test_the_report_page_lists_the_children_who_may_be_this_child(app: Any) -> None:
    client = _client(app)
    _sign_in(client, "reviewer")
    token = _csrf(client, "/web/reports")
    client.post(
        "/web/reports",
        data={"csrf_token": token, "report_id": "R-PAGE-1", "name": "Shirin Akter"},
        follow_redirects=False,
    )
    alone = client.get("/web/reports/R-PAGE-1").text
    assert 'data-testid="report-candidates-none"' in alone
    _sign_in(client, "officer")
    token = _csrf(client, "/web/interceptions/new")
    data = {"csrf_token": token, "name": "Shirin Akter", "home_district": "Rajshahi"}
    response = client.post("/web/interceptions", data=data, follow_redirects=False)
    iid = response.headers["location"].rsplit("/", 1)[-1].split("?")[0]
    assert client.get("/web/reports/R-PAGE-1").status_code == 403  # officers read no reports
    _sign_in(client, "reviewer")
    page = client.get("/web/reports/R-PAGE-1").text
    assert 'data-testid="report-candidates"' in page
    assert f'href="/web/interceptions/{iid}"' in page
