"""Reviewers hear of new candidates (issue 14): ``webhook_deliveries`` records each attempt to
call the deployment's webhook (ids and counts only), and ``queue_views`` when each reviewer last
looked at the review queue (what is newer shows as new). Two new tables; no data is rewritten.
The downgrade drops both (the delivery log and the reviewers' last looks with them).

Also indexes on ``candidates.created_at`` (counting the candidates newer than a reviewer's last
look, the queue's newest-first order) and on ``interceptions.created_at`` and
``interception_versions.edited_at`` (each server's poll for interceptions other processes
submitted or edited, which new reports are matched against).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
        ),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("candidates", sa.Integer, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.Column("error", sa.String(100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_table(
        "queue_views",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_candidates_created_at", "candidates", ["created_at"])
    op.create_index("ix_interceptions_created_at", "interceptions", ["created_at"])
    op.create_index(
        "ix_interception_versions_edited_at", "interception_versions", ["edited_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_interception_versions_edited_at", table_name="interception_versions")
    op.drop_index("ix_interceptions_created_at", table_name="interceptions")
    op.drop_index("ix_candidates_created_at", table_name="candidates")
    op.drop_table("queue_views")
    op.drop_index("ix_webhook_deliveries_event_id", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
