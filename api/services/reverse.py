"""Reports find children: the candidates a new report makes for interceptions already open, and
a report's own list of "children already intercepted who may be this child".

Adding or importing a report commits it first (it is then matchable by every later
interception), and then :func:`match_new_reports` asks the engine which open interceptions the new
reports are candidates of (:meth:`api.matching.LiveIndex.plan_children` and
:meth:`~api.matching.LiveIndex.children_of`: the forward query's own comparison, score and
explanation, so a pair scores the same whichever record arrived first) and
stores those pairs as ordinary candidates — the same table and statuses, so they enter the review
queue, an interception's candidates and decisions like any other. It runs in its own transaction
after the report's: a crash in between leaves the report stored without its reverse candidates
(a batch run finds them), never half a candidate set. Only match- and review-band pairs are
stored; an interception matched meanwhile (by any process) gets none; a pair already stored is
left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import NotFoundError
from api.matching import LiveIndex
from api.models import (
    AuditEvent,
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    InterceptionStatus,
    ReportRow,
    User,
    utcnow,
)
from api.roles import Action
from api.services.common import require
from api.services.interceptions import _candidate_values, _event_values

log = logging.getLogger(__name__)

_IN_CHUNK = 500
_INSERT_CHUNK = 5000

__all__ = ["match_new_reports", "report_candidates"]


def match_new_reports(
    session: Session, user: User, report_ids: Collection[str], *, index: LiveIndex
) -> list[str]:
    """Store the candidates ``report_ids`` (committed and synced into ``index``) make for open
    interceptions; returns the new candidate ids. CPU-bound: call off the event loop.

    Three steps, so no lock is held while the engine works: read the planned interceptions'
    candidates (rank and rival rule count them; rejected reports stay out), compare (an
    import's many reports in a forked child: :meth:`api.matching.LiveIndex.find_children`),
    then in one short transaction lock the interceptions still open and insert the pairs not stored
    meanwhile. Audited under ``user`` (who added the reports): a ``create``/``candidate``
    event each.
    """

    def candidates_of(
        iids: list[str],
    ) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[str]]]:
        """The planned interceptions' candidates: open ones (with scores) and the rest."""
        existing: dict[str, list[tuple[str, float]]] = {}
        exclude: dict[str, list[str]] = {}
        for lo in range(0, len(iids), _IN_CHUNK):
            for iid, rid, score, status in session.execute(
                select(
                    CandidateRow.interception_id,
                    CandidateRow.report_id,
                    CandidateRow.score,
                    CandidateRow.status,
                ).where(CandidateRow.interception_id.in_(iids[lo : lo + _IN_CHUNK]))
            ):
                if status in (CandidateStatus.OPEN, CandidateStatus.UNSURE):
                    existing.setdefault(iid, []).append((rid, float(score)))
                else:
                    exclude.setdefault(iid, []).append(rid)
        session.rollback()  # end the read: nothing is locked while the engine compares
        return existing, exclude

    found = index.find_children(report_ids, candidates_of)
    if not found:
        return []
    found_iids = sorted({c.interception_id for c in found})
    still_open: set[str] = set()
    stored: set[tuple[str, str]] = set()
    for lo in range(0, len(found_iids), _IN_CHUNK):
        part = found_iids[lo : lo + _IN_CHUNK]
        # Locked so a confirmation of the same child waits for these inserts (and then sees
        # them), or has committed and the interception is skipped here.
        still_open.update(
            session.scalars(
                select(InterceptionRow.interception_id)
                .where(
                    InterceptionRow.interception_id.in_(part),
                    InterceptionRow.status == InterceptionStatus.OPEN,
                )
                .with_for_update()
            )
        )
        stored.update(
            (i, r)
            for i, r in session.execute(
                select(CandidateRow.interception_id, CandidateRow.report_id).where(
                    CandidateRow.interception_id.in_(part)
                )
            )
        )
    fresh = [
        c
        for c in found
        if c.interception_id in still_open and (c.interception_id, c.report_id) not in stored
    ]
    if not fresh:
        session.rollback()
        return []
    now = utcnow()
    values = _candidate_values(fresh, model_version=index.model_version, now=now)
    events = [(AuditAction.CREATE, RecordType.CANDIDATE, v["id"]) for v in values]
    for lo in range(0, len(values), _INSERT_CHUNK):
        session.execute(insert(CandidateRow), values[lo : lo + _INSERT_CHUNK])
        session.execute(
            insert(AuditEvent), _event_values(user, events[lo : lo + _INSERT_CHUNK], now=now)
        )
    session.commit()
    ids = [str(v["id"]) for v in values]
    log.info(
        "reports found children: %d new candidates for %d interceptions",
        len(ids),
        len({c.interception_id for c in fresh}),
    )
    index.announce_candidates(ids)
    return ids


def report_candidates(
    session: Session, user: User, report_id: str, *, report_read: bool = True
) -> tuple[ReportRow, list[tuple[CandidateRow, InterceptionRow]]]:
    """A report and the children already intercepted who may be this child: its candidates
    (not rejected or superseded; a confirmed one stays: the child found), best score first,
    each with its interception. Audited: the report, each candidate and each interception read.
    Who may read reports and candidates (reviewers, analysts); not an officer, who may not read
    reports. ``report_read=False``: the caller has already audited this read of the report
    (the report page, which reads it once for its same-child list).
    """
    require(user, Action.REPORT_READ)
    require(user, Action.CANDIDATES_READ)
    report = session.get(ReportRow, report_id)
    if report is None:
        raise NotFoundError(f"report {report_id} not found")
    rows: list[Any] = list(
        session.execute(
            select(CandidateRow, InterceptionRow)
            .join(InterceptionRow, InterceptionRow.interception_id == CandidateRow.interception_id)
            .where(
                CandidateRow.report_id == report_id,
                CandidateRow.status.in_(
                    [CandidateStatus.OPEN, CandidateStatus.UNSURE, CandidateStatus.CONFIRMED]
                ),
            )
            .order_by(CandidateRow.score.desc(), CandidateRow.id)
        )
    )
    pairs = [(c, i) for c, i in rows]
    if report_read:
        audit.record(session, user, AuditAction.READ, RecordType.REPORT, report_id)
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c, _ in pairs])
    audit.record(
        session,
        user,
        AuditAction.READ,
        RecordType.INTERCEPTION,
        sorted({i.interception_id for _, i in pairs}),
    )
    session.commit()
    return report, pairs
