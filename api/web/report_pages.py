"""Reports (police reviewer): add one, import a CSV with a per-row error table, search by name.

Adding and importing go through ``api.services`` (one transaction each, audited, the live index
updated). The import is all-or-nothing unless "keep the good rows" is ticked; either way the first
1,000 bad rows are listed with their row number, field and reason (never the value itself),
with counts of all of them by field and reason and a link to download them all as CSV.

Search: by name in either script, through :func:`api.services.search_reports` (the same
operation as ``POST /reports/search``): an index look-up on the stored name keys, newest first,
each report shown is an audited read. The search form is a POST (CSRF-checked like every form)
answered with the page itself, not a redirect: a child's name must never be in a URL, where
proxy access logs, browser history and Referer headers would keep it. The GET page ignores any
``?q=`` (a stale bookmark shows the empty form; the search never runs from a URL).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import services
from api.errors import InvalidError
from api.roles import Action
from api.schemas import ReportIn
from api.services import ImportOutcome
from api.web.context import PageDep, WebRoute, live_index
from api.web.forms import parse_record_form
from api.web.places import district_names

log = logging.getLogger(__name__)
router = APIRouter(route_class=WebRoute, include_in_schema=False)

SEARCH_LIMIT = 50
SEARCH_QUERY_MAX = 200
FLASHES = frozenset({"report_added"})


def _render(page: PageDep, status: int = 200, **context: Any) -> Response:
    defaults: dict[str, Any] = {
        "values": {},
        "errors": [],
        "outcome": None,
        "import_error": None,
        "results": None,
        "q": "",
        "districts": district_names(),
        "can_add": page.may(Action.REPORT_CREATE),
        "can_import": page.may(Action.REPORT_IMPORT),
    }
    defaults.update(context)
    return page.render("reports.html", status=status, nav="reports", **defaults)


@router.get("/web/reports", response_class=HTMLResponse)
def reports_page(page: PageDep) -> Response:
    """Add / import forms and the name search (any ``?q=`` is ignored: names stay out of URLs)."""
    page.require(Action.REPORT_READ)
    return _render(page)


@router.post("/web/reports/search", response_class=HTMLResponse)
async def search_reports(request: Request, page: PageDep) -> Response:
    """Search by name (either script) and render the page with the results; no redirect, so
    the name never reaches a URL. A blank name shows the empty form."""
    user = page.require(Action.REPORT_READ)
    form = await request.form()
    given = form.get("q")
    q = given[:SEARCH_QUERY_MAX] if isinstance(given, str) else ""
    if not q.strip():
        return _render(page)
    results = await run_in_threadpool(services.search_reports, page.db, user, q, limit=SEARCH_LIMIT)
    return _render(page, results=results, q=q)


@router.get("/web/reports/search", response_class=HTMLResponse)
def search_page(page: PageDep) -> Response:
    """The search's own address read with GET (the language switch, a sign-in's way back):
    the reports page with the empty form."""
    page.require(Action.REPORT_READ)
    return page.redirect("/web/reports")


@router.post("/web/reports", response_class=HTMLResponse)
async def add_report(request: Request, page: PageDep) -> Response:
    """Store one report (it becomes matchable at once)."""
    user = page.require(Action.REPORT_CREATE)
    form = await request.form()
    result = parse_record_form(dict(form), ReportIn, id_field="report_id")
    if result.model is None:
        return _render(page, status=422, values=result.values, errors=result.errors)
    row = await run_in_threadpool(
        services.create_report, page.db, user, result.model, index=live_index(request)
    )
    return page.redirect(f"/web/reports/{row.report_id}?done=report_added")


@router.post("/web/reports/import", response_class=HTMLResponse)
async def import_reports(request: Request, page: PageDep) -> Response:
    """Import a CSV in the engine's report format; show every bad row."""
    user = page.require(Action.REPORT_IMPORT)
    form = await request.form()
    upload = form.get("file")
    partial = form.get("partial") == "on"
    if not isinstance(upload, UploadFile):
        return _render(page, status=422, import_error="error")

    def run() -> ImportOutcome:
        return services.import_reports(
            page.db, user, upload.file, partial=partial, index=live_index(request), label="upload"
        )

    # The import and the page (up to SHOWN_REJECTS rows) are built on worker threads: the
    # event loop keeps serving everyone else.
    try:
        outcome = await run_in_threadpool(run)
    except InvalidError as exc:
        refused = exc.extra.get("outcome")
        if isinstance(refused, ImportOutcome):
            return await run_in_threadpool(_render, page, 422, outcome=refused)
        return _render(page, status=422, import_error=exc.detail)
    return await run_in_threadpool(_render, page, 200, outcome=outcome)


@router.get("/web/reports/imports/{attempt_id}/rejects.csv")
def import_rejects(page: PageDep, attempt_id: str) -> Response:
    """Every reject of one of the user's imports, as CSV (the same file as the API's;
    audited)."""
    user = page.require(Action.REPORT_IMPORT)
    pieces = services.rejects_csv(page.db, user, attempt_id[:32])
    return StreamingResponse(
        pieces,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rejects.csv"'},
    )


@router.get("/web/reports/{report_id}", response_class=HTMLResponse)
def show_report(request: Request, page: PageDep, report_id: str, done: str = "") -> Response:
    """One report, its status, the children already intercepted who may be this child (its
    candidates, best first) and the other open reports of the same child (ids only); audited
    reads."""
    user = page.require(Action.REPORT_READ)
    row, same_child = services.same_child_reports(
        page.db, user, report_id, index=live_index(request)
    )
    _, pairs = services.report_candidates(page.db, user, report_id, report_read=False)
    return page.render(
        "report.html",
        nav="reports",
        report=row,
        same_child=[p.second for p in same_child],
        pairs=pairs,
        flash=done if done in FLASHES else None,
    )
