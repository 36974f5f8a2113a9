"""Reports: add one, read one, import a CSV, search by name, seed trusted data.

Every write of a report also writes its name keys (``report_name_keys``, see :mod:`api.models`)
in the same transaction: the bulk inserts here do it explicitly, ORM writes through the session
hook. :func:`search_reports` looks names up in that table, never by scanning reports. Writes
stamp the touched reports and bring the live index up to date before returning (see
:mod:`api.services`).
"""

from __future__ import annotations

import csv
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import Select, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, InvalidError, NotFoundError
from api.matching import LiveIndex
from api.models import (
    AuditEvent,
    ReportNameKey,
    ReportRow,
    ReportStatus,
    User,
    name_key_rows,
    name_search_keys,
    utcnow,
)
from api.roles import Action
from api.schemas import SEARCH_LIMIT_MAX, RejectOut, ReportIn
from api.services.common import new_record_id, pending_stamp, publish, require, rows_in_order
from api.services.reverse import match_new_reports
from matcher.compare import other_gender_form
from matcher.csvio import MissingColumnError, Reject, RejectCounter, iter_reports
from matcher.records import Report

log = logging.getLogger(__name__)

IMPORT_CHUNK = 2000
SEARCH_COUNT_CAP = 20_000
SEARCH_GENDER_WINDOW = 3

__all__ = [
    "IMPORT_CHUNK",
    "SEARCH_COUNT_CAP",
    "SEARCH_LIMIT_MAX",
    "ImportOutcome",
    "bulk_load_reports",
    "create_report",
    "get_report",
    "import_reports",
    "search_reports",
]


def create_report(session: Session, user: User, data: ReportIn, *, index: LiveIndex) -> ReportRow:
    """Store one report and make it matchable; 409 if the id exists."""
    require(user, Action.REPORT_CREATE)
    pending = pending_stamp()
    values = data.model_dump()
    values["report_id"] = values["report_id"] or new_record_id("R")
    row = ReportRow(**values, seq=pending, created_by=user.id, status=ReportStatus.OPEN)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"report {values['report_id']} already exists") from None
    audit.record(session, user, AuditAction.CREATE, RecordType.REPORT, row.report_id)
    publish(session, pending)
    session.commit()
    index.sync_once()
    log.info("report created: %s", row.report_id)
    match_new_reports(session, user, [row.report_id], index=index)
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
    order are the newest results. Name keys forget a given name's final vowel (so a spelling
    variant still finds its report), which also joins a girl's and a boy's form of one name
    (Rahima / Rahim): up to ``SEARCH_GENDER_WINDOW`` × ``limit`` hits are read, and reports
    whose given name is the query's other-gender form (:func:`matcher.compare.other_gender_form`,
    the rule the engine scores with) come after the rest, each group newest first. Only when
    every key is that common and the walk found too few does one set query intersect the keys'
    index rows (cheaper than look-ups one by one over hundreds of thousands of rows). No scan
    of ``reports`` in any case.
    """
    require(user, Action.REPORT_READ)
    wanted = name_search_keys(query)
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    window = limit * SEARCH_GENDER_WINDOW
    ids: list[str] = []
    if wanted:
        counts = {key: _key_count(session, key) for key in wanted}
        driving = min(wanted, key=lambda k: counts[k])
        if counts[driving]:
            ids = list(session.scalars(_walk_statement(driving, wanted, window)))
            if len(ids) < window and counts[driving] >= SEARCH_COUNT_CAP:
                ids = list(session.scalars(_intersect_statement(wanted, window)))
    hits = rows_in_order(session, ReportRow.report_id, ids)
    rows = sorted(hits, key=lambda r: other_gender_form(query, r.name))[:limit]
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
    pending = pending_stamp()
    imported = 0
    import_id = secrets.token_hex(4)
    now = utcnow()
    chunk: list[tuple[int, dict[str, Any]]] = []
    stored_ids: list[str] = []

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
            stored_ids.extend(v["report_id"] for v in good)
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
    publish(session, pending)
    session.commit()
    log.info("report import %s: committed %d rows, %d rejects", import_id, imported, len(rejects))
    index.sync_once()
    match_new_reports(session, user, stored_ids, index=index)
    return ImportOutcome(committed=True, imported=imported, rejects=rejects)


def bulk_load_reports(session: Session, records: Iterable[Report], *, chunk: int = 5000) -> int:
    """Seed trusted reports (demo data, benchmarks) in one transaction; returns how many.

    For system seeding only — not exposed over HTTP, no role check. Each report still gets an
    audit event (actor: the system) and a stamp, so the other processes' indexes pick them up.
    Ids that already exist are skipped.
    """
    pending = pending_stamp()
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
    publish(session, pending)
    session.commit()
    log.info("seeded %d reports", loaded)
    return loaded
