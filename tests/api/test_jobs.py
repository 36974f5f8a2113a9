"""The batch runner (api.jobs.ReconciliationRunner) over the engine's batch loop
(``matcher.reconcile.query_all``): progress and candidates committed chunk by chunk, one
live-index query (and read lock) per interception, rejected pairs excluded. Synthetic data."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from api.db import make_engine, make_session_factory
from api.jobs import ReconciliationRunner, fail_dead_runs
from api.lease import process_owner
from api.matching import LiveIndex
from api.migrate import upgrade
from api.models import (
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    JobStatus,
    Reconciliation,
    ReconciliationCandidate,
    ReportRow,
    User,
    utcnow,
)
from api.roles import Role
from matcher.records import Band, Candidate, Contribution, Interception, Verdict
from tests.api.conftest import Harness

N_INTERCEPTIONS = 23
CHUNK = 5


class CountingIndex:
    """The engine's index for the live index to wrap: two candidates per interception (R-0,
    R-1) unless excluded; counts its queries."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, frozenset[str]]] = []

    def add(self, report: Any) -> None: ...

    def add_many(self, reports: Any) -> None:
        list(reports)

    def remove(self, report_id: str) -> None: ...

    def __len__(self) -> int:
        return 2

    def query(
        self, interception: Interception, *, top_k: int, exclude: Any = ()
    ) -> list[Candidate]:
        self.queries.append((interception.interception_id, frozenset(exclude)))
        left = [r for r in ("R-0", "R-1") if r not in exclude][:top_k]
        return [
            Candidate(
                interception.interception_id,
                rid,
                rank,
                0.9 / rank,
                Band.REVIEW,
                (Contribution("name", Verdict.AGREE, 2.0 / rank, "same name key"),),
            )
            for rank, rid in enumerate(left, start=1)
        ]


@pytest.fixture
def seeded(harness: Harness) -> Harness:
    now = utcnow()
    with harness.app.state.sessions() as s:
        s.execute(
            insert(ReportRow),
            [{"report_id": f"R-{i}", "seq": 1, "created_at": now} for i in range(2)],
        )
        s.execute(
            insert(InterceptionRow),
            [{"interception_id": f"I-{i:02d}", "created_at": now} for i in range(N_INTERCEPTIONS)],
        )
        s.add(
            CandidateRow(
                interception_id="I-03",
                report_id="R-0",
                rank=1,
                score=0.9,
                band=Band.REVIEW,
                model_version="synthetic",
                status=CandidateStatus.REJECTED,
            )
        )
        s.add(
            Reconciliation(
                id="r" * 32, status=JobStatus.QUEUED, started_by=harness.user_ids[Role.ANALYST]
            )
        )
        s.commit()
    return harness


def test_the_runner_commits_each_chunk_with_its_progress(seeded: Harness) -> None:
    app = seeded.app
    index = CountingIndex()
    live = LiveIndex(app.state.read_sessions, index_factory=lambda: index)
    live.load()
    locked = []
    read = live._rw.read

    @contextlib.contextmanager
    def counted_read() -> Iterator[None]:
        with read():
            locked.append(len(index.queries))
            yield

    live._rw.read = counted_read  # type: ignore[method-assign]
    runner = ReconciliationRunner(
        app.state.sessions, app.state.read_sessions, live, top_k=10, chunk=CHUNK
    )
    progress: list[tuple[int, int, int]] = []  # (done, candidates, rows stored) at each commit
    engine = app.state.engine

    def watch(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE RECONCILIATIONS") and "done" in statement:
            stored = conn.execute(  # inside the chunk's transaction: its rows are in
                select(func.count()).select_from(ReconciliationCandidate)
            ).scalar_one()
            values = (
                params
                if isinstance(params, dict)
                else dict(zip(("done", "candidates"), params, strict=False))
            )
            progress.append((int(values["done"]), int(values["candidates"]), int(stored)))

    sa.event.listen(engine, "before_cursor_execute", watch)
    try:
        runner.run("r" * 32)
    finally:
        sa.event.remove(engine, "before_cursor_execute", watch)
    with app.state.sessions() as s:
        run = s.get(Reconciliation, "r" * 32)
        assert run is not None
        assert (run.status, run.done, run.total) == (
            JobStatus.DONE,
            N_INTERCEPTIONS,
            N_INTERCEPTIONS,
        )
        stored = s.execute(
            select(ReconciliationCandidate.interception_id, ReconciliationCandidate.report_id)
        ).all()
    want_done = [min(N_INTERCEPTIONS, n) for n in range(CHUNK, N_INTERCEPTIONS + CHUNK, CHUNK)]
    assert [d for d, _, _ in progress] == want_done
    assert all(found == rows for _, found, rows in progress)  # candidates committed with it
    assert progress[-1][1] == run.candidates == len(stored) == 2 * N_INTERCEPTIONS - 1
    assert ("I-03", "R-0") not in stored  # the rejected pair
    assert [q for q, _ in index.queries] == [f"I-{i:02d}" for i in range(N_INTERCEPTIONS)]
    assert dict(index.queries)["I-03"] == {"R-0"}
    assert locked == list(range(N_INTERCEPTIONS))  # the read lock taken for each query alone


def _run_owned_by(
    sessions: Any, owner: str | None, beat_age: float | None, status: JobStatus
) -> str:
    with sessions() as s:
        user = User(username=f"u-{secrets.token_hex(3)}", role=Role.ANALYST)
        s.add(user)
        s.flush()
        beat = None if beat_age is None else utcnow() - timedelta(seconds=beat_age)
        run = Reconciliation(status=status, started_by=user.id, owner=owner, heartbeat_at=beat)
        s.add(run)
        s.commit()
        return run.id


@pytest.mark.parametrize(
    ("owner", "beat_age", "failed"),
    [
        pytest.param("live", 5.0, False, id="live-owner-fresh-heartbeat"),
        pytest.param("other-host", 5.0, False, id="other-host-fresh-heartbeat"),
        pytest.param("other-host", 500.0, True, id="lease-expired"),
        pytest.param("dead", 5.0, True, id="owner-process-gone"),
        pytest.param(None, None, True, id="stored-before-leases"),
    ],
)
def test_only_runs_of_dead_owners_are_failed(
    tmp_path: Path, owner: str | None, beat_age: float | None, failed: bool
) -> None:
    """Issue 15.2: starting a process fails only the runs whose owner is dead; the runs of a
    live process (another server) keep running."""
    engine = make_engine(f"sqlite:///{tmp_path / 'lease.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    sleeper = subprocess.Popen(["sleep", "30"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    names = {
        "live": f"{host}:{sleeper.pid}:x",
        "dead": f"{host}:{gone.pid}:x",
        "other-host": f"elsewhere.example:{os.getpid()}:x",
    }
    try:
        rid = _run_owned_by(sessions, names.get(owner or ""), beat_age, JobStatus.RUNNING)
        with sessions() as s:
            assert fail_dead_runs(s, lease_seconds=60) == int(failed)
            status = s.get(Reconciliation, rid).status  # type: ignore[union-attr]
    finally:
        sleeper.kill()
        sleeper.wait()
        engine.dispose()
    assert status == (JobStatus.FAILED if failed else JobStatus.RUNNING)


def test_a_failed_mark_failed_is_retried_until_written(tmp_path: Path) -> None:
    """Issue 15.2: when the run fails and writing "failed" fails too (database busy), the runner
    tries again instead of leaving the run "running"."""
    engine = make_engine(f"sqlite:///{tmp_path / 'retry.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    rid = _run_owned_by(sessions, process_owner(), 0.0, JobStatus.RUNNING)
    calls = {"n": 0}

    def flaky() -> Any:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return sessions()

    runner = ReconciliationRunner(flaky, sessions, None, top_k=5, chunk=10)  # type: ignore[arg-type]
    runner._stop.wait = lambda _t: False  # type: ignore[method-assign]  # no real sleeping

    def broken(_rid: str) -> None:
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    runner._run = broken  # type: ignore[method-assign]
    runner.run(rid)
    with sessions() as s:
        run = s.get(Reconciliation, rid)
        assert run is not None
        assert (run.status, run.error) == (JobStatus.FAILED, "OperationalError")
    assert calls["n"] == 3
    engine.dispose()
