"""``GET /reports/{id}/same-child``: the other open reports of the same child (issue 14, item 3),
by the engine's dedupe scoring; ids and scores only, an audited read, reviewers and analysts
only. Synthetic records; both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.models import AuditEvent
from api.roles import Role
from tests.api.conftest import Harness, report_body

R = Role.POLICE_REVIEWER

REPORTS = [
    report_body("R-1", guardian_phone="01711223344", upazila="Jhikargacha"),
    # the same child reported again at another station, in Bangla script, three weeks later
    report_body(
        "R-2",
        name="মোছাঃ রহিমা খাতুন",
        father_name="মোঃ আব্দুল করিম",
        mother_name="সালমা বেগম",
        report_date="2025-01-31",
        district="যশোর",
        guardian_phone="+8801711223344",
    ),
    # her sister, reported by the same family on the same day
    report_body("R-3", name="Fatema Khatun", guardian_phone="01711223344", upazila="Jhikargacha"),
    report_body(
        "R-4",
        name="Sumon Mia",
        father_name="Rafiqul Islam",
        mother_name="Nasrin Akter",
        sex="M",
        age=15,
        district="Rangpur",
    ),
]


@pytest.fixture
def stored(harness: Harness) -> Harness:
    for body in REPORTS:
        r = harness.call(R, "POST", "/reports", json=body)
        assert r.status_code == 201, r.text
    return harness


def _same_child(h: Harness, role: Role, report_id: str) -> list[str]:
    r = h.call(role, "GET", f"/reports/{report_id}/same-child")
    assert r.status_code == 200, r.text
    body = r.json()
    assert all(set(item) == {"report_id", "score"} for item in body)  # ids, never details
    assert all(0.0 <= item["score"] <= 1.0 for item in body)
    return [item["report_id"] for item in body]


@pytest.mark.parametrize(
    ("report_id", "expected"),
    [("R-1", ["R-2"]), ("R-2", ["R-1"]), ("R-3", []), ("R-4", [])],
    ids=["first-report", "second-report", "sister-is-not-her", "stranger"],
)
def test_reports_of_the_same_child(stored: Harness, report_id: str, expected: list[str]) -> None:
    assert _same_child(stored, R, report_id) == expected
    assert _same_child(stored, Role.ANALYST, report_id) == expected


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.BGB_OFFICER, "/reports/R-1/same-child", 403),
        (None, "/reports/R-1/same-child", 401),
        (R, "/reports/R-9/same-child", 404),
    ],
    ids=["officer-may-not-read-reports", "anonymous", "unknown-report"],
)
def test_refusals(stored: Harness, role: Role | None, path: str, status: int) -> None:
    assert stored.call(role, "GET", path).status_code == status


def test_the_read_is_audited_under_the_reader(stored: Harness) -> None:
    with stored.app.state.sessions() as s:
        before = s.scalar(select(func.max(AuditEvent.id)))
    _same_child(stored, Role.ANALYST, "R-1")
    with stored.app.state.sessions() as s:
        events = s.execute(
            select(AuditEvent.user_id, AuditEvent.action, AuditEvent.record_id).where(
                AuditEvent.id > before
            )
        ).all()
    assert [(e.user_id, e.action, e.record_id) for e in events] == [
        (stored.user_ids[Role.ANALYST], "read", "R-1")
    ]
