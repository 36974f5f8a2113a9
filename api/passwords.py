"""Web sign-in passwords and the back-off policy: pure functions, no web framework, no database.

Contract (issues 5 and 15):
- Passwords are hashed with argon2id (``argon2-cffi`` defaults); only the hash is stored.
  ``verify_password`` never raises: a malformed or missing hash simply does not verify.
- Back-off, never a hard lock that strangers control: failures are counted per source and
  account (:class:`api.throttle.SignInThrottle`, in memory) and per account (``users``
  columns). After ``free`` failures in a row the next try must wait :func:`backoff` (doubling
  from ``base``, at most ``cap``); a success resets the count. The account's own back-off does
  not apply to a source that has signed in to that account before (see the throttle), so a
  stranger failing on purpose slows only themselves and new devices.
- The policy is pure functions of the counters, so the sign-in service, the throttle and the
  ``users set-password`` command (which lifts the account's back-off) share it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_FAILURES = 5
"""Failures in a row from one source for one account before that pair backs off."""
SOURCE_BACKOFF = timedelta(seconds=30)
"""The first back-off of a (source, account) pair; each further failure doubles it."""
ACCOUNT_FAILURES = 20
"""Failures in a row on one account (from any source) before the account backs off."""
ACCOUNT_BACKOFF = timedelta(minutes=1)
"""The first back-off of an account; each further failure doubles it."""
LOCKOUT = timedelta(minutes=15)
"""The longest back-off of either kind."""
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


def backoff(
    failures: int, *, free: int, base: timedelta, cap: timedelta = LOCKOUT
) -> timedelta | None:
    """How long to wait after ``failures`` failures in a row: None while ``failures < free``,
    then ``base``, doubling with each further failure, never more than ``cap``."""
    if failures < free:
        return None
    doublings = min(failures - free, 32)
    wait: timedelta = base * (2**doublings)
    return min(cap, wait)


def after_failure(failures: int, *, now: datetime | None = None) -> tuple[int, datetime | None]:
    """An account's new (failure count, locked_until) after one more failed sign-in.

    The count keeps growing until a success (so each back-off doubles); ``locked_until`` is
    None until ``ACCOUNT_FAILURES`` failures, then now plus the account's back-off.
    """
    count = max(0, failures) + 1
    wait = backoff(count, free=ACCOUNT_FAILURES, base=ACCOUNT_BACKOFF)
    return count, None if wait is None else (now or datetime.now(UTC)) + wait
