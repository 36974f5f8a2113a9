"""FastAPI dependencies: the request's database session, the current user, role checks.

Use the ``Annotated`` aliases in route signatures::

    def read(session: SessionDep, user: Annotated[User, require_role(Action.REPORT_READ)]):

Contract: a missing, malformed, unknown or revoked bearer token is a 401 (with
``WWW-Authenticate: Bearer``); a valid token whose role may not perform the action is a 403.
The role check runs before the request body is validated, so a wrong role never learns more
than "forbidden".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import user_for_token
from api.matching import LiveIndex
from api.models import User
from api.roles import Action, allowed
from api.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="A token from `shondhan users create`.")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed (and rolled back if uncommitted) afterwards."""
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


def get_index(request: Request) -> LiveIndex:
    """The app's live matching index."""
    index: LiveIndex = request.app.state.index
    return index


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
IndexDep = Annotated[LiveIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="missing or invalid bearer token",
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user behind the bearer token, or 401.

    Looked up on a short read-only session (on SQLite it does not take the write lock), so the
    returned user is detached: services read its id, name and role, nothing lazy.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized()
    with request.app.state.read_sessions() as session:
        user = user_for_token(session, credentials.credentials)
    if user is None:
        raise _unauthorized()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(action: Action) -> Any:
    """A dependency that returns the current user if their role may do ``action``, else 403."""

    def check(user: CurrentUser) -> User:
        if not allowed(user.role, action):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"role {user.role.value} may not {action.value}",
            )
        return user

    check.__name__ = f"require_{action.name.lower()}"
    return Depends(check)
