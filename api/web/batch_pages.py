"""Batch reconciliation (analyst): start a run, watch its progress, download the candidates.

Runs go through ``api.services`` (the same runner, audit and CSV as ``POST /reconciliations``).
The run page refreshes itself every few seconds while the run is queued or running (a ``<meta>``
refresh: no JavaScript), showing a ``<progress>`` bar of interceptions done out of total.
The CSV is the engine's candidates format (ids, scores, bands, explanations and the strongest
field), the same file ``shondhan reconcile`` writes.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api import services
from api.models import JobStatus
from api.roles import Action
from api.web.context import PageDep, PageError, WebRoute
from matcher.records import Band

router = APIRouter(route_class=WebRoute, include_in_schema=False)

RECENT_RUNS = 20
REFRESH_SECONDS = 2


@router.get("/web/reconciliations", response_class=HTMLResponse)
def runs_page(page: PageDep) -> Response:
    """Start a run; the most recent runs (ids, status and counts only)."""
    user = page.require(Action.RECONCILIATION_READ)
    runs = services.recent_reconciliations(page.db, user, limit=RECENT_RUNS)
    return page.render("reconciliations.html", nav="reconcile", runs=runs)


@router.post("/web/reconciliations")
def start_run(page: PageDep) -> Response:
    """Queue a run of all open interceptions against all open reports."""
    user = page.require(Action.RECONCILIATION_START)
    runner = getattr(page.request.app.state, "runner", None)
    if runner is None:
        raise PageError(503, "service_unavailable")
    run = services.start_reconciliation(page.db, user, runner=runner)
    return page.redirect(f"/web/reconciliations/{run.id}")


@router.get("/web/reconciliations/{reconciliation_id}", response_class=HTMLResponse)
def run_page(page: PageDep, reconciliation_id: str) -> Response:
    """One run's progress (refreshes itself until the run ends)."""
    user = page.require(Action.RECONCILIATION_READ)
    run = services.get_reconciliation(page.db, user, reconciliation_id)
    active = run.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    bands = services.reconciliation_band_counts(page.db, user, reconciliation_id)
    return page.render(
        "reconciliation.html",
        nav="reconcile",
        run=run,
        bands=bands,
        possible=bands[Band.MATCH] + bands[Band.REVIEW],
        active=active,
        refresh=REFRESH_SECONDS if active else None,
    )


@router.get("/web/reconciliations/{reconciliation_id}/candidates.csv")
def download(page: PageDep, reconciliation_id: str) -> Response:
    """The run's candidates as CSV (audited download)."""
    user = page.require(Action.RECONCILIATION_READ)
    text = services.reconciliation_csv(page.db, user, reconciliation_id)
    response = Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="reconciliation-{reconciliation_id}.csv"'
        },
    )
    page.finish(response)
    return response
