"""What each role reads of a candidate's explanation (issue 11, item 5).

A BGB officer may not read reports: the candidates an officer receives carry each record
field's verdict, and nothing of the report's side — no weights, no facts, no report values (its
upazila, dates, age, phone digits) in any text. A reviewer reads the whole account, and both
get the *same* verdicts. All data is synthetic.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from api.roles import Role
from matcher.records import Verdict
from tests.api.conftest import Harness, interception_body, report_body

R, B, A = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST
FIELDS = {"name", "father_name", "mother_name", "sex", "age", "place", "guardian_phone", "dates"}

# Values only the report holds: none may reach an officer in any form.
REPORT_ONLY = {
    "upazila": "Jhikargachha",
    "report_date": "2025-01-10",
    "age": 10,
    "guardian_phone": "01711-234567",
}
LEAKS = ["Jhikargachha", "ঝিকরগাছা", "2025-01-10", "10 Jan", "01711", "234567", "4567"]


@pytest.fixture(scope="module")
def submitted(shared_harness: Harness) -> tuple[Harness, dict[str, Any]]:
    h = shared_harness
    if h.call(R, "GET", "/reports/X-R1").status_code == 404:
        body = report_body("X-R1", **REPORT_ONLY)
        assert h.call(R, "POST", "/reports", json=body).status_code == 201
    r = h.call(
        B,
        "POST",
        "/interceptions",
        json=interception_body("X-I1", guardian_phone="01711-234568", home_upazila=None),
    )
    assert r.status_code == 201, r.text
    return h, r.json()


def _report_candidate(items: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in items if c["report_id"] == "X-R1")


def test_officer_reads_verdicts_and_nothing_of_the_report(
    submitted: tuple[Harness, dict[str, Any]],
) -> None:
    h, result = submitted
    listed = h.call(B, "GET", "/interceptions/X-I1/candidates")
    assert listed.status_code == 200
    for cand in (
        _report_candidate(result["candidates"]),
        _report_candidate(listed.json()["candidates"]),
    ):
        assert {c["field"] for c in cand["contributions"]} == FIELDS
        for c in cand["contributions"]:
            assert Verdict(c["verdict"])
            assert c["weight"] is None
            assert c["facts"] is None
        assert cand["baseline_bits"] is None
        assert cand["pool_bits"] is None
        text = json.dumps(cand, ensure_ascii=False)
        assert [leak for leak in LEAKS if leak in text] == []


@pytest.mark.parametrize("role", [R, A], ids=["reviewer", "analyst"])
def test_report_readers_get_the_whole_account_with_the_same_verdicts(
    submitted: tuple[Harness, dict[str, Any]], role: Role
) -> None:
    h, _ = submitted
    officer = _report_candidate(
        h.call(B, "GET", "/interceptions/X-I1/candidates").json()["candidates"]
    )
    full = _report_candidate(
        h.call(role, "GET", "/interceptions/X-I1/candidates").json()["candidates"]
    )
    verdicts = {c["field"]: c["verdict"] for c in officer["contributions"]}
    assert {c["field"]: c["verdict"] for c in full["contributions"]} == verdicts
    assert all(isinstance(c["weight"], float) for c in full["contributions"])
    phone = next(c for c in full["contributions"] if c["field"] == "guardian_phone")
    assert phone["verdict"] == Verdict.PARTIAL  # one digit off: a reviewer may read that
    # the leak list is not vacuous: the reviewer's account does name the report's values
    assert [leak for leak in LEAKS if leak in json.dumps(full, ensure_ascii=False)] != []
    weights = sum(c["weight"] for c in full["contributions"])
    assert weights + full["baseline_bits"] + full["pool_bits"] == pytest.approx(
        _logit2(full["score"]), abs=0.05
    )


def _logit2(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))
