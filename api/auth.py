"""API tokens: random, shown once, stored only as SHA-256, revocable.

Contract: :func:`issue_token` returns the plain token exactly once (the caller shows it and
forgets it); the database keeps only its hash. :func:`user_for_token` returns the active user
of a valid, unrevoked token, or None for anything else (never raises on bad input).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApiToken, User, utcnow

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 256


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256; a fast hash suffices for 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(session: Session, user: User) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (added to the session) and the plain token."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(user_id=user.id, token_hash=hash_token(plain))
    session.add(row)
    return row, plain


def user_for_token(session: Session, token: str | None) -> User | None:
    """The user behind ``token`` if it is valid, unrevoked and the user is enabled."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
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
