"""What is new in the review queue since a reviewer last looked: the JSON queue's ``new`` count
and newest-first order (the page's badge and marks: tests/web/test_pages.py)."""

from __future__ import annotations

from api import services
from api.models import User
from api.roles import Role
from tests.api.conftest import Harness, interception_body, report_body

R, B = Role.POLICE_REVIEWER, Role.BGB_OFFICER


def _look(h: Harness) -> None:
    with h.app.state.sessions() as session:
        user = session.get(User, h.user_ids[R])
        assert user is not None
        services.mark_queue_seen(session, user)


def test_new_counts_candidates_since_the_last_look_and_newest_comes_first(
    harness: Harness,
) -> None:
    h = harness
    assert h.call(R, "POST", "/reports", json=report_body("NEW-R1")).status_code == 201
    assert h.call(B, "POST", "/interceptions", json=interception_body("NEW-I1")).status_code == 201
    page = h.call(R, "GET", "/review-queue").json()
    assert page["total"] >= 1
    assert page["new"] == page["total"]  # never looked: all of it is new
    _look(h)
    assert h.call(R, "GET", "/review-queue").json()["new"] == 0
    late = report_body("NEW-R2", name="Rohima Khatoon", age=11)
    assert h.call(R, "POST", "/reports", json=late).status_code == 201
    assert h.call(B, "POST", "/interceptions", json=interception_body("NEW-I2")).status_code == 201
    page = h.call(R, "GET", "/review-queue", params={"order": "newest"}).json()
    assert page["new"] >= 1
    assert page["items"][0]["interception_id"] == "NEW-I2"
    assert h.call(R, "GET", "/review-queue", params={"order": "oldest"}).status_code == 422
