"""Database engine and sessions.

Contract: :func:`make_engine` returns an engine for any SQLAlchemy URL; for SQLite it turns on
WAL journaling (readers never block the writer, and a killed process leaves either the whole
last transaction or none of it), foreign keys and a busy timeout so that concurrent writers wait
rather than fail, and queues the process's writers for their turn (a lock handed on at each
commit or rollback) so that they are served in turn, not by SQLite's polling. Each request or
import is one transaction on one session. JSON columns are encoded with ``json.dumps``, and a
value already encoded (:class:`JSONText`, e.g. by a forked worker) is stored as it is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "shondhan_read_only"
BUSY_TIMEOUT_S = 30
_GATE = "shondhan_write_gate"


class JSONText(str):
    """A JSON column's value already encoded (``json.dumps``), e.g. by a forked worker: stored
    as it is. A batch run's chunk of 2,000 candidates crossed the pipe as nested lists and
    dicts: unpickling them was one call holding the interpreter lock for up to a second, and
    encoding them again held the database's write turn as long; as one string per row, both
    are next to nothing."""


def json_text(value: Any) -> str:
    """What the service's engines store for a JSON value: ``json.dumps`` (SQLAlchemy's
    default), and a :class:`JSONText` as it is."""
    return str(value) if isinstance(value, JSONText) else json.dumps(value)


def _let_next_writer(info: dict[Any, Any]) -> None:
    """End this connection's turn as the process's SQLite writer, if it has one."""
    gate = info.pop(_GATE, None)
    if gate is not None:
        gate.release()


DbSession = Session
"""A database session (the pages name the type without importing SQLAlchemy)."""
SessionFactory = sessionmaker[Session]
"""What makes the app's sessions (``app.state.sessions``)."""


def is_sqlite(url: str) -> bool:
    """True for ``sqlite:`` URLs (the embedded default)."""
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the pragmas the service relies on."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
            pool_pre_ping=True,
            hide_parameters=True,  # error messages must not carry names or phones into logs
            json_serializer=json_text,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions (see _begin below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        gate = threading.Lock()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Every request writes (at least an audit event), so take the write lock up front:
            # a deferred transaction that reads and then writes can fail with "database is
            # locked" instead of waiting. Matching runs before the transaction opens.
            # Background readers (index sync, batch runs) use read_only_sessions: plain BEGIN.
            if connection.get_execution_options().get(READ_ONLY):
                connection.exec_driver_sql("BEGIN")
                return
            # The process's writers queue on a lock for their turn, so they are woken in turn
            # when the writer before them ends, instead of SQLite's busy handler polling (sleeps
            # of up to 100 ms, first come not first served: under 20 clients and an import,
            # some waited seconds). After the busy timeout a writer goes on without its turn.
            if gate.acquire(timeout=BUSY_TIMEOUT_S):
                connection.info[_GATE] = gate
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _let_next_writer(connection.info)
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _end(connection: Any) -> None:
            _let_next_writer(connection.info)

        @event.listens_for(engine.pool, "checkin")
        def _checkin(_dbapi_connection: Any, record: Any) -> None:
            _let_next_writer(record.info)  # a connection back in the pool holds no turn

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=30,
        hide_parameters=True,
        json_serializer=json_text,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_read_only_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for background readers; on SQLite they do not take the write lock."""
    return sessionmaker(bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session; rolled back if the block raises, always closed."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def database_ok(factory: sessionmaker[Session]) -> bool:
    """True if the database answers a trivial query on a session from ``factory`` (``/health``);
    never raises."""
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
