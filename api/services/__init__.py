"""The business operations of the service, shared by the JSON routes, the web pages and the CLI.

Every operation takes a database ``session`` and the acting ``user`` (an ORM :class:`User`;
``None`` for the command line where an operation allows it), checks the user's role against
:mod:`api.roles`, does its work in **one transaction** that it commits itself (so a crash leaves
all or nothing), writes audit events in that same transaction, and raises :mod:`api.errors`
exceptions (never HTTP ones) for the caller to translate. The shells (``api.routes``,
``api.web``, ``cli``) parse input, call these and present the result; they run no SQL of their
own and write no audit event.

Operations that change which reports are open (adding, importing, confirming, revoking) stamp
the touched reports (see :mod:`api.models`) and then bring the live matching index up to date
before returning, so the next request of this process already matches against them.

One module per resource, each re-exported here (``from api import services;
services.review_queue(...)``):

- :mod:`~api.services.reports`: add, read, import, search by name, seed;
- :mod:`~api.services.imports`: an import's bounded reject report, its rejects file, and the
  clean-up of imports whose process died;
- :mod:`~api.services.interceptions`: submit (match at once), read, candidates, edit (re-rank,
  earlier versions kept), what to ask the child next, an officer's recent ones;
- :mod:`~api.services.notifications`: what is new in the queue since a reviewer last looked,
  the webhook's delivery log;
- :mod:`~api.services.cases`: one child, one case (which case a new record joins, closing a
  case on a confirmed match), used by the modules above;
- :mod:`~api.services.reverse`: reports find children (a new report's candidates among the
  open interceptions) and a report's candidates;
- :mod:`~api.services.review`: the queue and its filter policy, a candidate, decisions,
  revocation;
- :mod:`~api.services.reconciliations`: batch runs (the runner itself is :mod:`api.jobs`) and
  their CSV, in the engine's candidates format;
- :mod:`~api.services.users`: users, tokens, web passwords, sign-in, web sessions;
- :mod:`~api.services.audit_log`: reading the audit log;
- :mod:`~api.services.common`: the role check, record ids, report stamps.

Matching is CPU-bound: call :func:`submit_interception` from a worker thread (a ``def`` route,
``run_in_threadpool``), never directly inside ``async def``.
"""

from __future__ import annotations

from api.services.audit_log import AFTER_ID_MAX as AUDIT_AFTER_ID_MAX
from api.services.audit_log import (
    AUDIT_EXPORT_MAX,
    AuditLine,
    AuditQuery,
    audit_csv,
    audit_lines,
    list_audit,
)
from api.services.common import require
from api.services.imports import discard_dead_imports, rejects_csv
from api.services.interceptions import (
    Submitted,
    ask_next,
    edit_interception,
    get_interception,
    interception_candidates,
    interception_versions,
    list_candidates,
    possible_duplicates,
    recent_interceptions,
    submit_interception,
)
from api.services.notifications import (
    last_queue_view,
    list_deliveries,
    mark_queue_seen,
    new_in_queue,
)
from api.services.reconciliations import (
    get_reconciliation,
    recent_reconciliations,
    reconciliation_band_counts,
    reconciliation_csv,
    start_reconciliation,
)
from api.services.reports import (
    SEARCH_COUNT_CAP,
    SEARCH_GENDER_WINDOW,
    SEARCH_LIMIT_MAX,
    ImportOutcome,
    bulk_load_reports,
    create_report,
    get_report,
    import_reports,
    same_child_reports,
    search_reports,
)
from api.services.reverse import match_new_reports, report_candidates
from api.services.review import (
    DATES_REVERSED,
    REVIEW_BANDS,
    QueuePage,
    check_queue_filter,
    decide,
    get_candidate,
    list_decisions,
    queue_interceptions,
    review_queue,
    revoke_decision,
)
from api.services.users import (
    SIGN_IN_FAILED,
    SignIn,
    change_own_password,
    create_user,
    find_user,
    issue_passwords,
    list_users,
    must_change_password,
    new_token,
    own_tokens,
    revoke_user_tokens,
    session_user,
    set_disabled,
    set_password,
    sign_in,
    sign_out,
    usernames,
)

__all__ = [
    "AUDIT_AFTER_ID_MAX",
    "AUDIT_EXPORT_MAX",
    "DATES_REVERSED",
    "REVIEW_BANDS",
    "SEARCH_COUNT_CAP",
    "SEARCH_GENDER_WINDOW",
    "SEARCH_LIMIT_MAX",
    "SIGN_IN_FAILED",
    "AuditLine",
    "AuditQuery",
    "ImportOutcome",
    "QueuePage",
    "SignIn",
    "Submitted",
    "active_user",
    "ask_next",
    "audit_csv",
    "audit_lines",
    "bulk_load_reports",
    "change_own_password",
    "check_queue_filter",
    "create_report",
    "create_user",
    "decide",
    "discard_dead_imports",
    "edit_interception",
    "find_user",
    "get_candidate",
    "get_interception",
    "get_reconciliation",
    "get_report",
    "import_reports",
    "interception_candidates",
    "interception_versions",
    "issue_passwords",
    "last_queue_view",
    "list_audit",
    "list_candidates",
    "list_decisions",
    "list_deliveries",
    "list_users",
    "mark_queue_seen",
    "match_new_reports",
    "must_change_password",
    "new_in_queue",
    "new_token",
    "own_tokens",
    "possible_duplicates",
    "queue_interceptions",
    "recent_interceptions",
    "recent_reconciliations",
    "reconciliation_band_counts",
    "reconciliation_csv",
    "rejects_csv",
    "report_candidates",
    "require",
    "review_queue",
    "revoke_decision",
    "revoke_user_tokens",
    "same_child_reports",
    "search_reports",
    "session_user",
    "set_disabled",
    "set_password",
    "sign_in",
    "sign_out",
    "start_reconciliation",
    "submit_interception",
    "usernames",
]
