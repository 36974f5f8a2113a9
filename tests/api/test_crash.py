"""Crash test: SIGKILL a real ``shondhan serve`` in the middle of a large CSV import; after a
restart the database holds none or all of that import, and everything committed before it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.roles import Role
from tests.api.conftest import report_body
from tests.api.servers import bootstrap_users, start_server
from tests.api.test_import import make_csv

pytestmark = pytest.mark.slow

N_ROWS = 60_000


def test_sigkill_during_import_keeps_none_or_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    tokens = bootstrap_users(url)
    headers = {"Authorization": f"Bearer {tokens[Role.POLICE_REVIEWER]}"}
    log = tmp_path / "server.log"
    server = start_server(url, log)
    try:
        for i in range(3):
            r = httpx.post(f"{server.base}/reports", json=report_body(f"KEEP-{i}"), headers=headers)
            assert r.status_code == 201
        rows = [report_body(f"CRASH-{i:06d}", age=5 + i % 10) for i in range(N_ROWS)]
        data = make_csv(rows)
        outcome: dict[str, object] = {}

        def upload() -> None:
            try:
                resp = httpx.post(
                    f"{server.base}/reports/import",
                    files={"file": ("big.csv", data, "text/csv")},
                    headers=headers,
                    timeout=120,
                )
                outcome["status"] = resp.status_code
            except httpx.HTTPError as exc:
                outcome["error"] = type(exc).__name__

        thread = threading.Thread(target=upload)
        thread.start()
        deadline = time.monotonic() + 60
        while "rows written so far" not in server.log_text():
            assert time.monotonic() < deadline, server.log_text()[-2000:]
            assert "status" not in outcome, "import finished before we could kill it"
            time.sleep(0.02)
        server.kill()
        thread.join(timeout=30)
        assert "status" not in outcome, "the import answered: the kill came too late"
    finally:
        server.kill()

    server = start_server(url, log)
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            crashed = conn.execute(
                text("SELECT count(*) FROM reports WHERE report_id LIKE 'CRASH-%'")
            ).scalar_one()
            kept = conn.execute(
                text("SELECT count(*) FROM reports WHERE report_id LIKE 'KEEP-%'")
            ).scalar_one()
            audit = conn.execute(
                text("SELECT count(*) FROM audit_events WHERE record_id LIKE 'CRASH-%'")
            ).scalar_one()
        engine.dispose()
        assert crashed in (0, N_ROWS)
        assert audit == crashed
        assert kept == 3
        health = httpx.get(f"{server.base}/health").json()
        assert health["reports_indexed"] == 3 + crashed
        r = httpx.get(f"{server.base}/reports/KEEP-0", headers=headers)
        assert r.status_code == 200
    finally:
        server.stop()
