"""End to end through HTTP with the real MatchIndex: submit, review, decide, revoke, audit,
batch runs. Runs on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import time

import pytest

from api import services
from api.errors import ConflictError
from api.roles import Role
from tests.api.conftest import Harness, interception_body, report_body

R, B, A, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ANALYST, Role.ADMIN


def _submit(h: Harness, iid: str, **fields: object) -> dict:
    r = h.call(B, "POST", "/interceptions", json=interception_body(iid, **fields))
    assert r.status_code == 201, r.text
    return r.json()


def _candidate_for(result: dict, report_id: str) -> dict:
    return next(c for c in result["candidates"] if c["report_id"] == report_id)


def _audit(h: Harness, **params: str) -> list[dict]:
    r = h.call(AD, "GET", "/audit", params={"limit": 1000, **params})
    assert r.status_code == 200
    return r.json()["items"]


def test_report_is_matchable_at_once_and_candidates_are_ranked(harness: Harness) -> None:
    h = harness
    assert h.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 201
    other = report_body("R-2", name="Karim Uddin", sex="M", father_name="Jamal Uddin")
    assert h.call(R, "POST", "/reports", json=other).status_code == 201
    result = _submit(h, "I-1")
    ids = [c["report_id"] for c in result["candidates"]]
    assert ids[0] == "R-1"
    assert [c["rank"] for c in result["candidates"]] == list(range(1, len(ids) + 1))
    scores = [c["score"] for c in result["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    top = result["candidates"][0]
    assert top["explanation"]
    assert top["contributions"][0]["field"]
    stored = h.call(B, "GET", "/interceptions/I-1/candidates").json()["candidates"]
    assert [c["candidate_id"] for c in stored] == [c["candidate_id"] for c in result["candidates"]]


def test_confirm_then_second_confirm_is_refused_until_revoked(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    first = _candidate_for(_submit(h, "I-1"), "R-1")
    second = _candidate_for(_submit(h, "I-2", age=12), "R-1")

    r = h.call(
        R,
        "POST",
        f"/candidates/{first['candidate_id']}/decision",
        json={"decision": "confirm", "note": "phoned father"},
    )
    assert r.status_code == 201, r.text
    decision_id = r.json()["decision_id"]
    assert h.call(R, "GET", "/reports/R-1").json()["status"] == "found"
    assert h.call(R, "GET", "/interceptions/I-1").json()["status"] == "matched"

    # Same report, other interception: refused; same candidate again: refused.
    conflict = h.call(
        R, "POST", f"/candidates/{second['candidate_id']}/decision", json={"decision": "confirm"}
    )
    assert conflict.status_code == 409
    again = h.call(
        R, "POST", f"/candidates/{first['candidate_id']}/decision", json={"decision": "reject"}
    )
    assert again.status_code == 409
    # A found report is out of the index: a new interception no longer proposes it.
    assert all(c["report_id"] != "R-1" for c in _submit(h, "I-3")["candidates"])
    # The queue holds nothing on a found report.
    queue = h.call(R, "GET", "/review-queue").json()
    assert all(c["report_id"] != "R-1" for c in queue["items"])

    # Reviewers cannot revoke; an admin can, with a reason; then the other confirmation works.
    assert (
        h.call(R, "POST", f"/decisions/{decision_id}/revoke", json={"reason": "x"}).status_code
        == 403
    )
    assert (
        h.call(AD, "POST", f"/decisions/{decision_id}/revoke", json={"reason": ""}).status_code
        == 422
    )
    revoked = h.call(AD, "POST", f"/decisions/{decision_id}/revoke", json={"reason": "wrong child"})
    assert revoked.status_code == 200
    assert revoked.json()["revoke_reason"] == "wrong child"
    assert (
        h.call(AD, "POST", f"/decisions/{decision_id}/revoke", json={"reason": "again"}).status_code
        == 409
    )
    assert h.call(R, "GET", "/reports/R-1").json()["status"] == "open"
    assert h.call(R, "GET", "/interceptions/I-1").json()["status"] == "open"
    ok = h.call(
        R, "POST", f"/candidates/{second['candidate_id']}/decision", json={"decision": "confirm"}
    )
    assert ok.status_code == 201

    history = h.call(AD, "GET", f"/candidates/{first['candidate_id']}/decisions").json()
    assert [d["decision"] for d in history] == ["confirm"]
    assert history[0]["revoked_at"] is not None


def test_rejected_pair_never_resurfaces(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    cand = _candidate_for(_submit(h, "I-1"), "R-1")
    queue = h.call(R, "GET", "/review-queue").json()
    assert (
        cand["candidate_id"] in [c["candidate_id"] for c in queue["items"]]
        or cand["band"] == "no_match"
    )
    r = h.call(
        R, "POST", f"/candidates/{cand['candidate_id']}/decision", json={"decision": "reject"}
    )
    assert r.status_code == 201
    queue = h.call(R, "GET", "/review-queue").json()
    assert cand["candidate_id"] not in [c["candidate_id"] for c in queue["items"]]
    # A batch run excludes the rejected pair too.
    run = h.call(A, "POST", "/reconciliations").json()
    status = _wait_run(h, run["reconciliation_id"])
    assert status["status"] == "done"
    csv_text = h.call(A, "GET", f"/reconciliations/{run['reconciliation_id']}/candidates.csv").text
    assert "I-1,R-1," not in csv_text


def test_unsure_keeps_candidate_in_queue(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    cand = _candidate_for(_submit(h, "I-1"), "R-1")
    assert cand["band"] in ("match", "review")
    h.call(R, "POST", f"/candidates/{cand['candidate_id']}/decision", json={"decision": "unsure"})
    items = h.call(R, "GET", "/review-queue").json()["items"]
    assert [c["status"] for c in items if c["candidate_id"] == cand["candidate_id"]] == ["unsure"]


def test_review_queue_is_sorted_and_paginated(harness: Harness) -> None:
    h = harness
    for i in range(4):
        h.call(R, "POST", "/reports", json=report_body(f"R-{i}", age=9 + i))
    for i in range(3):
        _submit(h, f"I-{i}", age=10 + i)
    full = h.call(R, "GET", "/review-queue", params={"limit": 200}).json()
    scores = [c["score"] for c in full["items"]]
    assert scores == sorted(scores, reverse=True)
    assert full["total"] == len(full["items"]) > 2
    page = h.call(R, "GET", "/review-queue", params={"limit": 2, "offset": 1}).json()
    assert [c["candidate_id"] for c in page["items"]] == [
        c["candidate_id"] for c in full["items"][1:3]
    ]


def test_officer_sees_only_own_interceptions(harness: Harness) -> None:
    h = harness
    _submit(h, "I-1")
    with h.app.state.sessions() as session:  # the operator's path to a user's token
        _user, _tok, plain = services.create_user(session, None, "officer2", Role.BGB_OFFICER)
    headers = {"Authorization": f"Bearer {plain}"}
    assert h.client.get("/interceptions/I-1", headers=headers).status_code == 403
    assert h.client.get("/interceptions/I-1/candidates", headers=headers).status_code == 403
    assert h.call(B, "GET", "/interceptions/I-1").status_code == 200


def test_duplicate_ids_conflict(harness: Harness) -> None:
    h = harness
    assert h.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 201
    assert h.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 409
    _submit(h, "I-1")
    assert h.call(B, "POST", "/interceptions", json=interception_body("I-1")).status_code == 409


def test_reads_and_changes_are_audited_with_ids_only(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    h.call(A, "GET", "/reports/R-1")
    cand = _candidate_for(_submit(h, "I-1"), "R-1")
    h.call(
        R,
        "POST",
        f"/candidates/{cand['candidate_id']}/decision",
        json={"decision": "confirm", "note": "secret note"},
    )
    events = _audit(h)
    seen = {(e["username"], e["action"], e["record_type"], e["record_id"]) for e in events}
    assert ("t-police_reviewer", "create", "report", "R-1") in seen
    assert ("t-analyst", "read", "report", "R-1") in seen
    assert ("t-bgb_officer", "create", "interception", "I-1") in seen
    assert ("t-police_reviewer", "decide", "candidate", cand["candidate_id"]) in seen
    flat = repr(events)
    assert "Rahima" not in flat
    assert "secret note" not in flat
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    # Filter and paging.
    only = _audit(h, record_id="R-1")
    assert {e["record_id"] for e in only} == {"R-1"}
    page = h.call(AD, "GET", "/audit", params={"limit": 1}).json()
    assert page["next_after_id"] == page["items"][0]["id"]


def test_failed_change_leaves_no_audit_event(harness: Harness) -> None:
    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    before = len(_audit(h, record_id="R-1"))
    assert h.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 409
    assert len(_audit(h, record_id="R-1")) == before


def _wait_run(h: Harness, run_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = h.call(A, "GET", f"/reconciliations/{run_id}").json()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_reconciliation_runs_in_background_and_downloads_csv(harness: Harness) -> None:
    h = harness
    for i in range(3):
        h.call(R, "POST", "/reports", json=report_body(f"R-{i}", age=9 + i))
    for i in range(4):
        _submit(h, f"I-{i}", age=10 + i)
    run = h.call(A, "POST", "/reconciliations")
    assert run.status_code == 202
    status = _wait_run(h, run.json()["reconciliation_id"])
    assert status["status"] == "done"
    assert status["done"] == status["total"] == 4
    csv_resp = h.call(A, "GET", f"/reconciliations/{status['reconciliation_id']}/candidates.csv")
    assert csv_resp.status_code == 200
    assert csv_resp.headers["content-type"].startswith("text/csv")
    lines = csv_resp.text.strip().splitlines()
    # the engine's candidates format (the CLI's): contract columns, then the strongest field
    assert lines[0] == "interception_id,report_id,rank,score,band,explanation,top_field,top_weight"
    assert len(lines) - 1 == status["candidates"] > 0
    assert h.call(A, "GET", "/reconciliations/" + "0" * 32).status_code == 404


def test_revoked_token_is_refused(harness: Harness) -> None:
    h = harness
    assert h.call(A, "GET", "/me").status_code == 200
    r = h.call(AD, "POST", f"/users/{h.user_ids[A]}/revoke")
    assert r.json() == {"revoked": 1}
    assert h.call(A, "GET", "/me").status_code == 401
    with h.app.state.sessions() as session:  # the operator issues the analyst a new token
        _tok, fresh = services.new_token(session, None, h.user_ids[A])
    assert h.client.get("/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_concurrent_confirmations_of_one_report_let_exactly_one_through(harness: Harness) -> None:
    import threading

    from api import services
    from api.errors import ConflictError
    from api.models import User
    from api.schemas import DecisionIn

    h = harness
    h.call(R, "POST", "/reports", json=report_body("R-1"))
    cands = [_candidate_for(_submit(h, f"I-{i}", age=10 + i), "R-1") for i in range(4)]
    app = h.app
    barrier = threading.Barrier(len(cands))
    outcomes: list[str] = []

    def confirm(candidate_id: str) -> None:
        with app.state.sessions() as session:
            user = session.get(User, h.user_ids[R])
            session.commit()
            barrier.wait()
            try:
                services.decide(
                    session,
                    user,
                    candidate_id,
                    DecisionIn(decision="confirm"),
                    index=app.state.index,
                )
                outcomes.append("ok")
            except ConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=confirm, args=(c["candidate_id"],)) for c in cands]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * (len(cands) - 1) + ["ok"]


def test_disabled_user_is_refused_even_with_an_unrevoked_token(harness: Harness) -> None:
    from api.models import User

    h = harness
    assert h.call(A, "GET", "/me").status_code == 200
    with h.app.state.sessions() as session:
        user = session.get(User, h.user_ids[A])
        user.disabled = True
        session.commit()
    assert h.call(A, "GET", "/me").status_code == 401
    with h.app.state.sessions() as session, pytest.raises(ConflictError):
        services.new_token(session, None, h.user_ids[A])
