"""Reviewers hear of new candidates: what is new in the review queue since a reviewer last
looked, and the webhook's delivery log (admins).

"New" means a queued candidate created after the reviewer's last look (``queue_views``); a look
is recorded when the reviewer opens the queue page (:func:`mark_queue_seen`), so the badge counts
what arrived since. The webhook itself is :mod:`api.webhook`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.audit import AuditAction, RecordType
from api.models import QueueView, User, WebhookDelivery, utcnow
from api.roles import Action
from api.services.common import require
from api.services.review import review_queue

__all__ = ["last_queue_view", "list_deliveries", "mark_queue_seen", "new_in_queue"]


def last_queue_view(session: Session, user: User) -> datetime | None:
    """When ``user`` last looked at the queue (None: never)."""
    view = session.get(QueueView, user.id)
    return None if view is None else view.seen_at


def new_in_queue(session: Session, user: User) -> int:
    """How many queued candidates arrived since ``user`` last looked at the queue (the queue's
    own rule, :func:`api.services.review.review_queue` with ``since``): a count, no record read
    (nothing audited). Never looked: the whole queue is new."""
    total = review_queue(session, user, limit=0, since=last_queue_view(session, user)).total
    return total


def mark_queue_seen(session: Session, user: User) -> datetime | None:
    """Record that ``user`` looks at the queue now; returns their previous look (None: first),
    which the page uses to mark what is new."""
    require(user, Action.REVIEW_QUEUE)
    view = session.get(QueueView, user.id, with_for_update=True)
    previous = None if view is None else view.seen_at
    if view is None:
        session.add(QueueView(user_id=user.id, seen_at=utcnow()))
    else:
        view.seen_at = utcnow()
    session.commit()
    return previous


def list_deliveries(session: Session, user: User, *, limit: int = 100) -> list[WebhookDelivery]:
    """The latest webhook delivery attempts, newest first (admins; ids and counts only, so the
    read is audited as one read of the log)."""
    require(user, Action.WEBHOOK_READ)
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .order_by(WebhookDelivery.id.desc())
            .limit(max(1, min(limit, 1000)))
        )
    )
    audit.record(session, user, AuditAction.READ, RecordType.AUDIT, "webhook_deliveries")
    session.commit()
    return rows
