"""Submit an interception (BGB officer) and see its ranked candidates right after.

The form posts to ``/interceptions``; the page stores it through ``api.services`` (which
matches it against the live index and audits) and redirects to ``/interceptions/{id}``
(post/redirect/get: a reload never submits twice). That page shows the interception's status
(``matched`` once a reviewer confirms) and its candidates.

Privacy: a BGB officer may not read reports (``api.roles``), so candidates are shown to them
as report id, score, band and the engine's explanation only — never the report's names or
phone. Reviewers get a link to the side-by-side candidate page.
"""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import services
from api.roles import Action
from api.schemas import InterceptionIn
from api.web.context import PageDep, WebRoute, live_index, top_k
from api.web.forms import parse_record_form
from api.web.places import district_names, upazila_names

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/web/interceptions/new", response_class=HTMLResponse)
def new_interception(page: PageDep) -> Response:
    """The short interception form, with gazetteer suggestions in both scripts."""
    page.require(Action.INTERCEPTION_CREATE)
    return page.render(
        "interception_new.html",
        nav="submit",
        values={"interception_date": date.today().isoformat()},
        errors=[],
        districts=district_names(),
    )


@router.post("/web/interceptions", response_class=HTMLResponse)
async def submit_interception(request: Request, page: PageDep) -> Response:
    """Store the interception, match it, and show its candidates."""
    page.require(Action.INTERCEPTION_CREATE)
    form = await request.form()
    result = parse_record_form(dict(form), InterceptionIn, id_field="interception_id")
    if result.model is None:
        return page.render(
            "interception_new.html",
            status=422,
            nav="submit",
            values=result.values,
            errors=result.errors,
            districts=district_names(),
        )
    from starlette.concurrency import run_in_threadpool

    user = page.require(Action.INTERCEPTION_CREATE)
    row, _ = await run_in_threadpool(
        services.submit_interception,
        page.db,
        user,
        result.model,
        index=live_index(request),
        top_k=top_k(request),
    )
    return page.redirect(f"/web/interceptions/{row.interception_id}")


@router.get("/web/interceptions/{interception_id}", response_class=HTMLResponse)
def show_interception(page: PageDep, interception_id: str) -> Response:
    """An interception, its status and its ranked candidates (officers: their own only)."""
    user = page.require(Action.INTERCEPTION_READ)
    row = services.get_interception(page.db, user, interception_id)
    candidates = services.list_candidates(page.db, user, interception_id)
    return page.render(
        "interception.html",
        nav="submit",
        interception=row,
        candidates=candidates,
        can_review=page.may(Action.REVIEW_QUEUE),
    )


@router.get("/web/places/upazilas")
def upazilas(page: PageDep, district: str = "") -> Response:
    """Upazila suggestions for a district (any spelling or script), for the form's datalist."""
    page.require()
    body = json.dumps(list(upazila_names(district[:200])), ensure_ascii=False)
    return JSONResponse(content=json.loads(body), headers={"Cache-Control": "max-age=3600"})
