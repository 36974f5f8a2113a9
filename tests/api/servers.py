"""Run ``shondhan serve`` as a real subprocess (crash and two-process tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from api import services
from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bootstrap_users(url: str) -> dict[Role, str]:
    """Migrate the database and create one user per role; returns their tokens."""
    engine = make_engine(url)
    upgrade(engine)
    tokens = {}
    with make_session_factory(engine)() as session:
        for role in Role:
            _user, _tok, plain = services.create_user(session, None, f"p-{role.value}", role)
            tokens[role] = plain
    engine.dispose()
    return tokens


@dataclass
class Server:
    """A ``shondhan serve`` process and its log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_server(
    url: str,
    log: Path,
    *,
    sync_interval: float = 1.0,
    timeout: float = 60,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """Start a server on ``url`` (``extra_env``: more settings) and wait until /health says
    ok."""
    port = free_port()
    env = {
        **os.environ,
        "SHONDHAN_DATABASE_URL": url,
        "SHONDHAN_INDEX_SYNC_INTERVAL": str(sync_interval),
        **(extra_env or {}),
    }
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"server did not become healthy:\n{server.log_text()[-3000:]}")
