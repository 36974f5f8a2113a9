"""My account (every signed-in user): choose a new password, issue and revoke my own API tokens.

This is how a user gets an API token (issue 15, item 3): by signing in as themselves. A token
is shown once, on the page that issued it, and never again. A user who signed in with a
password an admin set for them (one-time) sees only the form to choose their own
(``services.must_change_password``; every other page sends them here). Everything goes through
``api.services`` (checks and audit included).
"""

from __future__ import annotations

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from api import services
from api.errors import ConflictError, InvalidError
from api.roles import Action
from api.web.context import ACCOUNT_PATH, PageDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

FLASHES = frozenset({"password_changed", "own_tokens_revoked"})


def _account_page(page: PageDep, status: int = 200, **context: object) -> Response:
    user = page.require(Action.SELF_READ)
    must_change = services.must_change_password(user)
    values: dict[str, object] = {
        "must_change": must_change,
        "tokens": [] if must_change else services.own_tokens(page.db, user),
        "new_token": None,
        "problem": None,
        "token_days": page.request.app.state.settings.token_days,
    }
    values.update(context)
    return page.render("account.html", status=status, nav="account", **values)


@router.get(ACCOUNT_PATH, response_class=HTMLResponse)
def account_page(page: PageDep, done: str = "") -> Response:
    """My account: the password form and my API tokens."""
    return _account_page(page, flash=done if done in FLASHES else None)


@router.post(ACCOUNT_PATH + "/password", response_class=HTMLResponse)
def change_password(
    page: PageDep,
    current: str = Form("", max_length=1024),
    new: str = Form("", max_length=2048),
    repeat: str = Form("", max_length=2048),
) -> Response:
    """Choose a new password (proving the current one); my other sessions end, this one
    stays."""
    user = page.require(Action.SELF_READ)
    if new != repeat:
        return _account_page(page, status=422, problem="password_mismatch")
    try:
        services.change_own_password(page.db, user, current, new, keep_session=page.session.key)
    except InvalidError as exc:
        return _account_page(page, status=422, problem=exc.code)
    return page.redirect(ACCOUNT_PATH + "?done=password_changed")


@router.post(ACCOUNT_PATH + "/tokens", response_class=HTMLResponse)
def issue_token(page: PageDep) -> Response:
    """Issue myself an API token, shown once, here."""
    user = page.require(Action.SELF_READ)
    settings = page.request.app.state.settings
    try:
        token, plain = services.new_token(page.db, user, user.id, lifetime=settings.token_lifetime)
    except ConflictError:
        return _account_page(page, status=409, problem="conflict")
    return _account_page(page, flash="token_issued", new_token=(plain, token.expires_at))


@router.post(ACCOUNT_PATH + "/tokens/revoke")
def revoke_tokens(page: PageDep) -> Response:
    """Revoke every API token of mine (and end my other web sessions; this one stays)."""
    user = page.require(Action.SELF_READ)
    services.revoke_user_tokens(page.db, user, user.id, keep_session=page.session.key)
    return page.redirect(ACCOUNT_PATH + "?done=own_tokens_revoked")
