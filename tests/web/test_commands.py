"""Tests for ``shondhan users set-password`` (cli.users) and the demo's passwords
(api.services.issue_passwords)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from api.db import make_engine, make_session_factory, session_scope
from api.migrate import upgrade
from api.models import User
from api.roles import Role
from api.web.security import verify_password
from cli.users import register

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cmd.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        session.add(
            User(
                username="officer1",
                role=Role.BGB_OFFICER,
                failed_logins=3,
                locked_until=datetime.now(UTC) + timedelta(minutes=10),
            )
        )
        session.commit()
    engine.dispose()
    return url


def _user(url: str) -> User:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        user = session.scalar(select(User).where(User.username == "officer1"))
        assert user is not None
    engine.dispose()
    return user


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Root."""

    register(app)
    return app


def test_set_password_from_stdin_stores_a_hash_and_lifts_the_lockout(db_url: str) -> None:
    result = runner.invoke(
        _app(),
        ["users", "set-password", "--username", "officer1", "--password-stdin"],
        input="a long synthetic password\n",
        env={"SHONDHAN_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    user = _user(db_url)
    assert verify_password(user.password_hash, "a long synthetic password")
    assert "a long synthetic password" not in (user.password_hash or "")
    assert user.failed_logins == 0
    assert user.locked_until is None


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [("nobody", "a long synthetic password", 1), ("officer1", "short", 2)],
    ids=["unknown-user", "too-short"],
)
def test_set_password_refusals(db_url: str, username: str, password: str, code: int) -> None:
    result = runner.invoke(
        _app(),
        ["users", "set-password", "--username", username, "--password-stdin"],
        input=password + "\n",
        env={"SHONDHAN_DATABASE_URL": db_url},
    )
    assert result.exit_code == code
    assert _user(db_url).password_hash is None


def test_register_joins_an_existing_users_group() -> None:
    app = typer.Typer()
    users = typer.Typer()

    @users.command("create")
    def _create() -> None:
        """Create."""

    app.add_typer(users, name="users")
    register(app)
    assert [g.name for g in app.registered_groups] == ["users"]
    assert {c.name for c in users.registered_commands} == {"create", "set-password"}


def test_registers_into_the_service_users_group() -> None:
    from cli import service

    app = typer.Typer()
    service.register(app)
    register(app)
    groups = [g for g in app.registered_groups if g.name == "users"]
    assert len(groups) == 1
    names = {c.name for c in groups[0].typer_instance.registered_commands}  # type: ignore[union-attr]
    assert {"create", "set-password"} <= names


def test_issue_passwords_for_the_demo(db_url: str) -> None:
    from api.services import issue_passwords

    engine = make_engine(db_url)
    with session_scope(make_session_factory(engine)) as session:
        issued = issue_passwords(session, ["officer1", "nobody"])
    engine.dispose()
    assert set(issued) == {"officer1"}
    user = _user(db_url)
    assert verify_password(user.password_hash, issued["officer1"])
    assert user.locked_until is None
