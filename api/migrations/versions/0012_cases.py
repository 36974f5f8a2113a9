"""One child, one case (issue 14): ``reports.case_id`` and ``interceptions.case_id`` (the case a
record belongs to: the id of the case's first record; a record of its own case carries its own
id), and ``closed_by`` on both (the decision that closed the record as part of its case, so that
revoking the decision reopens exactly those records).

Existing rows become cases of one (``case_id`` = own id) in one ``UPDATE`` per table. Indexes:
``case_id`` alone (closing a case finds its records), and (id, status, case_id) on both tables,
which let the review queue group its rows by case from indexes alone, as its count did from
(id, status) since 0004. The downgrade drops the columns and indexes (batch mode: SQLite
recreates the tables); the grouping is lost, no record is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TABLES = (("reports", "report_id"), ("interceptions", "interception_id"))


def upgrade() -> None:
    for table, key in _TABLES:
        op.add_column(table, sa.Column("case_id", sa.String(64), nullable=True))
        op.add_column(table, sa.Column("closed_by", sa.String(32), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET case_id = {key}"))  # noqa: S608 - constants
        op.create_index(f"ix_{table}_case_id", table, ["case_id"])
        op.create_index(f"ix_{table}_id_status_case", table, [key, "status", "case_id"])


def downgrade() -> None:
    for table, _key in _TABLES:
        op.drop_index(f"ix_{table}_id_status_case", table_name=table)
        op.drop_index(f"ix_{table}_case_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("closed_by")
            batch.drop_column("case_id")
