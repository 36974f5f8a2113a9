"""Sign-in security for the pages: password hashes, the session cookie, CSRF tokens, lock-out.

Contract (issue 5):
- Passwords are hashed with argon2id (``argon2-cffi`` defaults); only the hash is stored.
  ``verify_password`` never raises: a malformed or missing hash simply does not verify.
- The session lives in one cookie, signed with HMAC-SHA256 under the app's secret key. It holds
  only ids and times (user id, issue time, a random nonce, a password-hash tag), never
  personal data. Tampered,
  expired or malformed cookies read as "no session"; they never raise.
- A signed-in session also carries a keyed tag of the user's password hash; a new password
  (``users set-password``) therefore ends the sessions signed in with the old one.
- Every visitor (signed in or not) has a session nonce; the CSRF token of a page is an HMAC of
  that nonce, so a form posted from another site (which cannot read our cookie) is refused.
  Signing in issues a fresh nonce (no session fixation).
- Lock-out: after ``MAX_FAILURES`` failed sign-ins in a row an account is locked for
  ``LOCKOUT``; a successful sign-in resets the count. The policy is a pure function of the
  counters so the pages and the ``users set-password`` command share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SESSION_COOKIE = "shondhan_session"
LANG_COOKIE = "shondhan_lang"
SESSION_MAX_AGE = timedelta(hours=12)
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


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie carries: ids and times only.

    ``user_id`` is None for a visitor who has not signed in (they still get a nonce so the
    sign-in form has a CSRF token).
    """

    nonce: str
    user_id: str | None = None
    issued: float = 0.0
    password_tag: str = ""

    @classmethod
    def anonymous(cls) -> Session:
        return cls(nonce=secrets.token_urlsafe(18), user_id=None, issued=time.time())

    @classmethod
    def signed_in(cls, user_id: str, password_tag: str = "") -> Session:
        return cls(
            nonce=secrets.token_urlsafe(18),
            user_id=user_id,
            issued=time.time(),
            password_tag=password_tag,
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, payload: str) -> str:
    return _b64(hmac.new(secret, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())


def _same(given: str, expected: str) -> bool:
    """Constant-time compare that also accepts non-ASCII input (which then never matches)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))


def encode_session(session: Session, secret: bytes) -> str:
    """The cookie value for ``session``: ``payload.signature``, both URL-safe base64."""
    body = json.dumps(
        {
            "n": session.nonce,
            "u": session.user_id,
            "t": round(session.issued, 3),
            "p": session.password_tag,
        },
        separators=(",", ":"),
    )
    payload = _b64(body.encode())
    return f"{payload}.{_mac(secret, 'session', payload)}"


def decode_session(value: str | None, secret: bytes, *, now: float | None = None) -> Session | None:
    """The session in a cookie value, or None if it is missing, tampered, malformed or expired."""
    if not value or len(value) > 4096 or "." not in value:
        return None
    payload, _, signature = value.partition(".")
    if not _same(signature, _mac(secret, "session", payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        nonce = str(data["n"])
        user_id = None if data["u"] is None else str(data["u"])
        issued = float(data["t"])
        password_tag = str(data.get("p", ""))
    except (ValueError, KeyError, TypeError):
        return None
    current = time.time() if now is None else now
    if issued > current + 60 or current - issued > SESSION_MAX_AGE.total_seconds():
        return None
    return Session(nonce=nonce, user_id=user_id, issued=issued, password_tag=password_tag)


def password_tag(password_hash: str | None, secret: bytes) -> str:
    """A short keyed tag of the stored hash: a session remembers it, so setting a new password
    ends every session signed in with the old one. Reveals nothing about the password."""
    return _mac(secret, "password", password_hash or "")[:16]


def csrf_token(session: Session, secret: bytes) -> str:
    """The CSRF token every form of this session must post back."""
    return _mac(secret, "csrf", session.nonce)


def csrf_ok(session: Session | None, token: str | None, secret: bytes) -> bool:
    """True if ``token`` is this session's CSRF token (constant-time compare)."""
    if session is None or not token or len(token) > 256:
        return False
    return _same(token, csrf_token(session, secret))


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


def new_secret() -> bytes:
    """A random signing key, for when the settings do not provide one."""
    return secrets.token_bytes(32)
