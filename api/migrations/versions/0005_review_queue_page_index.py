"""Review queue page from the index: ``ix_candidates_queue`` also carries the candidate's ``id``.

Why: the review page's first page (``services.review_queue``, highest score first) must order
every queued candidate by ``(score, id)``. SQLite read each queued candidate's table row (wide:
explanation and contributions JSON) for the ``id`` it orders by: ~0.8 s at ~130k queued. With the
id in the queue index the service picks the page's ids from indexes alone (three covering-index
searches and a sort of small tuples, ~0.26 s) and then reads only the page's rows.

No data changes; the queue index is dropped and recreated under the same name with one more
trailing column (its leading columns serve the same queries as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_QUEUE = ["status", "band", "score", "report_id", "interception_id"]


def upgrade() -> None:
    op.drop_index("ix_candidates_queue", table_name="candidates")
    op.create_index("ix_candidates_queue", "candidates", [*_QUEUE, "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_candidates_queue", table_name="candidates")
    op.create_index("ix_candidates_queue", "candidates", _QUEUE, unique=False)
