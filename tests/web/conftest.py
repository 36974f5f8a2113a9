"""Fixtures for the web tests: a live server on a temp SQLite DB, seeded users, a real Chromium.

The server is ``create_app`` under uvicorn on 127.0.0.1 and a free port, in a thread of the test
process (so the test can also reach ``app.state``). Data is synthetic: the shared test split of
the generator (``training_data/test/reports.csv``) plus one hand-made report built from public
name lists (``TARGET``), which the end-to-end test expects to find.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Screenshots land in docs/screenshots only when asked (SHONDHAN_SCREENSHOTS=docs), so a test run
# does not rewrite tracked files; otherwise they go to a temporary folder and are still taken.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("SHONDHAN_SCREENSHOTS") == "docs"
    else Path(tempfile.gettempdir()) / "shondhan-screenshots"
)
REPORTS_CSV = ROOT / "training_data" / "test" / "reports.csv"
BACKGROUND_REPORTS = 300

PASSWORDS = {
    "officer": "officer synthetic pw",
    "officer2": "officer2 synthetic pw",
    "reviewer": "reviewer synthetic pw",
    "analyst": "analyst synthetic pw",
    "admin": "admin synthetic pw",
    "locky": "locky synthetic pw",
}
ROLES = {
    "officer": "bgb_officer",
    "officer2": "bgb_officer",
    "reviewer": "police_reviewer",
    "analyst": "analyst",
    "admin": "admin",
    "locky": "bgb_officer",
}

# Synthetic: common given names / surnames from the public name lists, a gazetteer place.
TARGET: dict[str, Any] = {
    "report_id": "DMP-TEST-0001",
    "name": "মোছাঃ রহিমা খাতুন",
    "father_name": "আব্দুল করিম",
    "mother_name": "সালমা বেগম",
    "sex": "F",
    "age": 10.0,
    "report_date": date(2025, 3, 14),
    "district": "Jashore",
    "upazila": "Sharsha",
    "police_station": "Sharsha",
    "guardian_phone": "01700000000",
}

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def cheap_hash(password: str) -> str:
    """An argon2id hash with minimal cost parameters, so test sign-ins verify in milliseconds
    (verification uses the parameters stored in the hash; production hashes keep the
    library's defaults)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)


def chromium_path() -> str | None:
    """Debian's Chromium (``CHROMIUM_PATH`` or ``/usr/bin/chromium``), None if absent."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if path and Path(path).exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running app: its base URL and the FastAPI app (for seeding through the services)."""

    url: str
    app: Any

    def user(self, username: str) -> Any:
        from sqlalchemy import select

        from api.models import User

        with self.app.state.sessions() as session:
            return session.scalar(select(User).where(User.username == username))


def _seed(app: Any) -> None:
    from api import services
    from api.roles import Role
    from api.schemas import ReportIn

    with app.state.sessions() as session:
        for username, role in ROLES.items():
            user, _, _ = services.create_user(session, None, username, Role(role))
            user.password_hash = cheap_hash(PASSWORDS[username])
            session.commit()
        reviewer = services.find_user(session, username="reviewer")
        lines = REPORTS_CSV.read_text("utf-8").splitlines(keepends=True)
        import io

        services.import_reports(
            session,
            reviewer,
            io.StringIO("".join(lines[: BACKGROUND_REPORTS + 1])),
            partial=True,
            index=app.state.index,
        )
        services.create_report(session, reviewer, ReportIn(**TARGET), index=app.state.index)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    db = tmp_path_factory.mktemp("web") / "web.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        secret_key="synthetic-test-secret-key-0123456789",
        sync_enabled=False,
        sign_in_per_minute=10_000,  # every browser test signs in from 127.0.0.1
    )
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    _seed(app)
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (set CHROMIUM_PATH)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies) at phone width, 360 px."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def signed_in(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """``signed_in(username)``: a browser context signed in once per session, for read-only
    checks (its ``.request`` shares the session cookie). Tests that sign out or change the
    user must use ``page`` instead."""
    contexts: dict[str, Any] = {}

    def get(username: str) -> Any:
        if username not in contexts:
            context = browser.new_context(base_url=live_server.url)
            tab = context.new_page()
            sign_in(tab, username)
            tab.close()
            contexts[username] = context
        return contexts[username]

    yield get
    for context in contexts.values():
        context.close()


@pytest.fixture
def wide_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context at desktop width (for the review screens)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(tab: Any, username: str, password: str | None = None) -> None:
    """Sign in through the form, as a person would (any earlier session is dropped first)."""
    tab.context.clear_cookies()
    tab.goto("/login")
    tab.fill("#username", username)
    tab.fill("#password", password if password is not None else PASSWORDS[username])
    tab.click("button[type=submit]")
    tab.wait_for_load_state()


def sign_out(tab: Any) -> None:
    tab.click("header form button[type=submit]")
    tab.wait_for_url("**/login")


def console_errors(tab: Any) -> list[str]:
    """Start collecting the tab's console errors (CSP violations, script errors)."""
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def screenshot(tab: Any, name: str, *, full_page: bool = True) -> None:
    """Save ``docs/screenshots/<name>.png`` (the whole page unless ``full_page`` is False)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
