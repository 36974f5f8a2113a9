"""Administration (admin): users and roles, one-time passwords, token revocation, disabling
and re-enabling accounts, revoking a decision, the audit log.

Everything goes through ``api.services`` (role checks and audit included). Least privilege:
an admin manages accounts and reads the audit trail, which holds ids and verbs only — these
pages never show a child's record. Credentials stay bound to their user (issue 15, item 3): an
admin issues API tokens only to themselves (on their account page); a password they set for
someone else is one-time (the user must choose their own at sign-in, before anything else).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api import services
from api.audit import AuditAction, RecordType
from api.errors import ConflictError, InvalidError, NotFoundError
from api.roles import Action, Role
from api.schemas import Reason, Username
from api.web.context import ACCOUNT_PATH, PageDep, WebRoute, live_index
from api.web.security import is_locked
from matcher.dates import parse_date

router = APIRouter(route_class=WebRoute, include_in_schema=False)

AUDIT_PAGE = 100
FLASHES = frozenset(
    {
        "token_revoked",
        "decision_revoked",
        "user_created",
        "password_set_once",
        "user_disabled",
        "user_enabled",
    }
)
_USERNAME = TypeAdapter(Username)
_REASON = TypeAdapter(Reason)


def _admin_page(page: PageDep, status: int = 200, **context: object) -> Response:
    user = page.require(Action.USERS_MANAGE)
    users = services.list_users(page.db, user)
    values: dict[str, object] = {
        "users": users,
        "roles": [r.value for r in Role],
        "locked": {u.id: is_locked(u.locked_until) for u in users},
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
    """Create a user (no token: they sign in with a one-time password set here, then issue
    their own; or the operator runs ``shondhan users token``)."""
    actor = page.require(Action.USERS_MANAGE)
    try:
        name = _USERNAME.validate_python(username.strip().lower())
        chosen = Role(role)
    except (ValidationError, ValueError):
        return _admin_page(page, status=422, problem="invalid_user")
    try:
        services.create_user(page.db, actor, name, chosen)
    except ConflictError:
        return _admin_page(page, status=409, problem="user_exists")
    return page.redirect("/web/admin?done=user_created")


@router.post("/web/admin/users/{user_id}/revoke")
def revoke_tokens(page: PageDep, user_id: str, disable: str = Form("")) -> Response:
    """Revoke every API token of a user and end their web sessions (and, if ticked, disable
    the account)."""
    actor = page.require(Action.USERS_MANAGE)
    try:
        services.revoke_user_tokens(page.db, actor, user_id, disable=disable == "on")
    except ConflictError:
        return _admin_page(page, status=409, problem="cannot_disable_self")
    return page.redirect("/web/admin?done=token_revoked")


@router.post("/web/admin/users/{user_id}/disable")
def disable_user(page: PageDep, user_id: str) -> Response:
    """Disable an account: its tokens are revoked and its web sessions end."""
    actor = page.require(Action.USERS_MANAGE)
    try:
        services.set_disabled(page.db, actor, user_id, True)
    except ConflictError:
        return _admin_page(page, status=409, problem="cannot_disable_self")
    return page.redirect("/web/admin?done=user_disabled")


@router.post("/web/admin/users/{user_id}/enable")
def enable_user(page: PageDep, user_id: str) -> Response:
    """Re-enable a disabled account (no credential comes back with it)."""
    actor = page.require(Action.USERS_MANAGE)
    services.set_disabled(page.db, actor, user_id, False)
    return page.redirect("/web/admin?done=user_enabled")


@router.post("/web/admin/users/{user_id}/password", response_class=HTMLResponse)
def set_password(
    page: PageDep, user_id: str, password: str = Form("", max_length=2048)
) -> Response:
    """Set a one-time password for a user (they must choose their own when they sign in);
    their web sessions end. The admin's own password is changed on their account page."""
    actor = page.require(Action.USERS_MANAGE)
    target = services.find_user(page.db, user_id=user_id[:64])
    if target.id == actor.id:
        return page.redirect(ACCOUNT_PATH)
    try:
        services.set_password(page.db, actor, target.username, password)
    except InvalidError as exc:
        return _admin_page(page, status=422, problem=exc.code)
    return page.redirect("/web/admin?done=password_set_once")


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


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters as typed (query parameters, shared by the page and its CSV)."""

    actor: str = ""
    action: str = ""
    record_type: str = ""
    record_id: str = ""
    date_from: str = ""
    date_to: str = ""

    def shown(self) -> dict[str, str]:
        """The filters to show back in the form and to carry in links."""
        return {k: str(v)[:64] for k, v in asdict(self).items()}

    def query(self) -> services.AuditQuery:
        """The service's query: blank or unreadable means no filter (a date that is not a
        date); a range typed backwards raises the service's :class:`InvalidError`."""
        return services.AuditQuery(
            actor=self.actor.strip().lower()[:64] or None,
            action=self.action.strip()[:32] or None,
            record_type=self.record_type.strip()[:32] or None,
            record_id=self.record_id.strip()[:64] or None,
            date_from=parse_date(self.date_from[:40]) if self.date_from else None,
            date_to=parse_date(self.date_to[:40]) if self.date_to else None,
        )


AuditFiltersDep = Annotated[AuditFilters, Depends()]


@router.get("/web/admin/audit", response_class=HTMLResponse)
def audit_page(
    page: PageDep,
    typed: AuditFiltersDep,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """The audit log, newest first, a page at a time, filtered; decisions described and people
    named by username (ids and verbs only: no child's record)."""
    user = page.require(Action.AUDIT_READ)
    filters = typed.shown()
    context: dict[str, Any] = {
        "filters": filters,
        "actions": [a.value for a in AuditAction],
        "record_types": [r.value for r in RecordType],
        "actors": [u.username for u in services.list_users(page.db, user)],
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }
    try:
        query = typed.query()
    except InvalidError as exc:
        return page.render(
            "audit.html",
            status=422,
            nav="admin",
            events=[],
            older=None,
            problem=exc.code,
            **context,
        )
    events = services.audit_lines(page.db, user, query, before_id=before, limit=AUDIT_PAGE)
    older = events[-1].id if len(events) == AUDIT_PAGE else None
    return page.render(
        "audit.html", nav="admin", events=events, older=older, problem=None, **context
    )


@router.get("/web/admin/audit.csv")
def audit_export(page: PageDep, typed: AuditFiltersDep) -> Response:
    """The filtered audit log as CSV, newest first (``services.audit_csv``: formula-safe
    cells, at most ``AUDIT_EXPORT_MAX`` events; ``X-Shondhan-Truncated: true`` when more
    matched)."""
    user = page.require(Action.AUDIT_READ)
    text, truncated = services.audit_csv(page.db, user, typed.query())
    response = Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "X-Shondhan-Truncated": "true" if truncated else "false",
        },
    )
    page.finish(response)
    return response
