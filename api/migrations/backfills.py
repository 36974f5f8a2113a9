"""What the data migrations share: reading a table in keyset pages, and (re)computing the
interceptions' district keys.

Contract: :func:`keyset_pages` reads ``columns`` (the first is the table's unique key) in pages
of ``page_size`` rows in key order, each page one query, so a migration over millions of rows
holds one page in memory; it runs on the migration's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from api.models import district_key

PAGE = 5000


def keyset_pages(
    connection: sa.Connection,
    columns: list[sa.ColumnClause[Any]],
    *,
    after: Any,
    where: sa.ColumnElement[bool] | None = None,
    page_size: int = PAGE,
) -> Iterator[Sequence[Any]]:
    """The rows of ``columns`` with ``columns[0] > after`` (and ``where``), page by page in
    key order (each page a sequence of rows); stops at the first empty page."""
    key = columns[0]
    while True:
        stmt = sa.select(*columns).where(key > after)
        if where is not None:
            stmt = stmt.where(where)
        page = connection.execute(stmt.order_by(key).limit(page_size)).all()
        if not page:
            return
        yield page
        after = page[-1][0]


def district_keys(connection: sa.Connection, *, with_upazila: bool) -> int:
    """Write :func:`api.models.district_key` of every stored interception's place fields into
    ``home_district_key`` where it differs; returns how many rows changed.

    ``with_upazila=False`` keys the district text alone (its meaning in migrations 0003-0005);
    ``True`` reads district and upazila together as the engine does (0006 on). The way to
    recompute the column after a change of :func:`district_key` or of the gazetteer: call it from
    a new migration.
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
    columns = [rows.c.interception_id, rows.c.home_district, rows.c.home_upazila]
    changed = 0
    for page in keyset_pages(connection, [*columns, rows.c.home_district_key], after=""):
        keys = [
            {"iid": iid, "hkey": key}
            for iid, district, upazila, stored in page
            if (key := district_key(district, upazila if with_upazila else None)) != stored
        ]
        if keys:
            connection.execute(update, keys)
        changed += len(keys)
    return changed
