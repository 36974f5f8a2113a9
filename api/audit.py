"""The audit log: who read or changed which child's record, and when.

Contract: :func:`record` adds one event to the caller's session, so it commits (or rolls back)
with the read or change it describes — there is no audited read without its event, and no event
for a change that did not happen. Events hold ids and an action verb, never personal data.
There is deliberately no function that updates or deletes an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy.orm import Session

from api.models import AuditEvent, User


class AuditAction(StrEnum):
    """What was done to the record."""

    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    IMPORT = "import"
    DECIDE = "decide"
    REVOKE = "revoke"
    START = "start"
    DOWNLOAD = "download"
    TRAIN = "train"
    USER_CREATE = "user_create"
    TOKEN_CREATE = "token_create"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token_revoke"  # noqa: S105
    USER_DISABLE = "user_disable"
    USER_ENABLE = "user_enable"
    PASSWORD_SET = "password_set"  # noqa: S105
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"


class RecordType(StrEnum):
    """Which kind of record the event is about."""

    REPORT = "report"
    INTERCEPTION = "interception"
    CANDIDATE = "candidate"
    DECISION = "decision"
    RECONCILIATION = "reconciliation"
    IMPORT = "import"
    USER = "user"
    TOKEN = "token"  # noqa: S105
    AUDIT = "audit"
    MODEL = "model"


def record(
    session: Session,
    user: User | None,
    action: AuditAction,
    record_type: RecordType,
    record_ids: str | Iterable[str],
) -> None:
    """Add one event per id to ``session`` (committed with the caller's transaction)."""
    ids = [record_ids] if isinstance(record_ids, str) else list(record_ids)
    session.add_all(
        AuditEvent(
            user_id=user.id if user is not None else None,
            username=user.username if user is not None else None,
            action=action.value,
            record_type=record_type.value,
            record_id=rid[:64],
        )
        for rid in ids
    )
