"""Batch reconciliations (analyst): start a run, list runs, read one's progress, download its CSV.

The run itself works in the background (:class:`api.jobs.ReconciliationRunner`). Its CSV is the
engine's candidates format, written by the engine's formatter
(:func:`matcher.csvio.format_candidates`, columns ``CANDIDATE_COLUMNS`` then
``CANDIDATE_EXTRA_COLUMNS``), so a run's file and ``shondhan reconcile``'s have the same
columns and the same row format: each stored row is rebuilt into the engine's
:class:`matcher.records.Candidate` (:func:`api.matching.candidate_record`) first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, NotFoundError
from api.lease import process_owner
from api.matching import candidate_record
from api.models import JobStatus, Reconciliation, ReconciliationCandidate, User, utcnow
from api.roles import Action
from api.services.common import require
from matcher.csvio import candidates_header, format_candidates
from matcher.records import Band

log = logging.getLogger(__name__)

RECENT_MAX = 100
_CSV_BLOCK = 5000

__all__ = [
    "Runner",
    "candidates_csv_text",
    "get_reconciliation",
    "recent_reconciliations",
    "reconciliation_band_counts",
    "reconciliation_csv",
    "start_reconciliation",
]


class Runner(Protocol):
    """What starting a run needs of the background runner
    (:class:`api.jobs.ReconciliationRunner`)."""

    def submit(self, reconciliation_id: str) -> None: ...


def start_reconciliation(session: Session, user: User, *, runner: Runner) -> Reconciliation:
    """Store a new run and queue it (analyst); returns the stored run."""
    require(user, Action.RECONCILIATION_START)
    # Owned by this process (which runs it) from the start: see api.jobs on leases.
    run = Reconciliation(
        status=JobStatus.QUEUED, started_by=user.id, owner=process_owner(), heartbeat_at=utcnow()
    )
    session.add(run)
    session.flush()
    audit.record(session, user, AuditAction.START, RecordType.RECONCILIATION, run.id)
    session.commit()
    runner.submit(run.id)
    log.info("reconciliation %s queued", run.id)
    return run


def recent_reconciliations(
    session: Session, user: User, *, limit: int = 20
) -> list[Reconciliation]:
    """The newest runs, at most ``limit`` (1..``RECENT_MAX``): ids, status and counts only, no
    child's record (not audited, as before: a run is not a record)."""
    require(user, Action.RECONCILIATION_READ)
    runs = list(
        session.scalars(
            select(Reconciliation)
            .order_by(Reconciliation.created_at.desc())
            .limit(max(1, min(limit, RECENT_MAX)))
        )
    )
    session.commit()  # ends the read's transaction (on SQLite it holds the write lock)
    return runs


def get_reconciliation(session: Session, user: User, reconciliation_id: str) -> Reconciliation:
    """A run and its progress (audited read)."""
    require(user, Action.RECONCILIATION_READ)
    run = session.get(Reconciliation, reconciliation_id)
    if run is None:
        raise NotFoundError(f"reconciliation {reconciliation_id} not found")
    audit.record(session, user, AuditAction.READ, RecordType.RECONCILIATION, run.id)
    session.commit()
    return run


def reconciliation_band_counts(
    session: Session, user: User, reconciliation_id: str
) -> dict[Band, int]:
    """How many of a run's candidate rows fall in each band (every band present, 0 if none).

    ``Reconciliation.candidates`` counts every row of the file, ``no_match`` included (each
    interception gets its top-k whatever their scores); a page that says "possible matches"
    means the ``match`` and ``review`` bands, so it needs these. Counts only, no record is read
    (not audited, like :func:`recent_reconciliations`).
    """
    require(user, Action.RECONCILIATION_READ)
    counts = {band: 0 for band in Band}
    for band, n in session.execute(
        select(ReconciliationCandidate.band, func.count())
        .where(ReconciliationCandidate.reconciliation_id == reconciliation_id)
        .group_by(ReconciliationCandidate.band)
    ):
        counts[Band(band)] = int(n)
    session.commit()
    return counts


def candidates_csv_text(rows: Iterable[ReconciliationCandidate]) -> Iterator[str]:
    """The candidates file of ``rows``, piece by piece: the header, then the engine's rows
    (byte for byte what :func:`matcher.csvio.write_candidates` writes for the same
    candidates)."""
    yield candidates_header()
    it = iter(rows)
    while block := list(islice(it, _CSV_BLOCK)):
        yield format_candidates(candidate_record(row) for row in block)


def reconciliation_csv(session: Session, user: User, reconciliation_id: str) -> str:
    """The run's candidates as the engine's candidates CSV, ranked per interception.

    Available while the run is still going (holds the chunks done so far). A failed run's file
    would be incomplete with nothing to say so: :class:`ConflictError` (409) instead. Audited.
    """
    require(user, Action.RECONCILIATION_READ)
    run = session.get(Reconciliation, reconciliation_id)
    if run is None:
        raise NotFoundError(f"reconciliation {reconciliation_id} not found")
    if run.status == JobStatus.FAILED:
        raise ConflictError(
            f"reconciliation {reconciliation_id} failed; its candidates are incomplete"
        )
    rows = session.scalars(
        select(ReconciliationCandidate)
        .where(ReconciliationCandidate.reconciliation_id == run.id)
        .order_by(ReconciliationCandidate.interception_id, ReconciliationCandidate.rank)
    )
    text = "".join(candidates_csv_text(rows))
    audit.record(session, user, AuditAction.DOWNLOAD, RecordType.RECONCILIATION, run.id)
    session.commit()
    return text
