"""The plumbing every page shares: who is signed in, the CSRF guard, rendering, page errors.

Contract:
- ``WebRoute`` is the route class of every page. For each POST it checks the CSRF token in the
  form against the session cookie *before* the page runs, and refuses (403 page) without it.
  It turns ``PageError`` (and the services' ``ServiceError``) into an HTML page with the right
  status instead of the JSON error body the API uses.
- ``Page`` (a dependency) carries the request, the session, the signed-in user (or None), the
  language and a DB session; ``page.require(action)`` redirects anonymous visitors to
  ``/login`` and answers 403 to a role that may not perform ``action`` — the same
  ``api.roles.allowed`` table the JSON API uses. A user who signed in with a password an admin
  set (``services.must_change_password``) is sent to ``/web/account`` from every other page.
- The signed-in user comes from the server-side web session the cookie names
  (``services.session_user``): sign-out and revocation end it for every copy of the cookie.
- Every response made through ``Page.render`` / ``Page.redirect`` (re)sets the session cookie
  when it changed: HttpOnly, SameSite=Strict, ``Secure`` when the request came over https.
- Page handlers are plain ``def`` (FastAPI runs them in a worker thread): database and matching
  work never run on the event loop.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api import services
from api.db import DbSession, SessionFactory
from api.matching import LiveIndex, candidate_record
from api.models import User
from api.roles import Action, Role, allowed
from api.services.review import REVIEW_BANDS
from api.web import security
from api.web.chart import contribution_chart
from api.web.i18n import (
    LABELS,
    Lang,
    format_date,
    format_datetime,
    localise_digits,
    parse_lang,
    translate,
)
from api.web.security import Session
from matcher.dates import expected_age_on
from matcher.explain import VERDICT_WORDS, describe, score_text
from matcher.records import Band, Language, Verdict

log = logging.getLogger(__name__)

ACCOUNT_PATH = "/web/account"

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# (label key, href, section, action that must be allowed to see the link)
NAV: tuple[tuple[str, str, str, Action | None], ...] = (
    ("nav_home", "/", "home", None),
    ("nav_submit", "/web/interceptions/new", "submit", Action.INTERCEPTION_CREATE),
    ("nav_review", "/review", "review", Action.REVIEW_QUEUE),
    ("nav_reports", "/web/reports", "reports", Action.REPORT_READ),
    ("nav_reconcile", "/web/reconciliations", "reconcile", Action.RECONCILIATION_READ),
    ("nav_admin", "/web/admin", "admin", Action.USERS_MANAGE),
    ("nav_account", ACCOUNT_PATH, "account", Action.SELF_READ),
)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["chart"] = contribution_chart
    return env


_ENV = _environment()


def candidate_status_key(candidate: Any) -> str:
    """The i18n key of a candidate's status as it is: an open candidate outside the queue's
    bands (``no_match``) is not awaiting anyone's review."""
    status = str(getattr(candidate.status, "value", candidate.status))
    if status == "open" and Band(candidate.band) not in REVIEW_BANDS:
        return "cand_open_unqueued"
    return f"cand_{status}"


class PageError(Exception):
    """Stop a page and answer with an HTML message (``key`` is an i18n label) or a redirect."""

    def __init__(self, status: int, key: str = "error", *, location: str | None = None) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.location = location


def secret_of(request: Request) -> bytes:
    """The key that signs session cookies: ``app.state.secret_key`` (the settings' key or one
    random key per app, set by ``create_app``)."""
    state = request.app.state
    key = getattr(state, "secret_key", None)
    if isinstance(key, bytes) and key:
        return key
    key = security.new_secret()
    state.secret_key = key
    return key


def _factory(request: Request) -> SessionFactory:
    factory = getattr(request.app.state, "sessions", None)
    if factory is None:
        raise PageError(503, "service_unavailable")
    return factory  # type: ignore[no-any-return]


def live_index(request: Request) -> LiveIndex:
    """The app's live matching index (the same one the JSON API uses)."""
    index = getattr(request.app.state, "index", None)
    if index is None:
        raise PageError(503, "service_unavailable")
    return index  # type: ignore[no-any-return]


def top_k(request: Request) -> int:
    """How many candidates an interception gets (the service's setting)."""
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "top_k", 10))


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go to after sign-in / language change (no open redirects)."""
    if not target or len(target) > 500:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@dataclass
class Page:
    """What a page handler needs; built per request by the ``page`` dependency."""

    request: Request
    db: DbSession
    session: Session
    user: User | None
    lang: Lang
    secret: bytes
    session_changed: bool = False
    extra_cookies: dict[str, str] = field(default_factory=dict)

    # --- access -------------------------------------------------------------------------------
    def require(self, action: Action | None = None) -> User:
        """The signed-in user, if they may perform ``action``; else redirect / 403."""
        if self.user is None:
            here = self.request.url.path
            query = self.request.url.query
            target = here + (f"?{query}" if query else "")
            raise PageError(303, location=f"/login?next={_quote(target)}")
        if services.must_change_password(self.user) and self.request.url.path not in (
            ACCOUNT_PATH,
            ACCOUNT_PATH + "/password",
        ):
            raise PageError(303, location=ACCOUNT_PATH)
        if action is not None and not allowed(self.user.role, action):
            log.info("page refused: user=%s action=%s", self.user.id, action.value)
            raise PageError(403, "forbidden")
        return self.user

    def may(self, action: Action) -> bool:
        """True if the signed-in user may perform ``action`` (for showing links)."""
        return self.user is not None and allowed(self.user.role, action)

    def explain(self, candidate: Any) -> list[str]:
        """The engine's account of a stored candidate, one line per compared field, as this
        user may read it: a reviewer gets the findings and weights, an officer (who may not
        read reports) each field's verdict only (:func:`matcher.explain.describe`)."""
        reveal = self.may(Action.REPORT_READ)
        language = Language(self.lang.value)
        return [
            describe(c, language=language, reveal_report=reveal)
            for c in candidate_record(candidate).contributions
            if c.verdict is not Verdict.MISSING
        ]

    def age_now(self, age: float | None, at: date | None) -> str:
        """A child's age today in whole years, from the age recorded ``at`` a date: the engine's
        :func:`matcher.dates.expected_age_on`; "—" when unknown."""
        years = expected_age_on(age, at, date.today())
        if years is None:
            return "—"
        return localise_digits(f"{years:.0f}", self.lang)

    # --- session ------------------------------------------------------------------------------
    def sign_in(self, user: User, key: str) -> None:
        """Point the cookie at the web session ``key`` the service started for ``user`` (a
        fresh nonce too: no fixation)."""
        self.session = Session.signed_in(key)
        self.user = user
        self.session_changed = True

    def sign_out(self) -> None:
        """End the web session server-side (so a saved copy of the cookie opens nothing) and
        forget the user; the visitor keeps a fresh anonymous session."""
        services.sign_out(self.db, self.session.key)
        self.session = Session.anonymous()
        self.user = None
        self.session_changed = True

    @property
    def csrf(self) -> str:
        return security.csrf_token(self.session, self.secret)

    # --- responses ----------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return translate(key, self.lang, **values)

    def queue_new(self) -> int:
        """How many queued candidates arrived since this reviewer last opened the queue (the
        navigation's badge); 0 for a user without the queue."""
        if self.user is None or not self.may(Action.REVIEW_QUEUE):
            return 0
        from api import services

        return services.new_in_queue(self.db, self.user)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render ``template`` with the shared context (user, labels, CSRF token, navigation)."""
        nav_links = [
            (key, href, section)
            for key, href, section, action in NAV
            if action is None or self.may(action)
        ]
        here = self.request.url.path
        if self.request.url.query:
            here += "?" + self.request.url.query
        values: dict[str, Any] = {
            "lang": self.lang.value,
            "t": self.t,
            "user": self.user,
            "csrf": self.csrf,
            "nav_links": nav_links,
            "nav": context.pop("nav", ""),
            "here": safe_next(here),
            "date": lambda v: format_date(v, self.lang),
            "datetime": lambda v: format_datetime(v, self.lang),
            "digits": lambda v: localise_digits(str(v), self.lang),
            "num": lambda v: "" if v is None else localise_digits(f"{v:g}", self.lang),
            "age_now": self.age_now,
            "sex": lambda v: self.t(f"sex_{v.value}") if v is not None else "—",
            "may": self.may,
            "Action": Action,
            "verdict": lambda v: VERDICT_WORDS[Verdict(v)][1 if self.lang is Lang.BN else 0],
            "score": lambda x: score_text(float(x), Language(self.lang.value)),
            "status_key": candidate_status_key,
            "explain": self.explain,
            "labels": LABELS,
            "queue_new": self.queue_new,
        }
        values.update(context)
        html = _ENV.get_template(template).render(values)
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def redirect(self, location: str) -> RedirectResponse:
        """A 303 See Other to a same-site ``location`` (after a POST: no resubmission)."""
        response = RedirectResponse(safe_next(location), status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """Attach the session cookie (if new or changed) and the no-store cache header."""
        protect(response)
        if self.session_changed:
            set_session_cookie(self.request, response, self.session, self.secret)
        for name, value in self.extra_cookies.items():
            response.set_cookie(
                name, value, max_age=365 * 24 * 3600, samesite="strict", httponly=True
            )


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Only our own files: no inline script or style, no other origin, never framed."""


def protect(response: Response) -> None:
    """The headers every page carries: not cached, not framed, strict content policy."""
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def session_lifetime(request: Request) -> timedelta:
    """How long a signed-in web session lasts (the service's setting)."""
    settings = getattr(request.app.state, "settings", None)
    lifetime = getattr(settings, "session_lifetime", None)
    return lifetime if isinstance(lifetime, timedelta) else security.SESSION_MAX_AGE


def set_session_cookie(request: Request, response: Response, session: Session, key: bytes) -> None:
    """Write the session cookie with the flags the issue asks for."""
    response.set_cookie(
        security.SESSION_COOKIE,
        security.encode_session(session, key),
        max_age=int(max(session_lifetime(request), security.SESSION_MAX_AGE).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_is_https(request),
        path="/",
    )


def _decode(request: Request, key: bytes) -> Session | None:
    return security.decode_session(
        request.cookies.get(security.SESSION_COOKIE),
        key,
        max_age=max(session_lifetime(request), security.SESSION_MAX_AGE),
    )


def page(request: Request) -> Iterator[Page]:
    """The ``Page`` of this request, with a DB session that is closed afterwards."""
    key = secret_of(request)
    session = _decode(request, key)
    changed = session is None
    if session is None:
        session = Session.anonymous()
    lang = parse_lang(request.cookies.get(security.LANG_COOKIE))
    db = _factory(request)()
    try:
        user = services.session_user(db, session.key) if session.key else None
        if session.key is not None and user is None:
            session, changed = Session.anonymous(), True
        yield Page(request, db, session, user, lang, key, session_changed=changed)
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


PageDep = Annotated[Page, Depends(page)]


def error_page(request: Request, status: int, key: str) -> HTMLResponse:
    """A bare HTML error page (no DB access: used when the page could not even start)."""
    lang = parse_lang(request.cookies.get(security.LANG_COOKIE))
    html = _ENV.get_template("error.html").render(
        lang=lang.value,
        t=lambda k, **v: translate(k, lang, **v),
        user=None,
        csrf="",
        nav_links=[],
        nav="",
        here="/",
        status=status,
        message_key=key,
    )
    response = HTMLResponse(html, status_code=status)
    protect(response)
    return response


MAX_FORM_FIELDS = 200


class WebRoute(APIRoute):
    """Route class of the pages: CSRF check on POST, HTML error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if request.method == "POST":
                try:
                    form = await request.form(max_fields=MAX_FORM_FIELDS)
                except Exception:
                    return error_page(request, 400, "error")
                token = form.get("csrf_token")
                key = secret_of(request)
                session = _decode(request, key)
                if not isinstance(token, str) or not security.csrf_ok(session, token, key):
                    log.info("csrf refused: path=%s", request.url.path)
                    return error_page(request, 403, "csrf_failed")
            try:
                return await original(request)
            except PageError as exc:
                if exc.location is not None:
                    return RedirectResponse(exc.location, status_code=303)
                return error_page(request, exc.status, exc.key)
            except RequestValidationError:
                return error_page(request, 422, "invalid_input")
            except Exception as exc:
                status = _service_status(exc)
                if status is None:
                    raise
                return error_page(request, status, _status_key(status))

        return handler


def _service_status(exc: Exception) -> int | None:
    try:
        from api.errors import ServiceError
    except ImportError:  # pragma: no cover - the service layer always ships with the pages
        return None
    return exc.status if isinstance(exc, ServiceError) else None


_STATUS_KEYS: Mapping[int, str] = {
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid_input",
    503: "service_unavailable",
}


def _status_key(status: int) -> str:
    return _STATUS_KEYS.get(status, "error")


def new_nonce() -> str:
    """A random id for forms that must not be submitted twice."""
    return secrets.token_urlsafe(12)


def role_label_key(role: Role | str) -> str:
    """The i18n key of a role's name."""
    return f"role_{getattr(role, 'value', role)}"
