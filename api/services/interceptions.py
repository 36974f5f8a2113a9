"""Interceptions: submit one (stored and matched at once), read one and its candidates.

Matching is CPU-bound: call :func:`submit_interception` from a worker thread (a ``def`` route,
``run_in_threadpool``), never directly inside ``async def``. A BGB officer reads only the
interceptions they submitted.
"""

from __future__ import annotations

import logging

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.matching import LiveIndex, contribution_values
from api.models import (
    AuditEvent,
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    InterceptionStatus,
    User,
    new_id,
    utcnow,
)
from api.roles import Action, Role
from api.schemas import InterceptionIn
from api.services.common import new_record_id, require
from matcher.records import Interception

log = logging.getLogger(__name__)

RECENT_MAX = 100

__all__ = [
    "get_interception",
    "list_candidates",
    "recent_interceptions",
    "submit_interception",
]


def submit_interception(
    session: Session, user: User, data: InterceptionIn, *, index: LiveIndex, top_k: int
) -> tuple[InterceptionRow, list[CandidateRow]]:
    """Store an interception and its ranked candidates (CPU-bound: not on the event loop).

    Matching runs before the transaction opens, so the database is locked only for the
    inserts. A duplicate id is a 409.
    """
    require(user, Action.INTERCEPTION_CREATE)
    values = data.model_dump()
    values["interception_id"] = values["interception_id"] or new_record_id("I")
    record = Interception(**values)
    matches = index.query(record, top_k=top_k)
    version = index.model_version
    now = utcnow()
    iid = values["interception_id"]
    row = InterceptionRow(
        **values, status=InterceptionStatus.OPEN, created_by=user.id, created_at=now
    )
    cand_values = [
        {
            "id": new_id(),
            "interception_id": iid,
            "report_id": c.report_id,
            "rank": c.rank,
            "score": min(1.0, max(0.0, float(c.score))),
            "band": c.band,
            "explanation": c.explanation,
            "contributions": contribution_values(c, ndigits=4),
            "model_version": version,
            "status": CandidateStatus.OPEN,
            "created_at": now,
        }
        for c in matches
    ]
    events = [(AuditAction.CREATE, RecordType.INTERCEPTION, iid)] + [
        (AuditAction.READ, RecordType.CANDIDATE, v["id"]) for v in cand_values
    ]
    # The hot path of the service: one ORM insert, then plain multi-row inserts (no unit of
    # work for the candidates and events), one transaction.
    session.add(row)
    try:
        session.flush()
        if cand_values:
            session.execute(insert(CandidateRow), cand_values)
        session.execute(
            insert(AuditEvent),
            [
                {
                    "at": now,
                    "user_id": user.id,
                    "username": user.username,
                    "action": a.value,
                    "record_type": t.value,
                    "record_id": rid,
                }
                for a, t, rid in events
            ],
        )
        session.commit()
    except IntegrityError:
        # The only unique key we can hit is the interception id (reports are never deleted).
        session.rollback()
        raise ConflictError(f"interception {iid} already exists") from None
    candidates = [CandidateRow(**v) for v in cand_values]  # detached views of what was stored
    log.info("interception %s: %d candidates", row.interception_id, len(candidates))
    return row, candidates


def _visible_interception(session: Session, user: User, interception_id: str) -> InterceptionRow:
    row = session.get(InterceptionRow, interception_id)
    if row is None:
        raise NotFoundError(f"interception {interception_id} not found")
    if user.role == Role.BGB_OFFICER and row.created_by != user.id:
        raise ForbiddenError("a BGB officer sees only the interceptions they submitted")
    return row


def get_interception(session: Session, user: User, interception_id: str) -> InterceptionRow:
    """One interception (audited). BGB officers see only their own."""
    require(user, Action.INTERCEPTION_READ)
    row = _visible_interception(session, user, interception_id)
    audit.record(session, user, AuditAction.READ, RecordType.INTERCEPTION, row.interception_id)
    session.commit()
    return row


def list_candidates(session: Session, user: User, interception_id: str) -> list[CandidateRow]:
    """The stored candidates of an interception by rank (audited). Officers: own only."""
    require(user, Action.CANDIDATES_READ)
    row = _visible_interception(session, user, interception_id)
    rows = list(
        session.scalars(
            select(CandidateRow)
            .where(CandidateRow.interception_id == row.interception_id)
            .order_by(CandidateRow.rank)
        )
    )
    audit.record(session, user, AuditAction.READ, RecordType.INTERCEPTION, row.interception_id)
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c in rows])
    session.commit()
    return rows


def recent_interceptions(session: Session, user: User, *, limit: int = 20) -> list[InterceptionRow]:
    """The interceptions ``user`` submitted, newest first, at most ``limit`` (1..``RECENT_MAX``)
    (audited: one read per interception returned); for an officer's start page, to follow
    their cases up."""
    require(user, Action.INTERCEPTION_CREATE)
    rows = list(
        session.scalars(
            select(InterceptionRow)
            .where(InterceptionRow.created_by == user.id)
            .order_by(InterceptionRow.created_at.desc())
            .limit(max(1, min(limit, RECENT_MAX)))
        )
    )
    audit.record(
        session, user, AuditAction.READ, RecordType.INTERCEPTION, [r.interception_id for r in rows]
    )
    session.commit()
    return rows
