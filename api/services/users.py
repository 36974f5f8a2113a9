"""Users and their credentials: accounts and roles, API tokens, web passwords, sign-in, web
sessions.

``actor`` None means the command line (the operator: bootstrapping the first admin, issuing a
user's token, setting a password, the demo): no role to check, and audit events carry no user.
Logs carry user ids, never a username typed at the sign-in form or a password.

Credentials are bound to their user (issue 15, item 3): nobody can obtain a credential that
reads children's records in someone else's name.

- An API token is issued only to its own user (:func:`new_token`: an admin mints their own; a
  user gets theirs on their account page after signing in, or from the operator,
  ``shondhan users token``). Creating a user through the API or the admin page gives no token.
- A password an admin sets for someone else (:func:`set_password`) is a one-time password:
  ``users.password_set_by`` remembers the admin, and a session signed in with it may only
  choose a new password (:func:`must_change_password`), so it never reads a child's record.
- Tokens expire (``Settings.token_days``); web sessions live server-side
  (``Settings.session_hours``) and end on sign-out, on revocation of the user's tokens, on
  disabling and on a new password (:mod:`api.auth`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.auth import (
    SESSION_LIFETIME,
    TOKEN_LIFETIME,
    end_web_session,
    end_web_sessions,
    issue_token,
    revoke_tokens,
    start_web_session,
    user_for_session,
)
from api.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from api.models import ApiToken, User, utcnow
from api.passwords import (
    after_failure,
    hash_password,
    is_locked,
    password_problem,
    verify_password,
)
from api.roles import Action, Role
from api.services.common import require
from api.throttle import SignInThrottle

log = logging.getLogger(__name__)

_DUMMY_HASH = hash_password("dummy password for timing only")
SIGN_IN_FAILED = "sign_in_failed"
UNKNOWN_ACCOUNT = "unknown"
"""The record id of a failed sign-in's audit event when no account was checked."""
USERNAME_CHARS = 64

__all__ = [
    "SIGN_IN_FAILED",
    "SignIn",
    "change_own_password",
    "create_user",
    "find_user",
    "issue_passwords",
    "list_users",
    "must_change_password",
    "new_token",
    "own_tokens",
    "revoke_user_tokens",
    "session_user",
    "set_disabled",
    "set_password",
    "sign_in",
    "sign_out",
    "usernames",
]


def create_user(
    session: Session,
    actor: User | None,
    username: str,
    role: Role,
    *,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> tuple[User, ApiToken | None, str | None]:
    """A new user; returns (user, first token row, plain token shown once).

    Only the command line (``actor`` None: the operator bootstrapping an account) gets a first
    token, working for ``lifetime``. An admin gets (user, None, None): a token is issued only
    to its own user (see the module docstring).
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
    audit.record(session, actor, AuditAction.USER_CREATE, RecordType.USER, user.id)
    token: ApiToken | None = None
    plain: str | None = None
    if actor is None:
        token, plain = issue_token(session, user, lifetime=lifetime)
        session.flush()
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


def usernames(session: Session, user_ids: Iterable[str | None]) -> dict[str, str]:
    """Username by user id for ``user_ids`` (unknown ids and None left out): for every place
    people read who did something (decision history, the audit log) instead of hex ids."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {str(uid): str(name) for uid, name in rows}


def find_user(session: Session, *, user_id: str | None = None, username: str | None = None) -> User:
    """A user by id or username (404 if none)."""
    stmt = select(User)
    stmt = stmt.where(User.id == user_id) if user_id else stmt.where(User.username == username)
    user = session.scalar(stmt)
    if user is None:
        raise NotFoundError("user not found")
    return user


def new_token(
    session: Session, actor: User | None, user_id: str, *, lifetime: timedelta = TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """Another token for a user, working for ``lifetime``: the command line for anyone, any
    signed-in user for themselves only (an admin included: 403 for someone else's, so no one
    reads children's records under another name). 404 if there is no such user, 409 if the
    user is disabled."""
    user = find_user(session, user_id=user_id)
    if actor is not None and actor.id != user.id:
        raise ForbiddenError(
            "a token is issued only to its own user: they sign in and issue it on their "
            "account page, or the operator runs `shondhan users token`"
        )
    if user.disabled:
        raise ConflictError("user is disabled")
    token, plain = issue_token(session, user, lifetime=lifetime)
    session.flush()
    audit.record(session, actor, AuditAction.TOKEN_CREATE, RecordType.TOKEN, token.id)
    session.commit()
    return token, plain


def own_tokens(session: Session, user: User) -> list[ApiToken]:
    """``user``'s tokens that still work (unrevoked, unexpired), newest first: when each was
    issued and until when it works (never the token, which is not stored)."""
    rows = list(
        session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.created_at.desc())
        )
    )
    session.commit()  # ends the read's transaction
    return rows


def revoke_user_tokens(
    session: Session,
    actor: User | None,
    user_id: str,
    *,
    disable: bool = False,
    keep_session: str | None = None,
) -> int:
    """Revoke every token of a user and end their web sessions (admin for anyone, a user for
    themselves, or the command line); optionally disable them (admin or command line); returns
    how many tokens were revoked. ``keep_session``: the key of the caller's own web session,
    which stays open when they revoke their own tokens."""
    user = find_user(session, user_id=user_id)
    if actor is not None and (disable or actor.id != user.id):
        require(actor, Action.USERS_MANAGE)
    if disable and actor is not None and actor.id == user.id:
        raise ConflictError("an admin cannot disable their own account")
    count = revoke_tokens(session, user)
    end_web_sessions(session, user, keep=keep_session if actor is not None else None)
    audit.record(session, actor, AuditAction.TOKEN_REVOKE, RecordType.USER, user.id)
    if disable and not user.disabled:
        user.disabled = True
        audit.record(session, actor, AuditAction.USER_DISABLE, RecordType.USER, user.id)
    session.commit()
    log.info("user %s: %d tokens revoked, disabled=%s", user.id, count, user.disabled)
    return count


def set_disabled(session: Session, actor: User | None, user_id: str, disabled: bool) -> User:
    """Disable (revoking every token and ending every web session) or re-enable a user (admin,
    or the command line). Re-enabling gives no credential back: the user signs in (or gets a
    token from the operator) again. An admin cannot disable themselves (409)."""
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    user = find_user(session, user_id=user_id)
    if disabled:
        revoke_user_tokens(session, actor, user.id, disable=True)
        return user
    if user.disabled:
        user.disabled = False
        audit.record(session, actor, AuditAction.USER_ENABLE, RecordType.USER, user.id)
    session.commit()
    log.info("user %s enabled", user.id)
    return user


def session_user(session: Session, key: str | None) -> User | None:
    """The user of the web session ``key`` while it may still be used (open, unexpired, user
    enabled); for the pages' session cookie. The account's sign-in back-off does not end
    sessions (a stranger's failed tries must not sign the owner out)."""
    user = user_for_session(session, key)
    session.commit()  # ends the read's transaction
    return user


def sign_out(session: Session, key: str | None) -> None:
    """End the web session ``key`` (a cookie saved before never opens a page again)."""
    if end_web_session(session, key):
        log.info("sign-out")
    session.commit()


def must_change_password(user: User) -> bool:
    """True if ``user`` signed in with a password someone else (an admin) set: such a session
    may only choose a new password."""
    return user.password_set_by is not None and user.password_set_by != user.id


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a sign-in attempt gave: the user and the new session's key (for the cookie only),
    or ``problem`` (an i18n key; always :data:`SIGN_IN_FAILED`, whatever went wrong)."""

    user: User | None
    problem: str | None = None
    key: str | None = None


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    source: str = "",
    throttle: SignInThrottle | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
) -> SignIn:
    """Check a web sign-in from ``source`` (the client address); on success start a web
    session working for ``lifetime`` (committed).

    Every refusal is the same answer (:data:`SIGN_IN_FAILED`) after the same work (one argon2
    verification, against a dummy hash when there is no usable account), whether the name is
    unknown, the password wrong, the account disabled, or a back-off in force — so neither the
    text nor the timing tells which usernames exist; every attempt also writes one audit event
    (``sign_in`` by the user, or ``sign_in_failed`` with no user, about the account's id or
    ``unknown`` — never the name typed), so each answer costs the same database write too.
    Back-off (:mod:`api.passwords`): the
    source on this name (``throttle``, in memory) and the account as a whole (database), the
    latter not for a source that has signed in to this account before.
    """
    name = username.strip().lower()[:USERNAME_CHARS]
    throttle = throttle or SignInThrottle(per_minute=1_000_000)
    held_back = throttle.waiting(source, name)
    user = None if held_back else session.scalar(select(User).where(User.username == name))
    usable = user is not None and not user.disabled and bool(user.password_hash)
    ok = verify_password(user.password_hash if usable and user else _DUMMY_HASH, password)
    if ok and user is not None and is_locked(user.locked_until):
        ok = throttle.trusted(source, name)
    if not (ok and usable and user is not None):
        throttle.failed(source, name)
        if user is not None and not is_locked(user.locked_until):
            user.failed_logins, locked_until = after_failure(user.failed_logins or 0)
            if locked_until is not None:
                user.locked_until = locked_until
        about = user.id if user is not None else UNKNOWN_ACCOUNT
        audit.record(session, None, AuditAction.SIGN_IN_FAILED, RecordType.USER, about)
        session.commit()
        log.info("sign-in failed: user=%s", user.id if user is not None else "-")
        return SignIn(None, SIGN_IN_FAILED)
    throttle.succeeded(source, name)
    user.failed_logins = 0
    user.locked_until = None
    key = start_web_session(session, user, lifetime=lifetime)
    audit.record(session, user, AuditAction.SIGN_IN, RecordType.USER, user.id)
    session.commit()
    log.info("sign-in: user=%s", user.id)
    return SignIn(user, key=key)


def _reset_password(session: Session, user: User, password: str, *, set_by: str | None) -> None:
    user.password_hash = hash_password(password)
    user.password_set_by = set_by
    user.failed_logins = 0
    user.locked_until = None
    end_web_sessions(session, user)


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise InvalidError("password not acceptable", field="password", code=problem)


def set_password(session: Session, actor: User | None, username: str, password: str) -> User:
    """Store an argon2 hash of ``password`` for ``username``, lift the account's back-off and
    end the user's web sessions (admin, or the command line).

    An admin setting someone else's password sets a one-time password: the user must choose a
    new one when they sign in with it (:func:`must_change_password`). The password is checked
    first: :class:`InvalidError` whose ``code`` is the i18n key of the problem
    (``password_too_short`` ...), before any user is looked up; then :class:`NotFoundError` if
    there is no such user.
    """
    if actor is not None:
        require(actor, Action.USERS_MANAGE)
    _check_password(password)
    user = find_user(session, username=username)
    set_by = actor.id if actor is not None and actor.id != user.id else None
    _reset_password(session, user, password, set_by=set_by)
    audit.record(session, actor, AuditAction.PASSWORD_SET, RecordType.USER, user.id)
    session.commit()
    log.info("user %s: password set (one-time: %s)", user.id, set_by is not None)
    return user


def change_own_password(
    session: Session, user: User, current: str, new: str, *, keep_session: str | None = None
) -> User:
    """A signed-in user chooses a new password, proving the current one (any role). Their other
    web sessions end; ``keep_session`` (the caller's own) stays open. :class:`InvalidError`
    with ``code`` ``password_wrong`` or the new password's problem."""
    _check_password(new)
    row = find_user(session, user_id=user.id)
    if not verify_password(row.password_hash, current):
        raise InvalidError("current password is wrong", field="current", code="password_wrong")
    if verify_password(row.password_hash, new):
        raise InvalidError("the new password is the old one", field="new", code="password_same")
    row.password_hash = hash_password(new)
    row.password_set_by = None
    end_web_sessions(session, row, keep=keep_session)
    audit.record(session, row, AuditAction.PASSWORD_SET, RecordType.USER, row.id)
    session.commit()
    log.info("user %s: changed own password", row.id)
    return row


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
        _reset_password(session, user, password, set_by=None)
        issued[username] = password
    session.commit()
    return issued
