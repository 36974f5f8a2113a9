"""``/users`` and tokens (admin), and ``/me`` (anyone signed in).

A token is issued only to its own user (``api.services.users``): ``POST /users`` creates the
account without one, and ``POST /users/{id}/tokens`` answers 403 for anyone but the caller.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api import services
from api.deps import CurrentUser, SessionDep, SettingsDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import RevokedTokens, TokenCreated, UserIn, UserOut, user_out

router = APIRouter(tags=["users"], responses=AUTH_ERRORS)

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """Who the token belongs to."""
    return user_out(user)


@router.get("/users", response_model=list[UserOut])
def list_users(
    session: SessionDep, user: Annotated[User, require_role(Action.USERS_MANAGE)]
) -> list[UserOut]:
    """Every user."""
    return [user_out(u) for u in services.list_users(session, user)]


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, response_model=UserOut, responses=CONFLICT
)
def create_user(
    body: UserIn,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
) -> UserOut:
    """Create a user, without a token: the user gets theirs by signing in to the web pages
    (a password the admin sets is one-time) or from the operator (`shondhan users token`)."""
    new_user, _token, _plain = services.create_user(session, user, body.username, body.role)
    return user_out(new_user)


@router.post(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses={**NOT_FOUND, **CONFLICT},
)
def create_token(
    user_id: HexId,
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
) -> TokenCreated:
    """Another token for the calling admin (shown only in this response); 403 for anyone
    else's account. Works for ``SHONDHAN_TOKEN_DAYS`` days."""
    token, plain = services.new_token(session, user, user_id, lifetime=settings.token_lifetime)
    return TokenCreated(
        token_id=token.id, user_id=user_id, token=plain, expires_at=token.expires_at
    )


@router.post("/users/{user_id}/revoke", response_model=RevokedTokens, responses=NOT_FOUND)
def revoke_tokens(
    user_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
    disable: Annotated[bool, Query(description="Also disable the user")] = False,
) -> RevokedTokens:
    """Revoke every token of a user and end their web sessions (optionally disabling them)."""
    return RevokedTokens(
        revoked=services.revoke_user_tokens(session, user, user_id, disable=disable)
    )


@router.post("/users/{user_id}/enable", response_model=UserOut, responses=NOT_FOUND)
def enable_user(
    user_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
) -> UserOut:
    """Re-enable a disabled user (they get no credential back: they sign in again)."""
    return user_out(services.set_disabled(session, user, user_id, False))
