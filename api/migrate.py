"""Run the Alembic migrations programmatically (the service does this at start-up).

Contract: :func:`upgrade` brings the database at ``engine`` to the newest schema and is safe to
call on every start, from several processes at once (PostgreSQL: an advisory lock serialises
them; SQLite: the file lock does).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

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
