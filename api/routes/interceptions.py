"""``/interceptions``: submit an interception and get ranked candidates at once (BGB officers),
edit it (re-ranked at once, earlier versions kept), and what to ask the child next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import services
from api.deps import IndexDep, SessionDep, SettingsDep, require_role
from api.matching import LiveIndex
from api.models import CandidateRow, InterceptionRow, User
from api.roles import Action
from api.routes import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import (
    ID_PATTERN,
    ErrorOut,
    InterceptionEdit,
    InterceptionIn,
    InterceptionOut,
    InterceptionResult,
    InterceptionVersionOut,
    candidate_out,
    duplicate_out,
    may_read_reports,
    questions_out,
)

router = APIRouter(prefix="/interceptions", tags=["interceptions"], responses=AUTH_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InterceptionResult,
    responses={**CONFLICT, 503: {"model": ErrorOut, "description": "Index still loading"}},
)
def submit_interception(
    body: InterceptionIn,
    session: SessionDep,
    index: IndexDep,
    settings: SettingsDep,
    user: Annotated[User, require_role(Action.INTERCEPTION_CREATE)],
) -> InterceptionResult:
    """Store an interception and return its ranked candidates (score 0-1, band, explanation).

    A plain ``def`` route: matching runs in a worker thread, never on the event loop. The
    submission is served in its turn (:meth:`api.matching.LiveIndex.submission`; the session
    has no transaction open yet)."""
    with index.submission():
        return _submitted(
            services.submit_interception(session, user, body, index=index, top_k=settings.top_k),
            user=user,
        )


def _submitted(done: services.Submitted, *, user: User) -> InterceptionResult:
    reveal = may_read_reports(user)
    return InterceptionResult(
        interception=InterceptionOut.model_validate(done.row),
        candidates=[
            candidate_out(c, reveal_report=reveal, account=a)
            for c, a in zip(done.candidates, done.accounts, strict=True)
        ],
        ask_next=questions_out(done.questions),
        possible_duplicates=[duplicate_out(d) for d in done.duplicates],
    )


def _result(
    row: InterceptionRow, candidates: list[CandidateRow], *, user: User, index: LiveIndex
) -> InterceptionResult:
    return InterceptionResult(
        interception=InterceptionOut.model_validate(row),
        candidates=[candidate_out(c, reveal_report=may_read_reports(user)) for c in candidates],
        ask_next=questions_out(services.ask_next(index, row, candidates)),
    )


@router.patch(
    "/{interception_id}",
    response_model=InterceptionResult,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorOut, "description": "Matched, or edited by someone else meanwhile"},
        503: {"model": ErrorOut, "description": "Index still loading"},
    },
)
def edit_interception(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    body: InterceptionEdit,
    session: SessionDep,
    index: IndexDep,
    settings: SettingsDep,
    user: Annotated[User, require_role(Action.INTERCEPTION_EDIT)],
) -> InterceptionResult:
    """Add or correct details (only the fields sent; ``null`` clears one) and re-rank at once.

    Its officer or a reviewer; a matched interception is refused (409). The replaced details
    are kept as a version (``GET /interceptions/{id}/versions``) and the edit is audited."""
    row, candidates = services.edit_interception(
        session, user, interception_id, body, index=index, top_k=settings.top_k
    )
    return _result(row, candidates, user=user, index=index)


@router.get(
    "/{interception_id}/versions",
    response_model=list[InterceptionVersionOut],
    responses=NOT_FOUND,
)
def interception_versions(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.INTERCEPTION_READ)],
) -> list[InterceptionVersionOut]:
    """The interception's earlier details, oldest first (version 1: as submitted; audited)."""
    rows = services.interception_versions(session, user, interception_id)
    return [InterceptionVersionOut.model_validate(r) for r in rows]


@router.get("/{interception_id}", response_model=InterceptionOut, responses=NOT_FOUND)
def get_interception(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.INTERCEPTION_READ)],
) -> InterceptionOut:
    """One interception (audited). BGB officers see only their own."""
    return InterceptionOut.model_validate(services.get_interception(session, user, interception_id))


@router.get("/{interception_id}/candidates", response_model=InterceptionResult, responses=NOT_FOUND)
def list_candidates(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.CANDIDATES_READ)],
) -> InterceptionResult:
    """The interception, its current candidates by rank with their review status, and
    ``ask_next`` (audited)."""
    row, candidates = services.interception_candidates(session, user, interception_id)
    return _result(row, candidates, user=user, index=index)
