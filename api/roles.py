"""Roles and what each may do: the one table both the JSON routes and the web pages consult.

Contract: :data:`PERMISSIONS` maps every :class:`Action` to the roles allowed to perform it.
:func:`allowed` is the only check; nothing else compares role names. Least privilege: an admin
manages users, tokens, the audit log and revocations, but does not read children's records.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role (stored as its value)."""

    BGB_OFFICER = "bgb_officer"
    POLICE_REVIEWER = "police_reviewer"
    ANALYST = "analyst"
    ADMIN = "admin"


class Action(StrEnum):
    """Something a user can ask the service to do."""

    REPORT_CREATE = "report.create"
    REPORT_READ = "report.read"
    REPORT_IMPORT = "report.import"
    INTERCEPTION_CREATE = "interception.create"
    INTERCEPTION_READ = "interception.read"
    INTERCEPTION_EDIT = "interception.edit"
    CANDIDATES_READ = "candidates.read"
    REVIEW_QUEUE = "review.queue"
    DECIDE = "review.decide"
    REVOKE_DECISION = "review.revoke"
    RECONCILIATION_START = "reconciliation.start"
    RECONCILIATION_READ = "reconciliation.read"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    METRICS_READ = "metrics.read"
    SELF_READ = "self.read"
    WEBHOOK_READ = "webhook.read"


_ALL = frozenset(Role)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.REPORT_CREATE: frozenset({Role.POLICE_REVIEWER}),
    Action.REPORT_READ: frozenset({Role.POLICE_REVIEWER, Role.ANALYST}),
    Action.REPORT_IMPORT: frozenset({Role.POLICE_REVIEWER}),
    Action.INTERCEPTION_CREATE: frozenset({Role.BGB_OFFICER}),
    # A BGB officer reads only the interceptions they submitted (checked in the service).
    Action.INTERCEPTION_READ: frozenset({Role.BGB_OFFICER, Role.POLICE_REVIEWER, Role.ANALYST}),
    # A BGB officer edits only the interceptions they submitted (checked in the service).
    Action.INTERCEPTION_EDIT: frozenset({Role.BGB_OFFICER, Role.POLICE_REVIEWER}),
    Action.CANDIDATES_READ: frozenset({Role.BGB_OFFICER, Role.POLICE_REVIEWER, Role.ANALYST}),
    Action.REVIEW_QUEUE: frozenset({Role.POLICE_REVIEWER}),
    Action.DECIDE: frozenset({Role.POLICE_REVIEWER}),
    Action.REVOKE_DECISION: frozenset({Role.ADMIN}),
    Action.RECONCILIATION_START: frozenset({Role.ANALYST}),
    Action.RECONCILIATION_READ: frozenset({Role.ANALYST}),
    Action.AUDIT_READ: frozenset({Role.ADMIN}),
    Action.USERS_MANAGE: frozenset({Role.ADMIN}),
    Action.METRICS_READ: frozenset({Role.ADMIN, Role.ANALYST}),
    Action.SELF_READ: _ALL,
    Action.WEBHOOK_READ: frozenset({Role.ADMIN}),
}


def allowed(role: Role | str, action: Action) -> bool:
    """True if ``role`` may perform ``action``; unknown roles may do nothing."""
    try:
        return Role(role) in PERMISSIONS[action]
    except ValueError:
        return False
