"""The business operations of the service, shared by the JSON routes and the web pages.

Every function takes a database ``session`` and the acting ``user`` (an ORM :class:`User`),
checks the user's role against :mod:`api.roles`, does its work in **one transaction** that it
commits itself (so a crash leaves all or nothing), writes audit events in that same transaction,
and raises :mod:`api.errors` exceptions (never HTTP ones) for the caller to translate.

Operations that change which reports are open (adding, importing, confirming, revoking) stamp
the touched reports (see :mod:`api.models`) and then bring the live matching index up to date
before returning, so the next request of this process already matches against them.

Every write of a report also writes its name keys (``report_name_keys``, see :mod:`api.models`)
in the same transaction: the bulk inserts here do it explicitly, ORM writes through the session
hook. :func:`search_reports` looks names up in that table, never by scanning reports.

Matching is CPU-bound: call :func:`submit_interception` from a worker thread (a ``def`` route,
``run_in_threadpool``), never directly inside ``async def``.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from api import audit
from api.audit import AuditAction, RecordType
from api.auth import issue_token, revoke_tokens
from api.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from api.matching import LiveIndex
from api.models import (
    ApiToken,
    AuditEvent,
    CandidateRow,
    CandidateStatus,
    Counter,
    DecisionKind,
    DecisionRow,
    InterceptionRow,
    InterceptionStatus,
    ReportNameKey,
    ReportRow,
    ReportStatus,
    User,
    district_key,
    name_key_rows,
    name_search_keys,
    new_id,
    utcnow,
)
from api.roles import Action, Role, allowed
from api.schemas import SEARCH_LIMIT_MAX, DecisionIn, InterceptionIn, RejectOut, ReportIn
from matcher.csvio import MissingColumnError, Reject, RejectCounter, iter_reports
from matcher.records import Band, Candidate, Interception, Report

log = logging.getLogger(__name__)

REPORT_SEQ = "report_seq"
IMPORT_CHUNK = 2000
SEARCH_COUNT_CAP = 20_000
REVIEW_BANDS = (Band.MATCH, Band.REVIEW)


# -- helpers ---------------------------------------------------------------------------------
def require(user: User, action: Action) -> None:
    """Raise :class:`ForbiddenError` unless ``user``'s role may do ``action``."""
    if not allowed(user.role, action):
        raise ForbiddenError(f"role {user.role} may not {action.value}")


def _new_record_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6).upper()}"


def _pending_stamp() -> int:
    """A unique negative placeholder for ``reports.seq`` until the commit-time stamp."""
    return -secrets.randbelow(2**62) - 1


def _publish(session: Session, pending: int) -> int:
    """Give every report row marked ``pending`` the next stamp; call just before commit.

    Incrementing the counter row locks it until commit, which is what makes stamps
    commit-ordered; doing it last keeps that lock short.
    """
    session.flush()
    session.execute(
        update(Counter).where(Counter.name == REPORT_SEQ).values(value=Counter.value + 1)
    )
    stamp = int(session.scalar(select(Counter.value).where(Counter.name == REPORT_SEQ)) or 0)
    session.execute(update(ReportRow).where(ReportRow.seq == pending).values(seq=stamp))
    return stamp


def _contributions(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "label": c.label, "weight": round(float(c.weight), 4)}
        for c in candidate.contributions
    ]


# -- reports ---------------------------------------------------------------------------------
def create_report(session: Session, user: User, data: ReportIn, *, index: LiveIndex) -> ReportRow:
    """Store one report and make it matchable; 409 if the id exists."""
    require(user, Action.REPORT_CREATE)
    pending = _pending_stamp()
    values = data.model_dump()
    values["report_id"] = values["report_id"] or _new_record_id("R")
    row = ReportRow(**values, seq=pending, created_by=user.id, status=ReportStatus.OPEN)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"report {values['report_id']} already exists") from None
    audit.record(session, user, AuditAction.CREATE, RecordType.REPORT, row.report_id)
    _publish(session, pending)
    session.commit()
    index.sync_once()
    log.info("report created: %s", row.report_id)
    return row


def get_report(session: Session, user: User, report_id: str) -> ReportRow:
    """One report (audited read)."""
    require(user, Action.REPORT_READ)
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFoundError(f"report {report_id} not found")
    audit.record(session, user, AuditAction.READ, RecordType.REPORT, row.report_id)
    session.commit()
    return row


def _insert_name_keys(session: Session, rows: list[dict[str, Any]]) -> None:
    """Name keys of reports just inserted with a Core multi-row insert (which the ORM hook that
    keys ORM writes does not see)."""
    keys = name_key_rows((r["report_id"], r.get("name"), r["created_at"]) for r in rows)
    if keys:
        session.execute(insert(ReportNameKey), keys)


def search_reports(
    session: Session, user: User, query: str | None, *, limit: int = 50
) -> list[ReportRow]:
    """Reports whose child's name has every name key of ``query``, newest first (audited).

    Keys come from :func:`api.models.name_search_keys`, the function that keyed the stored
    names, so "Rohima Khatoon" finds "রহিমা খাতুন" and "Mst. Rahima Khatun". A query with no
    key (empty, emoji, prefixes only) finds nothing; ``limit`` is clamped to
    1..``SEARCH_LIMIT_MAX``. Every returned report gets a READ event; the log carries counts
    only, never the query (a child's name).

    How it stays fast at a million reports: each key's rows are counted up to
    ``SEARCH_COUNT_CAP`` (an index range; a key with none ends the search), the rarest key
    drives, and its newest ``SEARCH_COUNT_CAP`` rows are walked straight from the index
    ``(key, created_at, report_id)``, each checked for the other keys by primary-key look-up,
    until ``limit`` reports are found. Every result carries the driving key, so hits in walk
    order are the newest results. Only when every key is that common and the walk found too
    few does one set query intersect the keys' index rows (cheaper than look-ups one by one
    over hundreds of thousands of rows). No scan of ``reports`` in any case.
    """
    require(user, Action.REPORT_READ)
    wanted = name_search_keys(query)
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    ids: list[str] = []
    if wanted:
        counts = {key: _key_count(session, key) for key in wanted}
        driving = min(wanted, key=lambda k: counts[k])
        if counts[driving]:
            ids = list(session.scalars(_walk_statement(driving, wanted, limit)))
            if len(ids) < limit and counts[driving] >= SEARCH_COUNT_CAP:
                ids = list(session.scalars(_intersect_statement(wanted, limit)))
    rows = _rows_in_order(session, ReportRow.report_id, ids)
    audit.record(session, user, AuditAction.READ, RecordType.REPORT, [r.report_id for r in rows])
    session.commit()
    log.info("report search: %d keys, %d results", len(wanted), len(rows))
    return rows


def _key_count(session: Session, key: str) -> int:
    """How many reports carry ``key``, counted no further than ``SEARCH_COUNT_CAP``."""
    capped = (
        select(ReportNameKey.report_id)
        .where(ReportNameKey.key == key)
        .limit(SEARCH_COUNT_CAP)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


def _walk_statement(driving: str, wanted: list[str], limit: int) -> Select[str]:
    """Ids of the newest ``limit`` reports among the newest ``SEARCH_COUNT_CAP`` carrying
    ``driving`` that also carry every other wanted key."""
    newest = (
        select(ReportNameKey.report_id, ReportNameKey.created_at)
        .where(ReportNameKey.key == driving)
        .order_by(ReportNameKey.created_at.desc(), ReportNameKey.report_id.desc())
        .limit(SEARCH_COUNT_CAP)
        .subquery("walk")
    )
    stmt = select(newest.c.report_id)
    for key in wanted:
        if key != driving:
            other = aliased(ReportNameKey)
            stmt = stmt.where(
                exists().where(other.report_id == newest.c.report_id, other.key == key)
            )
    return stmt.order_by(newest.c.created_at.desc(), newest.c.report_id.desc()).limit(limit)


def _intersect_statement(wanted: list[str], limit: int) -> Select[str]:
    """Ids of the newest ``limit`` reports carrying every wanted key, by set intersection of
    the keys' index rows (one row per report and key, so a full count means all keys)."""
    return (
        select(ReportNameKey.report_id)
        .where(ReportNameKey.key.in_(wanted))
        .group_by(ReportNameKey.report_id)
        .having(func.count() == len(wanted))
        .order_by(func.max(ReportNameKey.created_at).desc(), ReportNameKey.report_id.desc())
        .limit(limit)
    )


@dataclass
class ImportOutcome:
    """What an import did. ``committed`` is False when bad rows refused the whole file."""

    committed: bool
    imported: int
    rejects: list[RejectOut] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({r.row_number for r in self.rejects})


def _reject_out(r: Reject) -> RejectOut:
    return RejectOut(row_number=r.row_number, record_id=r.record_id, field=r.field, reason=r.reason)


def import_reports(
    session: Session,
    user: User,
    stream: IO[str],
    *,
    partial: bool = False,
    index: LiveIndex,
    label: str = "upload",
) -> ImportOutcome:
    """Import a reports CSV (the engine's format) in one transaction.

    All-or-nothing by default: any bad row (csvio's checks, our length/charset limits, or an id
    that already exists) stores nothing and raises :class:`InvalidError` whose ``extra`` holds
    the outcome. With ``partial=True`` the good rows are stored and the bad ones reported.
    """
    require(user, Action.REPORT_IMPORT)
    counter = RejectCounter()
    try:
        records = iter_reports(stream, on_reject=counter, label=label)
    except MissingColumnError as exc:
        header = [
            RejectOut(row_number=1, record_id=None, field=c, reason="missing required column")
            for c in exc.columns
        ]
        raise InvalidError(
            str(exc), extra={"outcome": ImportOutcome(committed=False, imported=0, rejects=header)}
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise InvalidError("file is not a readable CSV") from None
    extra: list[RejectOut] = []
    pending = _pending_stamp()
    imported = 0
    import_id = secrets.token_hex(4)
    now = utcnow()
    chunk: list[tuple[int, dict[str, Any]]] = []

    def flush(rows: list[tuple[int, dict[str, Any]]]) -> int:
        ids = [v["report_id"] for _, v in rows]
        existing = set(
            session.scalars(select(ReportRow.report_id).where(ReportRow.report_id.in_(ids)))
        )
        good = []
        for row_number, values in rows:
            if values["report_id"] in existing:
                extra.append(
                    RejectOut(
                        row_number=row_number,
                        record_id=values["report_id"],
                        field="report_id",
                        reason="a report with this id already exists",
                    )
                )
            else:
                good.append(values)
        if good and (partial or not (counter.rejects or extra)):
            session.execute(insert(ReportRow), good)
            _insert_name_keys(session, good)
            session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now,
                        "user_id": user.id,
                        "username": user.username,
                        "action": AuditAction.IMPORT.value,
                        "record_type": RecordType.REPORT.value,
                        "record_id": v["report_id"],
                    }
                    for v in good
                ],
            )
            return len(good)
        return 0

    row_number = 1
    try:
        for record in records:
            # csvio skips rejected rows; the last reject's row tells us where we are.
            row_number = max(
                row_number + 1, counter.rejects[-1].row_number + 1 if counter.rejects else 0
            )
            values = {
                "report_id": record.report_id,
                "name": record.name,
                "father_name": record.father_name,
                "mother_name": record.mother_name,
                "sex": record.sex,
                "age": record.age,
                "report_date": record.report_date,
                "district": record.district,
                "upazila": record.upazila,
                "police_station": record.police_station,
                "guardian_phone": record.guardian_phone,
            }
            try:
                checked = ReportIn.model_validate(values).model_dump()
            except ValidationError as exc:
                for err in exc.errors():
                    extra.append(
                        RejectOut(
                            row_number=row_number,
                            record_id=record.report_id[:64],
                            field=str(err["loc"][0]) if err["loc"] else "row",
                            reason=str(err["msg"]),
                        )
                    )
                continue
            checked.update(
                seq=pending, status=ReportStatus.OPEN, created_by=user.id, created_at=now
            )
            chunk.append((row_number, checked))
            if len(chunk) >= IMPORT_CHUNK:
                imported += flush(chunk)
                chunk = []
                log.info("report import %s: %d rows written so far", import_id, imported)
        if chunk:
            imported += flush(chunk)
    except (UnicodeDecodeError, csv.Error):
        session.rollback()
        raise InvalidError("file is not a readable CSV") from None
    rejects = sorted(
        [_reject_out(r) for r in counter.rejects] + extra, key=lambda r: (r.row_number, r.field)
    )
    if rejects and not partial:
        session.rollback()
        log.info("report import %s: refused, %d rejects", import_id, len(rejects))
        outcome = ImportOutcome(committed=False, imported=0, rejects=rejects)
        raise InvalidError(
            "the file has bad rows; nothing was imported", extra={"outcome": outcome}
        )
    _publish(session, pending)
    session.commit()
    log.info("report import %s: committed %d rows, %d rejects", import_id, imported, len(rejects))
    index.sync_once()
    return ImportOutcome(committed=True, imported=imported, rejects=rejects)


# -- interceptions ---------------------------------------------------------------------------
def submit_interception(
    session: Session, user: User, data: InterceptionIn, *, index: LiveIndex, top_k: int
) -> tuple[InterceptionRow, list[CandidateRow]]:
    """Store an interception and its ranked candidates (CPU-bound: not on the event loop).

    Matching runs before the transaction opens, so the database is locked only for the
    inserts. A duplicate id is a 409.
    """
    require(user, Action.INTERCEPTION_CREATE)
    values = data.model_dump()
    values["interception_id"] = values["interception_id"] or _new_record_id("I")
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
            "contributions": _contributions(c),
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


def get_candidate(session: Session, user: User, candidate_id: str) -> CandidateRow:
    """One candidate (audited); for the review pages."""
    require(user, Action.REVIEW_QUEUE)
    row = session.get(CandidateRow, candidate_id)
    if row is None:
        raise NotFoundError(f"candidate {candidate_id} not found")
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, row.id)
    session.commit()
    return row


# -- review ----------------------------------------------------------------------------------
def _rows_in_order(session: Session, key: InstrumentedAttribute[str], ids: list[str]) -> list[Any]:
    """The rows of ``key``'s table whose ``key`` is in ``ids``, in the order of ``ids`` (an id
    with no row is skipped): a page picked from an index, then read whole."""
    if not ids:
        return []
    by_id = {
        getattr(r, key.key): r for r in session.scalars(select(key.class_).where(key.in_(ids)))
    }
    return [by_id[i] for i in ids if i in by_id]


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
) -> tuple[list[CandidateRow], int]:
    """Candidates awaiting a decision (band match/review, open or unsure, on an open report and
    an open interception), highest score first (ties by id); returns (page, total).

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
      a date never matches a date filter.

    Audited: one read event per candidate returned (exactly the page, not the filtered set).
    ``limit=0`` returns ``([], total)`` without reading any candidate (nothing is audited):
    the page's whole-queue size, an index-only count (see migration 0004).
    """
    require(user, Action.REVIEW_QUEUE)
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

    def joined(columns: Select[Any]) -> Select[Any]:
        return (
            columns.join(ReportRow, ReportRow.report_id == CandidateRow.report_id)
            .join(InterceptionRow, InterceptionRow.interception_id == CandidateRow.interception_id)
            .where(*where)
        )

    # The count reads only what the join and filters need: ids and statuses, all of them in
    # indexes (ix_candidates_queue ends with report_id, interception_id; reports and
    # interceptions have (id, status), migration 0004), so counting the whole queue touches no
    # table row (~0.22 s at 131k queued on SQLite instead of 1.2-1.9 s; api/README.md).
    total = int(session.scalar(joined(select(func.count()).select_from(CandidateRow))) or 0)
    rows: list[CandidateRow] = []
    if limit > 0:  # limit=0: the count alone (the review page's whole-queue size)
        # The page's ids first, from indexes alone (ix_candidates_queue ends with the id,
        # migration 0005): ordering every queued candidate then sorts small tuples instead of
        # reading each one's wide row (~0.26 s instead of ~0.8 s at 130k queued on SQLite).
        ids = list(
            session.scalars(
                joined(select(CandidateRow.id))
                .order_by(CandidateRow.score.desc(), CandidateRow.id)
                .limit(limit)
                .offset(offset)
            )
        )
        rows = _rows_in_order(session, CandidateRow.id, ids)
    audit.record(session, user, AuditAction.READ, RecordType.CANDIDATE, [c.id for c in rows])
    session.commit()
    return rows, total


def decide(
    session: Session, user: User, candidate_id: str, data: DecisionIn, *, index: LiveIndex
) -> DecisionRow:
    """Record a decision on a candidate.

    - ``confirm`` marks the report found and the interception matched (the report leaves the
      matching index). Refused (409) if either is already linked by an earlier confirmation:
      an admin must revoke that one first.
    - ``reject``: the pair never resurfaces (not in the queue, excluded from batch runs).
    - ``unsure`` keeps the candidate in the queue.
    - A candidate already confirmed or rejected cannot be decided again (409).
    """
    require(user, Action.DECIDE)
    cand = session.get(CandidateRow, candidate_id, with_for_update=True)
    if cand is None:
        raise NotFoundError(f"candidate {candidate_id} not found")
    if cand.status in (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED):
        raise ConflictError(
            f"candidate {cand.id} is already {cand.status.value}; an admin must revoke that first"
        )
    pending: int | None = None
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
        pending = _pending_stamp()
        report.status = ReportStatus.FOUND
        report.seq = pending
        interception.status = InterceptionStatus.MATCHED
        cand.status = CandidateStatus.CONFIRMED
    elif data.decision == DecisionKind.REJECT:
        cand.status = CandidateStatus.REJECTED
    else:
        cand.status = CandidateStatus.UNSURE
    decision = DecisionRow(
        candidate_id=cand.id, decision=data.decision, note=data.note or "", decided_by=user.id
    )
    session.add(decision)
    session.flush()
    audit.record(session, user, AuditAction.DECIDE, RecordType.CANDIDATE, cand.id)
    audit.record(session, user, AuditAction.CREATE, RecordType.DECISION, decision.id)
    if pending is not None:
        _publish(session, pending)
    session.commit()
    if pending is not None:
        index.sync_once()
    log.info("candidate %s: decision %s (%s)", cand.id, data.decision.value, decision.id)
    return decision


def revoke_decision(
    session: Session, user: User, decision_id: str, reason: str, *, index: LiveIndex
) -> DecisionRow:
    """Revoke a candidate's latest decision (admin), with a reason that is kept.

    Revoking a confirmation reopens the report (back in the matching index) and the
    interception, so either can be confirmed again; any revocation puts the candidate back in
    the queue. Only the latest unrevoked decision of a candidate can be revoked (409 otherwise).
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
    if decision.decision == DecisionKind.CONFIRM:
        report = session.get(ReportRow, cand.report_id, with_for_update=True)
        interception = session.get(InterceptionRow, cand.interception_id, with_for_update=True)
        assert report is not None  # foreign key
        assert interception is not None  # foreign key
        pending = _pending_stamp()
        report.status = ReportStatus.OPEN
        report.seq = pending
        interception.status = InterceptionStatus.OPEN
    cand.status = CandidateStatus.OPEN
    decision.revoked_at = utcnow()
    decision.revoked_by = user.id
    decision.revoke_reason = reason
    audit.record(session, user, AuditAction.REVOKE, RecordType.DECISION, decision.id)
    if pending is not None:
        _publish(session, pending)
    session.commit()
    if pending is not None:
        index.sync_once()
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


# -- audit -----------------------------------------------------------------------------------
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
    what the reader saw).
    """
    require(user, Action.AUDIT_READ)
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


# -- users and tokens ------------------------------------------------------------------------
def create_user(
    session: Session, actor: User | None, username: str, role: Role
) -> tuple[User, ApiToken, str]:
    """A new user with a first token; returns (user, token row, plain token shown once).

    ``actor`` None means the command line (bootstrap without the API).
    """
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = User(username=username, role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"user {username} already exists") from None
    token, plain = issue_token(session, user)
    session.flush()
    audit.record(session, actor, AuditAction.USER_CREATE, RecordType.USER, user.id)
    audit.record(session, actor, AuditAction.TOKEN_CREATE, RecordType.TOKEN, token.id)
    session.commit()
    log.info("user %s created with role %s", user.id, role.value)
    return user, token, plain


def list_users(session: Session, actor: User) -> list[User]:
    """Every user (admin)."""
    require(actor, Action.USERS_MANAGE)
    return list(session.scalars(select(User).order_by(User.username)))


def find_user(session: Session, *, user_id: str | None = None, username: str | None = None) -> User:
    """A user by id or username (404 if none)."""
    stmt = select(User)
    stmt = stmt.where(User.id == user_id) if user_id else stmt.where(User.username == username)
    user = session.scalar(stmt)
    if user is None:
        raise NotFoundError("user not found")
    return user


def new_token(session: Session, actor: User | None, user_id: str) -> tuple[ApiToken, str]:
    """Another token for a user (admin, or the command line)."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = find_user(session, user_id=user_id)
    if user.disabled:
        raise ConflictError("user is disabled")
    token, plain = issue_token(session, user)
    session.flush()
    audit.record(session, actor, AuditAction.TOKEN_CREATE, RecordType.TOKEN, token.id)
    session.commit()
    return token, plain


def revoke_user_tokens(
    session: Session, actor: User | None, user_id: str, *, disable: bool = False
) -> int:
    """Revoke every token of a user (and optionally disable them); returns how many."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = find_user(session, user_id=user_id)
    count = revoke_tokens(session, user)
    if disable:
        user.disabled = True
    audit.record(session, actor, AuditAction.TOKEN_REVOKE, RecordType.USER, user.id)
    session.commit()
    log.info("user %s: %d tokens revoked", user.id, count)
    return count


def candidate_csv(rows: Iterable[Any]) -> Iterator[str]:
    """CSV lines (the engine's candidate columns) for rows with those attributes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("interception_id", "report_id", "rank", "score", "band", "explanation"))
    yield buf.getvalue()
    for r in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow(
            (r.interception_id, r.report_id, r.rank, f"{r.score:.4f}", r.band.value, r.explanation)
        )
        yield buf.getvalue()


def bulk_load_reports(session: Session, records: Iterable[Report], *, chunk: int = 5000) -> int:
    """Seed trusted reports (demo data, benchmarks) in one transaction; returns how many.

    For system seeding only — not exposed over HTTP, no role check. Each report still gets an
    audit event (actor: the system) and a stamp, so the other processes' indexes pick them up.
    Ids that already exist are skipped.
    """
    pending = _pending_stamp()
    now = utcnow()
    loaded = 0
    batch: list[dict[str, Any]] = []

    def write(rows: list[dict[str, Any]]) -> int:
        ids = [r["report_id"] for r in rows]
        existing = set(
            session.scalars(select(ReportRow.report_id).where(ReportRow.report_id.in_(ids)))
        )
        fresh = [r for r in rows if r["report_id"] not in existing]
        if fresh:
            session.execute(insert(ReportRow), fresh)
            _insert_name_keys(session, fresh)
            session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now,
                        "user_id": None,
                        "username": None,
                        "action": AuditAction.IMPORT.value,
                        "record_type": RecordType.REPORT.value,
                        "record_id": r["report_id"],
                    }
                    for r in fresh
                ],
            )
        return len(fresh)

    for rec in records:
        batch.append(
            {
                "report_id": rec.report_id,
                "name": rec.name,
                "father_name": rec.father_name,
                "mother_name": rec.mother_name,
                "sex": rec.sex,
                "age": rec.age,
                "report_date": rec.report_date,
                "district": rec.district,
                "upazila": rec.upazila,
                "police_station": rec.police_station,
                "guardian_phone": rec.guardian_phone,
                "status": ReportStatus.OPEN,
                "seq": pending,
                "created_at": now,
            }
        )
        if len(batch) >= chunk:
            loaded += write(batch)
            batch = []
    if batch:
        loaded += write(batch)
    _publish(session, pending)
    session.commit()
    log.info("seeded %d reports", loaded)
    return loaded
