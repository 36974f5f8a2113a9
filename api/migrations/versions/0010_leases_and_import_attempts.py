"""Leases and import attempts (issue 15).

- ``reconciliations`` gets ``owner`` and ``heartbeat_at``: a run is owned by the process that
  renews its heartbeat, so a run whose heartbeat is older than the lease is known dead by any
  process (start-up no longer fails every unfinished run, only expired ones).
- ``import_attempts``: one row per CSV import (user, status, counts, lease, the placeholder
  stamp of its staged rows), and ``import_reject_parts``: the full rejects file of an attempt,
  gzip-compressed in parts, for download (the HTTP answer carries the first 1,000 only).

No data is rewritten. Downgrade drops the two tables and the two columns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("reconciliations") as batch:
        batch.add_column(sa.Column("owner", sa.String(128), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", _TIME, nullable=True))
    op.create_table(
        "import_attempts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed", name="job_status", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("pending", sa.BigInteger(), nullable=True),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("rejected_rows", sa.Integer(), nullable=False),
        sa.Column("rejects", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("heartbeat_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
    )
    op.create_index("ix_import_attempts_user_id", "import_attempts", ["user_id"])
    op.create_table(
        "import_reject_parts",
        sa.Column("attempt_id", sa.String(32), sa.ForeignKey("import_attempts.id"), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "part"),
    )


def downgrade() -> None:
    op.drop_table("import_reject_parts")
    op.drop_index("ix_import_attempts_user_id", table_name="import_attempts")
    op.drop_table("import_attempts")
    with op.batch_alter_table("reconciliations") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
