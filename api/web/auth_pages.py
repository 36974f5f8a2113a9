"""Sign-in, sign-out, language switch, home page and the stylesheet.

Sign-in contract (checked by ``api.services.sign_in``, which owns it): every refusal looks the
same (same message, same status, one password hash each) whether the name is unknown, the
password wrong, the account disabled or a back-off in force (``api.passwords``,
``api.throttle``); the rate limit per source is ``api.app.SignInLimitMiddleware``'s. A success
starts a server-side web session; signing out ends it. Logs carry the user id, never the
username typed or the password.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import APIRouter, Form
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import services
from api.models import InterceptionRow
from api.roles import Action
from api.throttle import client_source
from api.web import security
from api.web.context import PageDep, PageError, WebRoute, safe_next, session_lifetime
from api.web.i18n import parse_lang

log = logging.getLogger(__name__)
router = APIRouter(route_class=WebRoute, include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "static"
_STATIC_NAME = re.compile(r"^[a-z0-9_-]{1,40}\.(css|js)$")


RECENT = 20


@router.get("/", response_class=HTMLResponse)
def home(page: PageDep) -> Response:
    """The start page: links to what the user's role may do; an officer also sees their own
    recent interceptions (id, date, border post, status: no names; an audited read) to follow
    them up."""
    user = page.require()
    mine: list[InterceptionRow] = []
    if page.may(Action.INTERCEPTION_CREATE):
        mine = services.recent_interceptions(page.db, user, limit=RECENT)
    return page.render("home.html", nav="home", mine=mine)


@router.get("/login", response_class=HTMLResponse)
def login_form(page: PageDep, next: str = "/") -> Response:
    """The sign-in form (also gives an anonymous visitor the session that carries CSRF)."""
    if page.user is not None:
        return page.redirect(safe_next(next))
    return page.render("login.html", next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    page: PageDep,
    username: str = Form("", max_length=100),
    password: str = Form("", max_length=1024),
    next: str = Form("/"),
) -> Response:
    """Check the password (the service counts failures); on success start a fresh session and
    go to ``next``."""
    request = page.request
    attempt = services.sign_in(
        page.db,
        username,
        password,
        source=client_source(request),
        throttle=request.app.state.sign_in_throttle,
        lifetime=session_lifetime(request),
    )
    if attempt.user is None or attempt.key is None:
        return _failed(page, username, next, attempt.problem or services.SIGN_IN_FAILED)
    if page.session.key is not None:
        services.sign_out(page.db, page.session.key)  # the cookie's earlier session, if any
    page.sign_in(attempt.user, attempt.key)
    return page.redirect(safe_next(next))


def _failed(page: PageDep, username: str, next_path: str, key: str) -> Response:
    return page.render(
        "login.html",
        status=401,
        flash_error=key,
        username=username[:100],
        next_path=safe_next(next_path),
    )


@router.post("/logout")
def logout(page: PageDep) -> Response:
    """End the session (the CSRF guard makes sure another site cannot sign you out)."""
    if page.user is not None:
        log.info("sign-out: user=%s", page.user.id)
    page.sign_out()
    return page.redirect("/login")


@router.get("/lang/{code}")
def set_language(page: PageDep, code: str, next: str = "/") -> Response:
    """Remember the page language in a cookie and go back to where the user was."""
    page.extra_cookies[security.LANG_COOKIE] = parse_lang(code).value
    return page.redirect(safe_next(next))


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The stylesheet (and any tiny script): a fixed directory, simple names only."""
    if not _STATIC_NAME.match(name) or not (STATIC / name).is_file():
        raise PageError(404, "not_found")
    media = "text/css" if name.endswith(".css") else "text/javascript"
    response = FileResponse(STATIC / name, media_type=media)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
