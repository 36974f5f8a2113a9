"""Review: the queue of candidates awaiting a decision, one candidate, decisions, revocation.

The queue's filter policy lives here and nowhere else: :func:`review_queue` refuses a date
range typed backwards (:class:`api.errors.InvalidError` naming ``date_to``), so the JSON route
(a 422 naming the query parameter) and the review page (the same message on the page) give the
same answer. Decisions change which reports are open (a confirmation, a revoked one), so they
stamp the report and bring the live index up to date before returning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Boolean, ColumnElement, Select, func, literal_column, select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.matching import LiveIndex
from api.models import (
    CandidateRow,
    CandidateStatus,
    DecisionKind,
    DecisionRow,
    InterceptionRow,
    InterceptionStatus,
    ReportRow,
    ReportStatus,
    User,
    district_key,
    new_id,
    utcnow,
)
from api.roles import Action, allowed
from api.schemas import DecisionIn
from api.services.cases import close_cases, reopen_cases
from api.services.common import (
    DATES_REVERSED,
    check_date_range,
    pending_stamp,
    publish,
    require,
    rows_in_order,
)
from matcher.records import Band

log = logging.getLogger(__name__)

REVIEW_BANDS = (Band.MATCH, Band.REVIEW)


class QueuePage(NamedTuple):
    """A page of the review queue (:func:`review_queue`): the candidates shown, the number of
    rows of the whole filtered queue, and per candidate shown the number of other candidates of
    its (interception case, report case) group."""

    rows: list[CandidateRow]
    total: int
    others: dict[str, int]


__all__ = [
    "DATES_REVERSED",
    "REVIEW_BANDS",
    "QueuePage",
    "check_queue_filter",
    "decide",
    "get_candidate",
    "list_decisions",
    "queue_interceptions",
    "review_queue",
    "revoke_decision",
]


def check_queue_filter(*, date_from: date | None = None, date_to: date | None = None) -> None:
    """Refuse filter values that cannot describe any queue: a ``date_to`` before
    ``date_from`` (an empty page would look like an empty queue). Raises
    :class:`InvalidError` with ``field="date_to"``; :func:`review_queue` calls it, and a shell
    may call it first to check a form."""
    check_date_range(date_from, date_to)


def get_candidate(session: Session, user: User, candidate_id: str) -> CandidateRow:
    """One candidate (audited); for the review pages."""
    require(user, Action.REVIEW_QUEUE)
    row = session.get(CandidateRow, candidate_id)
    if row is None:
        raise NotFoundError(f"candidate {candidate_id} not found")
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, row.id)
    session.commit()
    return row


def review_queue(
    session: Session,
    user: User,
    *,
    limit: int = 50,
    offset: int = 0,
    band: Band | None = None,
    district: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    after: str | None = None,
    since: datetime | None = None,
    newest: bool = False,
) -> QueuePage:
    """Candidates awaiting a decision (band match/review, open or unsure, on an open report and
    an open interception), highest score first (ties by id); returns (page, total, others).

    **One child, one case**: candidates whose interception and report fall in the same
    (interception case, report case) pair -- the same child reported twice, intercepted twice --
    are one row of the queue, the best-scored of them (ties by id); ``others`` says, per
    candidate id of the page, how many more candidates that row stands for. ``total`` counts
    rows (groups), and the filters below apply to the candidates before they are grouped.

    Filters, all optional and combined with AND, all applied in SQL before paginating, so
    ``total`` counts the filtered queue and every page of it is reachable:

    - ``band``: the candidate's band (``no_match`` is never in the queue, so it gives nothing).
    - ``district``: the *interception's* ``home_district`` (where the child says home is; not
      the report's district), compared through :func:`api.models.district_key`: any spelling
      or script of a district, or one of its upazilas, matches the same district ("Jessore" =
      "Jashore" = "যশোর"); text that names no district matches the same text once normalised.
      Text with nothing in it (blank, emoji only) is no filter. An unknown home district never
      matches a district filter.
    - ``date_from`` / ``date_to``: the *interception date*, inclusive; an interception without
      a date never matches a date filter. A ``date_to`` before ``date_from`` is refused
      (:func:`check_queue_filter`), before anything is read.
    - ``since``: only candidates created after this moment (what is new since a reviewer last
      looked, :mod:`api.services.notifications`).

    ``newest``: newest candidates first (ties by id) instead of highest score first.

    ``after``: the id of a candidate (in the queue or just decided; an unknown id is ignored):
    the page starts right after its place in that order (lower score, or the same score and a
    greater id; with ``newest``, older, or as old and a greater id),
    so a reviewer who decides one goes on to the *next* one of the same filtered
    queue -- not back to the top, and not to the same candidate again after ``unsure``.
    ``total`` still counts the whole filtered queue.

    Audited: one read event per candidate returned (exactly the page, not the filtered set).
    ``limit=0`` returns ``([], total)`` without reading any candidate (nothing is audited):
    the page's whole-queue size, an index-only count (see migration 0004).
    """
    require(user, Action.REVIEW_QUEUE)
    check_queue_filter(date_from=date_from, date_to=date_to)
    wanted = district_key(district)
    queued: list[ColumnElement[bool]] = [
        CandidateRow.status.in_([CandidateStatus.OPEN, CandidateStatus.UNSURE]),
        CandidateRow.band.in_(REVIEW_BANDS),
    ]
    if (wanted or date_from or date_to) and session.get_bind().dialect.name == "sqlite":
        # SQLite without statistics (no ANALYZE) starts from the candidates' queue index and
        # looks up every queued candidate's interception (~1 s at 150k queued); told that
        # those terms are not selective, it starts from the interceptions' district/date index
        # (~20 ms). PostgreSQL keeps statistics itself.
        queued = [func.likelihood(t, literal_column("0.9"), type_=Boolean) for t in queued]
    where = [
        *queued,
        ReportRow.status == ReportStatus.OPEN,
        InterceptionRow.status == InterceptionStatus.OPEN,
    ]
    if band is not None:
        where.append(CandidateRow.band == band)
    if wanted is not None:
        where.append(InterceptionRow.home_district_key == wanted)
    if date_from is not None:
        where.append(InterceptionRow.interception_date >= date_from)
    if date_to is not None:
        where.append(InterceptionRow.interception_date <= date_to)
    if since is not None:
        where.append(CandidateRow.created_at > since)

    def joined(columns: Any) -> Select[Any]:
        stmt: Select[Any] = (
            columns.join(ReportRow, ReportRow.report_id == CandidateRow.report_id)
            .join(InterceptionRow, InterceptionRow.interception_id == CandidateRow.interception_id)
            .where(*where)
        )
        return stmt

    # One row per (interception case, report case): the pairs of one child's records are one
    # decision. The case columns sit in the (id, status, case_id) indexes (migration 0012), so
    # grouping, like the count before it (0004), reads no table row.
    group = (
        func.coalesce(InterceptionRow.case_id, InterceptionRow.interception_id),
        func.coalesce(ReportRow.case_id, ReportRow.report_id),
    )
    groups = joined(select(*group).select_from(CandidateRow).distinct()).subquery()
    total = int(session.scalar(select(func.count()).select_from(groups)) or 0)
    rows: list[CandidateRow] = []
    others: dict[str, int] = {}
    if limit > 0:  # limit=0: the count alone (the review page's whole-queue size)
        # The page's ids first, from indexes alone (ix_candidates_queue ends with the id,
        # migration 0005): each group's best-scored candidate (ties by id) and the group's
        # size, then only the page's wide rows are read.
        ranked = joined(
            select(
                CandidateRow.id,
                CandidateRow.score,
                # only when it orders the page: it is not in the queue index
                *([CandidateRow.created_at] if newest else []),
                func.row_number()
                .over(partition_by=group, order_by=(CandidateRow.score.desc(), CandidateRow.id))
                .label("pos"),
                func.count().over(partition_by=group).label("size"),
            )
        ).subquery("ranked")
        page = select(ranked.c.id, ranked.c.size).where(ranked.c.pos == 1)
        anchor = session.get(CandidateRow, after) if after is not None else None
        if anchor is not None and newest:  # only its place is used: nothing of it is shown
            page = page.where(
                (ranked.c.created_at < anchor.created_at)
                | ((ranked.c.created_at == anchor.created_at) & (ranked.c.id > anchor.id))
            )
        elif anchor is not None:
            page = page.where(
                (ranked.c.score < anchor.score)
                | ((ranked.c.score == anchor.score) & (ranked.c.id > anchor.id))
            )
        found = session.execute(
            page.order_by(
                ranked.c.created_at.desc() if newest else ranked.c.score.desc(), ranked.c.id
            )
            .limit(limit)
            .offset(offset)
        ).all()
        others = {str(cid): int(size) - 1 for cid, size in found}
        rows = rows_in_order(session, CandidateRow.id, [str(cid) for cid, _ in found])
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c in rows])
    session.commit()
    return QueuePage(rows, total, others)


def queue_interceptions(
    session: Session, user: User, candidates: Iterable[CandidateRow]
) -> dict[str, InterceptionRow]:
    """The interceptions of ``candidates`` (a queue page shows their home district and date),
    by id; audited: one read per interception returned."""
    require(user, Action.REVIEW_QUEUE)
    ids = sorted({c.interception_id for c in candidates})
    rows: list[InterceptionRow] = rows_in_order(session, InterceptionRow.interception_id, ids)
    audit.record(
        session, user, AuditAction.READ, RecordType.INTERCEPTION, [r.interception_id for r in rows]
    )
    session.commit()
    return {r.interception_id: r for r in rows}


def decide(
    session: Session, user: User, candidate_id: str, data: DecisionIn, *, index: LiveIndex
) -> DecisionRow:
    """Record a decision on a candidate.

    - ``confirm`` marks the report found and the interception matched (the report leaves the
      matching index), and closes their cases with them: the other open reports of the
      report's case found, the other open interceptions of the interception's case matched
      (:func:`api.services.cases.close_cases`, same transaction, audited under ``user``).
      Refused (409) if either is already linked by an earlier confirmation: an admin must
      revoke that one first.
    - ``reject``: the pair never resurfaces (not in the queue, excluded from batch runs).
    - ``unsure`` keeps the candidate in the queue.
    - A candidate already confirmed or rejected cannot be decided again (409), nor one an
      edit of its interception ranked out (``superseded``, 409).
    """
    require(user, Action.DECIDE)
    cand = session.get(CandidateRow, candidate_id, with_for_update=True)
    if cand is None:
        raise NotFoundError(f"candidate {candidate_id} not found")
    if cand.status in (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED):
        raise ConflictError(
            f"candidate {cand.id} is already {cand.status.value}; an admin must revoke that first"
        )
    if cand.status == CandidateStatus.SUPERSEDED:
        raise ConflictError(
            f"candidate {cand.id} was ranked out when its interception was edited; "
            "decide on its current candidates"
        )
    pending: int | None = None
    matched: list[InterceptionRow] = []
    decision_id = new_id()
    if data.decision == DecisionKind.CONFIRM:
        report = session.get(ReportRow, cand.report_id, with_for_update=True)
        interception = session.get(InterceptionRow, cand.interception_id, with_for_update=True)
        if report is None or interception is None:  # pragma: no cover - foreign keys forbid it
            raise NotFoundError("the candidate's records are missing")
        if report.status == ReportStatus.FOUND:
            raise ConflictError(
                f"report {report.report_id} is already confirmed as found; "
                "an admin must revoke that decision first"
            )
        if interception.status == InterceptionStatus.MATCHED:
            raise ConflictError(
                f"interception {interception.interception_id} is already matched; "
                "an admin must revoke that decision first"
            )
        pending = pending_stamp()
        report.status = ReportStatus.FOUND
        report.seq = pending
        interception.status = InterceptionStatus.MATCHED
        matched.append(interception)
        cand.status = CandidateStatus.CONFIRMED
        # one child, one case: the same child's other records close with these two
        matched += close_cases(
            session,
            user,
            report=report,
            interception=interception,
            decision_id=decision_id,
            pending=pending,
        )
    elif data.decision == DecisionKind.REJECT:
        cand.status = CandidateStatus.REJECTED
    else:
        cand.status = CandidateStatus.UNSURE
    decision = DecisionRow(
        id=decision_id,
        candidate_id=cand.id,
        decision=data.decision,
        note=data.note or "",
        decided_by=user.id,
    )
    session.add(decision)
    session.flush()
    audit.record(session, user, AuditAction.DECIDE, RecordType.CANDIDATE, cand.id)
    audit.record(session, user, AuditAction.CREATE, RecordType.DECISION, decision.id)
    if pending is not None:
        publish(session, pending)
    session.commit()
    if pending is not None:
        index.sync_once()
        index.apply_interceptions(matched)  # matched: no longer found by new reports
    log.info("candidate %s: decision %s (%s)", cand.id, data.decision.value, decision.id)
    return decision


def revoke_decision(
    session: Session, user: User, decision_id: str, reason: str, *, index: LiveIndex
) -> DecisionRow:
    """Revoke a candidate's latest decision (admin), with a reason that is kept.

    Revoking a confirmation reopens the report (back in the matching index) and the
    interception, and the records its case closing closed, so either can be confirmed again;
    any revocation puts the candidate back in the queue. Only the latest unrevoked decision of
    a candidate can be revoked (409 otherwise).
    """
    require(user, Action.REVOKE_DECISION)
    decision = session.get(DecisionRow, decision_id, with_for_update=True)
    if decision is None:
        raise NotFoundError(f"decision {decision_id} not found")
    if decision.revoked_at is not None:
        raise ConflictError(f"decision {decision.id} is already revoked")
    latest = session.scalar(
        select(DecisionRow)
        .where(DecisionRow.candidate_id == decision.candidate_id, DecisionRow.revoked_at.is_(None))
        .order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc())
        .limit(1)
    )
    if latest is None or latest.id != decision.id:
        raise ConflictError("only the latest decision on a candidate can be revoked")
    cand = session.get(CandidateRow, decision.candidate_id, with_for_update=True)
    assert cand is not None  # foreign key
    pending: int | None = None
    reopened: list[InterceptionRow] = []
    if decision.decision == DecisionKind.CONFIRM:
        report = session.get(ReportRow, cand.report_id, with_for_update=True)
        interception = session.get(InterceptionRow, cand.interception_id, with_for_update=True)
        assert report is not None  # foreign key
        assert interception is not None  # foreign key
        pending = pending_stamp()
        report.status = ReportStatus.OPEN
        report.seq = pending
        interception.status = InterceptionStatus.OPEN
        reopened.append(interception)
        reopened += reopen_cases(session, user, decision_id=decision.id, pending=pending)
    cand.status = CandidateStatus.OPEN
    decision.revoked_at = utcnow()
    decision.revoked_by = user.id
    decision.revoke_reason = reason
    audit.record(session, user, AuditAction.REVOKE, RecordType.DECISION, decision.id)
    if pending is not None:
        publish(session, pending)
    session.commit()
    if pending is not None:
        index.sync_once()
        index.apply_interceptions(reopened)  # open again: new reports find it
    log.info("decision %s revoked", decision.id)
    return decision


def list_decisions(session: Session, user: User, candidate_id: str) -> list[DecisionRow]:
    """Every decision on a candidate, oldest first (reviewers and admins)."""
    if not (allowed(user.role, Action.DECIDE) or allowed(user.role, Action.REVOKE_DECISION)):
        raise ForbiddenError(f"role {user.role} may not read decisions")
    if session.get(CandidateRow, candidate_id) is None:
        raise NotFoundError(f"candidate {candidate_id} not found")
    rows = list(
        session.scalars(
            select(DecisionRow)
            .where(DecisionRow.candidate_id == candidate_id)
            .order_by(DecisionRow.decided_at, DecisionRow.id)
        )
    )
    audit.record(session, user, AuditAction.READ, RecordType.DECISION, [d.id for d in rows])
    session.commit()
    return rows
