"""Asking the child the next question (``ask_next``) and editing an interception: re-ranked at
once, earlier versions kept and audited, refused when matched, an officer's own only."""

from __future__ import annotations

from typing import Any

from api import services
from api.roles import Role
from tests.api.conftest import Harness, interception_body, report_body

R, B, A, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST, Role.ADMIN

FATHERS = ("Abdul Karim", "Rafiqul Islam", "Jamal Uddin", "Shahidul Haque", "Nurul Amin")
DISTRICTS = ("Jashore", "Dhaka", "Khulna", "Rajshahi", "Sylhet")


def _lookalikes(h: Harness) -> None:
    """Five Rahima Khatuns of the same age: only the father and the district tell them apart."""
    for i, (father, district) in enumerate(zip(FATHERS, DISTRICTS, strict=True)):
        body = report_body(f"L-{i}", father_name=father, district=district, mother_name=None)
        assert h.call(R, "POST", "/reports", json=body).status_code == 201


def _thin(h: Harness, iid: str = "T-1", role: Role = B) -> dict[str, Any]:
    body = interception_body(iid, father_name=None, home_district=None)
    r = h.call(role, "POST", "/interceptions", json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def _audit(h: Harness, **params: str) -> list[dict[str, Any]]:
    r = h.call(AD, "GET", "/audit", params={"limit": 1000, **params})
    assert r.status_code == 200
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_a_thin_interception_is_told_what_to_ask(harness: Harness) -> None:
    _lookalikes(harness)
    result = _thin(harness)
    asked = result["ask_next"]
    assert asked[0] == {"field": "father_name", "label": "father's name", "label_bn": "পিতার নাম"}
    assert {q["field"] for q in asked} == {"father_name", "home_district"}
    stored = harness.call(B, "GET", "/interceptions/T-1/candidates").json()
    assert stored["ask_next"] == asked
    assert [c["candidate_id"] for c in stored["candidates"]] == [
        c["candidate_id"] for c in result["candidates"]
    ]


def test_a_submission_answers_what_its_stored_candidates_read_back(harness: Harness) -> None:
    """The answer to a submission is built from the engine's candidates, not read back from
    the rows it stored: it must be the same answer, field by field (verdicts only: an officer
    submits, and learns none of a report's values)."""
    h = harness
    _lookalikes(h)
    result = _thin(h)
    stored = h.call(B, "GET", "/interceptions/T-1/candidates").json()
    assert stored["candidates"] == result["candidates"] != []
    assert stored["ask_next"] == result["ask_next"] != []
    assert stored["interception"] == result["interception"]
    first = result["candidates"][0]
    assert first["baseline_bits"] is None
    assert all(c["facts"] is None and c["weight"] is None for c in first["contributions"])


def test_nothing_is_asked_for_a_decisive_match(harness: Harness) -> None:
    h = harness
    phone = {"guardian_phone": "01712345678"}
    assert h.call(R, "POST", "/reports", json=report_body("R-1", **phone)).status_code == 201
    for i, (father, district) in enumerate(zip(FATHERS[1:], DISTRICTS[1:], strict=True)):
        other = report_body(f"K-{i}", name="Rahima Akter", father_name=father, district=district)
        assert h.call(R, "POST", "/reports", json=other).status_code == 201
    body = interception_body("D-1", mother_name="Salma Begum", **phone)
    result = h.call(B, "POST", "/interceptions", json=body).json()
    assert len(result["candidates"]) > 1
    assert result["candidates"][0]["band"] == "match"
    assert result["ask_next"] == []


def test_an_edit_re_ranks_keeps_the_earlier_version_and_is_audited(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    before = _thin(h)
    r = h.call(B, "PATCH", "/interceptions/T-1", json={"father_name": "Md. Jamal Uddin"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["interception"]["father_name"] == "Md. Jamal Uddin"
    assert after["candidates"][0]["report_id"] == "L-2"
    assert after["candidates"][0]["score"] > before["candidates"][0]["score"]
    assert all(q["field"] != "father_name" for q in after["ask_next"])
    # the candidate ranked again keeps its id (and so its decisions)
    old_ids = {c["report_id"]: c["candidate_id"] for c in before["candidates"]}
    assert after["candidates"][0]["candidate_id"] == old_ids["L-2"]
    # the stored view is the new one
    stored = h.call(B, "GET", "/interceptions/T-1/candidates").json()
    assert [c["candidate_id"] for c in stored["candidates"]] == [
        c["candidate_id"] for c in after["candidates"]
    ]
    # the details as submitted are kept, with who replaced them
    versions = h.call(B, "GET", "/interceptions/T-1/versions").json()
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["details"]["father_name"] is None
    assert versions[0]["details"]["name"] == "Rohima Khatoon"
    assert versions[0]["edited_by"] == h.user_ids[B]
    # a second edit keeps a second version
    r = h.call(R, "PATCH", "/interceptions/T-1", json={"home_district": "Khulna"})
    assert r.status_code == 200, r.text
    versions = h.call(R, "GET", "/interceptions/T-1/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["details"]["father_name"] == "Md. Jamal Uddin"
    assert versions[1]["details"]["home_district"] is None
    assert versions[1]["edited_by"] == h.user_ids[R]
    updates = [
        (e["username"], e["action"])
        for e in _audit(h, record_type="interception", record_id="T-1")
        if e["action"] == "update"
    ]
    assert updates == [("t-bgb_officer", "update"), ("t-police_reviewer", "update")]


def test_an_edit_that_changes_nothing_keeps_no_version(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    _thin(h)
    r = h.call(B, "PATCH", "/interceptions/T-1", json={"name": "Rohima Khatoon"})
    assert r.status_code == 200, r.text
    assert h.call(B, "GET", "/interceptions/T-1/versions").json() == []


def test_a_matched_interception_cannot_be_edited(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    result = _thin(h)
    cid = result["candidates"][0]["candidate_id"]
    r = h.call(R, "POST", f"/candidates/{cid}/decision", json={"decision": "confirm"})
    assert r.status_code == 201, r.text
    r = h.call(R, "PATCH", "/interceptions/T-1", json={"father_name": "Jamal Uddin"})
    assert r.status_code == 409
    assert "matched" in r.json()["detail"]
    assert h.call(R, "GET", "/interceptions/T-1").json()["father_name"] is None
    assert h.call(R, "GET", "/interceptions/T-1/versions").json() == []
    assert h.call(R, "GET", "/interceptions/T-1/candidates").json()["ask_next"] == []


def test_another_officer_may_not_edit(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    _thin(h)
    with h.app.state.sessions() as session:
        _user, _tok, token = services.create_user(session, None, "t-officer-2", B)
    r = h.client.patch(
        "/interceptions/T-1",
        json={"father_name": "Jamal Uddin"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    assert h.call(A, "PATCH", "/interceptions/T-1", json={"age": 12}).status_code == 403
    assert h.call(B, "GET", "/interceptions/T-1").json()["father_name"] is None


def test_an_edit_never_brings_back_a_rejected_report(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    result = _thin(h)
    l2 = next(c for c in result["candidates"] if c["report_id"] == "L-2")
    r = h.call(R, "POST", f"/candidates/{l2['candidate_id']}/decision", json={"decision": "reject"})
    assert r.status_code == 201
    after = h.call(B, "PATCH", "/interceptions/T-1", json={"father_name": "Jamal Uddin"}).json()
    current = [c for c in after["candidates"] if c["status"] != "rejected"]
    assert all(c["report_id"] != "L-2" for c in current)


def test_a_candidate_ranked_out_is_superseded_and_cannot_be_decided(harness: Harness) -> None:
    h = harness
    _lookalikes(h)
    other = report_body(
        "L-X", name="Kamal Mia", sex="M", age=4, district="Rangpur", father_name="Kamal Hossain"
    )
    assert h.call(R, "POST", "/reports", json=other).status_code == 201
    before = _thin(h)
    rahimas = {c["report_id"]: c["candidate_id"] for c in before["candidates"]}
    assert "L-2" in rahimas
    # the officer misheard: the child is Kamal, a boy from Rangpur
    fix = {"name": "Kamal Mia", "sex": "M", "age": 4, "home_district": "Rangpur"}
    after = h.call(B, "PATCH", "/interceptions/T-1", json=fix).json()
    assert after["candidates"][0]["report_id"] == "L-X"
    assert all(c["report_id"] != "L-2" for c in after["candidates"])
    stored = h.call(R, "GET", "/interceptions/T-1/candidates").json()["candidates"]
    assert all(c["report_id"] != "L-2" for c in stored)
    cid = rahimas["L-2"]
    assert h.call(R, "GET", f"/candidates/{cid}").json()["status"] == "superseded"
    r = h.call(R, "POST", f"/candidates/{cid}/decision", json={"decision": "unsure"})
    assert r.status_code == 409
    queue = h.call(R, "GET", "/review-queue").json()["items"]
    assert all(c["candidate_id"] != cid for c in queue)


def test_a_submission_is_served_in_its_turn(harness: Harness) -> None:
    """``POST /interceptions`` waits in line for one of the submission turns (first come, first
    served) and is served whole in it: while every turn is held it is not served, once one is
    handed on it is."""
    import threading

    from api import matching

    h = harness
    index = h.app.state.index
    index._submissions = matching._Turns(1)
    answers: list[int] = []

    def submit() -> None:
        answers.append(
            h.call(B, "POST", "/interceptions", json=interception_body("Q-1")).status_code
        )

    with index.submission():
        waiting = threading.Thread(target=submit)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()
        assert answers == []
    waiting.join(10)
    assert answers == [201]
