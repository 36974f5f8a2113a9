"""``/webhook/deliveries``: the outgoing webhook's delivery attempts (admin; ids and counts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import services
from api.deps import SessionDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS
from api.schemas import WebhookDeliveryOut

router = APIRouter(tags=["webhook"], responses=AUTH_ERRORS)


@router.get("/webhook/deliveries", response_model=list[WebhookDeliveryOut])
def list_deliveries(
    session: SessionDep,
    user: Annotated[User, require_role(Action.WEBHOOK_READ)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[WebhookDeliveryOut]:
    """The latest delivery attempts, newest first: event id, attempt, how many candidate ids
    it carried, the receiver's status code or the error's type, delivered or not."""
    rows = services.list_deliveries(session, user, limit=limit)
    return [WebhookDeliveryOut.model_validate(r) for r in rows]
