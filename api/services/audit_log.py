"""The audit log, read page by page or exported as CSV (admin); every read of it is itself
audited.

Two readings of one log:

- :func:`list_audit` (the JSON API): raw events in the order they happened, after an id.
- :func:`audit_lines` / :func:`audit_csv` (the admin's page and its export): newest first,
  filtered by actor, action, record type, record id and date range, each event *described* for
  the people who read it: usernames instead of hex user ids (the actor, and the user a
  ``user`` or ``token`` event is about), and a decision's kind (confirm / reject / unsure), the
  candidate it was about (its interception and report ids) and who decided it. Ids and verbs
  only: an admin never sees a child's record here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import InvalidError
from api.models import ApiToken, AuditEvent, CandidateRow, DecisionKind, DecisionRow, User
from api.roles import Action
from api.services.common import check_date_range, require
from api.services.users import usernames
from matcher.csvio import csv_writer

__all__ = [
    "AFTER_ID_MAX",
    "AUDIT_CSV_COLUMNS",
    "AUDIT_EXPORT_MAX",
    "AuditLine",
    "AuditQuery",
    "DecisionDetail",
    "audit_csv",
    "audit_lines",
    "describe",
    "list_audit",
]

AUDIT_EXPORT_MAX = 100_000
"""The most events one CSV export holds (the newest that match; narrow the dates for older)."""
AUDIT_CSV_COLUMNS = (
    "event_id",
    "at_utc",
    "actor",
    "action",
    "record_type",
    "record_id",
    "details",
)
DESCRIBE_CHUNK = 1_000
"""Events described per round of look-ups (keeps every ``IN (...)`` list short)."""
OPERATOR = "(command line)"
"""How an event with no user (the operator's command line) names its actor."""
ANONYMOUS = "(not signed in)"
"""How a failed sign-in (no user yet) names its actor."""

AFTER_ID_MAX = 2**62
"""The largest ``after_id`` a reader may give (event ids are 64-bit; beyond this a database
cannot compare them)."""


def list_audit(
    session: Session,
    user: User,
    *,
    after_id: int = 0,
    limit: int = 100,
    record_type: str | None = None,
    record_id: str | None = None,
) -> list[AuditEvent]:
    """Audit events in order, after ``after_id`` (admin).

    Reading the log is itself audited: one ``read``/``audit`` event whose ``record_id`` names
    the range of event ids returned (``"12-111"``; ``"after:500"`` when nothing came back), in
    the same transaction. It is added after the page is read, so it is never part of the page
    it describes; the filters are not recorded (a record id filter is an id, but the range is
    what the reader saw). An ``after_id`` outside 0..:data:`AFTER_ID_MAX` is
    :class:`InvalidError`.
    """
    require(user, Action.AUDIT_READ)
    if not 0 <= after_id <= AFTER_ID_MAX:
        raise InvalidError(f"after must be between 0 and {AFTER_ID_MAX}", field="after_id")
    stmt = select(AuditEvent).where(AuditEvent.id > after_id)
    if record_type:
        stmt = stmt.where(AuditEvent.record_type == record_type)
    if record_id:
        stmt = stmt.where(AuditEvent.record_id == record_id)
    rows = list(session.scalars(stmt.order_by(AuditEvent.id).limit(limit)))
    seen = f"{rows[0].id}-{rows[-1].id}" if rows else f"after:{after_id}"
    audit.record(session, user, AuditAction.READ, RecordType.AUDIT, seen)
    session.commit()
    return rows


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the admin's audit page; None is no filter. Dates are UTC days, inclusive; a
    ``date_to`` before ``date_from`` is refused (:func:`api.services.common.check_date_range`)."""

    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        check_date_range(self.date_from, self.date_to)

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` narrowed to the events these filters keep."""
        if self.actor:
            stmt = stmt.where(AuditEvent.username == self.actor)
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        if self.record_type:
            stmt = stmt.where(AuditEvent.record_type == self.record_type)
        if self.record_id:
            stmt = stmt.where(AuditEvent.record_id == self.record_id)
        if self.date_from:
            stmt = stmt.where(AuditEvent.at >= datetime.combine(self.date_from, time()))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time())
            stmt = stmt.where(AuditEvent.at < end)
        return stmt


@dataclass(frozen=True, slots=True)
class DecisionDetail:
    """What a decision event was about: the kind, the candidate pair and who decided."""

    decision_id: str
    kind: DecisionKind
    candidate_id: str
    interception_id: str
    report_id: str
    decided_by: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit event as people read it (see the module docstring)."""

    id: int
    at: datetime
    actor: str
    action: str
    record_type: str
    record_id: str
    subject: str | None = None
    """The username a ``user`` or ``token`` event is about."""
    decision: DecisionDetail | None = None
    """The decision a ``decision`` event (or a ``decide`` on a candidate) is about."""


def audit_lines(
    session: Session,
    user: User,
    query: AuditQuery,
    *,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditLine]:
    """The newest ``limit`` events that ``query`` keeps, older than ``before_id`` if given,
    described (admin). Audited like :func:`list_audit` (one ``read``/``audit`` event naming the
    id range shown)."""
    require(user, Action.AUDIT_READ)
    stmt = query.apply(select(AuditEvent))
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    rows: list[AuditEvent] = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))
    lines = _describe_events(session, rows)
    seen = f"{rows[-1].id}-{rows[0].id}" if rows else f"before:{before_id or 'end'}"
    audit.record(session, user, AuditAction.READ, RecordType.AUDIT, seen)
    session.commit()
    return lines


def audit_csv(session: Session, user: User, query: AuditQuery) -> tuple[str, bool]:
    """The events ``query`` keeps as CSV (:data:`AUDIT_CSV_COLUMNS`, newest first, at most
    :data:`AUDIT_EXPORT_MAX`; cells formula-neutralised by ``matcher.csvio.csv_writer``) and
    whether more matched than the file holds. Audited as one ``download``/``audit`` event
    naming the id range exported."""
    require(user, Action.AUDIT_READ)
    stmt = query.apply(select(AuditEvent)).order_by(AuditEvent.id.desc())
    rows: list[AuditEvent] = list(session.scalars(stmt.limit(AUDIT_EXPORT_MAX + 1)))
    truncated = len(rows) > AUDIT_EXPORT_MAX
    rows = rows[:AUDIT_EXPORT_MAX]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(AUDIT_CSV_COLUMNS)
    lines = (
        line
        for start in range(0, len(rows), DESCRIBE_CHUNK)
        for line in _describe_events(session, rows[start : start + DESCRIBE_CHUNK])
    )
    for line in lines:
        writer.writerow(
            (
                line.id,
                line.at.isoformat(timespec="seconds"),
                line.actor,
                line.action,
                line.record_type,
                line.record_id,
                describe(line),
            )
        )
    seen = f"{rows[-1].id}-{rows[0].id}" if rows else "none"
    audit.record(session, user, AuditAction.DOWNLOAD, RecordType.AUDIT, seen)
    session.commit()
    return buffer.getvalue(), truncated


def describe(line: AuditLine) -> str:
    """The event's details in words (English; the CSV's ``details`` column)."""
    if line.decision is not None:
        d = line.decision
        revoked = " (since revoked)" if d.revoked else ""
        return (
            f"{d.kind.value} candidate {d.candidate_id} (interception {d.interception_id}, "
            f"report {d.report_id}) by {d.decided_by}{revoked}"
        )
    if line.subject is not None:
        return f"user {line.subject}"
    return ""


def _describe_events(session: Session, rows: Sequence[AuditEvent]) -> list[AuditLine]:
    """Each event with the usernames and decisions it refers to (a few look-ups per page)."""
    user_ids = {r.record_id for r in rows if r.record_type == RecordType.USER}
    token_ids = {r.record_id for r in rows if r.record_type == RecordType.TOKEN}
    token_owner = _pairs(
        session, select(ApiToken.id, ApiToken.user_id).where(ApiToken.id.in_(token_ids))
    )
    decision_ids = {r.record_id for r in rows if r.record_type == RecordType.DECISION}
    decided = {r.record_id for r in rows if _is_decide(r)}
    decisions = list(
        session.scalars(
            select(DecisionRow).where(
                DecisionRow.id.in_(decision_ids) | DecisionRow.candidate_id.in_(decided)
            )
        )
    )
    candidates = {
        c.id: c
        for c in session.scalars(
            select(CandidateRow).where(CandidateRow.id.in_({d.candidate_id for d in decisions}))
        )
    }
    names = usernames(
        session, user_ids | set(token_owner.values()) | {d.decided_by for d in decisions}
    )
    details = {
        d.id: DecisionDetail(
            decision_id=d.id,
            kind=d.decision,
            candidate_id=d.candidate_id,
            interception_id=candidates[d.candidate_id].interception_id,
            report_id=candidates[d.candidate_id].report_id,
            decided_by=names.get(d.decided_by, d.decided_by),
            revoked=d.revoked_at is not None,
        )
        for d in decisions
        if d.candidate_id in candidates
    }
    lines = []
    for r in rows:
        subject: str | None = None
        detail: DecisionDetail | None = None
        if r.record_type == RecordType.USER:
            subject = names.get(r.record_id)
        elif r.record_type == RecordType.TOKEN and r.record_id in token_owner:
            subject = names.get(token_owner[r.record_id])
        elif r.record_type == RecordType.DECISION:
            detail = details.get(r.record_id)
        elif _is_decide(r):
            detail = _nearest(r, (details[d.id] for d in decisions if d.id in details), decisions)
        lines.append(
            AuditLine(
                id=r.id,
                at=r.at,
                actor=r.username
                or (ANONYMOUS if r.action == AuditAction.SIGN_IN_FAILED else OPERATOR),
                action=r.action,
                record_type=r.record_type,
                record_id=r.record_id,
                subject=subject,
                decision=detail,
            )
        )
    return lines


def _is_decide(row: AuditEvent) -> bool:
    return row.action == AuditAction.DECIDE and row.record_type == RecordType.CANDIDATE


def _nearest(
    event: AuditEvent, details: Iterable[DecisionDetail], decisions: Sequence[DecisionRow]
) -> DecisionDetail | None:
    """The decision a ``decide`` event recorded: on its candidate, by its actor, the one
    decided closest to the event (they are written in the same transaction)."""
    when = {d.id: d for d in decisions}
    best: tuple[float, DecisionDetail] | None = None
    for detail in details:
        row = when[detail.decision_id]
        if row.candidate_id != event.record_id or row.decided_by != event.user_id:
            continue
        gap = abs((row.decided_at - event.at).total_seconds())
        if best is None or gap < best[0]:
            best = (gap, detail)
    return None if best is None else best[1]


def _pairs(session: Session, stmt: Select[str, str]) -> dict[str, str]:
    """A two-column query as a dict (first column -> second)."""
    return {str(a): str(b) for a, b in session.execute(stmt)}
