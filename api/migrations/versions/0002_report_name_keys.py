"""Report name search: ``report_name_keys`` (one row per distinct name key of a report, with the
report's ``created_at``), indexed on (key, created_at, report_id), and filled in for the reports
already stored.

The backfill reads the reports in keyset pages of ``BACKFILL_PAGE`` by ``report_id`` and
writes their keys with multi-row inserts, so it runs in bounded memory on a million reports; it
is part of the upgrade's transaction (all or nothing). It uses the same key function as the
service (:func:`api.models.name_search_keys`), so stored keys and query keys agree.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.migrations.backfills import keyset_pages
from api.models import name_key_rows

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BACKFILL_PAGE = 5000
_TIME = sa.DateTime(timezone=True)


def backfill(connection: sa.Connection) -> int:
    """Write the keys of every stored report; returns how many reports were read.

    Also the way to rebuild the table after a change of the key function (delete its rows,
    then call this from a new migration).
    """
    reports = sa.table(
        "reports", sa.column("report_id"), sa.column("name"), sa.column("created_at", _TIME)
    )
    keys = sa.table(
        "report_name_keys", sa.column("report_id"), sa.column("key"), sa.column("created_at", _TIME)
    )
    done = 0
    columns = [reports.c.report_id, reports.c.name, reports.c.created_at]
    for page in keyset_pages(connection, columns, after="", page_size=BACKFILL_PAGE):
        rows = name_key_rows((rid, name, at) for rid, name, at in page)
        if rows:
            connection.execute(sa.insert(keys), rows)
        done += len(page)
    return done


def upgrade() -> None:
    op.create_table(
        "report_name_keys",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.report_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "key"),
    )
    op.create_index(
        "ix_report_name_keys_key",
        "report_name_keys",
        ["key", "created_at", "report_id"],
        unique=False,
    )
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_report_name_keys_key", table_name="report_name_keys")
    op.drop_table("report_name_keys")
