"""The app factory: ``create_app(settings) -> FastAPI``.

Contract:
- No import-time singletons: everything (engine, sessions, matching index, batch runner,
  metrics) is built per app and kept on ``app.state``, so tests build apps against temporary
  databases. The web pages (``api.web``) read the same ``app.state``.
- At start-up (lifespan): migrations run (``Settings.run_migrations``), batch runs and imports
  that dead processes left unfinished are failed and cleaned up (leases, :mod:`api.lease`; a
  live process's are left alone) and the lease heartbeat starts, the matching index is built
  from the database, and the background index sync starts. At shutdown they stop in reverse order.
- Every error is a JSON body ``{"detail": ...}``: 401/403/404/409/413/422 as documented, and a
  bare 500 without stack trace or personal data for anything unexpected. Validation errors do
  not echo the submitted values.
- Request and upload bodies are size-limited (413); CORS is off unless origins are configured.
- Logs carry method, route template, status and time — never paths with ids, names or bodies.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import services
from api.db import make_engine, make_read_only_session_factory, make_session_factory
from api.errors import ServiceError
from api.jobs import ReconciliationRunner, fail_dead_runs
from api.matching import Index, LiveIndex, index_factory_for
from api.metrics import Metrics
from api.migrate import upgrade
from api.schemas import NUL_MESSAGE, ImportRefused, clean_text
from api.services import ImportOutcome
from api.settings import Settings
from api.throttle import SignInThrottle, client_source
from api.webhook import Webhook

log = logging.getLogger("api")

UPLOAD_PATHS = ("/reports/import", "/web/reports/import")


class _TooLargeError(StarletteHTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; FastAPI re-raises
    HTTP exceptions from body reading, so the client gets a 413, not a 400."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


class BodyLimitMiddleware:
    """Refuse request bodies above a limit with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.max_upload if path.endswith(UPLOAD_PATHS) else self.max_body
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_json(send, 413, {"detail": "request body too large"})
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLargeError()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await _send_json(send, 413, {"detail": "request body too large"})


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    response = JSONResponse(body, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class SignInLimitMiddleware:
    """The sign-in rate limit (``api.throttle``): ``POST /login`` beyond the per-source limit
    gets a 429 with ``Retry-After`` here, on the event loop, before the form is read, a
    database session opened or a password hashed. The answer is a page rendered once per
    language when the app starts, so a flood of sign-ins costs the rest of the service next to
    nothing."""

    def __init__(self, app: ASGIApp, *, throttle: SignInThrottle) -> None:
        self.app = app
        self.throttle = throttle
        self._pages: dict[str, Response] = {}

    def _page(self, scope: Scope) -> Response:
        from api.web.context import error_page
        from api.web.i18n import parse_lang
        from api.web.security import LANG_COOKIE

        request = Request(scope)
        lang = parse_lang(request.cookies.get(LANG_COOKIE)).value
        if lang not in self._pages:
            self._pages[lang] = error_page(request, 429, "sign_in_rate_limited")
        return self._pages[lang]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("path") == ("/login")
        ):
            wait = self.throttle.admit(client_source(scope))
            if wait is not None:
                page = self._page(scope)
                headers = [
                    *[(k, v) for k, v in page.raw_headers if k != b"retry-after"],
                    (b"retry-after", str(int(wait + 0.999)).encode()),
                ]
                await send({"type": "http.response.start", "status": 429, "headers": headers})
                await send({"type": "http.response.body", "body": page.body})
                return
        await self.app(scope, receive, send)


_TEXT_BODIES = (b"application/x-www-form-urlencoded", b"application/json")


def _nul_in(payload: object, where: list[str | int]) -> list[str | int] | None:
    """Where in a decoded JSON value :func:`api.schemas.clean_text` refuses a string."""
    if isinstance(payload, str):
        try:
            clean_text(payload)
        except ValueError:
            return where
    elif isinstance(payload, dict):
        for key, value in payload.items():
            found = _nul_in(key, where) or _nul_in(value, [*where, key])
            if found:
                return found
    elif isinstance(payload, list):
        for i, value in enumerate(payload):
            found = _nul_in(value, [*where, i])
            if found:
                return found
    return None


#: How a NUL can be written in a URL-encoded string (query, form) and in JSON: raw, or escaped.
#: A body holding none of these holds no NUL, and is not decoded to be searched (the check
#: costs a byte search per request; only a body that may hold one is parsed to say where).
_NUL_FORM = (b"\x00", b"%00")
_NUL_JSON = (b"\x00", b"\\u0000")


def _may_hold_nul(raw: bytes, spellings: tuple[bytes, ...]) -> bool:
    return any(s in raw for s in spellings)


def refused_text(scope: Scope, body: bytes) -> list[str | int] | None:
    """Where a request carries text :func:`api.schemas.clean_text` refuses (a NUL), as a
    validation ``loc`` (``["path"]``, ``["query", name]``, ``["body", field ...]``), or ``None``.

    Every door is checked here, before any route, page or form parser sees the request: the
    path, the query string, and form or JSON bodies. (Record fields are cleaned again by the
    schemas, which also drop bidi controls; CSV cells go through the same schemas.)
    """
    try:
        clean_text(scope.get("path", ""))
    except ValueError:
        return ["path"]
    query: bytes = scope.get("query_string", b"")
    if _may_hold_nul(query, _NUL_FORM):
        for name, value in parse_qsl(query.decode("latin-1"), True):
            found = _nul_in(name, ["query", name]) or _nul_in(value, ["query", name])
            if found:
                return found
    if not body:
        return None
    kind = dict(scope.get("headers", [])).get(b"content-type", b"")
    if kind.startswith(b"application/json"):
        if not _may_hold_nul(body, _NUL_JSON):
            return None
        try:
            return _nul_in(json.loads(body), ["body"])
        except ValueError:
            return None  # not JSON: the route's own parser answers
    if not _may_hold_nul(body, _NUL_FORM):
        return None
    for name, value in parse_qsl(body.decode("utf-8", "replace"), True):
        found = _nul_in(name, ["body", name]) or _nul_in(value, ["body", name])
        if found:
            return found
    return None


class InputTextMiddleware:
    """Refuse, with a 422 naming where, any request whose path, query or form/JSON body holds
    a NUL character (:func:`refused_text`). Form and JSON bodies are read whole (they are small:
    :class:`BodyLimitMiddleware` limits them) and handed on unchanged; uploads stream past."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = dict(scope.get("headers", [])).get(b"content-type", b"")
        body = b""
        replay: list[Message] = []
        if kind.startswith(_TEXT_BODIES):
            while True:
                message = await receive()
                replay.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        where = refused_text(scope, body)
        if where is not None:
            detail = [{"loc": where, "msg": NUL_MESSAGE, "type": "value_error"}]
            await _send_json(send, 422, {"detail": detail})
            return
        if not replay:
            await self.app(scope, receive, send)
            return

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)


class ObserveMiddleware:
    """Metrics and one log line per request (method, route template, status, milliseconds),
    and the last line of defence: an unexpected exception becomes a bare JSON 500 here and is
    *not* re-raised, so no server log ever prints its message or traceback (which could hold
    record values). Only its type is logged; the traceback goes to DEBUG."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def capture(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
                message = _no_store(scope, message)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            log.error("unexpected %s on %s %s", type(exc).__name__, scope.get("method"), route)
            log.debug("traceback", exc_info=True)
            if not started:
                await _send_json(send, 500, {"detail": "internal error"})
            status = 500
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            elapsed = time.perf_counter() - start
            self.metrics.observe(route, scope.get("method", ""), status, elapsed)
            log.info("%s %s %d %.1fms", scope.get("method"), route, status, elapsed * 1000)


def _no_store(scope: Scope, start: Message) -> Message:
    """``Cache-Control: no-store`` on every answer that sets no cache policy of its own: any of
    them may carry a child's record (JSON, pages, CSV files), and none may stay in a browser's
    or a proxy's cache. Static files and the few answers that set their own policy (public
    place lists) keep theirs."""
    headers = list(start.get("headers", []))
    if scope.get("path", "").startswith("/static/") or any(
        name.lower() == b"cache-control" for name, _ in headers
    ):
        return start
    return {**start, "headers": [*headers, (b"cache-control", b"no-store")]}


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> Response:
        outcome = exc.extra.get("outcome")
        if isinstance(outcome, ImportOutcome):
            # At most SHOWN_REJECTS rejects, and encoded on a worker thread all the same: the
            # event loop serves everyone else.
            def body() -> bytes:
                refused = ImportRefused(detail=exc.detail, **dict(outcome.result()))
                return refused.model_dump_json().encode()

            content = await run_in_threadpool(body)
            return Response(content, status_code=exc.status, media_type="application/json")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        # E.g. SQLite still locked by a long import after the busy timeout, or PostgreSQL
        # restarting: the request did nothing (its transaction rolled back); try again.
        route = getattr(request.scope.get("route"), "path", "<unmatched>")
        log.warning("database unavailable on %s %s", request.method, route)
        return JSONResponse(
            {"detail": "database busy or unavailable; retry"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say where and what is wrong, never echo the value (it may be a name or a phone).
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)


def create_app(
    settings: Settings | None = None, *, index_factory: Callable[[], Index] | None = None
) -> FastAPI:
    """A new app for ``settings`` (default: from the environment).

    ``index_factory`` builds the engine's index (default: ``matcher.index.MatchIndex`` with the
    model at ``settings.model_path``, or the shipped one); tests of the HTTP layer may pass a
    small fake. A model file that cannot be read raises here, before anything is served.
    """
    settings = settings or Settings()
    if index_factory is None:
        index_factory = index_factory_for(settings.model_path)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    read_sessions = make_read_only_session_factory(engine)
    index = LiveIndex(
        read_sessions,
        index_factory=index_factory,
        interval=settings.index_sync_interval,
        top_k=settings.top_k,
    )
    runner = ReconciliationRunner(
        sessions,
        read_sessions,
        index,
        top_k=settings.top_k,
        chunk=settings.reconciliation_chunk,
        lease_seconds=settings.job_lease_seconds,
    )
    metrics = Metrics(lambda: float(len(index)))
    webhook: Webhook | None = None
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        webhook = Webhook(
            sessions, settings.webhook_url, settings.webhook_secret.get_secret_value()
        )
        index.candidate_listeners.append(webhook.notify)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations:
            upgrade(engine)
        with sessions() as session:
            interrupted = fail_dead_runs(session, lease_seconds=settings.job_lease_seconds)
            discarded = services.discard_dead_imports(
                session, lease_seconds=settings.job_lease_seconds
            )
        if interrupted or discarded:
            log.warning(
                "%d reconciliations and %d imports of dead processes marked failed",
                interrupted,
                discarded,
            )
        runner.start()
        index.load()
        if settings.sync_enabled:
            index.start()
        if webhook is not None:
            webhook.start()
        try:
            yield
        finally:
            if webhook is not None:
                webhook.stop()
            index.stop()
            runner.shutdown()
            engine.dispose()

    app = FastAPI(
        title="Shondhan",
        version="0.1.0",
        summary="Match border interceptions against missing-person reports.",
        description=(
            "Every endpoint except `/health` needs `Authorization: Bearer <token>` "
            "(`shondhan users create`). Roles: bgb_officer, police_reviewer, analyst, admin."
        ),
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI / ReDoc from a CDN; ours (api.web.docs_pages) don't.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.read_sessions = read_sessions
    app.state.index = index
    app.state.runner = runner
    app.state.metrics = metrics
    app.state.webhook = webhook
    app.state.secret_key = (settings.secret_key or "").encode() or _random_secret()
    app.state.sign_in_throttle = throttle = SignInThrottle(per_minute=settings.sign_in_per_minute)

    from api.routes import (
        audit,
        health,
        interceptions,
        reconciliations,
        reports,
        review,
        users,
    )
    from api.routes import webhook as webhook_routes
    from api.web.pages import router as web_router

    routers = (
        health,
        reports,
        interceptions,
        review,
        reconciliations,
        audit,
        users,
        webhook_routes,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(web_router)
    _error_handlers(app)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(InputTextMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    app.add_middleware(SignInLimitMiddleware, throttle=throttle)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    return app


def _random_secret() -> bytes:
    import secrets

    return secrets.token_bytes(32)
