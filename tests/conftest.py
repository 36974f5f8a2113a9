"""Suite-wide guard: under ``make test`` the PostgreSQL and browser tests must run, not skip.

Those tests skip when their service is absent so a developer can run a subset anywhere; ``make
test`` (and so CI) sets ``SHONDHAN_REQUIRE_SERVICES=1``, and then a missing service is an error
instead of a silent skip.
"""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("SHONDHAN_REQUIRE_SERVICES") != "1":
        return
    missing = []
    if not os.environ.get("SHONDHAN_TEST_POSTGRES_URL"):
        missing.append("SHONDHAN_TEST_POSTGRES_URL (PostgreSQL)")
    if not (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")):
        missing.append("CHROMIUM_PATH (Chromium)")
    if missing:
        raise pytest.UsageError("make test needs " + " and ".join(missing))
