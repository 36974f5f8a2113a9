"""The review workflow: the queue, decisions, and revocation (reviewers; admins revoke)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError

from api import services
from api.deps import CurrentUser, IndexDep, SessionDep, require_role
from api.errors import InvalidError
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
    may_read_reports,
)
from matcher.records import Band

router = APIRouter(tags=["review"], responses=AUTH_ERRORS)

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class QueueBand(StrEnum):
    """The bands a review-queue candidate can be in (the ``band`` filter's choices)."""

    MATCH = Band.MATCH.value
    REVIEW = Band.REVIEW.value


class QueueOrder(StrEnum):
    """How the review queue is ordered."""

    SCORE = "score"
    NEWEST = "newest"


@router.get("/review-queue", response_model=ReviewPage)
def review_queue(
    session: SessionDep,
    user: Annotated[User, require_role(Action.REVIEW_QUEUE)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    band: Annotated[QueueBand | None, Query(description="Only candidates in this band.")] = None,
    district: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description=(
                "Only interceptions whose child's home district is this district, in any "
                "spelling or script (Jessore = Jashore = যশোর; an upazila means its district)."
            ),
        ),
    ] = None,
    date_from: Annotated[
        date | None, Query(description="Only interceptions on or after this date (ISO).")
    ] = None,
    date_to: Annotated[
        date | None, Query(description="Only interceptions on or before this date (ISO).")
    ] = None,
    order: Annotated[
        QueueOrder, Query(description="`score` (highest first, the default) or `newest`.")
    ] = QueueOrder.SCORE,
) -> ReviewPage:
    """Candidates in the match/review bands awaiting a decision, highest score first, filtered
    by band, the interception's home district and the interception date (inclusive); ``total``
    counts the filtered queue. A bad filter value is a 422 naming the parameter, and so is a
    ``date_to`` before ``date_from`` (the service's rule, :func:`api.services.check_queue_filter`:
    an empty page would look like an empty queue)."""
    try:
        rows, total, others = services.review_queue(
            session,
            user,
            limit=limit,
            offset=offset,
            band=None if band is None else Band(band.value),
            district=district,
            date_from=date_from,
            date_to=date_to,
            newest=order is QueueOrder.NEWEST,
        )
    except InvalidError as exc:  # the service's filter policy, answered like a bad parameter
        if exc.field is None:
            raise
        raise RequestValidationError(
            [{"loc": ("query", exc.field), "msg": exc.detail, "type": "value_error"}]
        ) from None
    return ReviewPage(
        items=[
            candidate_out(r, reveal_report=may_read_reports(user)).model_copy(
                update={"group_others": others.get(r.id, 0)}
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
        new=services.new_in_queue(session, user),
    )


@router.get("/candidates/{candidate_id}", response_model=CandidateOut, responses=NOT_FOUND)
def get_candidate(
    candidate_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.REVIEW_QUEUE)],
) -> CandidateOut:
    """One candidate (audited)."""
    row = services.get_candidate(session, user, candidate_id)
    return candidate_out(row, reveal_report=may_read_reports(user))


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
    """Every decision on a candidate, oldest first (reviewers, admins), naming who decided and
    who revoked by username as well as id."""
    rows = services.list_decisions(session, user, candidate_id)
    names = services.usernames(session, [u for d in rows for u in (d.decided_by, d.revoked_by)])
    return [decision_out(d, names) for d in rows]


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
