"""Batch-run candidates keep the engine's contributions: ``reconciliation_candidates`` gets a
``contributions`` JSON column (``[{"field", "label", "weight"}, ...]``, strongest first, exact
weights), so a run's CSV is written by the engine's own candidate formatter
(:func:`matcher.csvio.format_candidates`: the ``top_field`` / ``top_weight`` columns too) and
equals ``shondhan reconcile``'s format.

Rows stored before this revision kept only the explanation text, which is the contributions
joined by ``"; "``, each ``"<field with spaces>: <label> (<weight:+.1f>)"``
(:class:`matcher.records.Contribution`). The upgrade reads each such text back into
contributions and keeps them only if they write the very same text again; their weights are
then the one decimal the text kept (a legacy run's ``top_weight`` reads ``3.10`` where a new
run's reads ``3.14``). A text that does not read back (none is known) stays ``NULL``, and the
CSV then shows that row without an explanation. Keyset pages of 5,000 rows by id
(:func:`api.migrations.backfills.keyset_pages`), inside the upgrade's transaction. The downgrade drops the column (the explanation text is kept
throughout).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

from api.migrations.backfills import keyset_pages

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ITEM = re.compile(r"(?P<field>[^:;]+?): (?P<label>.*?) \((?P<weight>[+-]\d+\.\d)\)(?:; |$)")


def read_explanation(text: str | None) -> list[dict[str, Any]] | None:
    """The contributions an explanation text was written from, or None if it does not read
    back exactly (``"; ".join(str(c) for c in contributions)`` must give ``text`` again)."""
    if text is None:
        return None
    items: list[dict[str, Any]] = []
    position = 0
    while position < len(text):
        match = _ITEM.match(text, position)
        if match is None:
            return None
        items.append(
            {
                "field": match["field"].replace(" ", "_"),
                "label": match["label"],
                "weight": float(match["weight"]),
            }
        )
        position = match.end()
    again = "; ".join(_legacy_line(i["field"], i["label"], i["weight"]) for i in items)
    return items if again == text else None


def _legacy_line(field: str, label: str, weight: float) -> str:
    """One contribution as explanations were written when this revision was made (kept here,
    not imported, so the migration reads old text the same way whatever the library becomes)."""
    return f"{field.replace('_', ' ')}: {label} ({weight:+.1f})"


def backfill(connection: sa.Connection) -> int:
    """Fill ``contributions`` of the rows that have none from their explanation; returns how
    many were filled."""
    rows = sa.table(
        "reconciliation_candidates",
        sa.column("id", sa.Integer),
        sa.column("explanation", sa.Text),
        sa.column("contributions", sa.JSON),
    )
    update = (
        sa.update(rows)
        .where(rows.c.id == sa.bindparam("rid"))
        .values(contributions=sa.bindparam("parts", type_=sa.JSON))
    )
    filled = 0
    pages = keyset_pages(
        connection, [rows.c.id, rows.c.explanation], after=0, where=rows.c.contributions.is_(None)
    )
    for page in pages:
        values = [
            {"rid": rid, "parts": parts}
            for rid, text in page
            if (parts := read_explanation(text)) is not None
        ]
        if values:
            connection.execute(update, values)
        filled += len(values)
    return filled


def upgrade() -> None:
    op.add_column("reconciliation_candidates", sa.Column("contributions", sa.JSON(), nullable=True))
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_candidates") as batch:
        batch.drop_column("contributions")
