"""Reports: add one, read one, import a CSV, search by name, seed trusted data.

Every write of a report also writes its name keys (``report_name_keys``, see :mod:`api.models`)
in the same transaction: the bulk inserts here do it explicitly, ORM writes through the session
hook. :func:`search_reports` looks names up in that table, never by scanning reports. Writes
stamp the touched reports and bring the live index up to date before returning (see
:mod:`api.services`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from multiprocessing.connection import Connection
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

from pydantic import ValidationError
from sqlalchemy import Select, Table, exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, InvalidError, NotFoundError, UnavailableError
from api.lease import process_owner
from api.matching import LiveIndex, report_record
from api.models import (
    AuditEvent,
    ImportAttempt,
    JobStatus,
    ReportNameKey,
    ReportRow,
    ReportStatus,
    User,
    UTCDateTime,
    name_key_rows,
    name_search_keys,
    utcnow,
)
from api.offload import can_fork, forked
from api.roles import Action
from api.schemas import SEARCH_LIMIT_MAX, ReportIn
from api.services.cases import assign_cases_later, assign_report_cases
from api.services.common import new_record_id, pending_stamp, publish, require, rows_in_order
from api.services.imports import (
    ImportOutcome,
    RejectReport,
    discard_staged,
    renew,
    store_rejects,
)
from api.services.reverse import match_new_reports
from matcher.compare import other_gender_form
from matcher.csvio import (
    EncodingError,
    MissingColumnError,
    Reject,
    RowCursor,
    iter_reports,
    open_csv_bytes,
)
from matcher.records import REPORT_COLUMNS, Report

if TYPE_CHECKING:  # the engine's dedupe loads only when a same-child check runs
    from matcher.dedupe import DuplicatePair

log = logging.getLogger(__name__)

#: Reports of the same child listed for one report, at most.
SAME_CHILD_MAX = 5

_REPORTS = cast(Table, ReportRow.__table__)
_NAME_KEYS = cast(Table, ReportNameKey.__table__)
IMPORT_CHUNK = 500
"""Rows per staging transaction of an import: each holds SQLite's write lock for some tens of
milliseconds, so requests in between wait little."""
DUPLICATE = "a report with this id already exists"
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
    "same_child_reports",
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
    assign_report_cases(session, [row.report_id], index=index)  # one child, one case
    session.refresh(row)
    return row


def get_report(session: Session, user: User, report_id: str) -> ReportRow:
    """One report (audited read)."""
    require(user, Action.REPORT_READ)
    row = session.get(ReportRow, report_id)
    if row is None or row.status == ReportStatus.STAGED:
        raise NotFoundError(f"report {report_id} not found")
    audit.record(session, user, AuditAction.READ, RecordType.REPORT, row.report_id)
    session.commit()
    return row


def same_child_reports(
    session: Session, user: User, report_id: str, *, index: LiveIndex, top_k: int = SAME_CHILD_MAX
) -> tuple[ReportRow, list[DuplicatePair]]:
    """The report and the other open reports the engine takes for the same child (reported at
    another police station, or twice at one), best first: ids and scores, never their details.
    One audited read of this report (:func:`get_report`: the same role; 404 for an unknown id).
    CPU-bound: not on the event loop."""
    row = get_report(session, user, report_id)
    return row, index.same_child(report_record(row), top_k=top_k)


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
    hits = [
        r
        for r in rows_in_order(session, ReportRow.report_id, ids)
        if r.status != ReportStatus.STAGED
    ]
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


def import_reports(
    session: Session,
    user: User,
    stream: IO[str] | IO[bytes],
    *,
    partial: bool = False,
    index: LiveIndex,
    label: str = "upload",
) -> ImportOutcome:
    """Import a reports CSV (the engine's format): all of it or none of it.

    ``stream``: an upload's bytes (opened by :func:`matcher.csvio.open_csv_bytes`, so a file
    that is not UTF-8 text is refused by name: "this file is UTF-16; save it as UTF-8"; the
    caller's file is left open) or text. The rest: :func:`_import_text`.
    """
    require(user, Action.REPORT_IMPORT)
    if isinstance(stream, io.TextIOBase):
        return _import_text(
            session, user, cast(IO[str], stream), partial=partial, index=index, label=label
        )
    try:
        text = open_csv_bytes(cast(IO[bytes], stream), source=label)
    except EncodingError as exc:
        raise InvalidError(str(exc), field="file", code="file_not_utf8") from None
    try:
        return _import_text(session, user, text, partial=partial, index=index, label=label)
    finally:
        text.detach()


def _import_text(
    session: Session,
    user: User,
    stream: IO[str],
    *,
    partial: bool,
    index: LiveIndex,
    label: str,
) -> ImportOutcome:
    """:func:`import_reports` on a text stream.

    All-or-nothing by default: any bad row (csvio's checks, :class:`ReportIn`'s limits, or an
    id that already exists) stores nothing and raises :class:`InvalidError` whose ``extra``
    holds the :class:`ImportOutcome`. With ``partial=True`` the good rows are stored and the
    bad ones reported. Either way the outcome lists the first
    :data:`~api.services.imports.SHOWN_REJECTS` rejects and counts them all; every reject is in
    the attempt's rejects file (:func:`api.services.imports.rejects_csv`).

    Why three phases (so that an import never holds SQLite's only write lock for its length):

    1. read and check the whole file with no transaction open, spooling the good rows to disk;
    2. stage the rows in transactions of :data:`IMPORT_CHUNK` rows as ``ReportStatus.STAGED``
       (invisible to every read), each commit renewing the attempt's lease; other requests
       write between them. An id already stored (or staged by a concurrent import) is a reject.
       Once the file is refused (a bad row, all-or-nothing), the chunks are only checked for
       stored ids, so that the answer lists every bad row; nothing is staged;
    3. open them all in one short transaction (status, stamp, audit events by ``INSERT ...
       SELECT``). A failure or a crash before that leaves only staged rows, which this call
       or, after a crash, :func:`api.services.imports.discard_dead_imports` deletes.
    """
    require(user, Action.REPORT_IMPORT)
    started = time.perf_counter()
    with RejectReport(label) as report, tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        try:
            good = _check_file(stream, report, label, spool)
        except MissingColumnError as exc:
            for c in exc.columns:
                report.add(1, None, c, "missing required column")
            raise InvalidError(
                str(exc),
                extra={
                    "outcome": ImportOutcome.of(
                        report, committed=False, imported=0, attempt_id=None
                    )
                },
            ) from None
        except _UnreadableError:
            raise InvalidError("file is not a readable CSV") from None
        attempt = ImportAttempt(
            user_id=user.id, status=JobStatus.RUNNING, owner=process_owner(), heartbeat_at=utcnow()
        )
        attempt.pending = pending_stamp()
        session.add(attempt)
        session.commit()
        checked_at = time.perf_counter()
        try:
            spool.seek(0)
            staged = _stage(session, attempt, spool, report, partial=partial)
            staged_at = time.perf_counter()
            if report.total and not partial:
                discard_staged(session, attempt.id)
                _refuse(session, session.get(ImportAttempt, attempt.id) or attempt, report)
            opened = _open_staged(session, user, attempt, report, staged)
            log.info(
                "report import %s: checked in %.1f s, staged in %.1f s, opened in %.1f s",
                attempt.id,
                checked_at - started,
                staged_at - checked_at,
                time.perf_counter() - staged_at,
            )
        except BaseException:
            session.rollback()
            with contextlib.suppress(Exception):
                discard_staged(session, attempt.id, pending=attempt.pending)
            raise
        log.info(
            "report import %s: committed %d of %d rows, %d rejects",
            attempt.id,
            staged,
            good,
            report.total,
        )
        index.sync_once()
        match_new_reports(session, user, opened, index=index)  # reports find children
        if opened:  # one child, one case: after the answer (milliseconds per report)
            assign_cases_later(opened, index=index)
        return ImportOutcome.of(report, committed=True, imported=staged, attempt_id=attempt.id)


def _refuse(session: Session, attempt: ImportAttempt, report: RejectReport) -> NoReturn:
    """Record a refused attempt with its rejects file and raise the 422."""
    attempt.status = JobStatus.FAILED
    attempt.finished_at = utcnow()
    attempt.pending = None
    session.add(attempt)
    store_rejects(session, attempt, report)
    session.commit()
    log.info("report import %s: refused, %d rejects", attempt.id, report.total)
    outcome = ImportOutcome.of(report, committed=False, imported=0, attempt_id=attempt.id)
    raise InvalidError("the file has bad rows; nothing was imported", extra={"outcome": outcome})


class _UnreadableError(Exception):
    """The file is not a readable CSV (a decoding or CSV syntax error)."""


#: From this many bytes on, an upload is checked in a forked child (:func:`_check_file`).
CHECK_OFFLOAD_BYTES = 1_000_000

#: Rows (good or rejected) per message from a checking child.
_CHECK_BATCH = 1000


def _check_file(stream: IO[str], report: RejectReport, label: str, spool: IO[str]) -> int:
    """Phase 1: read ``stream``, report bad rows, write the checked good rows to ``spool`` (one
    JSON line ``[row_number, values]`` each); returns how many. No database access.
    :class:`MissingColumnError` or :class:`_UnreadableError` if the file cannot be read.

    Reading and checking cost CPU in proportion to the file (a 300,000-row import: tens of
    seconds), so a file of :data:`CHECK_OFFLOAD_BYTES` or more (or of unknown size) is checked
    in a forked child (:mod:`api.offload`) that sends this thread the good rows' lines and
    the rejects in batches: the import then takes the interpreter lock from the requests only
    to write them down. Smaller files, or where there is no ``fork``, are checked here.
    """
    size = _size(stream)
    if not can_fork() or (size is not None and size < CHECK_OFFLOAD_BYTES):
        return _checked_rows(stream, label, report.add, spool.write)
    keep = _fds(stream)

    def work(conn: Connection) -> None:
        lines: list[str] = []
        rejects: list[tuple[int, str | None, str, str]] = []

        def flush() -> None:
            conn.send(("rows", "".join(lines), rejects.copy()))
            lines.clear()
            rejects.clear()

        def reject(row_number: int, record_id: str | None, field_name: str, reason: str) -> None:
            rejects.append((row_number, record_id, field_name, reason))
            if len(rejects) >= _CHECK_BATCH:
                flush()

        def write(line: str) -> None:
            lines.append(line)
            if len(lines) >= _CHECK_BATCH:
                flush()

        try:
            good = _checked_rows(stream, label, reject, write)
        except MissingColumnError as exc:
            flush()
            conn.send(("missing", exc.columns, exc.source))
            return
        except _UnreadableError:
            flush()
            conn.send(("unreadable",))
            return
        flush()
        conn.send(("good", good))

    good = 0
    with forked(work, keep=keep) as child:
        for message in child.messages():
            if message[0] == "rows":
                spool.write(message[1])
                for row_number, record_id, field_name, reason in message[2]:
                    report.add(row_number, record_id, field_name, reason)
            elif message[0] == "missing":
                raise MissingColumnError(message[1], source=message[2])
            elif message[0] == "unreadable":
                raise _UnreadableError
            else:
                good = int(message[1])
    return good


def _size(stream: IO[str]) -> int | None:
    """The size in bytes of the file behind ``stream``, if it has one; ``None`` if unknown."""
    for holder in (stream, getattr(stream, "buffer", None)):
        if isinstance(holder, io.StringIO):
            return len(holder.getvalue())
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None


def _fds(stream: IO[str]) -> tuple[int, ...]:
    """The descriptor a checking child reads ``stream`` through (none: it is in memory, and
    the child has a copy of it)."""
    try:
        return (stream.fileno(),)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return ()


def _checked_rows(
    stream: IO[str],
    label: str,
    reject: Callable[[int, str | None, str, str], None],
    write: Callable[[str], object],
) -> int:
    """:func:`_check_file`'s reading and checking: each good row's JSON line to ``write``,
    each problem to ``reject(row_number, record_id, field, reason)``; returns how many rows
    were good."""
    cursor = RowCursor()
    good = 0

    def on_reject(r: Reject) -> None:
        reject(r.row_number, r.record_id, r.field, r.reason)

    try:
        for record in iter_reports(stream, on_reject=on_reject, label=label, cursor=cursor):
            values = {name: getattr(record, name) for name in REPORT_COLUMNS}
            try:
                checked = ReportIn.model_validate(values).model_dump(mode="json")
            except ValidationError as exc:
                for err in exc.errors():
                    where = str(err["loc"][0]) if err["loc"] else "row"
                    reject(cursor.row_number, record.report_id, where, str(err["msg"]))
                continue
            write(json.dumps([cursor.row_number, checked], ensure_ascii=False) + "\n")
            good += 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _UnreadableError from exc
    except ValueError as exc:
        if isinstance(exc, MissingColumnError):
            raise
        raise _UnreadableError from exc
    return good


def _spooled(spool: IO[str]) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The spooled rows in chunks of :data:`IMPORT_CHUNK`, as column values."""
    chunk: list[tuple[int, dict[str, Any]]] = []
    for line in spool:
        row_number, values = json.loads(line)
        if values.get("report_date"):
            values["report_date"] = date.fromisoformat(values["report_date"])
        chunk.append((row_number, values))
        if len(chunk) >= IMPORT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stage(
    session: Session,
    attempt: ImportAttempt,
    spool: IO[str],
    report: RejectReport,
    *,
    partial: bool,
) -> int:
    """Phase 2: write the spooled rows as staged reports, one short transaction per chunk;
    returns how many were staged. Once an id turns out to exist and the import is
    all-or-nothing, the remaining chunks are only checked (every such reject is reported)."""
    staged = 0
    now = utcnow()
    for chunk in _spooled(spool):
        ids = [values["report_id"] for _, values in chunk]
        # Name keys cost CPU: computed before the transaction opens, not while it holds the lock.
        keys = name_key_rows((v["report_id"], v.get("name"), now) for _, v in chunk)
        reported: set[str] = set()
        retried = False
        while True:
            existing = set(
                session.scalars(select(ReportRow.report_id).where(ReportRow.report_id.in_(ids)))
            )
            for row_number, values in chunk:
                rid = values["report_id"]
                if rid in existing and rid not in reported:
                    reported.add(rid)
                    report.add(row_number, rid, "report_id", DUPLICATE)
            rows = [
                {
                    **values,
                    "seq": attempt.pending,
                    "status": ReportStatus.STAGED,
                    "created_by": attempt.user_id,
                    "created_at": now,
                }
                for _, values in chunk
                if values["report_id"] not in existing
            ]
            if not rows or (report.total and not partial):
                session.commit()
                break
            try:
                # Core inserts: one executemany each (the ORM's bulk insert splits rows by
                # which fields are blank, nearly one INSERT per row, and costs more per row).
                session.execute(insert(_REPORTS), rows)
                fresh_keys = [k for k in keys if k["report_id"] not in existing]
                if fresh_keys:
                    session.execute(insert(_NAME_KEYS), fresh_keys)
                renew(session, attempt.id)
                session.commit()
            except IntegrityError:
                # A concurrent import committed some of these ids after our check (PostgreSQL
                # waits for it, then refuses the duplicate): look again, they are rejects now.
                session.rollback()
                if retried:
                    raise
                retried = True
                continue
            staged += len(rows)
            break
        log.info("report import %s: %d rows written so far", attempt.id, staged)
    return staged


def _open_staged(
    session: Session, user: User, attempt: ImportAttempt, report: RejectReport, staged: int
) -> list[str]:
    """Phase 3: one transaction opens every staged row (stamp, status ``open``), writes their
    audit events and closes the attempt; returns the ids it opened. It first claims the
    attempt (``running`` -> ``done``): if another process has meanwhile taken it for dead (its
    lease ran out) and removed its rows, the import fails instead of reporting rows it no
    longer has."""
    pending = attempt.pending
    assert pending is not None
    claimed = session.execute(
        update(ImportAttempt)
        .where(ImportAttempt.id == attempt.id, ImportAttempt.status == JobStatus.RUNNING)
        .values(status=JobStatus.DONE)
    )
    if getattr(claimed, "rowcount", 1) != 1:
        raise UnavailableError(f"import {attempt.id} was interrupted; nothing was imported")
    mine = select(ReportRow.report_id).where(
        ReportRow.seq == pending, ReportRow.status == ReportStatus.STAGED
    )
    now = utcnow()
    session.execute(
        insert(AuditEvent).from_select(
            ["at", "user_id", "username", "action", "record_type", "record_id"],
            select(
                literal(now, UTCDateTime()),
                literal(user.id),
                literal(user.username),
                literal(AuditAction.IMPORT.value),
                literal(RecordType.REPORT.value),
                mine.subquery().c.report_id,
            ),
        )
    )
    opened = list(session.scalars(mine))
    publish(session, pending, status=ReportStatus.OPEN)
    row = session.get(ImportAttempt, attempt.id)
    assert row is not None
    row.status = JobStatus.DONE
    row.imported = staged
    row.pending = None
    row.finished_at = now
    store_rejects(session, row, report)
    session.commit()
    return opened


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
