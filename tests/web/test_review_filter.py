"""Unit tests for the review page's filter parsing (api.web.review_pages.QueueFilter): bad
input means "no filter", never an error; and the page over the service (which filters in SQL,
tested in tests/api/test_review_queue.py): a filtered view reaches past the best 500, pages,
bad input, a date range typed backwards refused as the JSON route refuses it, and the audit of
exactly the rows shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import services
from api.app import create_app
from api.models import AuditEvent, CandidateRow, InterceptionRow, ReportRow, utcnow
from api.roles import Role
from api.settings import Settings
from api.web.review_pages import QueueFilter
from matcher.records import Band
from tests.web.conftest import cheap_hash


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (("", "", "", ""), QueueFilter()),
        (("match", "", "", ""), QueueFilter(band=Band.MATCH)),
        (("review", "", "", ""), QueueFilter(band=Band.REVIEW)),
        (("nonsense", "", "", ""), QueueFilter()),
        (("no_match", "", "", ""), QueueFilter()),
        (("", "  Jessore ", "", ""), QueueFilter(district="Jessore")),
        (("", "x" * 500, "", ""), QueueFilter(district="x" * 100)),
        (("", "", "2026-09-01", ""), QueueFilter(date_from=date(2026, 9, 1))),
        (("", "", "", "০১/০২/২০২৬"), QueueFilter(date_to=date(2026, 2, 1))),
        (("", "", "garbage", "9" * 500), QueueFilter()),
        (
            ("", "", "2026-09-30", "2026-09-01"),
            QueueFilter(date_from=date(2026, 9, 30), date_to=date(2026, 9, 1)),
        ),
    ],
    ids=[
        "no-filter",
        "band-match",
        "band-review",
        "bad-band-ignored",
        "no-match-band-ignored",
        "district-stripped",
        "district-cut",
        "date-from",
        "date-to-bangla-digits",
        "bad-dates-ignored",
        "range-backwards-left-to-the-service",
    ],
)
def test_parse(args: tuple[str, str, str, str], want: QueueFilter) -> None:
    assert QueueFilter.parse(*args) == want


@pytest.mark.parametrize(
    ("args", "active"),
    [
        (("", "", "", ""), False),
        (("bad", "", "bad", "bad"), False),
        (("review", "", "", ""), True),
        (("", "Khulna", "", ""), True),
        (("", "", "", "2026-01-01"), True),
    ],
    ids=["empty", "all-bad", "band", "district", "date"],
)
def test_active(args: tuple[str, str, str, str], active: bool) -> None:
    assert QueueFilter.parse(*args).active is active


# -- the page over the service -----------------------------------------------------------------
PASSWORD = "synthetic password 2"
FAR_DISTRICT = "খুলনা"  # the three worst-scored candidates only: beyond the old 500-row window


class EmptyIndex:
    """The pages need an index object; these tests seed candidates directly."""

    def add(self, report: Any) -> None: ...

    def add_many(self, reports: Any) -> None: ...

    def remove(self, report_id: str) -> None: ...

    def __len__(self) -> int:
        return 0

    def query(self, interception: Any, *, top_k: int = 10, exclude: Any = ()) -> list[Any]:
        return []


def _seed_queue(app: Any) -> None:
    """560 open candidates: 527 in Dhaka, 30 in Jashore (band review, mid scores, some dated
    2026-02), 3 in Khulna with the lowest scores."""
    now = utcnow()
    homes = ["Dhaka"] * 527 + ["Jashore"] * 30 + ["Khulna"] * 3
    with app.state.sessions() as s:
        s.add(ReportRow(report_id="PQ-R", name="Synthetic", seq=1, created_at=now))
        for i, home in enumerate(homes):
            s.add(
                InterceptionRow(
                    interception_id=f"PQ-I{i:03d}",
                    home_district=home,
                    interception_date=date(2026, 1 + i % 2, 10),
                    created_at=now,
                )
            )
        s.flush()
        s.add_all(
            CandidateRow(
                interception_id=f"PQ-I{i:03d}",
                report_id="PQ-R",
                rank=1,
                score=1.0 - i / 1000,
                band=Band.REVIEW if home == "Jashore" else Band.MATCH,
                model_version="synthetic",
            )
            for i, home in enumerate(homes)
        )
        s.commit()


@contextmanager
def _queue_client(db: Path) -> Iterator[TestClient]:
    """An app on a new database with the seeded queue, signed in as the reviewer."""
    settings = Settings(
        database_url=f"sqlite:///{db}",
        secret_key="synthetic-secret-for-review-page-tests",
        sync_enabled=False,
    )
    app = create_app(settings, index_factory=EmptyIndex)
    with TestClient(app) as test_client:
        with app.state.sessions() as s:
            user, _, _ = services.create_user(s, None, "reviewer", Role.POLICE_REVIEWER)
            user.password_hash = cheap_hash(PASSWORD)
            s.commit()
        _seed_queue(app)
        token = re.search(r'name="csrf_token" value="([^"]+)"', test_client.get("/login").text)
        assert token is not None
        test_client.post(
            "/login",
            data={"username": "reviewer", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        yield test_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _queue_client(tmp_path_factory.mktemp("review-page") / "review.db") as test_client:
        yield test_client


def _shown(html: str) -> list[str]:
    return re.findall(r'data-candidate-id="([0-9a-f]+)"', html)


def _interceptions_of(client: TestClient, ids: list[str]) -> set[str]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return set(s.scalars(select(CandidateRow.interception_id).where(CandidateRow.id.in_(ids))))


def test_a_filtered_view_reaches_past_the_best_500(client: TestClient) -> None:
    html = client.get("/review", params={"district": FAR_DISTRICT}).text
    shown = _shown(html)
    assert len(shown) == 3
    assert _interceptions_of(client, shown) == {"PQ-I557", "PQ-I558", "PQ-I559"}
    assert "(3 / 560)" in html


@pytest.mark.parametrize(
    ("params", "count", "has_next"),
    [
        ({"district": "Jessore"}, 25, True),
        ({"district": "যশোর", "p": "2"}, 5, False),
        ({"district": "Jashore", "p": "99"}, 5, False),
        ({"band": "review", "date_from": "2026-02-01"}, 15, False),
        ({"district": "Jashore", "date_to": "2026-01-31"}, 15, False),
        ({"band": "nonsense", "district": "😀", "date_from": "garbage"}, 25, True),
        ({"district": "Atlantis"}, 0, False),
    ],
    ids=[
        "district-page-1",
        "bangla-page-2",
        "past-the-end-shows-last",
        "band-and-date",
        "district-and-date-to",
        "bad-input-is-no-filter",
        "unknown-district-empty",
    ],
)
def test_filters_and_pages(client: TestClient, params: dict, count: int, has_next: bool) -> None:
    response = client.get("/review", params=params)
    assert response.status_code == 200
    shown = _shown(response.text)
    assert len(shown) == count
    assert ('">Next</a>' in response.text) is has_next
    homes = _homes(client, shown)
    if params.get("district") in ("Jessore", "যশোর", "Jashore"):
        assert homes == {"Jashore"}


def _homes(client: TestClient, candidate_ids: list[str]) -> set[str | None]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return set(
            s.scalars(
                select(InterceptionRow.home_district)
                .join(CandidateRow, CandidateRow.interception_id == InterceptionRow.interception_id)
                .where(CandidateRow.id.in_(candidate_ids))
            )
        )


def test_the_page_audits_exactly_the_rows_it_shows(client: TestClient) -> None:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    shown = _shown(client.get("/review", params={"district": "Jashore", "p": "2"}).text)
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        events = s.execute(
            select(AuditEvent.record_type, AuditEvent.record_id).where(
                AuditEvent.id > before, AuditEvent.action == "read"
            )
        ).all()
    assert len(shown) == 5
    assert sorted(events) == sorted(
        [("candidate", c) for c in shown]
        + [("interception", i) for i in _interceptions_of(client, shown)]
    )


def test_a_date_range_typed_backwards_is_refused_like_the_json_route(client: TestClient) -> None:
    """One filter policy (the service's): the page says what the JSON route's 422 says, shows no
    candidate and audits none; the form keeps what was typed."""
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    params = {"district": "Jashore", "date_from": "2026-02-28", "date_to": "2026-02-01"}
    page = client.get("/review", params=params)
    assert page.status_code == 422
    assert 'data-testid="filter-error"' in page.text
    assert "The “To” date is before the “From” date" in page.text
    assert _shown(page.text) == []
    assert 'value="2026-02-28"' in page.text
    assert 'value="2026-02-01"' in page.text
    assert "(0 / 560)" in page.text
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        reads = s.scalar(
            select(func.count()).where(AuditEvent.id > before, AuditEvent.action == "read")
        )
    assert reads == 0
    forwards = client.get(
        "/review", params={**params, "date_from": "2026-02-01", "date_to": "2026-02-28"}
    )
    assert forwards.status_code == 200
    assert len(_shown(forwards.text)) == 15  # the same range typed forwards: Jashore, Feb


# -- review comfort: sex and age now in the queue; the next candidate after a decision ----------
@pytest.fixture
def deciding(tmp_path: Path) -> Iterator[TestClient]:
    """A fresh app with the seeded queue (decisions change it), signed in as the reviewer."""
    with _queue_client(tmp_path / "decide.db") as test_client:
        yield test_client


def _decide(client: TestClient, candidate_link: str, decision: str) -> str:
    """Open a candidate from its link, post a decision through its form; the redirect target."""
    page = client.get(candidate_link).text
    form = re.search(r'<form[^>]*action="(/review/[0-9a-f]+/decision)"(.*?)</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    response = client.post(
        form.group(1), data={**fields, "decision": decision}, follow_redirects=False
    )
    assert response.status_code == 303
    return str(response.headers["location"])


@pytest.mark.parametrize("decision", ["unsure", "reject"])
def test_a_decision_leads_to_the_next_candidate_of_the_same_filtered_queue(
    deciding: TestClient, decision: str
) -> None:
    queue = deciding.get("/review", params={"district": "Jessore"}).text
    shown = _shown(queue)
    links = re.findall(r'href="(/review/[0-9a-f]+[^"]*)"', queue)
    assert links[2] == f"/review/{shown[2]}?district=Jessore"  # the filter travels
    location = _decide(deciding, links[2].replace("&amp;", "&"), decision)
    # not the top of the queue, not the same candidate again (unsure stays queued): the next
    assert location == f"/review/{shown[3]}?done=decision_saved&district=Jessore"
    assert _homes(deciding, [shown[3]]) == {"Jashore"}
    after = _shown(deciding.get("/review", params={"district": "Jessore"}).text)
    assert (shown[2] in after) is (decision == "unsure")


def test_the_last_decision_of_a_filtered_queue_goes_back_to_that_queue(
    deciding: TestClient,
) -> None:
    queue = deciding.get("/review", params={"district": FAR_DISTRICT}).text
    last = _shown(queue)[-1]
    location = _decide(deciding, f"/review/{last}?district={FAR_DISTRICT}", "reject")
    assert location.startswith("/review?done=decision_saved&district=")


def test_the_queue_shows_sex_and_the_engines_age_now(deciding: TestClient) -> None:
    from api.models import InterceptionRow
    from matcher.dates import expected_age_on
    from matcher.records import Sex

    with deciding.app.state.sessions() as s:  # type: ignore[attr-defined]
        row = s.get(InterceptionRow, "PQ-I000")
        row.sex, row.age = Sex.FEMALE, 12.0
        s.commit()
    html = deciding.get("/review").text
    first = re.search(r'<tr data-candidate-id="[0-9a-f]+">(.*?)</tr>', html, re.S)
    assert first is not None
    now = expected_age_on(12.0, date(2026, 1, 10), date.today())
    assert now is not None
    assert '<td data-field="sex">Female</td>' in first.group(1)
    assert f'<td class="num" data-field="age-now">{now:.0f}</td>' in first.group(1)
