"""Reports find children: a report added (or imported) after the child was intercepted becomes a
candidate of the open interception at once — in the review queue, the interception's candidates
and the report's own list — with the score the interception would get if submitted after it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from api.roles import Role
from matcher.records import REPORT_COLUMNS
from tests.api.conftest import Harness, interception_body, report_body

R, B, A, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST, Role.ADMIN

# Unrelated reports, so the pool and the rival rule are not trivial.
OTHERS = [
    report_body("OTHER-1", name="Karim Uddin", father_name="Rafiqul Islam", sex="M", age=9),
    report_body("OTHER-2", name="Rahima Akter", father_name="Jamal Hossain", district="Dhaka"),
    report_body("OTHER-3", name="Sumi Begum", father_name="Abdul Karim", age=13),
]


def _queue_pairs(h: Harness) -> set[tuple[str, str]]:
    items = h.call(R, "GET", "/review-queue", params={"limit": 200}).json()["items"]
    return {(c["interception_id"], c["report_id"]) for c in items}


def _candidate(h: Harness, iid: str, rid: str) -> dict[str, Any] | None:
    body = h.call(R, "GET", f"/interceptions/{iid}/candidates").json()
    return next((c for c in body["candidates"] if c["report_id"] == rid), None)


def _same_account(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("rank", "score", "band", "explanation", "contributions", "pool_bits"):
        assert a[key] == b[key], key


def test_report_after_interception_enters_queue_and_candidates(harness: Harness) -> None:
    h = harness
    for body in OTHERS:
        assert h.call(R, "POST", "/reports", json=body).status_code == 201
    assert h.call(B, "POST", "/interceptions", json=interception_body("LATE-I1")).status_code == 201
    assert ("LATE-I1", "LATE-R1") not in _queue_pairs(h)
    assert h.call(R, "POST", "/reports", json=report_body("LATE-R1")).status_code == 201
    # at once: the same process, no batch run
    assert ("LATE-I1", "LATE-R1") in _queue_pairs(h)
    reverse = _candidate(h, "LATE-I1", "LATE-R1")
    assert reverse is not None
    assert reverse["band"] in ("match", "review")
    # the report's page lists the child already intercepted
    listed = h.call(R, "GET", "/reports/LATE-R1/candidates")
    assert listed.status_code == 200
    assert [c["interception_id"] for c in listed.json()["candidates"]] == ["LATE-I1"]
    assert [i["interception_id"] for i in listed.json()["interceptions"]] == ["LATE-I1"]
    # an officer may not read reports, an admin no children's records
    assert h.call(B, "GET", "/reports/LATE-R1/candidates").status_code == 403
    assert h.call(AD, "GET", "/reports/LATE-R1/candidates").status_code == 403
    assert h.call(A, "GET", "/reports/LATE-R1/candidates").status_code == 200
    assert h.call(R, "GET", "/reports/NOPE/candidates").status_code == 404

    # the other order, in the same database state: the same score and explanation
    same = interception_body("LATE-I2")
    assert h.call(B, "POST", "/interceptions", json=same).status_code == 201
    first = _candidate(h, "LATE-I2", "LATE-R1")  # as a reviewer reads it
    assert first is not None
    _same_account(first, reverse)

    # a confirmed reverse candidate closes the interception as any other
    d = h.call(
        R, "POST", f"/candidates/{reverse['candidate_id']}/decision", json={"decision": "confirm"}
    )
    assert d.status_code == 201
    assert h.call(R, "GET", "/interceptions/LATE-I1").json()["status"] == "matched"
    # a matched interception is no longer found by new reports
    assert h.call(R, "POST", "/reports", json=report_body("LATE-R2")).status_code == 201
    assert _candidate(h, "LATE-I1", "LATE-R2") is None


@pytest.mark.parametrize("forked", [True, False], ids=["forked-child", "in-process"])
def test_imported_reports_find_children(harness: Harness, forked: bool) -> None:
    """An import's reports are matched in a forked child from
    ``LiveIndex.offload_min_reports`` reports on (one here, to test it), else in the
    request's thread: the same candidate, with the score the forward query gives."""
    h = harness
    h.app.state.index.offload_min_reports = 1 if forked else 10**9
    assert h.call(B, "POST", "/interceptions", json=interception_body("IMP-I1")).status_code == 201
    body = report_body("IMP-R1")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(REPORT_COLUMNS))
    writer.writeheader()
    writer.writerow(body)
    r = h.call(R, "POST", "/reports/import", files={"file": ("r.csv", out.getvalue(), "text/csv")})
    assert r.status_code == 200, r.text
    assert ("IMP-I1", "IMP-R1") in _queue_pairs(h)
    events = h.call(AD, "GET", "/audit", params={"record_type": "candidate"}).json()["items"]
    created = [e for e in events if e["action"] == "create"]
    assert created
    assert all(e["username"] == "t-police_reviewer" for e in created)
    reverse = _candidate(h, "IMP-I1", "IMP-R1")
    assert h.call(B, "POST", "/interceptions", json=interception_body("IMP-I2")).status_code == 201
    forward = _candidate(h, "IMP-I2", "IMP-R1")
    assert reverse is not None
    assert forward is not None
    _same_account(forward, reverse)


def test_an_unrelated_report_finds_no_child(harness: Harness) -> None:
    h = harness
    assert h.call(B, "POST", "/interceptions", json=interception_body("UN-I1")).status_code == 201
    other = report_body("UN-R1", name="Jahid Hasan", father_name="Motaleb Mia", sex="M")
    assert h.call(R, "POST", "/reports", json=other).status_code == 201
    assert _candidate(h, "UN-I1", "UN-R1") is None
    assert h.call(R, "GET", "/reports/UN-R1/candidates").json()["candidates"] == []


@pytest.mark.parametrize("field", ["name"], ids=["edited-name"])
def test_an_edited_interception_is_found_by_its_new_details(harness: Harness, field: str) -> None:
    h = harness
    thin = interception_body("ED-I1", name="Moni", father_name=None)
    assert h.call(B, "POST", "/interceptions", json=thin).status_code == 201
    edit = {field: "Rohima Khatoon", "father_name": "Abdul Karim"}
    assert h.call(B, "PATCH", "/interceptions/ED-I1", json=edit).status_code == 200
    assert h.call(R, "POST", "/reports", json=report_body("ED-R1")).status_code == 201
    assert _candidate(h, "ED-I1", "ED-R1") is not None
