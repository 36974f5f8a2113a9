"""``shondhan users create|token|revoke|list``: the bootstrap path without the API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli import service


def _cli() -> typer.Typer:
    app = typer.Typer()
    service.register(app)
    return app


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def shondhan(url: str, *args: str) -> Result:
    """Run a service command in-process (same code path as the console script)."""
    result = CliRunner().invoke(_cli(), list(args), env={"SHONDHAN_DATABASE_URL": url})
    return Result(result.exit_code, result.stdout, result.stderr)


def test_users_create_prints_a_working_token_once_and_revoke_kills_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
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
