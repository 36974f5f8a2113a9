"""api.db on SQLite: the writers' turn (a lock handed on at commit or rollback) is never kept by
a transaction that ended, however it ended."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.models import Counter


def _end_by_commit(session: Session) -> None:
    session.execute(text("UPDATE counters SET value = value + 1"))
    session.commit()


def _end_by_error(session: Session) -> None:
    session.execute(text("UPDATE counters SET value = value + 1"))
    with pytest.raises(Exception, match="no such table"):
        session.execute(text("UPDATE no_such_table SET x = 1"))
    session.rollback()


def _end_by_close(session: Session) -> None:
    session.execute(text("UPDATE counters SET value = value + 1"))
    # closed below without commit or rollback


@pytest.mark.parametrize(
    "end", [_end_by_commit, _end_by_error, _end_by_close], ids=["commit", "error", "close"]
)
def test_a_finished_writer_hands_the_turn_on(
    tmp_path: Path, end: Callable[[Session], None]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        end(session)
    done = threading.Event()

    def next_writer() -> None:
        with sessions() as session:
            session.add(Counter(name="next", value=1))
            session.commit()
        done.set()

    thread = threading.Thread(target=next_writer, daemon=True)
    thread.start()
    # A kept turn would hold the next writer for the 30 s busy timeout.
    assert done.wait(10), "the next writer never got its turn"
    engine.dispose()


def test_json_columns_store_pre_encoded_text_as_it_is(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A forked worker encodes a batch run's contributions (api.db.JSONText): the engine
    stores that text as it is and any other value as json.dumps would, and both read back
    as the same value (not a string holding JSON)."""
    import json

    from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

    from api.db import JSONText, json_text, make_engine

    value = {"fields": [{"field": "name", "weight": 6.1, "parts": [["name", "exact", 6.1]]}]}
    assert json_text(value) == json.dumps(value)
    assert json_text(JSONText('{"a": [1, 2.5]}')) == '{"a": [1, 2.5]}'
    engine = make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    table = Table("j", MetaData(), Column("id", Integer, primary_key=True), Column("v", JSON))
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(table), [{"id": 1, "v": JSONText(json.dumps(value))}, {"id": 2, "v": value}]
        )
        assert [v for (v,) in conn.execute(select(table.c.v).order_by(table.c.id))] == [
            value,
            value,
        ]
    engine.dispose()
