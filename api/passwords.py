"""Web sign-in passwords and the lock-out policy: pure functions, no web framework, no database.

Contract (issue 5):
- Passwords are hashed with argon2id (``argon2-cffi`` defaults); only the hash is stored.
  ``verify_password`` never raises: a malformed or missing hash simply does not verify.
- Lock-out: after ``MAX_FAILURES`` failed sign-ins in a row an account is locked for
  ``LOCKOUT``; a successful sign-in resets the count. The policy is a pure function of the
  counters, so the sign-in service and the ``users set-password`` command share it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` (salted; two calls give different strings)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str | None) -> bool:
    """True only if ``password`` matches ``password_hash``; False for any bad input."""
    if not password_hash or not password:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError, TypeError):
        return False


def password_problem(password: str | None) -> str | None:
    """Why ``password`` is unacceptable (an i18n key), or None if it is fine."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if len(password) > 1024:
        return "password_too_long"
    return None


def is_locked(locked_until: datetime | None, *, now: datetime | None = None) -> bool:
    """True while a lock-out is in force. Naive datetimes are taken as UTC (SQLite drops tz)."""
    if locked_until is None:
        return False
    if locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) < locked_until


def after_failure(failures: int, *, now: datetime | None = None) -> tuple[int, datetime | None]:
    """New (failure count, locked_until) after one more failed sign-in.

    The account locks when the count reaches ``MAX_FAILURES``; the count then restarts so the
    next window again allows ``MAX_FAILURES`` tries.
    """
    count = max(0, failures) + 1
    if count >= MAX_FAILURES:
        return 0, (now or datetime.now(UTC)) + LOCKOUT
    return count, None
