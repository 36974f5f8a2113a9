"""Review-queue district filter in SQL: ``interceptions.home_district_key`` (the district's ISO
code, or the normalised text when it names no single district), indexed with
``interception_date``, and filled in for the interceptions already stored; and an index on
``interception_date`` alone (the queue's date filter).

The backfill reads the interceptions in keyset pages of 5,000 by ``interception_id`` and writes
the keys with one executemany per page (a distinct text is resolved once: the gazetteer lookup
is cached); it is part of the upgrade's transaction (all or nothing). It uses the same key
function as the service (:func:`api.models.district_key`, of the district text alone at this
revision), so stored keys and filter keys agree; 0006 re-keys with the upazila.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.migrations.backfills import district_keys
from api.models import DISTRICT_KEY_LENGTH

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def backfill(connection: sa.Connection) -> int:
    """Compute ``home_district_key`` of every stored interception from its district text;
    returns how many keys were written (:func:`api.migrations.backfills.district_keys`)."""
    return district_keys(connection, with_upazila=False)


def upgrade() -> None:
    op.add_column(
        "interceptions",
        sa.Column("home_district_key", sa.String(length=DISTRICT_KEY_LENGTH), nullable=True),
    )
    op.create_index(
        "ix_interceptions_district_date",
        "interceptions",
        ["home_district_key", "interception_date"],
        unique=False,
    )
    op.create_index("ix_interceptions_date", "interceptions", ["interception_date"], unique=False)
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_interceptions_date", table_name="interceptions")
    op.drop_index("ix_interceptions_district_date", table_name="interceptions")
    with op.batch_alter_table("interceptions") as batch:
        batch.drop_column("home_district_key")
