"""Submit an interception (BGB officer) and see its ranked candidates right after.

The form posts to ``/interceptions``; the page stores it through ``api.services`` (which
matches it against the live index and audits) and redirects to ``/interceptions/{id}``
(post/redirect/get: a reload never submits twice). That page shows the interception's status
(``matched`` once a reviewer confirms) and its candidates, and, while it is open, the other open
interceptions the engine takes for the same child ("this child may already be in Shondhan as
I-...": ids and scores only). When the candidates are many and
alike, it says which detail to ask the child (the engine's ``ask_next``) with the box to type the
answer; posting it edits the interception (its earlier version kept) and shows the re-ranked
candidates in place.

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
from api.schemas import InterceptionEdit, InterceptionIn
from api.web.context import PageDep, WebRoute, live_index, top_k
from api.web.forms import parse_record_form
from api.web.places import district_names, upazila_names
from matcher.ask import ASKABLE_FIELDS, question_label
from matcher.records import Band, Language

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
    done = await run_in_threadpool(
        services.submit_interception,
        page.db,
        user,
        result.model,
        index=live_index(request),
        top_k=top_k(request),
    )
    return page.redirect(f"/web/interceptions/{done.row.interception_id}")


@router.get("/web/interceptions/{interception_id}", response_class=HTMLResponse)
def show_interception(request: Request, page: PageDep, interception_id: str) -> Response:
    """An interception, its status, its ranked candidates (officers: their own only) and, when
    the candidates are many and alike, the question to ask the child with the box to answer."""
    return _interception_page(request, page, interception_id)


def _interception_page(
    request: Request,
    page: PageDep,
    interception_id: str,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    user = page.require(Action.INTERCEPTION_READ)
    row, candidates = services.interception_candidates(page.db, user, interception_id)
    asked = services.ask_next(live_index(request), row, candidates)
    # "this child may already be in Shondhan as I-...": ids, scores and bands (audited reads)
    duplicates = services.possible_duplicates(page.db, user, row, index=live_index(request))
    return page.render(
        "interception.html",
        status=status,
        nav="submit",
        interception=row,
        candidates=candidates,
        can_review=page.may(Action.REVIEW_QUEUE),
        # (field, label in the page's language), best question first; only for who may edit
        ask_next=[(f, question_label(f, Language(page.lang.value))) for f in asked]
        if page.may(Action.INTERCEPTION_EDIT)
        else [],
        # "N reports fit this description": the candidates the engine did not rule unlikely
        fitting=sum(c.band is not Band.NO_MATCH for c in candidates) or len(candidates),
        duplicates=duplicates,
        # an officer reads only their own interceptions: the others' ids without links
        can_open_others=page.may(Action.REVIEW_QUEUE),
        errors=errors or [],
        values=values or {},
        districts=district_names(),
    )


@router.post("/web/interceptions/{interception_id}/answer", response_class=HTMLResponse)
async def answer_question(request: Request, page: PageDep, interception_id: str) -> Response:
    """Add what the child answered (the fields posted, blank ones ignored) and re-rank: the
    interception page again, post/redirect/get. Bad input re-shows the page with the error."""
    user = page.require(Action.INTERCEPTION_EDIT)
    form = dict(await request.form())
    posted = [f for f in ASKABLE_FIELDS if (v := form.get(f)) and isinstance(v, str) and v.strip()]
    if not posted:
        return page.redirect(f"/web/interceptions/{interception_id}")
    result = parse_record_form(
        {f: form[f] for f in posted},
        InterceptionEdit,
        id_field="interception_id",
    )
    if result.model is None:
        return _interception_page(
            request, page, interception_id, status=422, errors=result.errors, values=result.values
        )
    edit = InterceptionEdit.model_validate({f: getattr(result.model, f) for f in posted})
    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(
        services.edit_interception,
        page.db,
        user,
        interception_id,
        edit,
        index=live_index(request),
        top_k=top_k(request),
    )
    return page.redirect(f"/web/interceptions/{interception_id}")


@router.get("/web/places/upazilas")
def upazilas(page: PageDep, district: str = "") -> Response:
    """Upazila suggestions for a district (any spelling or script), for the form's datalist."""
    page.require()
    body = json.dumps(list(upazila_names(district[:200])), ensure_ascii=False)
    return JSONResponse(content=json.loads(body), headers={"Cache-Control": "max-age=3600"})
