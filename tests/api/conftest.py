"""Fixtures: the API against a temporary SQLite file and, when ``SHONDHAN_TEST_POSTGRES_URL``
is set, against PostgreSQL too (a fresh database per test session, a fresh schema per app;
both dropped afterwards). All data is synthetic."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import services
from api.app import create_app
from api.migrate import upgrade
from api.models import Base
from api.roles import Role
from api.settings import Settings

PG_ENV = "SHONDHAN_TEST_POSTGRES_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session (None if no server is configured)."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    name = f"shondhan_t_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Database:
    """A database URL for one app, and how to throw it away."""

    url: str
    cleanup: Callable[[], None] = field(default=lambda: None)


def fresh_database(backend: str, tmp_path: Any, pg_url: str | None) -> Database:
    """A new empty database on ``backend``."""
    if backend == "sqlite":
        return Database(f"sqlite:///{tmp_path / f'api-{secrets.token_hex(3)}.db'}")
    if pg_url is None:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"s_{secrets.token_hex(4)}"
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()

    return Database(url.render_as_string(hide_password=False), drop)


@dataclass
class Harness:
    """A running app, its client, and one token per role (plus a bearer header helper)."""

    client: TestClient
    tokens: dict[Role, str]
    user_ids: dict[Role, str]
    url: str

    def auth(self, role: Role | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, role: Role | None, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.auth(role), **kwargs)

    @property
    def app(self) -> Any:
        return self.client.app


def start_harness(url: str, **overrides: Any) -> tuple[Harness, TestClient]:
    settings = Settings(database_url=url, sync_enabled=False, **overrides)
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    tokens: dict[Role, str] = {}
    ids: dict[Role, str] = {}
    with app.state.sessions() as session:
        for role in Role:
            user, _tok, plain = services.create_user(session, None, f"t-{role.value}", role)
            tokens[role] = plain
            ids[role] = user.id
    return Harness(client, tokens, ids, url), client


@pytest.fixture(scope="session")
def pg_reusable(pg_database: str | None) -> Iterator[str | None]:
    """One migrated PostgreSQL schema for the function-scoped harness; emptied before each use
    (migrating a schema per test costs ~2 s, emptying it ~0.2 s)."""
    if pg_database is None:
        yield None
        return
    db = fresh_database("postgres", None, pg_database)
    engine = create_engine(db.url)
    upgrade(engine)
    engine.dispose()
    try:
        yield db.url
    finally:
        db.cleanup()


def _empty(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "counters")
    with engine.begin() as conn:
        # TRUNCATE does not fire the audit table's row-level DELETE trigger.
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE counters SET value = 0"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def harness(
    request: pytest.FixtureRequest, tmp_path: Any, pg_reusable: str | None
) -> Iterator[Harness]:
    """A fresh, empty app per test, on each backend."""
    if request.param == "postgres":
        if pg_reusable is None:
            pytest.skip(f"{PG_ENV} is not set")
        _empty(pg_reusable)
        db = Database(pg_reusable)
    else:
        db = fresh_database("sqlite", tmp_path, None)
    h, client = start_harness(db.url)
    try:
        yield h
    finally:
        client.__exit__(None, None, None)


def report_body(report_id: str, **fields: Any) -> dict[str, Any]:
    """A synthetic report body (names from the public lists' common forms)."""
    body: dict[str, Any] = {
        "report_id": report_id,
        "name": "Rahima Khatun",
        "father_name": "Abdul Karim",
        "mother_name": "Salma Begum",
        "sex": "F",
        "age": 10,
        "report_date": "2025-01-10",
        "district": "Jashore",
    }
    body.update(fields)
    return body


def interception_body(interception_id: str, **fields: Any) -> dict[str, Any]:
    """A synthetic interception body resembling :func:`report_body` (a variant spelling)."""
    body: dict[str, Any] = {
        "interception_id": interception_id,
        "name": "Rohima Khatoon",
        "father_name": "Abdul Karim",
        "sex": "F",
        "age": 11,
        "interception_date": "2026-01-20",
        "home_district": "Jessore",
    }
    body.update(fields)
    return body


@pytest.fixture(scope="module", params=BACKENDS)
def shared_harness(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pg_database: str | None,
) -> Iterator[Harness]:
    """One app per test module and backend, for tests that only read or are order-free."""
    db = fresh_database(request.param, tmp_path_factory.mktemp("api"), pg_database)
    h, client = start_harness(db.url)
    try:
        yield h
    finally:
        client.__exit__(None, None, None)
        db.cleanup()
