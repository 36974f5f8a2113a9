"""The audit log, read page by page (admin); every read of it is itself audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.errors import InvalidError
from api.models import AuditEvent, User
from api.roles import Action
from api.services.common import require

__all__ = ["AFTER_ID_MAX", "list_audit"]

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
