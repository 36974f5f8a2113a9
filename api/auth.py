"""Credentials: API tokens and web sessions. Random, shown once, stored only as SHA-256,
expiring, revocable.

Contract:
- :func:`issue_token` returns the plain token exactly once (the caller shows it and forgets
  it); the database keeps only its hash and its expiry. :func:`user_for_token` returns the
  active user of a valid, unrevoked, unexpired token, or None for anything else (never raises
  on bad input).
- :func:`start_web_session` does the same for a web sign-in: the plain key goes into the
  (signed) cookie, the row keeps its hash, its expiry and, once signed out, ``ended_at``.
  :func:`user_for_session` is the one check of a cookie's key. :func:`end_web_sessions` ends
  every session of a user (sign-out everywhere: token revocation, disabling, a new password).
- These functions add to or change rows of the caller's session and never commit: the services
  commit them with their audit events (:mod:`api.services.users`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.models import ApiToken, User, WebSession, utcnow
from api.settings import SESSION_HOURS, TOKEN_DAYS

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 256
TOKEN_LIFETIME = timedelta(days=TOKEN_DAYS)
SESSION_LIFETIME = timedelta(hours=SESSION_HOURS)


def hash_token(token: str) -> str:
    """The stored form of a token or session key (hex SHA-256; a fast hash suffices for 256
    random bits)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(
    session: Session, user: User, *, lifetime: timedelta = TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """A new token for ``user`` working for ``lifetime``: the row (added to the session) and
    the plain token."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(user_id=user.id, token_hash=hash_token(plain), expires_at=utcnow() + lifetime)
    session.add(row)
    return row, plain


def user_for_token(session: Session, token: str | None) -> User | None:
    """The user behind ``token`` if it is valid, unrevoked, unexpired and the user enabled."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
            User.disabled.is_(False),
        )
    )


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every active token of ``user``; returns how many."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    return len(rows)


def start_web_session(
    session: Session, user: User, *, lifetime: timedelta = SESSION_LIFETIME
) -> str:
    """A new web session for ``user`` working for ``lifetime``; returns the plain key (for the
    cookie only). The user's sessions that ended or expired over a day ago are deleted on the
    way, so the table holds roughly the open sessions and the last day's."""
    old = utcnow() - timedelta(days=1)
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id,
            (WebSession.ended_at < old) | (WebSession.expires_at < old),
        )
    )
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        WebSession(user_id=user.id, key_hash=hash_token(plain), expires_at=utcnow() + lifetime)
    )
    return plain


def user_for_session(session: Session, key: str | None) -> User | None:
    """The user of the web session ``key`` if it has not ended or expired and the user is
    enabled; None for anything else (never raises)."""
    if not key or len(key) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(
        select(User)
        .join(WebSession, WebSession.user_id == User.id)
        .where(
            WebSession.key_hash == hash_token(key),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > utcnow(),
            User.disabled.is_(False),
        )
    )


def end_web_session(session: Session, key: str | None) -> bool:
    """End the web session ``key`` (sign-out); True if one was open."""
    if not key or len(key) > MAX_TOKEN_LENGTH:
        return False
    result = session.execute(
        update(WebSession)
        .where(WebSession.key_hash == hash_token(key), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def end_web_sessions(session: Session, user: User, *, keep: str | None = None) -> int:
    """End every open web session of ``user`` but ``keep`` (a session key, if given); returns
    how many ended."""
    stmt = update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(WebSession.key_hash != hash_token(keep))
    result = session.execute(stmt.values(ended_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
