"""The background runner of batch reconciliations: every open interception against every open
report.

Contract:
- :func:`api.services.start_reconciliation` (the service operation: role check, audit) stores a
  ``queued`` run and hands its id to the app's :class:`ReconciliationRunner`, which works
  through it on one background thread (one run at a time; the 2-core machines this serves
  cannot do more usefully). Reading a run and its CSV are service operations too
  (:mod:`api.services.reconciliations`); this module only runs them.
- The batch loop is the engine's, :func:`matcher.reconcile.query_all` (the CLI's too), fed the
  open interceptions and, as ``exclude``, the pairs reviewers rejected; it queries the live
  index through :meth:`api.matching.LiveIndex.query`, which holds the index's read lock for
  each query (reports added meanwhile wait at most one query, not the whole run).
- Progress (``done`` of ``total`` interceptions) is committed every ``chunk`` interceptions,
  together with that chunk's candidates, so ``GET /reconciliations/{id}`` shows real progress
  and a crash loses at most one chunk. Runs left ``queued``/``running`` by a dead process are
  marked ``failed`` at the next start-up (:func:`fail_interrupted`).
- Rejected pairs never resurface: they are excluded from each interception's query.
- Each candidate is stored with its contributions (exact weights), so the run's CSV is the
  library's candidate format (:func:`matcher.csvio.format_candidates`), the same as the CLI's.
- Matching uses the live index (already holding exactly the open reports), so a batch run
  costs no index build.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

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
from matcher.reconcile import query_all
from matcher.records import Candidate

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
    ) -> None:
        self._sessions = sessions
        self._read = read_sessions
        self._index = index
        self._top_k = top_k
        self._chunk = chunk
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, reconciliation_id: str) -> None:
        """Queue a stored run (the worker thread starts on first use, again after shutdown)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shondhan-batch")
        self._pool.submit(self.run, reconciliation_id)

    def shutdown(self) -> None:
        """Stop accepting runs; wait for the current one."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, reconciliation_id: str) -> None:
        """Do one run now (on the calling thread). Failures are recorded, never raised."""
        try:
            self._run(reconciliation_id)
        except Exception as exc:
            # The type only: a message could quote record values. Traceback at DEBUG.
            log.error("reconciliation %s failed: %s", reconciliation_id, type(exc).__name__)
            log.debug("traceback", exc_info=True)
            with self._sessions() as session:
                session.execute(
                    update(Reconciliation)
                    .where(Reconciliation.id == reconciliation_id)
                    .values(
                        status=JobStatus.FAILED,
                        error=type(exc).__name__[:200],
                        finished_at=utcnow(),
                    )
                )
                session.commit()

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
                .values(status=JobStatus.RUNNING, total=len(interceptions))
            )
            session.commit()
        log.info("reconciliation %s: %d interceptions", reconciliation_id, len(interceptions))
        done = found = 0
        rows: list[dict[str, object]] = []

        def store_chunk(finished: int) -> None:
            """``query_all`` calls this after each chunk's candidates were consumed: store them
            with the progress, in one commit."""
            nonlocal done, found
            done += finished
            found += len(rows)
            with self._sessions() as session:
                if rows:
                    session.execute(insert(ReconciliationCandidate), rows)
                session.execute(
                    update(Reconciliation)
                    .where(Reconciliation.id == reconciliation_id)
                    .values(done=done, candidates=found)
                )
                session.commit()
            rows.clear()

        for candidate in query_all(
            self._index,
            interceptions,
            top_k=self._top_k,
            chunk_size=self._chunk,
            exclude=rejected,
            progress=store_chunk,
        ):
            rows.append(_stored(reconciliation_id, candidate))
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
        "contributions": contribution_values(candidate),
    }


def fail_interrupted(session: Session) -> int:
    """Mark runs a dead process left queued or running as failed; returns how many."""
    result = session.execute(
        update(Reconciliation)
        .where(Reconciliation.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(status=JobStatus.FAILED, error="interrupted by a restart", finished_at=utcnow())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
