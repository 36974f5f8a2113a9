"""Review queue count served by indexes: ``ix_candidates_queue`` also carries the candidate's
``report_id`` and ``interception_id``, and reports and interceptions get an index on
``(id, status)``.

Why: counting the whole queue (``services.review_queue``; the review page shows it beside a
filtered count) joins every queued candidate to its report and interception to check both are
still open. SQLite walked ``ix_candidates_queue (status, band, score)``, then read each
candidate's table row (wide: explanation and contributions JSON) for the two ids, then each
report's and interception's table row for its status: ~1.3-2 s at ~130-150k queued candidates.
With these three indexes the same query never touches a table (``EXPLAIN QUERY PLAN``: three
``COVERING INDEX`` searches): ~0.22 s. On PostgreSQL they allow index-only scans (not
measured: no server was running when this was written).

No data changes; the queue index is dropped and recreated under the same name with two more
trailing columns (its leading ``status, band, score`` serve the same queries as before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 04:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_candidates_queue", table_name="candidates")
    op.create_index(
        "ix_candidates_queue",
        "candidates",
        ["status", "band", "score", "report_id", "interception_id"],
        unique=False,
    )
    op.create_index("ix_reports_id_status", "reports", ["report_id", "status"], unique=False)
    op.create_index(
        "ix_interceptions_id_status", "interceptions", ["interception_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_interceptions_id_status", table_name="interceptions")
    op.drop_index("ix_reports_id_status", table_name="reports")
    op.drop_index("ix_candidates_queue", table_name="candidates")
    op.create_index("ix_candidates_queue", "candidates", ["status", "band", "score"], unique=False)
