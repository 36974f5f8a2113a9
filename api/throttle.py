"""Sign-in throttling kept in memory: a per-source rate limit and per-(source, account) back-off.

Contract (issue 15, item 4):
- :meth:`SignInThrottle.admit` is the rate limit: at most ``per_minute`` sign-in attempts per
  source in any 60 s (a sliding window). It is cheap (no database, no hashing) and runs before
  the sign-in page does anything (``api.app.SignInLimitMiddleware``), so a flood of sign-ins
  is answered 429 on the event loop and cannot take the worker threads or the CPU other
  endpoints need.
- :meth:`SignInThrottle.waiting` / :meth:`failed` / :meth:`succeeded` are the back-off of one
  source on one account name (:func:`api.passwords.backoff`: after ``MAX_FAILURES`` failures
  in a row, ``SOURCE_BACKOFF`` doubling up to ``LOCKOUT``). Keyed by the name as typed, so an
  unknown name behaves exactly like a real one (no way to learn which usernames exist).
- :meth:`trusted` says whether a source has signed in to an account before; the account-wide
  back-off (``users`` columns) does not apply to it, so a stranger cannot lock the owner out.
- Per process: with several server processes each counts its own attempts (an attacker spread
  over P processes gets P times the tries; the account-wide back-off, in the database, is
  shared). The state is lost on restart. Every table is bounded (oldest entries dropped).
- Thread-safe (one lock; every operation is O(1) amortised).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from api.passwords import LOCKOUT, MAX_FAILURES, SOURCE_BACKOFF, backoff

WINDOW = 60.0
MAX_ENTRIES = 50_000
TRUSTED_PER_ACCOUNT = 8


@dataclass(slots=True)
class _Failures:
    count: int = 0
    until: float = 0.0


class SignInThrottle:
    """The in-memory sign-in limits of one app (see the module docstring)."""

    def __init__(self, *, per_minute: int, max_entries: int = MAX_ENTRIES) -> None:
        self.per_minute = per_minute
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._trusted: OrderedDict[str, deque[str]] = OrderedDict()

    def admit(self, source: str, *, now: float | None = None) -> float | None:
        """Count one attempt from ``source``; None if admitted, else the seconds to wait."""
        at = time.monotonic() if now is None else now
        with self._lock:
            window = self._attempts.pop(source, None) or deque()
            while window and window[0] <= at - WINDOW:
                window.popleft()
            self._remember(self._attempts, source, window)
            if len(window) >= self.per_minute:
                return max(1.0, window[0] + WINDOW - at)
            window.append(at)
            return None

    def waiting(self, source: str, name: str, *, now: float | None = None) -> bool:
        """True while ``source`` must wait before trying ``name`` again."""
        at = time.monotonic() if now is None else now
        with self._lock:
            entry = self._failures.get((source, name))
            return entry is not None and at < entry.until

    def failed(self, source: str, name: str, *, now: float | None = None) -> None:
        """One more failure of ``source`` on ``name`` (starts or doubles its back-off)."""
        at = time.monotonic() if now is None else now
        with self._lock:
            entry = self._failures.pop((source, name), None) or _Failures()
            entry.count += 1
            wait = backoff(entry.count, free=MAX_FAILURES, base=SOURCE_BACKOFF, cap=LOCKOUT)
            entry.until = at + wait.total_seconds() if wait is not None else 0.0
            self._remember(self._failures, (source, name), entry)

    def succeeded(self, source: str, name: str) -> None:
        """``source`` signed in to ``name``: forget its failures and trust it from now on."""
        with self._lock:
            self._failures.pop((source, name), None)
            sources = self._trusted.pop(name, None) or deque(maxlen=TRUSTED_PER_ACCOUNT)
            if source not in sources:
                sources.append(source)
            self._remember(self._trusted, name, sources)

    def trusted(self, source: str, name: str) -> bool:
        """True if ``source`` has signed in to ``name`` before (in this process)."""
        with self._lock:
            return source in self._trusted.get(name, ())

    def _remember(self, table: OrderedDict, key: object, value: object) -> None:  # type: ignore[type-arg]
        table[key] = value
        while len(table) > self.max_entries:
            table.popitem(last=False)


def client_source(request: Any) -> str:
    """The source address of a request or ASGI scope (``"-"`` if unknown). Behind a reverse
    proxy run uvicorn with ``--proxy-headers --forwarded-allow-ips=<proxy>``, or every client
    is the proxy and shares one limit."""
    scope = getattr(request, "scope", request)
    client = scope.get("client") if isinstance(scope, dict) else None
    return str(client[0]) if client else "-"
