"""Import attempts: the bounded reject report of a CSV import, its stored rejects file, and the
clean-up of imports that died half-way.

Why bounded: one upload of 500,000 bad rows once produced a 154 MB answer and 1.5 GB of server
memory. Now an import answers with at most :data:`SHOWN_REJECTS` rejects (the lowest row
numbers) plus counts by field and reason; every reject goes, as it is found, into a
gzip-compressed CSV spooled on disk (``REJECT_COLUMNS``, written with
:func:`matcher.csvio.csv_writer`, so no cell is a live formula), stored with the attempt in
parts of about :data:`PART_BYTES` and downloadable by the user who uploaded the file
(:func:`rejects_csv`, audited). Memory stays bounded however many rows are bad.

Rejects never quote a value that could be a child's name or a guardian's phone: the id of a
rejected row is shown only in :func:`shown_id`'s bounded, safe form, else the row number alone
identifies the row.

A running attempt holds a lease (:mod:`api.lease`): the rows it staged (``ReportStatus.STAGED``,
invisible to every read) are deleted by :func:`discard_dead_imports` in any process once the
owner is gone, so nothing half-written survives a crash.
"""

from __future__ import annotations

import gzip
import heapq
import io
import logging
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import NotFoundError, UnavailableError
from api.lease import dead_owner, expired_before
from api.models import (
    ImportAttempt,
    ImportRejectPart,
    JobStatus,
    ReportNameKey,
    ReportRow,
    ReportStatus,
    User,
    utcnow,
)
from api.roles import Action
from api.schemas import ImportResult, RejectCountOut, RejectOut
from api.services.common import require
from matcher.csvio import REJECT_COLUMNS, Reject, csv_writer

log = logging.getLogger(__name__)

SHOWN_REJECTS = 1000
"""Rejects an import's answer (JSON or page) lists; the rest are in the rejects file."""
REASON_KINDS = 100
"""Distinct (field, reason) counts kept; further kinds are counted under ``("row", "other")``."""
PART_BYTES = 1 << 20
_ID_SHOWN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
_LONG_DIGITS = re.compile(r"\d{7,}")
_ROW_NUMBER = re.compile(r"\brow \d+")

__all__ = [
    "PART_BYTES",
    "SHOWN_REJECTS",
    "ImportOutcome",
    "RejectReport",
    "discard_dead_imports",
    "rejects_csv",
    "shown_id",
]


def shown_id(record_id: str | None) -> str | None:
    """The form of a rejected row's id that a reject may quote, or ``None`` (then the row number
    alone names the row).

    An id is quoted only if it looks like a record id: 1-64 ASCII letters, digits and ``. _ / -``,
    with at least one digit and at least one letter, and no run of seven or more digits. So
    ``DMP-2025-0412`` is shown, while a name typed into the id column (``Rahima Khatun``, no
    digit, or non-ASCII), a phone number (``01711234567``) or a name with a phone is not.
    """
    if not record_id or not _ID_SHOWN.fullmatch(record_id):
        return None
    has_letter = any(c.isalpha() for c in record_id)
    has_digit = any(c.isdigit() for c in record_id)
    if not (has_letter and has_digit) or _LONG_DIGITS.search(record_id):
        return None
    return record_id


class RejectReport:
    """Collects an import's rejects in bounded memory.

    Keeps the :data:`SHOWN_REJECTS` lowest (row, field) rejects, counts by field and reason
    (a row number in a reason, as in "first seen at row 17", reads ``row N``), the number of
    distinct rejected rows (each check reports a row's problems together, and each row fails
    one check only), and writes every reject to a gzip-compressed CSV spooled on disk. Use as
    ``on_reject`` of the csvio readers and :meth:`add` for the service's own checks; close it
    (or use it as a context manager) to drop the spool.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.total = 0
        self.rows = 0
        self._last_row = -1
        self._first: list[tuple[int, int, str, RejectOut]] = []  # max-heap by (-row, -seq)
        self._kinds: Counter[tuple[str, str]] = Counter()
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._gzip = gzip.GzipFile(fileobj=self._spool, mode="wb", compresslevel=6)
        self._text = io.TextIOWrapper(self._gzip, encoding="utf-8", newline="")
        self._csv = csv_writer(self._text)
        self._csv.writerow(REJECT_COLUMNS)

    def __call__(self, reject: Reject) -> None:
        self.add(reject.row_number, reject.record_id, reject.field, reject.reason)

    def add(self, row_number: int, record_id: str | None, field_name: str, reason: str) -> None:
        """One problem with one row (``record_id`` as read; only :func:`shown_id`'s form is
        kept)."""
        shown = shown_id(record_id)
        self.total += 1
        if row_number != self._last_row:
            self.rows += 1
            self._last_row = row_number
        kind = (field_name, _ROW_NUMBER.sub("row N", reason))
        if kind in self._kinds or len(self._kinds) < REASON_KINDS:
            self._kinds[kind] += 1
        else:
            self._kinds[("row", "other")] += 1
        self._csv.writerow((self.source, row_number, shown or "", field_name, reason))
        out = RejectOut(row_number=row_number, record_id=shown, field=field_name, reason=reason)
        item = (-row_number, -self.total, field_name, out)
        if len(self._first) < SHOWN_REJECTS:
            heapq.heappush(self._first, item)
        elif item > self._first[0]:
            heapq.heapreplace(self._first, item)

    @property
    def first(self) -> list[RejectOut]:
        """The shown rejects, by row then field."""
        return sorted((x[3] for x in self._first), key=lambda r: (r.row_number, r.field))

    @property
    def counts(self) -> list[RejectCountOut]:
        """Rejects by field and reason, most frequent first."""
        return [
            RejectCountOut(field=f, reason=r, count=n)
            for (f, r), n in sorted(self._kinds.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def parts(self) -> Iterator[bytes]:
        """The finished gzip CSV in pieces of at most :data:`PART_BYTES` (ends the writing)."""
        if not self._text.closed:
            self._text.close()  # flushes the CSV text and ends the gzip stream
        self._spool.seek(0)
        while piece := self._spool.read(PART_BYTES):
            yield piece

    def close(self) -> None:
        """Drop the spool."""
        if not self._text.closed:
            self._text.close()
        self._spool.close()

    def __enter__(self) -> RejectReport:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@dataclass
class ImportOutcome:
    """What an import did. ``committed`` is False when bad rows refused the whole file.

    ``rejects`` are the first :data:`SHOWN_REJECTS` only; ``total_rejects`` and ``counts``
    cover them all, and ``attempt_id`` names the stored rejects file (``None`` if there was no
    reject).
    """

    committed: bool
    imported: int
    rejects: list[RejectOut] = field(default_factory=list)
    rejected_rows: int = 0
    total_rejects: int = 0
    counts: list[RejectCountOut] = field(default_factory=list)
    attempt_id: str | None = None

    @classmethod
    def of(
        cls, report: RejectReport, *, committed: bool, imported: int, attempt_id: str | None
    ) -> ImportOutcome:
        """The outcome an import answers with, from its reject report."""
        return cls(
            committed=committed,
            imported=imported,
            rejects=report.first,
            rejected_rows=report.rows,
            total_rejects=report.total,
            counts=report.counts,
            attempt_id=attempt_id if report.total else None,
        )

    def result(self) -> ImportResult:
        """The answer's body (the JSON route's, and the 422's with a ``detail``)."""
        link = f"/reports/imports/{self.attempt_id}/rejects.csv" if self.attempt_id else None
        return ImportResult(
            committed=self.committed,
            imported=self.imported,
            rejected_rows=self.rejected_rows,
            total_rejects=self.total_rejects,
            rejects=self.rejects,
            counts=self.counts,
            rejects_csv=link,
        )


def store_rejects(session: Session, attempt: ImportAttempt, report: RejectReport) -> None:
    """Put ``report``'s counts and rejects file on ``attempt`` (in the caller's transaction)."""
    attempt.rejected_rows = report.rows
    attempt.rejects = report.total
    if report.total:
        session.flush()
        for i, piece in enumerate(report.parts()):
            session.add(ImportRejectPart(attempt_id=attempt.id, part=i, data=piece))


def rejects_csv(session: Session, user: User, attempt_id: str) -> Iterator[bytes]:
    """The full rejects file of one of ``user``'s imports, as CSV bytes in pieces (audited).

    Only the user who uploaded the file may download it (another user gets "not found", as for
    an attempt that does not exist). The stored parts are read now, decompressed while the
    caller sends them.
    """
    require(user, Action.REPORT_IMPORT)
    attempt = session.get(ImportAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or not attempt.rejects:
        raise NotFoundError(f"import {attempt_id} has no rejects file")
    parts = list(
        session.scalars(
            select(ImportRejectPart.data)
            .where(ImportRejectPart.attempt_id == attempt.id)
            .order_by(ImportRejectPart.part)
        )
    )
    audit.record(session, user, AuditAction.DOWNLOAD, RecordType.IMPORT, attempt.id)
    session.commit()
    log.info("import %s: rejects file downloaded (%d rejects)", attempt.id, attempt.rejects)

    def pieces() -> Iterator[bytes]:
        inflate = zlib.decompressobj(wbits=31)
        for part in parts:
            yield inflate.decompress(part)
        yield inflate.flush()

    return pieces()


def discard_staged(session: Session, attempt_id: str, *, pending: int | None = None) -> None:
    """Delete the rows an attempt staged and mark it failed (one transaction).

    Another process (``pending`` None) touches only a ``running`` attempt and its still-staged
    rows: should the import open its rows meanwhile (its last transaction committing while
    this one waited for its locks), nothing of it is touched. The import itself passes its
    ``pending`` stamp: its staged rows go whatever the attempt's state.
    """
    if pending is None:
        pending = session.scalar(
            select(ImportAttempt.pending).where(
                ImportAttempt.id == attempt_id, ImportAttempt.status == JobStatus.RUNNING
            )
        )
    if pending is not None:
        staged = select(ReportRow.report_id).where(
            ReportRow.seq == pending, ReportRow.status == ReportStatus.STAGED
        )
        session.execute(delete(ReportNameKey).where(ReportNameKey.report_id.in_(staged)))
        session.execute(
            delete(ReportRow).where(
                ReportRow.seq == pending, ReportRow.status == ReportStatus.STAGED
            )
        )
    session.execute(
        update(ImportAttempt)
        .where(ImportAttempt.id == attempt_id, ImportAttempt.status == JobStatus.RUNNING)
        .values(status=JobStatus.FAILED, finished_at=utcnow(), pending=None)
    )
    session.commit()


def discard_dead_imports(session: Session, *, lease_seconds: float) -> int:
    """Delete the staged rows of every running import whose owner is dead (lease expired, or a
    process of this host that no longer exists) and mark those attempts failed; returns how
    many. Safe in any process at any time: a live owner's imports are left alone."""
    running = session.execute(
        select(ImportAttempt.id, ImportAttempt.owner, ImportAttempt.heartbeat_at).where(
            ImportAttempt.status == JobStatus.RUNNING
        )
    ).all()
    session.commit()
    limit = expired_before(lease_seconds)
    dead = [
        aid for aid, owner, beat in running if dead_owner(owner) or beat is None or beat < limit
    ]
    for aid in dead:
        discard_staged(session, aid)
        log.warning("import %s: its process is gone; staged rows removed", aid)
    return len(dead)


def renew(session: Session, attempt_id: str) -> None:
    """Renew a running attempt's heartbeat (in the caller's transaction); raise
    :class:`UnavailableError` if it is no longer running (another process took it for dead)."""
    renewed = session.execute(
        update(ImportAttempt)
        .where(ImportAttempt.id == attempt_id, ImportAttempt.status == JobStatus.RUNNING)
        .values(heartbeat_at=utcnow())
    )
    if getattr(renewed, "rowcount", 1) != 1:
        raise UnavailableError(f"import {attempt_id} was interrupted; nothing was imported")
