"""Interceptions can be edited (issue 13: the officer adds what the child answers), and an edit
never overwrites: ``interception_versions`` keeps each replaced version of an interception's
details, who replaced it and when, one row per edit, unique per (interception, version).

Candidates re-ranked out by an edit get the status ``superseded``; statuses are VARCHAR values
(``_enum`` with ``native_enum=False``), so that needs no schema change. No data is rewritten.
The downgrade drops the table (the edits' history with it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interception_versions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interception_id",
            sa.String(64),
            sa.ForeignKey("interceptions.interception_id"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("edited_by", sa.String(32), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_interception_versions_version",
        "interception_versions",
        ["interception_id", "version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_interception_versions_version", table_name="interception_versions")
    op.drop_table("interception_versions")
