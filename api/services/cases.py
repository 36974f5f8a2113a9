"""One child, one case: which case a new record joins, and closing a case on a confirmed match.

The rule is the engine's (:mod:`matcher.dedupe`): a new record joins the case of its best
stored record of the same kind scoring at least the model's match threshold
(:func:`matcher.dedupe.case_partner`), else it is a case of its own (``case_id`` = its own id,
the column default). Interceptions get theirs at submission, from the same check that flags
possible duplicates to the officer (:func:`interception_case`: no extra work, one read of the
partner's case only when there is a partner). A report added alone gets its case right after it
is stored (:func:`assign_report_cases`); an import's reports get theirs after the import has
answered, in a background thread (:func:`assign_cases_later`), in transactions of
:data:`CASE_CHUNK` reports: a same-child check costs milliseconds per report, which the import
request does not wait for. Until then each is a case of its own, which is what a crash in between
leaves too (nothing is half-written: a report's case is one ``UPDATE``).

A confirmed match closes both cases (:func:`close_cases`): the other open reports of the
report's case are marked found, the other open interceptions of the interception's case
matched, in the confirming transaction, each an audited ``update`` under the reviewer and
marked ``closed_by`` the decision; their candidates leave the review queue with them (the queue
shows only open records' pairs). Revoking that decision reopens exactly those records
(:func:`reopen_cases`). Nothing here logs a field value.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.matching import LiveIndex, report_record
from api.models import (
    InterceptionRow,
    InterceptionStatus,
    ReportRow,
    ReportStatus,
    User,
)
from api.services.common import rows_in_order
from matcher.dedupe import DuplicateFlag, case_partner

log = logging.getLogger(__name__)

#: Reports whose cases one transaction of :func:`assign_report_cases` writes.
CASE_CHUNK = 500

__all__ = [
    "CASE_CHUNK",
    "assign_cases_later",
    "assign_report_cases",
    "close_cases",
    "interception_case",
    "reopen_cases",
]


def interception_case(
    session: Session, interception_id: str, flags: Sequence[DuplicateFlag]
) -> str:
    """The case a new interception joins: that of its :func:`~matcher.dedupe.case_partner`
    among ``flags`` (one indexed read), or its own id."""
    partner = case_partner(flags)
    if partner is None:
        return interception_id
    case = session.scalar(
        select(InterceptionRow.case_id).where(InterceptionRow.interception_id == partner)
    )
    return case or partner


def assign_report_cases(session: Session, report_ids: Iterable[str], *, index: LiveIndex) -> int:
    """Put each of these stored reports into the case of its best same-child report (the
    engine's :meth:`api.matching.LiveIndex.same_child` at the match threshold), in id order, one
    transaction per :data:`CASE_CHUNK` reports; returns how many joined another case. Reports
    no longer open are skipped. CPU-bound: not on the event loop."""
    ids = sorted(set(report_ids))
    cases: dict[str, str] = {}  # this run's decisions, ahead of the database's
    joined = 0
    for lo in range(0, len(ids), CASE_CHUNK):
        rows: list[ReportRow] = rows_in_order(
            session, ReportRow.report_id, ids[lo : lo + CASE_CHUNK]
        )
        records = [report_record(r) for r in rows if r.status == ReportStatus.OPEN]
        session.rollback()  # nothing is held while the engine compares
        partners: dict[str, str] = {}
        for record in records:
            pairs = index.same_child(record, top_k=1)
            if pairs:
                partners[record.report_id] = pairs[0].second
        if not partners:
            continue
        stored: dict[str, str | None] = {
            rid: case
            for rid, case in session.execute(
                select(ReportRow.report_id, ReportRow.case_id).where(
                    ReportRow.report_id.in_(sorted(set(partners.values())))
                )
            )
        }
        for rid in sorted(partners):
            partner = partners[rid]
            case = cases.get(partner) or stored.get(partner) or partner
            if case == rid:  # the partner already joined this report's case
                continue
            cases[rid] = case
            session.execute(
                update(ReportRow)
                .where(ReportRow.report_id == rid, ReportRow.status == ReportStatus.OPEN)
                .values(case_id=case)
            )
            joined += 1
        session.commit()
    if joined:
        log.info("cases: %d of %d reports joined another report's case", joined, len(ids))
    return joined


def assign_cases_later(report_ids: Sequence[str], *, index: LiveIndex) -> threading.Thread:
    """:func:`assign_report_cases` in a background thread of ``index``
    (:meth:`api.matching.LiveIndex.run_in_background`) with its own session (an import's
    reports: the request does not wait). A failure is logged, never raised: the reports stay
    cases of their own. Returns the started thread."""
    ids = list(report_ids)

    def work() -> None:
        with index.sessions() as session:
            assign_report_cases(session, ids, index=index)

    return index.run_in_background("cases", work)


def close_cases(
    session: Session,
    user: User,
    *,
    report: ReportRow,
    interception: InterceptionRow,
    decision_id: str,
    pending: int,
) -> list[InterceptionRow]:
    """In the confirming transaction: mark the other open reports of ``report``'s case found
    (stamped ``pending``) and the other open interceptions of ``interception``'s case matched,
    ``closed_by`` the decision, each an audited ``update`` by ``user``; returns the
    interceptions closed (the live index drops them after the commit)."""
    reports = list(
        session.scalars(
            select(ReportRow)
            .where(
                ReportRow.case_id == (report.case_id or report.report_id),
                ReportRow.report_id != report.report_id,
                ReportRow.status == ReportStatus.OPEN,
            )
            .order_by(ReportRow.report_id)
            .with_for_update()
        )
    )
    interceptions = list(
        session.scalars(
            select(InterceptionRow)
            .where(
                InterceptionRow.case_id == (interception.case_id or interception.interception_id),
                InterceptionRow.interception_id != interception.interception_id,
                InterceptionRow.status == InterceptionStatus.OPEN,
            )
            .order_by(InterceptionRow.interception_id)
            .with_for_update()
        )
    )
    for r in reports:
        r.status, r.seq, r.closed_by = ReportStatus.FOUND, pending, decision_id
    for i in interceptions:
        i.status, i.closed_by = InterceptionStatus.MATCHED, decision_id
    _audit_updates(session, user, reports, interceptions)
    if reports or interceptions:
        log.info(
            "decision %s closes its cases: %d more reports, %d more interceptions",
            decision_id,
            len(reports),
            len(interceptions),
        )
    return interceptions


def reopen_cases(
    session: Session, user: User, *, decision_id: str, pending: int
) -> list[InterceptionRow]:
    """In the revoking transaction: reopen the records :func:`close_cases` closed for this
    decision (reports stamped ``pending``), each an audited ``update``; returns the
    interceptions reopened."""
    reports = list(
        session.scalars(
            select(ReportRow).where(ReportRow.closed_by == decision_id).with_for_update()
        )
    )
    interceptions = list(
        session.scalars(
            select(InterceptionRow)
            .where(InterceptionRow.closed_by == decision_id)
            .with_for_update()
        )
    )
    for r in reports:
        r.status, r.seq, r.closed_by = ReportStatus.OPEN, pending, None
    for i in interceptions:
        i.status, i.closed_by = InterceptionStatus.OPEN, None
    _audit_updates(session, user, reports, interceptions)
    return interceptions


def _audit_updates(
    session: Session,
    user: User,
    reports: Sequence[ReportRow],
    interceptions: Sequence[InterceptionRow],
) -> None:
    """One audited ``update`` by ``user`` per record a case closing or reopening changed."""
    audit.record(
        session, user, AuditAction.UPDATE, RecordType.REPORT, [r.report_id for r in reports]
    )
    audit.record(
        session,
        user,
        AuditAction.UPDATE,
        RecordType.INTERCEPTION,
        [i.interception_id for i in interceptions],
    )
