"""``shondhan serve --demo`` seeding, and recovery of batch runs a dead process left behind."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.db import make_engine, make_read_only_session_factory, make_session_factory
from api.demo import seed_demo
from api.jobs import fail_dead_runs
from api.migrate import upgrade
from api.models import JobStatus, Reconciliation, ReportRow, User
from api.roles import Role
from api.settings import Settings


def test_demo_seeds_once_and_gives_working_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions, read = make_session_factory(engine), make_read_only_session_factory(engine)
    first = seed_demo(sessions, read, n_reports=400, n_interceptions=40, submit=15)
    second = seed_demo(sessions, read, n_reports=400, n_interceptions=40, submit=15)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 400
    engine.dispose()
    assert set(first) == set(second) == set(Role)
    with TestClient(create_app(Settings(database_url=url, sync_enabled=False))) as client:
        old = {"Authorization": f"Bearer {first[Role.POLICE_REVIEWER]}"}
        new = {"Authorization": f"Bearer {second[Role.POLICE_REVIEWER]}"}
        assert client.get("/me", headers=old).status_code == 401  # reseeding revokes old tokens
        queue = client.get("/review-queue", headers=new).json()
        assert queue["total"] > 0


def test_runs_left_running_are_marked_failed_at_start(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        user = User(username="a", role=Role.ANALYST)
        s.add(user)
        s.flush()
        for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE):
            s.add(Reconciliation(status=status, started_by=user.id))
        s.commit()
        assert fail_dead_runs(s, lease_seconds=60) == 2
        statuses = sorted(r.status.value for r in s.scalars(select(Reconciliation)))
    engine.dispose()
    assert statuses == ["done", "failed", "failed"]
