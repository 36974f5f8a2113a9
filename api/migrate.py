"""Run the Alembic migrations programmatically (the service does this at start-up).

Contract: :func:`upgrade` brings the database at ``engine`` to the newest schema and is safe to
call on every start, from several processes at once (PostgreSQL: an advisory lock serialises
them; SQLite: the file lock does).

:func:`open_current` is for commands that work on an existing deployment (``shondhan users
...``, ``train --from-database``): it never creates anything. A SQLite file that is not there,
a server that refuses the connection, or a schema that is missing or not at the newest revision
raises :class:`DatabaseNotReadyError`, whose message is one line naming ``SHONDHAN_DATABASE_URL``
(password hidden) and what to do -- instead of a new empty ``./shondhan.db`` or a traceback
about a missing table. ``shondhan migrate`` (or the service's start) creates or upgrades it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

SETTING = "SHONDHAN_DATABASE_URL"
"""The setting every message about the database names."""

HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    """The packaged Alembic configuration (``api/alembic.ini``)."""
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Upgrade the schema at ``engine`` to ``head``."""
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class DatabaseNotReadyError(RuntimeError):
    """The configured database is missing, unreachable or not at the newest schema.

    ``str()`` is one line for a person: the setting, the URL without its password, and the fix.
    """


def head_revision() -> str:
    """The newest schema revision this version of Shondhan ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations packaged")
    return head


def shown_url(url: str) -> str:
    """``url`` as it may be printed: the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def _read_only_sqlite(path: str) -> str:
    return f"sqlite:///file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true"


def open_current(url: str) -> Engine:
    """An engine for the existing database at ``url``, at the newest schema; never creates one.

    Raises :class:`DatabaseNotReadyError` (one line, naming :data:`SETTING`) otherwise.
    """
    from api.db import is_sqlite, make_engine

    where = f"{SETTING}={shown_url(url)}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseNotReadyError(f"{SETTING} is not a database URL") from None
    if is_sqlite(url):
        path = parsed.database or ""
        if path in ("", ":memory:") or not Path(path).is_file():
            raise DatabaseNotReadyError(
                f"no database at {where}: set {SETTING} to your database, "
                "or create a new one with `shondhan migrate`"
            )
    try:
        engine = make_engine(url)
    except (ArgumentError, ImportError):
        message = f"{SETTING} names a database this install cannot open"
        raise DatabaseNotReadyError(message) from None
    # SQLite: look through a read-only connection, so a refused file is left byte for byte.
    probe = create_engine(_read_only_sqlite(parsed.database or "")) if is_sqlite(url) else engine
    try:
        with probe.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        raise DatabaseNotReadyError(f"cannot open the database at {where}: {reason}") from None
    finally:
        if probe is not engine:
            probe.dispose()
    head = head_revision()
    if current != head:
        engine.dispose()
        state = "has no Shondhan tables" if current is None else f"is at schema {current}"
        raise DatabaseNotReadyError(
            f"the database at {where} {state}, this version needs {head}: "
            "run `shondhan migrate` (or start `shondhan serve`, which upgrades it)"
        )
    return engine
