"""``shondhan migrate``, ``users create|token|revoke|list|set-password`` (the bootstrap path
without the API) and ``serve --demo``: commands that cannot hurt (issue 16, item 3)."""

from __future__ import annotations

import functools
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli import service, users


def _cli() -> typer.Typer:
    app = typer.Typer()
    service.register(app)
    users.register(app)
    return app


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def shondhan(url: str, *args: str, stdin: str | None = None) -> Result:
    """Run a service command in-process (same code path as the console script)."""
    result = CliRunner().invoke(_cli(), list(args), env={"SHONDHAN_DATABASE_URL": url}, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of the command, not an answer
    return Result(result.exit_code, result.stdout, result.stderr)


def test_users_create_prints_a_working_token_once_and_revoke_kills_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrated = shondhan(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "is at schema" in migrated.stdout
    created = shondhan(url, "users", "create", "--username", "first.admin", "--role", "admin")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert len(token) >= 40
    assert token not in created.stderr
    again = shondhan(url, "users", "create", "--username", "first.admin", "--role", "admin")
    assert again.returncode == 1
    bad = shondhan(url, "users", "create", "--username", "Bad Name!", "--role", "admin")
    assert bad.returncode == 2
    listed = shondhan(url, "users", "list")
    assert "first.admin\tadmin" in listed.stdout

    with TestClient(create_app(Settings(database_url=url, sync_enabled=False))) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/me", headers=headers).json()["username"] == "first.admin"
        revoked = shondhan(url, "users", "revoke", "--username", "first.admin")
        assert revoked.returncode == 0
        assert "1 token(s) revoked" in revoked.stdout
        assert client.get("/me", headers=headers).status_code == 401
        fresh = shondhan(url, "users", "token", "--username", "first.admin").stdout.strip()
        assert client.get("/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


NEEDS_A_DATABASE = [
    ("users", "list"),
    ("users", "token", "--username", "first.admin"),
    ("users", "revoke", "--username", "first.admin"),
    ("users", "create", "--username", "first.admin", "--role", "admin"),
    ("users", "set-password", "--username", "first.admin", "--password-stdin"),
]


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=[" ".join(a[:2]) for a in NEEDS_A_DATABASE])
@pytest.mark.parametrize("state", ["missing", "empty-file", "old-schema"])
def test_commands_refuse_a_database_that_is_missing_or_not_migrated(
    tmp_path: Path, args: tuple[str, ...], state: str
) -> None:
    db = tmp_path / "shondhan.db"
    url = f"sqlite:///{db}"
    if state == "empty-file":
        db.touch()
    elif state == "old-schema":
        assert shondhan(url, "migrate").returncode == 0
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '0001'")
    before = db.read_bytes() if db.exists() else None
    result = shondhan(url, *args, stdin="a synthetic password 1\n")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SHONDHAN_DATABASE_URL" in lines[0]
    assert "shondhan migrate" in lines[0]
    assert (db.read_bytes() if db.exists() else None) == before  # nothing created or changed


def test_the_database_password_is_never_printed(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:synthetic-secret@127.0.0.1:1/none"
    result = shondhan(url, "users", "list")
    assert result.returncode == 2
    assert "synthetic-secret" not in result.stderr
    assert "SHONDHAN_DATABASE_URL=postgresql+psycopg://someone:***@127.0.0.1:1/none" in (
        result.stderr
    )


def test_demo_restart_says_plainly_that_new_credentials_were_issued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from api import demo

    served: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda _app, **kw: served.append(kw["port"]))
    small = functools.partial(demo.seed_demo, n_reports=200, n_interceptions=20, submit=5)
    monkeypatch.setattr(demo, "seed_demo", small)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = shondhan(url, "serve", "--demo", "--port", "8123")
    second = shondhan(url, "serve", "--demo", "--port", "8123")
    assert first.returncode == second.returncode == 0
    assert served == [8123, 8123]
    assert "first start" in first.stderr
    assert "already loaded" not in first.stderr
    assert "already loaded" in second.stderr
    assert "NEW demo tokens and passwords" in second.stderr
    assert "first" not in second.stderr  # no false "first run only"
    reviewer = [
        line.split()[-1] for line in second.stdout.splitlines() if "police_reviewer" in line
    ]
    with TestClient(create_app(Settings(database_url=url, sync_enabled=False))) as client:
        assert (
            client.get("/me", headers={"Authorization": f"Bearer {reviewer[0]}"}).status_code == 200
        )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_the_port_to_serve() -> None:
    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(
        ["make", "-n", "-C", str(root), "demo", "PORT=8123"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "shondhan serve --demo --host 127.0.0.1 --port 8123" in dry.stdout
