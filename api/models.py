"""The database tables (SQLAlchemy 2 typed ORM).

Contract:
- Ids of children's records (``report_id``, ``interception_id``) are the strings the user gave
  (or the service generated); every other id is a random hex string.
- ``reports.seq`` is the change stamp the real-time index syncs on: every transaction that adds
  a report or changes its status stamps the rows it touched with one value taken from the
  ``counters`` row ``report_seq`` just before it commits. Taking that value locks the counter
  row until commit, so stamps become visible in increasing order and a poller that remembers the
  largest stamp it has seen never misses a row (see :mod:`api.matching`).
- ``audit_events`` is append-only: the code has no update or delete path, and on PostgreSQL a
  trigger (see the migration) refuses both.
- ``report_name_keys`` holds one row per distinct name key of a report's ``name``
  (:func:`name_search_keys`), the stored index behind the name search. It is derived data and is
  kept right in the same transaction as the report: bulk inserts in :mod:`api.services` write it
  explicitly, and a session hook (:func:`_keep_name_keys`) does it for every report added,
  renamed or deleted through the ORM, so no write path can forget it. Changing what
  :func:`name_search_keys` returns (e.g. a new ``matcher`` key) needs a migration that rebuilds
  the table (see ``0002``'s :func:`backfill`).
- ``interceptions.home_district_key`` is :func:`district_key` of ``home_district`` and
  ``home_upazila`` read together the way the engine reads a home
  (:func:`matcher.places.resolve_home`:
  the ISO code of the district the two fields settle on, in any spelling or script, else the
  normalised district text), indexed, so that the review queue filters by district in SQL.
  Derived data like the name keys: a session hook (:func:`_keep_district_keys`) sets it on
  every interception added or re-placed through the ORM, and a column default does it for Core
  inserts that give the place fields only. Changing :func:`district_key` (or the gazetteer)
  needs a migration that recomputes it (:func:`api.migrations.backfills.district_keys`).
- ``case_id`` (reports, interceptions; migration 0012): the case the record belongs to -- all
  the records of one child on its side share one, the id of the case's first record
  (:mod:`api.services.cases`). A column default gives every inserted record its own id (a case
  of one), ORM and Core inserts alike; grouping only ever rewrites it to another case's id.
  ``closed_by``: the decision whose confirmation closed this record as part of its case.
- Times are stored in UTC; SQLite drops the zone, so :class:`UTCDateTime` puts it back.
- The schema is created only by Alembic migrations (``api/migrations``); a test checks that the
  migrations and these models agree.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    delete,
    event,
    insert,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, UOWTransaction, mapped_column
from sqlalchemy.orm.attributes import get_history

from api.roles import Role
from matcher.names import normalize_text, token_keys
from matcher.places import resolve_home
from matcher.records import Band, Sex

NAME_KEY_LENGTH = 64
NAME_QUERY_CHARS = 200
DISTRICT_KEY_LENGTH = 100


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random 32-hex-character id for rows that are not children's records."""
    return secrets.token_hex(16)


def new_ids(n: int) -> list[str]:
    """``n`` :func:`new_id` ids from one read of the system's randomness (each read lets go of
    the interpreter lock and then waits its turn to take it back: a submission's eleven ids
    cost eleven turns under load)."""
    pool = secrets.token_hex(16 * n)
    return [pool[i : i + 32] for i in range(0, 32 * n, 32)]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR holding the enum's *value*."""
    return SAEnum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class ReportStatus(StrEnum):
    """``open`` until a confirmed match marks the child found.

    ``staged``: written by an import that has not finished (:mod:`api.services.imports`). Such
    rows are invisible (no read, search or index sees them) until the import's last, short
    transaction opens them all at once; an import that fails or dies leaves them to be deleted.
    """

    OPEN = "open"
    FOUND = "found"
    STAGED = "staged"


class InterceptionStatus(StrEnum):
    """``open`` until a confirmed match links the child to a report."""

    OPEN = "open"
    MATCHED = "matched"


class CandidateStatus(StrEnum):
    """Where a candidate is in review. ``unsure`` stays in the review queue; ``superseded``: an
    edit of its interception re-ranked it out of the candidates (kept, never shown as current;
    it becomes ``open`` again if a later edit ranks it back)."""

    OPEN = "open"
    UNSURE = "unsure"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class DecisionKind(StrEnum):
    """What a reviewer decided about a candidate."""

    CONFIRM = "confirm"
    REJECT = "reject"
    UNSURE = "unsure"


class JobStatus(StrEnum):
    """State of a batch reconciliation."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Counter(Base):
    """Named monotonic counters (``report_seq``)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class User(Base):
    """Someone who may call the service. Web sign-in uses ``password_hash`` and the account's
    back-off (``failed_logins``, ``locked_until``: see :mod:`api.passwords`).

    ``password_set_by`` is the id of the admin who set the current password for this user, or
    None when the user chose it (or the operator set it with ``shondhan users set-password``).
    A session signed in with a password someone else chose may do nothing but choose a new one,
    so an admin who sets a password cannot read a child's record as that user.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_set_by: Mapped[str | None] = mapped_column(String(32), default=None)


class ApiToken(Base):
    """A bearer token: only its SHA-256 is stored; revoked tokens stay for the record.

    A token works until ``expires_at`` (set at issue from ``Settings.token_days``; NULL never
    works) unless revoked first.
    """

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class WebSession(Base):
    """A signed-in web session, held server-side so that signing out, revoking a user's
    credentials, disabling them or setting a new password ends it at once.

    The cookie carries a random key; only its SHA-256 (``key_hash``) is stored. A session works
    while ``ended_at`` is NULL, ``expires_at`` is in the future and its user is enabled.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ReportRow(Base):
    """A police missing-person report (field names = the engine's CSV columns)."""

    __tablename__ = "reports"
    # (id, status): the review queue checks each queued candidate's report is open from the
    # index alone (migration 0004)
    __table_args__ = (
        Index("ix_reports_id_status", "report_id", "status"),
        Index("ix_reports_id_status_case", "report_id", "status", "case_id"),  # queue, 0012
    )

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    father_name: Mapped[str | None] = mapped_column(String(200))
    mother_name: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[Sex | None] = mapped_column(_enum(Sex, "sex"))
    age: Mapped[float | None] = mapped_column(Float)
    report_date: Mapped[date | None] = mapped_column(Date)
    district: Mapped[str | None] = mapped_column(String(100))
    upazila: Mapped[str | None] = mapped_column(String(100))
    police_station: Mapped[str | None] = mapped_column(String(100))
    guardian_phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[ReportStatus] = mapped_column(
        _enum(ReportStatus, "report_status"), default=ReportStatus.OPEN
    )
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case_id: Mapped[str | None] = mapped_column(
        String(64), index=True, default=lambda ctx: _own_id(ctx, "report_id")
    )
    closed_by: Mapped[str | None] = mapped_column(String(32), default=None)


def _own_id(context: Any, key: str) -> str | None:
    """Column default of ``case_id``: the record's own id (a case of one until grouped)."""
    value = context.get_current_parameters().get(key)
    return value if isinstance(value, str) else None


def name_search_keys(name: str | None) -> list[str]:
    """The distinct search keys of a child's name, in order of first appearance; ``[]`` if none.

    The one key function of the name search, applied to stored reports and to queries alike:
    :func:`matcher.names.token_keys` (prefixes dropped, one variant-proof key per token, so
    "Rohima Khatoon", "Mst. Rahima Khatun" and "রহিমা খাতুন" share theirs), deduplicated, each
    cut to :data:`NAME_KEY_LENGTH` characters (a token in another script is its own key and can be
    long), the input cut to :data:`NAME_QUERY_CHARS` (the stored name's length). Never raises.
    """
    if not isinstance(name, str):
        return []
    keys = (k[:NAME_KEY_LENGTH] for k in token_keys(name[:NAME_QUERY_CHARS]))
    return list(dict.fromkeys(k for k in keys if k))


class ReportNameKey(Base):
    """One name key of one report: what the name search looks up (see the module docstring).

    ``created_at`` is the report's, copied so that the search can walk one key's rows newest
    first straight from the index ``(key, created_at, report_id)`` and stop after a page,
    instead of reading every report that carries a common key (Khatun, Akter) to sort them.
    """

    __tablename__ = "report_name_keys"
    __table_args__ = (Index("ix_report_name_keys_key", "key", "created_at", "report_id"),)

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.report_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def name_key_rows(reports: Iterable[tuple[str, str | None, datetime]]) -> list[dict[str, Any]]:
    """``report_name_keys`` rows for (report_id, name, created_at) triples, ready for a
    multi-row insert."""
    return [
        {"report_id": rid, "key": k, "created_at": at}
        for rid, name, at in reports
        for k in name_search_keys(name)
    ]


_KEYED = ("name", "created_at")


def _rekey(session: Session, row: object) -> bool:
    """True if ``row`` is a report whose keys this flush must (re)write."""
    return isinstance(row, ReportRow) and (
        row in session.new or any(get_history(row, a).has_changes() for a in _KEYED)
    )


@event.listens_for(Session, "before_flush")
def _drop_stale_name_keys(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Before a report is deleted, renamed or re-dated, delete its keys (they point at it)."""
    stale = [
        row.report_id
        for row in (*session.deleted, *session.dirty)
        if isinstance(row, ReportRow) and (row in session.deleted or _rekey(session, row))
    ]
    if stale:
        session.execute(delete(ReportNameKey).where(ReportNameKey.report_id.in_(stale)))


@event.listens_for(Session, "after_flush")
def _keep_name_keys(session: Session, _flush: UOWTransaction) -> None:
    """After reports are inserted, renamed or re-dated through the ORM, write their keys (same
    flush, same transaction). Bulk inserts that bypass the ORM call :func:`name_key_rows`."""
    rows = name_key_rows(
        (row.report_id, row.name, row.created_at)
        for row in (*session.new, *session.dirty)
        if isinstance(row, ReportRow) and _rekey(session, row)
    )
    if rows:
        session.execute(insert(ReportNameKey), rows)


def district_key(district: str | None, upazila: str | None = None) -> str | None:
    """The stored, comparable form of a home district; ``None`` if the text holds nothing.

    The ISO code (``"BD-22"``) of the district that ``district`` and ``upazila`` settle on when
    read together by the engine's own :func:`matcher.places.resolve_home` (so "Jessore",
    "Jashore", "যশোর" and an upazila of Jashore all give ``"BD-22"``; "Kaliganj" beside
    "Jhenaidah" is that district's Kaliganj; an upazila with a blank or unreadable district
    gives its district). Places that name no single district (unknown, a division, ambiguous)
    give the :func:`matcher.names.normalize_text` form of ``district`` instead, cut to
    :data:`DISTRICT_KEY_LENGTH`. Normalised text is case-folded, so it never equals an ISO
    code. The review queue's filter text is keyed with ``upazila`` None (then the district
    text alone decides, as :func:`matcher.places.resolve_place` reads it), so a filter and a
    stored interception have equal keys exactly when they name the same district. Never
    raises.
    """
    district = district[:DISTRICT_KEY_LENGTH] if isinstance(district, str) else None
    upazila = upazila[:DISTRICT_KEY_LENGTH] if isinstance(upazila, str) else None
    place = resolve_home(district, upazila)
    if place is not None and place.district_code:
        return place.district_code
    normal = normalize_text(district)
    return normal[:DISTRICT_KEY_LENGTH] if normal else None


def _district_key_default(context: Any) -> str | None:
    """Column default for Core inserts: the key of the row's ``home_district`` and
    ``home_upazila``."""
    values = context.get_current_parameters()
    return district_key(values.get("home_district"), values.get("home_upazila"))


class InterceptionRow(Base):
    """A BGB interception (field names = the engine's CSV columns).

    ``home_district_key`` is derived (:func:`district_key`), never given by the user.
    """

    __tablename__ = "interceptions"
    __table_args__ = (
        Index("ix_interceptions_district_date", "home_district_key", "interception_date"),
        Index("ix_interceptions_date", "interception_date"),
        Index("ix_interceptions_id_status", "interception_id", "status"),  # queue count, 0004
        Index("ix_interceptions_created_at", "created_at"),  # the reverse index's poll, 0011
        Index(
            "ix_interceptions_id_status_case", "interception_id", "status", "case_id"
        ),  # the queue's groups, 0012
    )

    interception_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    father_name: Mapped[str | None] = mapped_column(String(200))
    mother_name: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[Sex | None] = mapped_column(_enum(Sex, "sex"))
    age: Mapped[float | None] = mapped_column(Float)
    interception_date: Mapped[date | None] = mapped_column(Date)
    home_district: Mapped[str | None] = mapped_column(String(100))
    home_upazila: Mapped[str | None] = mapped_column(String(100))
    home_district_key: Mapped[str | None] = mapped_column(
        String(DISTRICT_KEY_LENGTH), default=_district_key_default
    )
    border_post: Mapped[str | None] = mapped_column(String(100))
    guardian_phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[InterceptionStatus] = mapped_column(
        _enum(InterceptionStatus, "interception_status"), default=InterceptionStatus.OPEN
    )
    created_by: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case_id: Mapped[str | None] = mapped_column(
        String(64), index=True, default=lambda ctx: _own_id(ctx, "interception_id")
    )
    closed_by: Mapped[str | None] = mapped_column(String(32), default=None)


@event.listens_for(Session, "before_flush")
def _keep_district_keys(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Before interceptions are inserted or their ``home_district`` or ``home_upazila`` changes
    through the ORM, (re)compute ``home_district_key`` (same flush, same transaction)."""
    for row in (*session.new, *session.dirty):
        if isinstance(row, InterceptionRow) and (
            row in session.new
            or get_history(row, "home_district").has_changes()
            or get_history(row, "home_upazila").has_changes()
        ):
            row.home_district_key = district_key(row.home_district, row.home_upazila)


class InterceptionVersionRow(Base):
    """An interception's details as they stood before an edit replaced them (never updated).

    ``version`` counts from 1 (the details as submitted); ``details`` holds the record's fields
    (:data:`matcher.records.INTERCEPTION_COLUMNS` without the id; dates ISO, sex ``M``/``F``);
    ``edited_by`` / ``edited_at``: who replaced them, and when. The unique (interception,
    version) pair makes two simultaneous edits of one interception conflict instead of both
    landing.
    """

    __tablename__ = "interception_versions"
    __table_args__ = (
        Index("ix_interception_versions_version", "interception_id", "version", unique=True),
        Index("ix_interception_versions_edited_at", "edited_at"),  # the reverse poll, 0011
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interception_id: Mapped[str] = mapped_column(ForeignKey("interceptions.interception_id"))
    version: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    edited_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateRow(Base):
    """A report proposed for an interception, as scored when it was proposed."""

    __tablename__ = "candidates"
    __table_args__ = (
        # the ids after the queue columns: the queue's count and page need no table row
        # (0004: report_id, interception_id; 0005: id)
        Index(
            "ix_candidates_queue", "status", "band", "score", "report_id", "interception_id", "id"
        ),
        Index("ix_candidates_pair", "interception_id", "report_id", unique=True),
        Index("ix_candidates_created_at", "created_at"),  # new since a reviewer looked (0011)
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interception_id: Mapped[str] = mapped_column(ForeignKey("interceptions.interception_id"))
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.report_id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[Band] = mapped_column(_enum(Band, "band"))
    explanation: Mapped[str] = mapped_column(Text, default="")
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[CandidateStatus] = mapped_column(
        _enum(CandidateStatus, "candidate_status"), default=CandidateStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionRow(Base):
    """A reviewer's decision on a candidate; revoked decisions stay with the reason."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), index=True)
    decision: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    revoke_reason: Mapped[str | None] = mapped_column(Text, default=None)


class AuditEvent(Base):
    """Who read or changed which record, when. Append-only; holds ids, never personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64), index=True)


class Reconciliation(Base):
    """A batch run of all open interceptions against all open reports.

    ``owner`` (the process running it, :func:`api.lease.process_owner`) and ``heartbeat_at``
    (renewed while it runs) make a lease: a ``queued``/``running`` run whose heartbeat is older
    than the lease died with its process, and any process may mark it failed (migration 0010).
    """

    __tablename__ = "reconciliations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    started_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    owner: Mapped[str | None] = mapped_column(String(128), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ImportAttempt(Base):
    """One CSV import: who, how it ended, its reject counts, and (while ``running``) the lease
    of the process staging its rows (``owner``, ``heartbeat_at``) and the placeholder stamp
    ``pending`` those staged report rows carry. Rows of a ``running`` attempt whose lease
    expired are deleted by whichever process notices first (migration 0010)."""

    __tablename__ = "import_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"))
    pending: Mapped[int | None] = mapped_column(BigInteger, default=None)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    rejects: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(128), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ImportRejectPart(Base):
    """A piece (at most about a megabyte) of an import's full rejects file, gzip-compressed;
    the parts of an attempt, in ``part`` order, concatenate to one gzip stream of the CSV."""

    __tablename__ = "import_reject_parts"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("import_attempts.id"), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReconciliationCandidate(Base):
    """One ranked candidate of a batch run: ids, score, band and the engine's per-field
    contributions (exact weights, :func:`api.matching.contribution_values`), from which the
    run's CSV rebuilds the engine's candidate (migration 0007; ``None`` only on a row whose
    explanation could not be read back into contributions)."""

    __tablename__ = "reconciliation_candidates"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    reconciliation_id: Mapped[str] = mapped_column(ForeignKey("reconciliations.id"), index=True)
    interception_id: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[Band] = mapped_column(_enum(Band, "band"))
    explanation: Mapped[str] = mapped_column(Text, default="")
    contributions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class WebhookDelivery(Base):
    """One attempt to deliver a webhook event (migration 0012): ids and counts only, never a
    child's details. ``status_code`` is the receiver's answer (None: no answer, ``error`` says
    why: a connection error's type, or ``dropped`` when the queue was full)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    delivered: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(100), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QueueView(Base):
    """When a reviewer last looked at the review queue (migration 0012): what is newer is
    "new" on their pages."""

    __tablename__ = "queue_views"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
