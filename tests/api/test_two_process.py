"""Two ``shondhan serve`` processes on one PostgreSQL: a report added through one becomes
matchable through the other within 5 seconds (the background index sync)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.roles import Role
from tests.api.conftest import Database, fresh_database, interception_body, report_body
from tests.api.servers import bootstrap_users, start_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg(tmp_path: Path, pg_database: str | None) -> Iterator[Database]:
    db = fresh_database("postgres", tmp_path, pg_database)
    try:
        yield db
    finally:
        db.cleanup()


def test_report_added_on_one_server_is_matchable_on_the_other(pg: Database, tmp_path: Path) -> None:
    tokens = bootstrap_users(pg.url)
    reviewer = {"Authorization": f"Bearer {tokens[Role.POLICE_REVIEWER]}"}
    officer = {"Authorization": f"Bearer {tokens[Role.BGB_OFFICER]}"}
    a = start_server(pg.url, tmp_path / "a.log")
    b = start_server(pg.url, tmp_path / "b.log")
    try:
        r = httpx.post(f"{a.base}/reports", json=report_body("SYNC-1"), headers=reviewer)
        assert r.status_code == 201
        added = time.monotonic()
        seen_after = None
        attempt = 0
        while time.monotonic() - added < 5.0:
            attempt += 1
            body = interception_body(f"SYNC-I{attempt}")
            result = httpx.post(f"{b.base}/interceptions", json=body, headers=officer).json()
            if any(c["report_id"] == "SYNC-1" for c in result["candidates"]):
                seen_after = time.monotonic() - added
                break
            time.sleep(0.2)
        assert seen_after is not None, "server B never proposed the report added through A"
        assert seen_after < 5.0
        # And the other way round, for a status change: confirming on B removes it on A.
        cand = next(c for c in result["candidates"] if c["report_id"] == "SYNC-1")
        d = httpx.post(
            f"{b.base}/candidates/{cand['candidate_id']}/decision",
            json={"decision": "confirm"},
            headers=reviewer,
        )
        assert d.status_code == 201
        deadline = time.monotonic() + 5.0
        gone = False
        while time.monotonic() < deadline and not gone:
            attempt += 1
            body = interception_body(f"SYNC-I{attempt}")
            result = httpx.post(f"{a.base}/interceptions", json=body, headers=officer).json()
            gone = all(c["report_id"] != "SYNC-1" for c in result["candidates"])
            time.sleep(0.2)
        assert gone, "server A still proposes a report confirmed found through B"
    finally:
        a.stop()
        b.stop()


def test_report_added_on_one_server_finds_a_child_intercepted_on_the_other(
    pg: Database, tmp_path: Path
) -> None:
    """Interception first (server B), report later (server A, whose poll has picked the
    interception up): the pair is in the queue and the interception's candidates within 5 s."""
    tokens = bootstrap_users(pg.url)
    reviewer = {"Authorization": f"Bearer {tokens[Role.POLICE_REVIEWER]}"}
    officer = {"Authorization": f"Bearer {tokens[Role.BGB_OFFICER]}"}
    a = start_server(pg.url, tmp_path / "a.log", sync_interval=0.5)
    b = start_server(pg.url, tmp_path / "b.log", sync_interval=0.5)
    try:
        body = interception_body("BOTH-I1")
        assert httpx.post(f"{b.base}/interceptions", json=body, headers=officer).status_code == 201
        submitted = time.monotonic()
        time.sleep(1.5)  # three polls of A: the interception is among its open ones
        r = httpx.post(f"{a.base}/reports", json=report_body("BOTH-R1"), headers=reviewer)
        assert r.status_code == 201
        found = False
        while not found and time.monotonic() - submitted < 5.0:
            queue = httpx.get(f"{b.base}/review-queue", headers=reviewer).json()["items"]
            cands = httpx.get(f"{b.base}/interceptions/BOTH-I1/candidates", headers=reviewer)
            found = any(c["report_id"] == "BOTH-R1" for c in queue) and any(
                c["report_id"] == "BOTH-R1" for c in cands.json()["candidates"]
            )
            time.sleep(0.1)
        assert found, "the report added through A never found the child intercepted through B"
    finally:
        a.stop()
        b.stop()
