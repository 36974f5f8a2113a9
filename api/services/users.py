"""Users and their credentials: accounts and roles, API tokens, web passwords, sign-in.

``actor`` None means the command line (bootstrapping the first admin, setting a password, the
demo): no role to check, and audit events carry no user. Logs carry user ids, never a username
typed at the sign-in form or a password.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.auth import issue_token, revoke_tokens
from api.errors import ConflictError, InvalidError, NotFoundError
from api.models import ApiToken, User
from api.passwords import (
    after_failure,
    hash_password,
    is_locked,
    password_problem,
    verify_password,
)
from api.roles import Action, Role
from api.services.common import require

log = logging.getLogger(__name__)

_DUMMY_HASH = hash_password("dummy password for timing only")

__all__ = [
    "SignIn",
    "active_user",
    "create_user",
    "find_user",
    "issue_passwords",
    "list_users",
    "new_token",
    "revoke_user_tokens",
    "set_password",
    "sign_in",
]


def create_user(
    session: Session, actor: User | None, username: str, role: Role
) -> tuple[User, ApiToken, str]:
    """A new user with a first token; returns (user, token row, plain token shown once).

    ``actor`` None means the command line (bootstrap without the API).
    """
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = User(username=username, role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"user {username} already exists") from None
    token, plain = issue_token(session, user)
    session.flush()
    audit.record(session, actor, AuditAction.USER_CREATE, RecordType.USER, user.id)
    audit.record(session, actor, AuditAction.TOKEN_CREATE, RecordType.TOKEN, token.id)
    session.commit()
    log.info("user %s created with role %s", user.id, role.value)
    return user, token, plain


def list_users(session: Session, actor: User | None) -> list[User]:
    """Every user by username (admin, or the command line)."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    users = list(session.scalars(select(User).order_by(User.username)))
    session.commit()  # ends the read's transaction (on SQLite it holds the write lock)
    return users


def find_user(session: Session, *, user_id: str | None = None, username: str | None = None) -> User:
    """A user by id or username (404 if none)."""
    stmt = select(User)
    stmt = stmt.where(User.id == user_id) if user_id else stmt.where(User.username == username)
    user = session.scalar(stmt)
    if user is None:
        raise NotFoundError("user not found")
    return user


def new_token(session: Session, actor: User | None, user_id: str) -> tuple[ApiToken, str]:
    """Another token for a user (admin, or the command line)."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = find_user(session, user_id=user_id)
    if user.disabled:
        raise ConflictError("user is disabled")
    token, plain = issue_token(session, user)
    session.flush()
    audit.record(session, actor, AuditAction.TOKEN_CREATE, RecordType.TOKEN, token.id)
    session.commit()
    return token, plain


def revoke_user_tokens(
    session: Session, actor: User | None, user_id: str, *, disable: bool = False
) -> int:
    """Revoke every token of a user (and optionally disable them); returns how many."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = find_user(session, user_id=user_id)
    count = revoke_tokens(session, user)
    if disable:
        user.disabled = True
    audit.record(session, actor, AuditAction.TOKEN_REVOKE, RecordType.USER, user.id)
    session.commit()
    log.info("user %s: %d tokens revoked", user.id, count)
    return count


def active_user(session: Session, user_id: str) -> User | None:
    """The user ``user_id`` if they may still be signed in (exists, enabled, not locked out);
    for the pages' session cookie, which names a user id."""
    user = session.get(User, user_id)
    if user is None or user.disabled or is_locked(user.locked_until):
        return None
    return user


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a sign-in attempt gave: the user, or ``problem`` (an i18n key)."""

    user: User | None
    problem: str | None = None


def sign_in(session: Session, username: str, password: str) -> SignIn:
    """Check a web sign-in; counts failures towards the lock-out (committed).

    A wrong username and a wrong password look the same (``sign_in_failed``), and the password
    is hashed against a dummy hash when there is no such user so timing does not tell them
    apart; a locked (``account_locked``) or disabled account cannot sign in even with the
    right password; every failure on a real account counts towards the lock-out, and a
    success resets the count.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or user.disabled or not user.password_hash:
        verify_password(_DUMMY_HASH, password)
        log.info("sign-in failed: unknown or disabled user")
        return SignIn(None, "sign_in_failed")
    if is_locked(user.locked_until):
        log.info("sign-in refused: user=%s locked", user.id)
        return SignIn(None, "account_locked")
    if not verify_password(user.password_hash, password):
        user.failed_logins, locked_until = after_failure(user.failed_logins or 0)
        if locked_until is not None:
            user.locked_until = locked_until
        session.commit()
        log.info("sign-in failed: user=%s locked=%s", user.id, locked_until is not None)
        return SignIn(None, "account_locked" if locked_until else "sign_in_failed")
    user.failed_logins = 0
    user.locked_until = None
    session.commit()
    log.info("sign-in: user=%s", user.id)
    return SignIn(user)


def _reset_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None


def set_password(session: Session, actor: User | None, username: str, password: str) -> User:
    """Store an argon2 hash of ``password`` for ``username`` and lift any lock-out (admin, or
    the command line); sessions signed in with the old password end.

    The password is checked first: :class:`InvalidError` whose ``code`` is the i18n key of the
    problem (``password_too_short`` ...), before any user is looked up; then
    :class:`NotFoundError` if there is no such user.
    """
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    problem = password_problem(password)
    if problem is not None:
        raise InvalidError("password not acceptable", field="password", code=problem)
    user = find_user(session, username=username)
    _reset_password(user, password)
    session.commit()
    log.info("user %s: password set", user.id)
    return user


def issue_passwords(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Give each existing user in ``usernames`` a fresh random web password; returns them.

    For ``shondhan serve --demo`` (the command line: no actor): printed next to the API tokens
    so a newcomer can sign in to the pages at once. Unknown usernames are skipped; one commit.
    """
    issued: dict[str, str] = {}
    for username in usernames:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        password = secrets.token_urlsafe(12)
        _reset_password(user, password)
        issued[username] = password
    session.commit()
    return issued
