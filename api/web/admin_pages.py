"""Administration (admin): users and roles, token revocation, revoking a decision, audit log.

Everything goes through ``api.services`` (role checks and audit included). Least privilege:
an admin manages accounts and reads the audit trail, which holds ids and verbs only — these
pages never show a child's record. A new user's first API token is shown once, on the page that
created it, and never again.
"""

from __future__ import annotations

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api import services
from api.errors import ConflictError, NotFoundError
from api.roles import Action, Role
from api.schemas import Reason, Username
from api.web.context import PageDep, WebRoute, live_index
from api.web.security import is_locked

router = APIRouter(route_class=WebRoute, include_in_schema=False)

AUDIT_PAGE = 100
FLASHES = frozenset({"token_revoked", "decision_revoked", "user_created"})
_USERNAME = TypeAdapter(Username)
_REASON = TypeAdapter(Reason)


def _admin_page(page: PageDep, status: int = 200, **context: object) -> Response:
    user = page.require(Action.USERS_MANAGE)
    users = services.list_users(page.db, user)
    values: dict[str, object] = {
        "users": users,
        "roles": [r.value for r in Role],
        "locked": {u.id: is_locked(u.locked_until) for u in users},
        "new_token": None,
        "problem": None,
    }
    values.update(context)
    return page.render("admin.html", status=status, nav="admin", **values)


@router.get("/web/admin", response_class=HTMLResponse)
def admin_page(page: PageDep, done: str = "") -> Response:
    """Users and roles, with the forms to add a user, revoke tokens and revoke a decision."""
    return _admin_page(page, flash=done if done in FLASHES else None)


@router.post("/web/admin/users", response_class=HTMLResponse)
def create_user(
    page: PageDep, username: str = Form("", max_length=64), role: str = Form("")
) -> Response:
    """Create a user; their first API token is shown once, here."""
    actor = page.require(Action.USERS_MANAGE)
    try:
        name = _USERNAME.validate_python(username.strip().lower())
        chosen = Role(role)
    except (ValidationError, ValueError):
        return _admin_page(page, status=422, problem="invalid_user")
    try:
        user, _, plain = services.create_user(page.db, actor, name, chosen)
    except ConflictError:
        return _admin_page(page, status=409, problem="user_exists")
    return _admin_page(page, flash="user_created", new_token=(user.username, plain))


@router.post("/web/admin/users/{user_id}/revoke")
def revoke_tokens(page: PageDep, user_id: str, disable: str = Form("")) -> Response:
    """Revoke every API token of a user (and, if ticked, disable the account)."""
    actor = page.require(Action.USERS_MANAGE)
    services.revoke_user_tokens(page.db, actor, user_id, disable=disable == "on")
    return page.redirect("/web/admin?done=token_revoked")


@router.post("/web/admin/decisions/revoke", response_class=HTMLResponse)
def revoke_decision(
    page: PageDep,
    decision_id: str = Form("", max_length=64),
    reason: str = Form("", max_length=2000),
) -> Response:
    """Revoke a decision (e.g. a wrong confirmation) with a reason that is kept."""
    actor = page.require(Action.REVOKE_DECISION)
    try:
        why = _REASON.validate_python(reason)
    except ValidationError:
        return _admin_page(page, status=422, problem="reason_required")
    try:
        services.revoke_decision(
            page.db, actor, decision_id.strip(), why, index=live_index(page.request)
        )
    except NotFoundError:
        return _admin_page(page, status=404, problem="not_found")
    except ConflictError:
        return _admin_page(page, status=409, problem="decision_not_revocable")
    return page.redirect("/web/admin?done=decision_revoked")


@router.get("/web/admin/audit", response_class=HTMLResponse)
def audit_page(
    page: PageDep, after: int = 0, record_type: str = "", record_id: str = ""
) -> Response:
    """The audit log, oldest first, a page at a time (ids and verbs only)."""
    user = page.require(Action.AUDIT_READ)
    events = services.list_audit(
        page.db,
        user,
        after_id=after,
        limit=AUDIT_PAGE,
        record_type=record_type[:32] or None,
        record_id=record_id[:64] or None,
    )
    return page.render(
        "audit.html",
        nav="admin",
        events=events,
        next_after=events[-1].id if len(events) == AUDIT_PAGE else None,
        filters={"record_type": record_type[:32], "record_id": record_id[:64]},
    )
