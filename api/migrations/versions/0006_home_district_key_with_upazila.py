"""The review queue's district filter reads an interception's home as the engine does:
``interceptions.home_district_key`` is recomputed from ``home_district`` *and*
``home_upazila`` together (:func:`api.models.district_key`, i.e.
:func:`matcher.geo.resolve_home`), no longer from ``home_district`` alone.

What changes for a stored interception: an upazila with a blank or unreadable district now
keys to its district (the engine already placed such a child there, the filter did not find
it), and a district text that only the upazila beside it settles (a hand romanisation, a
shared name) keys to the district the pair names. Where the district text alone named a
district the key is the same as before; where nothing resolves it is still the normalised
district text.

The recompute reads the interceptions in keyset pages of ``BACKFILL_PAGE`` by
``interception_id`` and writes the keys that differ with one executemany per page, inside the
upgrade's transaction (all or nothing). The downgrade recomputes the district-alone key of
``0003`` (the same function with ``upazila`` None). No schema change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.models import district_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BACKFILL_PAGE = 5000


def backfill(connection: sa.Connection, *, with_upazila: bool = True) -> int:
    """Recompute ``home_district_key`` of every stored interception from its place fields;
    returns how many keys changed.

    ``with_upazila=False`` keys the district text alone (the meaning before this revision).
    Also the way to recompute the column after a later change of :func:`district_key` or of
    the gazetteer (call it from a new migration).
    """
    rows = sa.table(
        "interceptions",
        sa.column("interception_id"),
        sa.column("home_district"),
        sa.column("home_upazila"),
        sa.column("home_district_key"),
    )
    update = (
        sa.update(rows)
        .where(rows.c.interception_id == sa.bindparam("iid"))
        .values(home_district_key=sa.bindparam("hkey"))
    )
    after = ""
    changed = 0
    while True:
        page = connection.execute(
            sa.select(
                rows.c.interception_id,
                rows.c.home_district,
                rows.c.home_upazila,
                rows.c.home_district_key,
            )
            .where(rows.c.interception_id > after)
            .order_by(rows.c.interception_id)
            .limit(BACKFILL_PAGE)
        ).all()
        if not page:
            return changed
        keys = []
        for iid, district, upazila, stored in page:
            key = district_key(district, upazila if with_upazila else None)
            if key != stored:
                keys.append({"iid": iid, "hkey": key})
        if keys:
            connection.execute(update, keys)
        changed += len(keys)
        after = page[-1][0]


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    backfill(op.get_bind(), with_upazila=False)
