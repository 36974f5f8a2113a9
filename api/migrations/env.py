"""Alembic environment: runs on the connection the service hands over, or on the URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine, text

from api.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two servers starting together must not both create the tables.
            connection.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("SHONDHAN_DATABASE_URL", "sqlite:///./shondhan.db")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
