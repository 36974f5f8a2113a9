"""Interceptions: submit one (stored and matched at once), read one and its candidates, edit
one (re-ranked at once, earlier versions kept), and what to ask the child next.

Matching is CPU-bound: call :func:`submit_interception` from a worker thread (a ``def`` route,
``run_in_threadpool``), never directly inside ``async def``. A BGB officer reads only the
interceptions they submitted.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.matching import (
    LiveIndex,
    candidate_record,
    contribution_values,
    interception_record,
    stored_candidate,
)
from api.models import (
    AuditEvent,
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    InterceptionStatus,
    InterceptionVersionRow,
    User,
    new_ids,
    utcnow,
)
from api.roles import Action, Role
from api.schemas import InterceptionEdit, InterceptionIn
from api.services.cases import interception_case
from api.services.common import new_record_id, require
from matcher.dedupe import DuplicateFlag
from matcher.records import INTERCEPTION_COLUMNS, Band, Candidate, Interception

log = logging.getLogger(__name__)

RECENT_MAX = 100
#: Possible duplicates named at most for one interception.
DUPLICATES_MAX = 5

__all__ = [
    "Submitted",
    "ask_next",
    "edit_interception",
    "get_interception",
    "interception_candidates",
    "interception_versions",
    "list_candidates",
    "possible_duplicates",
    "recent_interceptions",
    "submit_interception",
]


class Submitted(NamedTuple):
    """What :func:`submit_interception` stored and found: the interception, its candidates by
    rank, the open interceptions that may be the same child (ids, scores, bands), each
    candidate as the engine's record (``accounts[i]`` is ``candidates[i]`` as
    :func:`api.matching.candidate_record` would read it back) and the fields to ask next
    (:func:`ask_next` of the stored candidates)."""

    row: InterceptionRow
    candidates: list[CandidateRow]
    duplicates: list[DuplicateFlag]
    accounts: list[Candidate]
    questions: list[str]


def submit_interception(
    session: Session, user: User, data: InterceptionIn, *, index: LiveIndex, top_k: int
) -> Submitted:
    """Store an interception and its ranked candidates (CPU-bound: not on the event loop).

    Matching runs before the transaction opens, and the rows are shaped before it too, so the
    database is locked only for the statements. The query and the questions to ask next take
    one matching turn. A duplicate id is a 409.

    The same child may already be in Shondhan: the open interceptions the engine takes for it
    (:meth:`api.matching.LiveIndex.possible_duplicates`, from the dedupe flag threshold) come
    back as ids, scores and bands -- an officer may learn that another interception exists and
    its id, never its details (reading it is still refused to them) -- and each is audited as a
    read. The interception joins the case of the best of them in the match band
    (:func:`api.services.cases.interception_case`: one more indexed read, only then).
    """
    require(user, Action.INTERCEPTION_CREATE)
    values = data.model_dump()
    values["interception_id"] = values["interception_id"] or new_record_id("I")
    record = Interception(**values)
    matches, questions = index.query_and_ask(record, top_k=top_k)
    duplicates = index.possible_duplicates(record, top_k=DUPLICATES_MAX)
    now = utcnow()
    iid = values["interception_id"]
    accounts = [stored_candidate(c, ndigits=SHOWN_DIGITS) for c in matches]
    cand_values = _candidate_values(matches, accounts, model_version=index.model_version, now=now)
    events = (
        [(AuditAction.CREATE, RecordType.INTERCEPTION, iid)]
        + [(AuditAction.READ, RecordType.CANDIDATE, v["id"]) for v in cand_values]
        + [(AuditAction.READ, RecordType.INTERCEPTION, d.record_id) for d in duplicates]
    )
    event_values = _event_values(user, events, now=now)
    # The hot path of the service: one ORM insert, then plain multi-row inserts (no unit of
    # work for the candidates and events), one transaction, opened (on SQLite: the write lock
    # taken) only now that every row is shaped.
    row = InterceptionRow(
        **values,
        status=InterceptionStatus.OPEN,
        created_by=user.id,
        created_at=now,
        case_id=interception_case(session, iid, duplicates),
    )
    session.add(row)
    try:
        session.flush()
        if cand_values:
            session.execute(insert(CandidateRow), cand_values)
        session.execute(insert(AuditEvent), event_values)
        session.commit()
    except IntegrityError:
        # The only unique key we can hit is the interception id (reports are never deleted).
        session.rollback()
        raise ConflictError(f"interception {iid} already exists") from None
    candidates = [CandidateRow(**v) for v in cand_values]  # detached views of what was stored
    index.apply_interceptions([row])  # open: later reports are matched against it
    index.announce_candidates([str(v["id"]) for v in cand_values if v["band"] is not Band.NO_MATCH])
    log.info(
        "interception %s: %d candidates, %d possible duplicates",
        row.interception_id,
        len(candidates),
        len(duplicates),
    )
    return Submitted(row, candidates, duplicates, accounts, questions)


def possible_duplicates(
    session: Session, user: User, row: InterceptionRow, *, index: LiveIndex
) -> list[DuplicateFlag]:
    """The open interceptions that may be the same child as ``row`` (itself excluded), now:
    ids, scores and bands, each audited as a read (the interception page; who may read ``row``
    may see them). Empty for a matched interception. CPU-bound (milliseconds)."""
    require(user, Action.INTERCEPTION_READ)
    if row.status != InterceptionStatus.OPEN:
        return []
    flags = index.possible_duplicates(interception_record(row), top_k=DUPLICATES_MAX)
    audit.record(
        session, user, AuditAction.READ, RecordType.INTERCEPTION, [f.record_id for f in flags]
    )
    session.commit()
    return flags


#: Decimals a candidate's stored weights keep (what the API shows).
SHOWN_DIGITS = 4


def _candidate_values(
    matches: list[Candidate],
    accounts: list[Candidate] | None = None,
    *,
    model_version: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Column values of new candidate rows for the engine's ranked ``matches`` (``accounts``:
    their :func:`api.matching.stored_candidate` forms, if the caller has made them)."""
    if accounts is None:
        accounts = [stored_candidate(c, ndigits=SHOWN_DIGITS) for c in matches]
    return [
        {
            "id": cid,
            "interception_id": c.interception_id,
            "report_id": c.report_id,
            **_scored_values(c, shown, model_version=model_version),
            "status": CandidateStatus.OPEN,
            "created_at": now,
        }
        for c, shown, cid in zip(matches, accounts, new_ids(len(matches)), strict=True)
    ]


def _scored_values(c: Candidate, shown: Candidate, *, model_version: str) -> dict[str, Any]:
    """What the engine said about one candidate (``shown``: its stored form): the columns a
    re-ranking rewrites."""
    return {
        "rank": shown.rank,
        "score": shown.score,
        "band": shown.band,
        "explanation": c.explanation,
        "contributions": contribution_values(shown),
        "model_version": model_version,
    }


def _event_values(
    user: User, events: list[tuple[AuditAction, RecordType, str]], *, now: datetime
) -> list[dict[str, Any]]:
    """Rows of audit events under ``user`` (one multi-row insert in the caller's transaction)."""
    return [
        {
            "at": now,
            "user_id": user.id,
            "username": user.username,
            "action": a.value,
            "record_type": t.value,
            "record_id": rid,
        }
        for a, t, rid in events
    ]


def edit_interception(
    session: Session,
    user: User,
    interception_id: str,
    data: InterceptionEdit,
    *,
    index: LiveIndex,
    top_k: int,
) -> tuple[InterceptionRow, list[CandidateRow]]:
    """Add or correct an interception's details and re-rank its candidates (CPU-bound).

    Who: the officer who submitted it (another officer: 403) or a police reviewer. A matched
    interception is refused (409): its child is found, and changing the record under a confirmed
    match would rewrite what the reviewer confirmed. Only the fields sent change; sending none
    (or the values it already has) changes nothing and keeps no version.

    Nothing is overwritten: the details as they stood become an ``interception_versions`` row
    (version 1 = as submitted), and the change is an audited ``update``. Re-ranking excludes the
    reports a reviewer rejected for this child; a candidate ranked again keeps its id, status and
    decisions with the new score, one ranked out becomes ``superseded`` (rejected ones stay as
    they are). The interception and its candidates are locked while it re-ranks (one query,
    milliseconds), so a concurrent decision or edit waits; should two edits still meet, they
    conflict on the version number (409), never both land.
    """
    require(user, Action.INTERCEPTION_EDIT)
    row = _visible_interception(session, user, interception_id)
    # Locks in the order a confirmation takes them (its candidate, then the interception), so
    # an edit and a decision on the same child wait for each other instead of deadlocking; an
    # edit never works from candidate statuses a decision is changing.
    existing = list(
        session.scalars(
            select(CandidateRow)
            .where(CandidateRow.interception_id == row.interception_id)
            .order_by(CandidateRow.id)
            .with_for_update()
        )
    )
    session.refresh(row, with_for_update=True)
    if row.status == InterceptionStatus.MATCHED:
        session.rollback()
        raise ConflictError(f"interception {interception_id} is matched; it cannot be edited")
    before = interception_record(row)
    changes = {
        k: v for k, v in data.model_dump(exclude_unset=True).items() if getattr(before, k) != v
    }
    if not changes:
        current = _current(existing)
        audit.record(session, user, AuditAction.READ, RecordType.INTERCEPTION, interception_id)
        audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c in current])
        session.commit()
        return row, current
    after = dataclasses.replace(before, **changes)
    rejected = [c.report_id for c in existing if c.status == CandidateStatus.REJECTED]
    matches = index.query(after, top_k=top_k, exclude=rejected)
    now = utcnow()
    version = 1 + (
        session.scalar(
            select(func.count())
            .select_from(InterceptionVersionRow)
            .where(InterceptionVersionRow.interception_id == row.interception_id)
        )
        or 0
    )
    session.add(
        InterceptionVersionRow(
            interception_id=row.interception_id,
            version=version,
            details=_details(before),
            edited_by=user.id,
            edited_at=now,
        )
    )
    for key, value in changes.items():
        setattr(row, key, value)
    by_report = {c.report_id: c for c in existing}
    ranked = {m.report_id for m in matches}
    new_values = _candidate_values(
        [m for m in matches if m.report_id not in by_report],
        model_version=index.model_version,
        now=now,
    )
    for m in matches:
        if (old := by_report.get(m.report_id)) is not None:
            account = stored_candidate(m, ndigits=SHOWN_DIGITS)
            scored = _scored_values(m, account, model_version=index.model_version)
            for key, value in scored.items():
                setattr(old, key, value)
            if old.status == CandidateStatus.SUPERSEDED:
                old.status = CandidateStatus.OPEN
    for c in existing:
        if c.report_id not in ranked and c.status in _RANKED_OUT_FROM:
            c.status = CandidateStatus.SUPERSEDED
    try:
        session.flush()
        if new_values:
            session.execute(insert(CandidateRow), new_values)
        shown = [by_report[m.report_id].id for m in matches if m.report_id in by_report]
        shown += [v["id"] for v in new_values]
        events = [(AuditAction.UPDATE, RecordType.INTERCEPTION, row.interception_id)] + [
            (AuditAction.READ, RecordType.CANDIDATE, cid) for cid in shown
        ]
        session.execute(insert(AuditEvent), _event_values(user, events, now=now))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(
            f"interception {interception_id} was edited by someone else at the same time; "
            "reload it and try again"
        ) from None
    candidates = _current(
        list(
            session.scalars(
                select(CandidateRow).where(CandidateRow.interception_id == row.interception_id)
            )
        )
    )
    index.apply_interceptions([row])  # later reports are matched against the edited details
    index.announce_candidates([str(v["id"]) for v in new_values if v["band"] is not Band.NO_MATCH])
    log.info(
        "interception %s edited (version %d kept): %d candidates",
        row.interception_id,
        version,
        len(candidates),
    )
    return row, candidates


#: Statuses a re-ranking may retire: rejected candidates stay rejected, confirmed ones cannot
#: exist on an open interception.
_RANKED_OUT_FROM = frozenset({CandidateStatus.OPEN, CandidateStatus.UNSURE})


def _current(rows: list[CandidateRow]) -> list[CandidateRow]:
    """The candidates an interception has now (not superseded), by rank."""
    return sorted((c for c in rows if c.status != CandidateStatus.SUPERSEDED), key=lambda c: c.rank)


def _details(record: Interception) -> dict[str, Any]:
    """An interception's fields as JSON values (what a version keeps)."""
    out: dict[str, Any] = {}
    for column in INTERCEPTION_COLUMNS[1:]:
        value = getattr(record, column)
        out[column] = value.isoformat() if isinstance(value, date) else value
    return out


def interception_versions(
    session: Session, user: User, interception_id: str
) -> list[InterceptionVersionRow]:
    """The earlier versions of an interception's details, oldest first (audited as a read of
    the interception). Who may read the interception may read its history."""
    require(user, Action.INTERCEPTION_READ)
    row = _visible_interception(session, user, interception_id)
    rows = list(
        session.scalars(
            select(InterceptionVersionRow)
            .where(InterceptionVersionRow.interception_id == row.interception_id)
            .order_by(InterceptionVersionRow.version)
        )
    )
    audit.record(session, user, AuditAction.READ, RecordType.INTERCEPTION, row.interception_id)
    session.commit()
    return rows


def ask_next(index: LiveIndex, row: InterceptionRow, candidates: list[CandidateRow]) -> list[str]:
    """The empty fields of the interception worth asking the child, best first (the engine's
    :meth:`matcher.index.MatchIndex.ask_next` over the stored candidates still open to review).

    Empty for a matched interception. Pure computation: no database access, no audit (the
    caller has read and audited the interception and its candidates).
    """
    if row.status == InterceptionStatus.MATCHED:
        return []
    live = [
        candidate_record(c)
        for c in sorted(candidates, key=lambda c: c.rank)
        if c.status in _RANKED_OUT_FROM
    ]
    return index.ask_next(interception_record(row), candidates=live)


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
    """The current candidates of an interception by rank (audited; not those an edit ranked
    out). Officers: own only."""
    return interception_candidates(session, user, interception_id)[1]


def interception_candidates(
    session: Session, user: User, interception_id: str
) -> tuple[InterceptionRow, list[CandidateRow]]:
    """The interception and its current candidates by rank (:func:`list_candidates`, audited
    once: the interception and each candidate read)."""
    require(user, Action.CANDIDATES_READ)
    row = _visible_interception(session, user, interception_id)
    rows = list(
        session.scalars(
            select(CandidateRow)
            .where(
                CandidateRow.interception_id == row.interception_id,
                CandidateRow.status != CandidateStatus.SUPERSEDED,
            )
            .order_by(CandidateRow.rank)
        )
    )
    audit.record(session, user, AuditAction.READ, RecordType.INTERCEPTION, row.interception_id)
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c in rows])
    session.commit()
    return row, rows


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
