"""The review queue's district filter reads an interception's home as the engine does:
``interceptions.home_district_key`` is recomputed from ``home_district`` *and*
``home_upazila`` together (:func:`api.models.district_key`, i.e.
:func:`matcher.places.resolve_home`), no longer from ``home_district`` alone.

What changes for a stored interception: an upazila with a blank or unreadable district now
keys to its district (the engine already placed such a child there, the filter did not find
it), and a district text that only the upazila beside it settles (a hand romanisation, a
shared name) keys to the district the pair names. Where the district text alone named a
district the key is the same as before; where nothing resolves it is still the normalised
district text.

The recompute (:func:`api.migrations.backfills.district_keys`) reads the interceptions in
keyset pages of 5,000 by ``interception_id`` and writes the keys that differ with one
executemany per page, inside the upgrade's transaction (all or nothing). The downgrade
recomputes the district-alone key of ``0003`` (the same function with ``upazila`` None). No
schema change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.migrations.backfills import district_keys

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def backfill(connection: sa.Connection) -> int:
    """Recompute ``home_district_key`` of every stored interception from district and upazila
    together; returns how many keys changed (:func:`api.migrations.backfills.district_keys`)."""
    return district_keys(connection, with_upazila=True)


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    district_keys(op.get_bind(), with_upazila=False)
