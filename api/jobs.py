"""The background runner of batch reconciliations: every open interception against every open
report.

Contract:
- :func:`api.services.start_reconciliation` (the service operation: role check, audit) stores a
  ``queued`` run and hands its id to the app's :class:`ReconciliationRunner`, which works
  through it on one background thread (one run at a time; the 2-core machines this serves
  cannot do more usefully). Reading a run and its CSV are service operations too
  (:mod:`api.services.reconciliations`); this module only runs them.
- The batch loop is the engine's, :func:`matcher.reconcile.query_all` (the CLI's too), fed the
  open interceptions and, as ``exclude``, the pairs reviewers rejected, through
  :meth:`api.matching.LiveIndex.query_chunks`: with the engine's index it works in a forked
  child on a snapshot of the open reports taken when the run starts (so the run never takes
  the interpreter lock from the requests; the child writes nothing, this process stores every
  chunk), otherwise in this thread with one read lock per query.
- Progress (``done`` of ``total`` interceptions) is committed every ``chunk`` interceptions,
  together with that chunk's candidates, so ``GET /reconciliations/{id}`` shows real progress
  and a crash loses at most one chunk.
- A run is owned by a lease (:mod:`api.lease`): it names the process that queued it, and that
  process's heartbeat thread renews ``heartbeat_at`` of all its unfinished runs every quarter
  lease, independently of the run's own commits (which a long import can hold up). The same
  thread, in every process, fails the runs whose owner is dead (:func:`fail_dead_runs`: lease
  expired, or a process of this host that no longer exists) and removes imports left
  half-staged (:func:`api.services.discard_dead_imports`). A process starting up does the same
  once, so it never fails another live process's runs. Marking a run failed is retried until it
  is written (never dropped); if this process dies first, the lease does it.
- Rejected pairs never resurface: they are excluded from each interception's query.
- Each candidate is stored with its contributions (exact weights), so the run's CSV is the
  library's candidate format (:func:`matcher.csvio.format_candidates`), the same as the CLI's.
- Matching uses the live index (already holding exactly the open reports), so a batch run
  costs no index build.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import JSONText
from api.lease import dead_owner, expired_before, process_owner
from api.matching import LiveIndex, contribution_values, interception_record
from api.models import (
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    InterceptionStatus,
    JobStatus,
    Reconciliation,
    ReconciliationCandidate,
    utcnow,
)
from api.services import discard_dead_imports
from matcher.records import Candidate

DEAD = "its process stopped (lease expired)"

log = logging.getLogger(__name__)


class ReconciliationRunner:
    """Runs reconciliations one at a time on a background thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        read_sessions: sessionmaker[Session],
        index: LiveIndex,
        *,
        top_k: int,
        chunk: int,
        lease_seconds: float = 120.0,
    ) -> None:
        self._sessions = sessions
        self._read = read_sessions
        self._index = index
        self._top_k = top_k
        self._chunk = chunk
        self._lease = lease_seconds
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def start(self) -> None:
        """Start the heartbeat thread (renew this process's leases, clean up after dead
        processes); idempotent."""
        if self._beat is not None:
            return
        self._stop.clear()
        self._beat = threading.Thread(target=self._beat_loop, name="shondhan-lease", daemon=True)
        self._beat.start()

    def _beat_loop(self) -> None:
        while not self._stop.wait(self._lease / 4):
            self.beat()

    def beat(self) -> None:
        """Renew this process's runs, then fail dead processes' runs and imports. A database
        error is logged and tried again at the next beat."""
        try:
            with self._sessions() as session:
                session.execute(
                    update(Reconciliation)
                    .where(
                        Reconciliation.owner == process_owner(),
                        Reconciliation.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                    )
                    .values(heartbeat_at=utcnow())
                )
                session.commit()
                failed = fail_dead_runs(session, lease_seconds=self._lease)
                discard_dead_imports(session, lease_seconds=self._lease)
            if failed:
                log.warning("%d reconciliations of dead processes marked failed", failed)
        except Exception as exc:
            log.warning("lease heartbeat failed (%s); will retry", type(exc).__name__)
            log.debug("traceback", exc_info=True)

    def submit(self, reconciliation_id: str) -> None:
        """Queue a stored run (the worker thread starts on first use, again after shutdown)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shondhan-batch")
        self._pool.submit(self.run, reconciliation_id)

    def shutdown(self) -> None:
        """Stop accepting runs; wait for the current one; stop the heartbeat."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=10)
            self._beat = None

    def run(self, reconciliation_id: str) -> None:
        """Do one run now (on the calling thread). Failures are recorded, never raised."""
        try:
            self._run(reconciliation_id)
        except Exception as exc:
            # The type only: a message could quote record values. Traceback at DEBUG.
            log.error("reconciliation %s failed: %s", reconciliation_id, type(exc).__name__)
            log.debug("traceback", exc_info=True)
            self._mark_failed(reconciliation_id, type(exc).__name__[:200])

    def _mark_failed(self, reconciliation_id: str, error: str) -> None:
        """Write the failure, retrying (1, 2, 4 ... 30 s apart) until it is written: a busy
        database must not leave the run "running". If this process stops first, its lease
        runs out and another process fails the run."""
        delay = 1.0
        while True:
            try:
                with self._sessions() as session:
                    session.execute(
                        update(Reconciliation)
                        .where(Reconciliation.id == reconciliation_id)
                        .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
                    )
                    session.commit()
                return
            except Exception as exc:
                log.warning(
                    "reconciliation %s: marking it failed failed (%s); retrying",
                    reconciliation_id,
                    type(exc).__name__,
                )
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, 30.0)

    def _run(self, reconciliation_id: str) -> None:
        with self._read() as session:
            interceptions = [
                interception_record(row)
                for row in session.scalars(
                    select(InterceptionRow)
                    .where(InterceptionRow.status == InterceptionStatus.OPEN)
                    .order_by(InterceptionRow.interception_id)
                )
            ]
            rejected: dict[str, set[str]] = defaultdict(set)
            for iid, rid in session.execute(
                select(CandidateRow.interception_id, CandidateRow.report_id).where(
                    CandidateRow.status == CandidateStatus.REJECTED
                )
            ):
                rejected[iid].add(rid)
        with self._sessions() as session:
            session.execute(
                update(Reconciliation)
                .where(Reconciliation.id == reconciliation_id)
                .values(
                    status=JobStatus.RUNNING,
                    total=len(interceptions),
                    owner=process_owner(),
                    heartbeat_at=utcnow(),
                )
            )
            session.commit()
        log.info("reconciliation %s: %d interceptions", reconciliation_id, len(interceptions))
        done = found = 0
        # Matching works in a forked child when it can (api.matching.LiveIndex.query_chunks);
        # this thread only stores each chunk's candidates with the progress, in one commit.
        for finished, rows in self._index.query_chunks(
            interceptions,
            chunk=self._chunk,
            exclude=rejected,
            shape=partial(_stored, reconciliation_id),
        ):
            done += finished
            found += len(rows)
            with self._sessions() as session:
                if rows:
                    session.execute(insert(ReconciliationCandidate), rows)
                session.execute(
                    update(Reconciliation)
                    .where(Reconciliation.id == reconciliation_id)
                    .values(done=done, candidates=found, heartbeat_at=utcnow())
                )
                session.commit()
        with self._sessions() as session:
            session.execute(
                update(Reconciliation)
                .where(Reconciliation.id == reconciliation_id)
                .values(status=JobStatus.DONE, finished_at=utcnow())
            )
            session.commit()
        log.info("reconciliation %s: done, %d candidates", reconciliation_id, found)


def _stored(reconciliation_id: str, candidate: Candidate) -> dict[str, object]:
    """A ``reconciliation_candidates`` row for one of the run's candidates (contributions with
    exact weights: :func:`api.matching.candidate_record` rebuilds the same candidate)."""
    return {
        "reconciliation_id": reconciliation_id,
        "interception_id": candidate.interception_id,
        "report_id": candidate.report_id,
        "rank": candidate.rank,
        "score": min(1.0, max(0.0, float(candidate.score))),
        "band": candidate.band,
        "explanation": candidate.explanation,
        # encoded here, in the forked worker when there is one (see api.db.JSONText)
        "contributions": JSONText(json.dumps(contribution_values(candidate))),
    }


def fail_dead_runs(session: Session, *, lease_seconds: float) -> int:
    """Mark failed the queued or running runs whose owner is dead: no heartbeat within
    ``lease_seconds`` (or none at all: a run stored before leases), or a process of this host
    that no longer exists. A live process's runs are left alone. Returns how many."""
    limit = expired_before(lease_seconds)
    unfinished = Reconciliation.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
    rows = session.execute(
        select(Reconciliation.id, Reconciliation.owner, Reconciliation.heartbeat_at).where(
            unfinished
        )
    ).all()
    dead = [
        rid
        for rid, owner, beat in rows
        if owner is None or beat is None or beat < limit or dead_owner(owner)
    ]
    if dead:
        session.execute(
            update(Reconciliation)
            .where(Reconciliation.id.in_(dead), unfinished)
            .values(status=JobStatus.FAILED, error=DEAD, finished_at=utcnow())
        )
    session.commit()
    return len(dead)
