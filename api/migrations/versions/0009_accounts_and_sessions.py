"""Accounts and sessions (issue 15 items 3-5 and 9): server-side web sessions, expiring API
tokens, and who set a user's password.

- ``web_sessions``: one row per signed-in web session (the cookie carries a random key, the
  row its SHA-256), so signing out, revoking a user's tokens, disabling them or setting a new
  password ends their sessions at once.
- ``api_tokens.expires_at``: tokens now expire (``SHONDHAN_TOKEN_DAYS``). Tokens issued before
  this revision get the default lifetime (90 days) counted **from the upgrade**, so nobody is
  locked out by the upgrade itself; a NULL never authenticates.
- ``users.password_set_by``: the admin who set the current password (NULL: the user chose it,
  or the operator set it from the command line); a session signed in with such a password may
  only choose a new one.

Web sessions signed before this revision lived in the cookie alone; they stop working (users
sign in once more).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 22:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("password_set_by", sa.String(length=32), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    until = datetime.now(UTC) + timedelta(days=LEGACY_TOKEN_DAYS)
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=until))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_set_by")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
