"""Sign-in security for the pages: password hashes, the session cookie, CSRF tokens.

Contract (issues 5 and 15):
- Passwords and the back-off policy are :mod:`api.passwords`' (re-exported here for the pages):
  argon2id hashes, ``verify_password`` never raises.
- The cookie is signed with HMAC-SHA256 under the app's secret key. It holds only ids, times
  and random values (a nonce and, once signed in, the web session's key), never personal data.
  Tampered, expired or malformed cookies read as "no session"; they never raise.
- A signed-in cookie only points at a server-side web session (:mod:`api.auth`): the session
  row decides whether it still works, so signing out, revoking the user's tokens, disabling
  them or setting a new password ends it, and a copy of the cookie saved earlier opens nothing.
- Every visitor (signed in or not) has a session nonce; the CSRF token of a page is an HMAC of
  that nonce, so a form posted from another site (which cannot read our cookie) is refused.
  Signing in issues a fresh nonce (no session fixation).
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
from api.settings import SESSION_HOURS

SESSION_COOKIE = "shondhan_session"
LANG_COOKIE = "shondhan_lang"
SESSION_MAX_AGE = timedelta(hours=SESSION_HOURS)
"""How long an anonymous visitor's cookie (its CSRF nonce) lasts."""

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
    "verify_password",
]


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie carries: ids and times only.

    ``key`` is None for a visitor who has not signed in (they still get a nonce so the sign-in
    form has a CSRF token); once signed in it is the server-side web session's key.
    """

    nonce: str
    key: str | None = None
    issued: float = 0.0

    @classmethod
    def anonymous(cls) -> Session:
        return cls(nonce=secrets.token_urlsafe(18), key=None, issued=time.time())

    @classmethod
    def signed_in(cls, key: str) -> Session:
        return cls(nonce=secrets.token_urlsafe(18), key=key, issued=time.time())


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
        {"n": session.nonce, "k": session.key, "t": round(session.issued, 3)},
        separators=(",", ":"),
    )
    payload = _b64(body.encode())
    return f"{payload}.{_mac(secret, 'session', payload)}"


def decode_session(
    value: str | None,
    secret: bytes,
    *,
    now: float | None = None,
    max_age: timedelta = SESSION_MAX_AGE,
) -> Session | None:
    """The session in a cookie value, or None if it is missing, tampered, malformed or older
    than ``max_age`` (a signed-in session's own expiry is the server's: :mod:`api.auth`)."""
    if not value or len(value) > 4096 or "." not in value:
        return None
    payload, _, signature = value.partition(".")
    if not _same(signature, _mac(secret, "session", payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        nonce = str(data["n"])
        key = None if data.get("k") is None else str(data["k"])
        issued = float(data["t"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    current = time.time() if now is None else now
    if issued > current + 60 or current - issued > max_age.total_seconds():
        return None
    return Session(nonce=nonce, key=key, issued=issued)


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
