"""``/reports``: add, read, import and search missing-person reports (police reviewers; reading
and searching also analysts).

A name search is ``POST /reports/search`` with the name in the JSON body: a child's name must
not travel in a URL (proxies log URLs, browsers keep them in history and Referer headers).
``GET /reports?name=`` stays for existing clients and is marked deprecated.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from api import services
from api.deps import IndexDep, SessionDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import (
    ID_PATTERN,
    ErrorOut,
    ImportRefused,
    ImportResult,
    InterceptionOut,
    ReportCandidatesOut,
    ReportIn,
    ReportOut,
    ReportSearchIn,
    SameChildOut,
    candidate_out,
)

router = APIRouter(prefix="/reports", tags=["reports"], responses=AUTH_ERRORS)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportOut, responses=CONFLICT)
def create_report(
    body: ReportIn,
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.REPORT_CREATE)],
) -> ReportOut:
    """Add one report; it is matchable by the next interception (in every server process
    within a few seconds)."""
    row = services.create_report(session, user, body, index=index)
    return ReportOut.model_validate(row)


@router.post(
    "/import",
    response_model=ImportResult,
    responses={
        413: {"model": ErrorOut, "description": "Upload too large"},
        422: {"model": ImportRefused, "description": "Bad rows or unreadable file; nothing stored"},
    },
)
def import_reports(
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.REPORT_IMPORT)],
    file: Annotated[UploadFile, File(description="CSV in the engine's report format")],
    partial: Annotated[
        bool, Query(description="Keep the good rows when some are bad (default: all or none)")
    ] = False,
) -> ImportResult:
    """Import a reports CSV, all of it or none of it unless ``partial=true``. The answer lists
    the first 1,000 bad rows (row number, field, reason — never the value), counts all of them
    by field and reason, and links the full list (``rejects_csv``). A file that is not UTF-8
    text is refused by name (422 on ``file``)."""
    outcome = services.import_reports(session, user, file.file, partial=partial, index=index)
    return outcome.result()


@router.get(
    "/imports/{attempt_id}/rejects.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **NOT_FOUND,
    },
)
def import_rejects(
    attempt_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    session: SessionDep,
    user: Annotated[User, require_role(Action.REPORT_IMPORT)],
) -> StreamingResponse:
    """Every reject of one of your imports: ``source, row_number, record_id, field, reason``
    (the download is audited; cells are never live formulas)."""
    pieces = services.rejects_csv(session, user, attempt_id)
    return StreamingResponse(
        pieces,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rejects-{attempt_id}.csv"'},
    )


@router.post("/search", response_model=list[ReportOut])
def search_by_name(
    body: ReportSearchIn,
    session: SessionDep,
    user: Annotated[User, require_role(Action.REPORT_READ)],
) -> list[ReportOut]:
    """Reports whose child's name has every name key of ``name`` (spelling- and script-proof:
    "Rohima Khatoon" finds "Mst. Rahima Khatun" and "রহিমা খাতুন"), newest first, at most
    ``limit``. The name is sent in the body so that it never appears in a URL (and so in no
    proxy access log). An index look-up, not a scan; every report returned is an audited read.
    A name with no usable token (only a prefix, only emoji) returns ``[]``."""
    rows = services.search_reports(session, user, body.name, limit=body.limit)
    return [ReportOut.model_validate(r) for r in rows]


@router.get("", response_model=list[ReportOut], deprecated=True)
def search_reports(
    session: SessionDep,
    user: Annotated[User, require_role(Action.REPORT_READ)],
    name: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A child's name in either script; prefixes (Md., Mst., মোছাঃ) ignored",
            examples=["Rohima Khatoon"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=services.SEARCH_LIMIT_MAX)] = 50,
) -> list[ReportOut]:
    """Deprecated: use ``POST /reports/search`` (the name in the body). Names in URLs are
    written to reverse-proxy access logs, browser history and Referer headers.

    Same search, response, audit and role as ``POST /reports/search``; kept for existing
    clients."""
    rows = services.search_reports(session, user, name, limit=limit)
    return [ReportOut.model_validate(r) for r in rows]


@router.get("/{report_id}", response_model=ReportOut, responses=NOT_FOUND)
def get_report(
    report_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.REPORT_READ)],
) -> ReportOut:
    """One report (the read is audited)."""
    return ReportOut.model_validate(services.get_report(session, user, report_id))


@router.get("/{report_id}/same-child", response_model=list[SameChildOut], responses=NOT_FOUND)
def same_child(
    report_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.REPORT_READ)],
) -> list[SameChildOut]:
    """Other open reports of the same child as this one (filed at another police station, or
    twice at one), best first, by the engine's dedupe scoring (``matcher.dedupe``): ids and
    scores only. An audited read of this report."""
    _, pairs = services.same_child_reports(session, user, report_id, index=index)
    return [SameChildOut(report_id=p.second, score=round(p.score, 4)) for p in pairs]


@router.get("/{report_id}/candidates", response_model=ReportCandidatesOut, responses=NOT_FOUND)
def report_candidates(
    report_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.REPORT_READ)],
) -> ReportCandidatesOut:
    """Children already intercepted who may be this child: the report's candidates, best score
    first, and their interceptions (reviewers, analysts; audited)."""
    report, pairs = services.report_candidates(session, user, report_id)
    seen: dict[str, InterceptionOut] = {}
    for _, i in pairs:
        seen.setdefault(i.interception_id, InterceptionOut.model_validate(i))
    return ReportCandidatesOut(
        report=ReportOut.model_validate(report),
        candidates=[candidate_out(c, reveal_report=True) for c, _ in pairs],
        interceptions=list(seen.values()),
    )
