"""What every service module shares: the role check, record ids, report stamps, ordered reads.

Not a resource of its own; the resource modules (``reports``, ``interceptions``, ``review`` ...)
build on these. See :mod:`api.services` for the contract of a service operation.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.errors import ForbiddenError, InvalidError
from api.models import Counter, ReportRow, User
from api.roles import Action, allowed

REPORT_SEQ = "report_seq"
DATES_REVERSED = "date_to is before date_from"
"""Why a backwards date range is refused (the JSON 422's ``msg``)."""


def require(user: User, action: Action) -> None:
    """Raise :class:`ForbiddenError` unless ``user``'s role may do ``action``."""
    if not allowed(user.role, action):
        raise ForbiddenError(f"role {user.role} may not {action.value}")


def check_date_range(date_from: date | None, date_to: date | None) -> None:
    """Refuse a ``date_to`` before ``date_from`` (a filter that keeps nothing would look like an
    empty list): :class:`InvalidError` with ``field="date_to"`` and the i18n code
    ``date_to_before_date_from``. The review queue's and the audit log's filters share it."""
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidError(DATES_REVERSED, field="date_to", code="date_to_before_date_from")


def new_record_id(prefix: str) -> str:
    """An id for a child's record the caller did not name (``R-…`` reports, ``I-…``
    interceptions)."""
    return f"{prefix}-{secrets.token_hex(6).upper()}"


def pending_stamp() -> int:
    """A unique negative placeholder for ``reports.seq`` until the commit-time stamp."""
    return -secrets.randbelow(2**62) - 1


def publish(session: Session, pending: int, **values: Any) -> int:
    """Give every report row marked ``pending`` the next stamp (and ``values``, e.g. the status
    that opens staged rows); call just before commit.

    Incrementing the counter row locks it until commit, which is what makes stamps
    commit-ordered; doing it last keeps that lock short.
    """
    session.flush()
    session.execute(
        update(Counter).where(Counter.name == REPORT_SEQ).values(value=Counter.value + 1)
    )
    stamp = int(session.scalar(select(Counter.value).where(Counter.name == REPORT_SEQ)) or 0)
    session.execute(update(ReportRow).where(ReportRow.seq == pending).values(seq=stamp, **values))
    return stamp


def rows_in_order(session: Session, key: InstrumentedAttribute[str], ids: list[str]) -> list[Any]:
    """The rows of ``key``'s table whose ``key`` is in ``ids``, in the order of ``ids`` (an id
    with no row is skipped): a page picked from an index, then read whole."""
    if not ids:
        return []
    by_id = {
        getattr(r, key.key): r for r in session.scalars(select(key.class_).where(key.in_(ids)))
    }
    return [by_id[i] for i in ids if i in by_id]
