"""``/audit``: the append-only log of who read or changed which record (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import services
from api.deps import SessionDep, require_role
from api.models import User
from api.roles import Action
from api.routes import AUTH_ERRORS
from api.schemas import ID_PATTERN, AuditEventOut, AuditPage

router = APIRouter(tags=["audit"], responses=AUTH_ERRORS)


@router.get("/audit", response_model=AuditPage)
def list_audit(
    session: SessionDep,
    user: Annotated[User, require_role(Action.AUDIT_READ)],
    after_id: Annotated[int, Query(ge=0, le=services.AUDIT_AFTER_ID_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    record_type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
    record_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> AuditPage:
    """Events in order after ``after_id``; pass ``next_after_id`` back for the next page."""
    rows = services.list_audit(
        session, user, after_id=after_id, limit=limit, record_type=record_type, record_id=record_id
    )
    items = [AuditEventOut.model_validate(r) for r in rows]
    return AuditPage(items=items, next_after_id=items[-1].id if len(items) == limit else None)
