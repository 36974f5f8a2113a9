"""``/reconciliations``: batch runs of all open interceptions against all open reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from api import services
from api.deps import SessionDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS, NOT_FOUND
from api.schemas import ReconciliationOut, reconciliation_out

router = APIRouter(prefix="/reconciliations", tags=["reconciliations"], responses=AUTH_ERRORS)

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ReconciliationOut)
def start(
    request: Request,
    session: SessionDep,
    user: Annotated[User, require_role(Action.RECONCILIATION_START)],
) -> ReconciliationOut:
    """Start a batch run in the background; poll ``GET /reconciliations/{id}`` for progress."""
    run = services.start_reconciliation(session, user, runner=request.app.state.runner)
    return reconciliation_out(run)


@router.get("/{reconciliation_id}", response_model=ReconciliationOut, responses=NOT_FOUND)
def get(
    reconciliation_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.RECONCILIATION_READ)],
) -> ReconciliationOut:
    """A run's status and progress."""
    return reconciliation_out(services.get_reconciliation(session, user, reconciliation_id))


@router.get(
    "/{reconciliation_id}/candidates.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **NOT_FOUND,
    },
)
def candidates_csv(
    reconciliation_id: HexId,
    session: SessionDep,
    user: Annotated[User, require_role(Action.RECONCILIATION_READ)],
) -> Response:
    """The run's ranked candidates as CSV, the engine's candidates format (the same as
    ``shondhan reconcile`` writes): ``interception_id, report_id, rank, score, band,
    explanation, top_field, top_weight``."""
    text = services.reconciliation_csv(session, user, reconciliation_id)
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{reconciliation_id}.csv"'},
    )
