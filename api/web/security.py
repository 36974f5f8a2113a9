"""Sign-in security for the pages: password hashes, the session cookie, CSRF tokens, lock-out.

Contract (issue 5):
- Passwords and the lock-out policy are :mod:`api.passwords`' (re-exported here for the pages):
  argon2id hashes, ``verify_password`` never raises, ``MAX_FAILURES`` failures lock for
  ``LOCKOUT``.
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
  ``LOCKOUT``; a successful sign-in resets the count (``api.services.sign_in`` applies it; the
  ``users set-password`` command lifts it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from api.passwords import (
    LOCKOUT,
    MAX_FAILURES,
    MIN_PASSWORD_LENGTH,
    after_failure,
    hash_password,
    is_locked,
    password_problem,
    verify_password,
)

SESSION_COOKIE = "shondhan_session"
LANG_COOKIE = "shondhan_lang"
SESSION_MAX_AGE = timedelta(hours=12)

__all__ = [
    "LANG_COOKIE",
    "LOCKOUT",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSION_COOKIE",
    "SESSION_MAX_AGE",
    "Session",
    "after_failure",
    "csrf_ok",
    "csrf_token",
    "decode_session",
    "encode_session",
    "hash_password",
    "is_locked",
    "new_secret",
    "password_problem",
    "password_tag",
    "verify_password",
]


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


def new_secret() -> bytes:
    """A random signing key, for when the settings do not provide one."""
    return secrets.token_bytes(32)
