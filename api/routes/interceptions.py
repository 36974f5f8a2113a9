"""``/interceptions``: submit an interception and get ranked candidates at once (BGB officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import services
from api.deps import IndexDep, SessionDep, SettingsDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import (
    ID_PATTERN,
    CandidateOut,
    ErrorOut,
    InterceptionIn,
    InterceptionOut,
    InterceptionResult,
    candidate_out,
    may_read_reports,
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

    A plain ``def`` route: matching runs in a worker thread, never on the event loop."""
    row, candidates = services.submit_interception(
        session, user, body, index=index, top_k=settings.top_k
    )
    return InterceptionResult(
        interception=InterceptionOut.model_validate(row),
        candidates=[candidate_out(c, reveal_report=may_read_reports(user)) for c in candidates],
    )


@router.get("/{interception_id}", response_model=InterceptionOut, responses=NOT_FOUND)
def get_interception(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.INTERCEPTION_READ)],
) -> InterceptionOut:
    """One interception (audited). BGB officers see only their own."""
    return InterceptionOut.model_validate(services.get_interception(session, user, interception_id))


@router.get("/{interception_id}/candidates", response_model=list[CandidateOut], responses=NOT_FOUND)
def list_candidates(
    interception_id: Annotated[str, Path(pattern=ID_PATTERN)],
    session: SessionDep,
    user: Annotated[User, require_role(Action.CANDIDATES_READ)],
) -> list[CandidateOut]:
    """The interception's stored candidates by rank, with their review status (audited)."""
    reveal = may_read_reports(user)
    rows = services.list_candidates(session, user, interception_id)
    return [candidate_out(c, reveal_report=reveal) for c in rows]
