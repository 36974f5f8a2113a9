"""One child, one case (issue 14): an interception submitted for a child already in Shondhan is
flagged ("this child may already be in Shondhan as I-..."), records of one child share a stored
case id, a confirmed match closes both cases (and revoking it reopens them), and the review
queue shows one row per (interception case, report case). Synthetic records; both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from api.migrate import alembic_config
from api.models import AuditEvent
from api.roles import Role
from matcher.records import REPORT_COLUMNS
from tests.api.conftest import BACKENDS, Harness, fresh_database, interception_body, report_body
from tests.api.test_same_child import REPORTS

R, B, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ADMIN

RAHIMA = {
    "mother_name": "Salma Begum",
    "guardian_phone": "01711223344",
    "home_upazila": "Jhikargacha",
}
# the same child intercepted again at another border post, written down in Bangla script
RAHIMA_AGAIN = {
    "name": "মোছাঃ রহিমা খাতুন",
    "father_name": "মোঃ আব্দুল করিম",
    "mother_name": "সালমা বেগম",
    "home_district": "যশোর",
    "guardian_phone": "+8801711223344",
    "interception_date": "2026-02-02",
}
# her sister, intercepted with her: same parents, phone and home, another name
SISTER = {**RAHIMA, "name": "Fatema Khatoon", "age": 13}
STRANGER = {
    "name": "Sumon Mia",
    "father_name": "Rafiqul Islam",
    "sex": "M",
    "age": 15,
    "home_district": "Rangpur",
}
# two reports of Rahima (two police stations): test_same_child's
REPORT_1, REPORT_2 = REPORTS[:2]


def _submit(h: Harness, iid: str, fields: dict[str, Any]) -> dict[str, Any]:
    r = h.call(B, "POST", "/interceptions", json=interception_body(iid, **fields))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _add_report(h: Harness, body: dict[str, Any]) -> dict[str, Any]:
    r = h.call(R, "POST", "/reports", json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _events_after(h: Harness, last: int | None) -> list[tuple[str | None, str, str, str]]:
    with h.app.state.sessions() as s:
        return [
            (u, a, t, rid)
            for u, a, t, rid in s.execute(
                select(
                    AuditEvent.user_id,
                    AuditEvent.action,
                    AuditEvent.record_type,
                    AuditEvent.record_id,
                ).where(AuditEvent.id > (last or 0))
            )
        ]


def _last_event(h: Harness) -> int | None:
    with h.app.state.sessions() as s:
        return s.scalar(select(sa.func.max(AuditEvent.id)))


# -- flagged at submission --------------------------------------------------------------------
def test_an_interception_of_a_child_already_in_shondhan_is_flagged(harness: Harness) -> None:
    h = harness
    first = _submit(h, "I-1", RAHIMA)
    assert first["possible_duplicates"] == []
    assert first["interception"]["case_id"] == "I-1"
    before = _last_event(h)
    again = _submit(h, "I-2", RAHIMA_AGAIN)
    [flag] = again["possible_duplicates"]
    assert set(flag) == {"interception_id", "score", "score_text", "band"}  # ids, never details
    assert (flag["interception_id"], flag["band"]) == ("I-1", "match")
    assert again["interception"]["case_id"] == "I-1"  # the same child: one case
    # the officer learnt of I-1: an audited read under the officer
    officer = h.user_ids[B]
    assert (officer, "read", "interception", "I-1") in _events_after(h, before)
    sister = _submit(h, "I-3", SISTER)
    # flagged for a person to look at (a child may give a pet name), but never the same case
    assert [(d["interception_id"], d["band"]) for d in sister["possible_duplicates"]][:1] == [
        ("I-1", "review")
    ]
    assert sister["interception"]["case_id"] == "I-3"
    stranger = _submit(h, "I-4", STRANGER)
    assert stranger["possible_duplicates"] == []
    assert stranger["interception"]["case_id"] == "I-4"
    # a reviewer reads the case ids back
    got = {
        iid: h.call(R, "GET", f"/interceptions/{iid}").json()["case_id"]
        for iid in ("I-1", "I-2", "I-3", "I-4")
    }
    assert got == {"I-1": "I-1", "I-2": "I-1", "I-3": "I-3", "I-4": "I-4"}


# -- reports: case ids when added and when imported -------------------------------------------
def _csv(bodies: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(REPORT_COLUMNS))
    writer.writeheader()
    for b in bodies:
        writer.writerow({c: b.get(c, "") for c in REPORT_COLUMNS})
    return buf.getvalue().encode("utf-8")


def test_reports_of_one_child_share_a_case(harness: Harness) -> None:
    h = harness
    assert _add_report(h, REPORT_1)["case_id"] == "R-1"
    assert _add_report(h, REPORT_2)["case_id"] == "R-1"
    sister = report_body("R-3", name="Fatema Khatun", guardian_phone="01711223344")
    assert _add_report(h, sister)["case_id"] == "R-3"
    # an import: its reports get their cases after the answer (a background thread)
    imported = [
        {**REPORT_1, "report_id": "R-11", "police_station": "Kotwali"},
        report_body("R-12", name="Sumon Mia", father_name="Rafiqul Islam", sex="M", age=15),
        {**REPORT_2, "report_id": "R-13"},
    ]
    r = h.call(R, "POST", "/reports/import", files={"file": ("r.csv", _csv(imported), "text/csv")})
    assert r.status_code == 200, r.text
    h.app.state.index.wait_background()
    cases = {
        rid: h.call(R, "GET", f"/reports/{rid}").json()["case_id"]
        for rid in ("R-1", "R-2", "R-3", "R-11", "R-12", "R-13")
    }
    assert cases == {
        "R-1": "R-1",
        "R-2": "R-1",
        "R-3": "R-3",
        "R-11": "R-1",
        "R-12": "R-12",
        "R-13": "R-1",
    }


# -- a confirmation closes the group; the queue shows it once ---------------------------------
def _queue(h: Harness, **params: Any) -> dict[str, Any]:
    r = h.call(R, "GET", "/review-queue", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _queued_candidates(h: Harness, iids: list[str]) -> list[dict[str, Any]]:
    """Every candidate of these interceptions the queue would hold, read one by one."""
    out = []
    for iid in iids:
        for c in h.call(R, "GET", f"/interceptions/{iid}/candidates").json()["candidates"]:
            if c["band"] in ("match", "review") and c["status"] in ("open", "unsure"):
                out.append(c)
    return out


@pytest.fixture
def two_cases(harness: Harness) -> Harness:
    """Rahima: two reports (one case) and two interceptions (one case); Sumon: one of each."""
    h = harness
    _add_report(h, REPORT_1)
    _add_report(h, REPORT_2)
    _add_report(
        h,
        report_body(
            "R-4",
            name="Sumon Mia",
            father_name="Rafiqul Islam",
            sex="M",
            age=14,
            district="Rangpur",
        ),
    )
    _submit(h, "I-1", RAHIMA)
    _submit(h, "I-2", RAHIMA_AGAIN)
    _submit(h, "I-4", STRANGER)
    return h


def test_the_queue_shows_one_row_per_pair_of_cases(two_cases: Harness) -> None:
    h = two_cases
    rahima = _queued_candidates(h, ["I-1", "I-2"])
    sumon = _queued_candidates(h, ["I-4"])
    assert len(rahima) >= 3  # several candidates of one child, to be shown once
    assert len(sumon) == 1
    page = _queue(h)
    assert page["total"] == 2
    best = max(rahima, key=lambda c: (c["score"], [-ord(x) for x in c["candidate_id"]]))
    rows = {c["interception_id"][:3]: c for c in page["items"]}
    assert rows.keys() == {"I-1", "I-4"} or rows.keys() == {"I-2", "I-4"}
    row = next(c for c in page["items"] if c["interception_id"] != "I-4")
    assert row["candidate_id"] == best["candidate_id"]  # the best-scored stands for the group
    assert row["group_others"] == len(rahima) - 1
    assert next(c for c in page["items"] if c["interception_id"] == "I-4")["group_others"] == 0
    # pages of one row each reach both groups, best first
    first, second = _queue(h, limit=1), _queue(h, limit=1, offset=1)
    assert (first["total"], second["total"]) == (2, 2)
    assert [first["items"][0]["candidate_id"], second["items"][0]["candidate_id"]] == [
        c["candidate_id"] for c in page["items"]
    ]
    # a filter applies before grouping: Rangpur holds Sumon's row only
    assert [c["interception_id"] for c in _queue(h, district="Rangpur")["items"]] == ["I-4"]


def test_a_confirmation_closes_both_cases_and_revoking_it_reopens_them(
    two_cases: Harness,
) -> None:
    h = two_cases
    pair = next(c for c in _queued_candidates(h, ["I-1"]) if c["report_id"] == "R-1")
    before = _last_event(h)
    r = h.call(
        R, "POST", f"/candidates/{pair['candidate_id']}/decision", json={"decision": "confirm"}
    )
    assert r.status_code == 201, r.text
    decision_id = r.json()["decision_id"]
    statuses = {
        "R-2": h.call(R, "GET", "/reports/R-2").json()["status"],
        "I-2": h.call(R, "GET", "/interceptions/I-2").json()["status"],
        "R-4": h.call(R, "GET", "/reports/R-4").json()["status"],
        "I-4": h.call(R, "GET", "/interceptions/I-4").json()["status"],
    }
    assert statuses == {"R-2": "found", "I-2": "matched", "R-4": "open", "I-4": "open"}
    reviewer = h.user_ids[R]
    events = _events_after(h, before)
    assert (reviewer, "update", "report", "R-2") in events
    assert (reviewer, "update", "interception", "I-2") in events
    # the group left the queue; Sumon's row stays
    assert [c["interception_id"] for c in _queue(h)["items"]] == ["I-4"]
    # revoking the confirmation reopens exactly what it closed
    r = h.call(AD, "POST", f"/decisions/{decision_id}/revoke", json={"reason": "wrong child"})
    assert r.status_code == 200, r.text
    assert h.call(R, "GET", "/reports/R-2").json()["status"] == "open"
    assert h.call(R, "GET", "/interceptions/I-2").json()["status"] == "open"
    assert _queue(h)["total"] == 2


def test_a_rejection_closes_nothing(two_cases: Harness) -> None:
    h = two_cases
    pair = next(c for c in _queued_candidates(h, ["I-1"]) if c["report_id"] == "R-1")
    r = h.call(
        R, "POST", f"/candidates/{pair['candidate_id']}/decision", json={"decision": "reject"}
    )
    assert r.status_code == 201, r.text
    assert h.call(R, "GET", "/reports/R-2").json()["status"] == "open"
    assert h.call(R, "GET", "/interceptions/I-2").json()["status"] == "open"
    page = _queue(h)
    assert page["total"] == 2  # the group is still to decide, one candidate fewer
    row = next(c for c in page["items"] if c["interception_id"] != "I-4")
    assert row["candidate_id"] != pair["candidate_id"]


# -- migration 0012 ---------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0012_makes_every_record_its_own_case_and_goes_back(
    backend: str, tmp_path: Any, pg_database: str | None
) -> None:
    db = fresh_database(backend, tmp_path, pg_database)
    engine = sa.create_engine(db.url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011")
            conn.execute(
                sa.text(
                    "INSERT INTO reports (report_id, status, seq, created_at) "
                    "VALUES ('OLD-R', 'open', 1, :at)"
                ),
                {"at": "2026-01-01 00:00:00"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO interceptions (interception_id, status, created_at) "
                    "VALUES ('OLD-I', 'open', :at)"
                ),
                {"at": "2026-01-01 00:00:00"},
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT case_id FROM reports")).scalar_one() == "OLD-R"
            assert conn.execute(sa.text("SELECT case_id FROM interceptions")).scalar_one() == (
                "OLD-I"
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        with engine.connect() as conn:
            for table in ("reports", "interceptions"):
                columns = {c["name"] for c in sa.inspect(conn).get_columns(table)}
                assert not {"case_id", "closed_by"} & columns
            assert conn.execute(sa.text("SELECT report_id FROM reports")).scalar_one() == "OLD-R"
    finally:
        engine.dispose()
        db.cleanup()
