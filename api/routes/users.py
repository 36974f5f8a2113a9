"""``/users`` and tokens (admin), and ``/me`` (anyone signed in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api import services
from api.deps import CurrentUser, SessionDep, require_role
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
    "/users", status_code=status.HTTP_201_CREATED, response_model=TokenCreated, responses=CONFLICT
)
def create_user(
    body: UserIn,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
) -> TokenCreated:
    """Create a user and their first token (shown only in this response)."""
    new_user, token, plain = services.create_user(session, user, body.username, body.role)
    return TokenCreated(token_id=token.id, user_id=new_user.id, token=plain)


@router.post(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses={**NOT_FOUND, **CONFLICT},
)
def create_token(
    user_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
) -> TokenCreated:
    """Another token for a user (shown only in this response)."""
    token, plain = services.new_token(session, user, user_id)
    return TokenCreated(token_id=token.id, user_id=user_id, token=plain)


@router.post("/users/{user_id}/revoke", response_model=RevokedTokens, responses=NOT_FOUND)
def revoke_tokens(
    user_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.USERS_MANAGE)],
    disable: Annotated[bool, Query(description="Also disable the user")] = False,
) -> RevokedTokens:
    """Revoke every token of a user (optionally disabling them)."""
    return RevokedTokens(
        revoked=services.revoke_user_tokens(session, user, user_id, disable=disable)
    )
