"""The review workflow: the queue, decisions, and revocation (reviewers; admins revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api import services
from api.deps import CurrentUser, IndexDep, SessionDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import (
    CandidateOut,
    DecisionIn,
    DecisionOut,
    ReviewPage,
    RevokeIn,
    candidate_out,
    decision_out,
)

router = APIRouter(tags=["review"], responses=AUTH_ERRORS)

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


@router.get("/review-queue", response_model=ReviewPage)
def review_queue(
    session: SessionDep,
    user: Annotated[User, require_role(Action.REVIEW_QUEUE)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReviewPage:
    """Candidates in the match/review bands awaiting a decision, highest score first."""
    rows, total = services.review_queue(session, user, limit=limit, offset=offset)
    return ReviewPage(
        items=[candidate_out(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/candidates/{candidate_id}", response_model=CandidateOut, responses=NOT_FOUND)
def get_candidate(
    candidate_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.REVIEW_QUEUE)],
) -> CandidateOut:
    """One candidate (audited)."""
    return candidate_out(services.get_candidate(session, user, candidate_id))


@router.post(
    "/candidates/{candidate_id}/decision",
    response_model=DecisionOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
)
def decide(
    candidate_id: HexId,
    body: DecisionIn,
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.DECIDE)],
) -> DecisionOut:
    """``confirm`` / ``reject`` / ``unsure`` with a note. A confirmation marks the report found
    and the interception matched; a second confirmation on either is refused (409) until an
    admin revokes the first."""
    return decision_out(services.decide(session, user, candidate_id, body, index=index))


@router.get(
    "/candidates/{candidate_id}/decisions", response_model=list[DecisionOut], responses=NOT_FOUND
)
def list_decisions(
    candidate_id: HexId, session: SessionDep, user: CurrentUser
) -> list[DecisionOut]:
    """Every decision on a candidate, oldest first (reviewers, admins)."""
    return [decision_out(d) for d in services.list_decisions(session, user, candidate_id)]


@router.post(
    "/decisions/{decision_id}/revoke",
    response_model=DecisionOut,
    responses={**NOT_FOUND, **CONFLICT},
)
def revoke_decision(
    decision_id: HexId,
    body: RevokeIn,
    session: SessionDep,
    index: IndexDep,
    user: Annotated[User, require_role(Action.REVOKE_DECISION)],
) -> DecisionOut:
    """Revoke a candidate's latest decision, with a reason (admin)."""
    return decision_out(
        services.revoke_decision(session, user, decision_id, body.reason, index=index)
    )
