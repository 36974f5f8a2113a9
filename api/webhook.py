"""The outgoing webhook: tell a deployment's own system that candidates entered the review queue.

Contract:
- The body is JSON with ids only, never a child's details: ``{"event": "candidates.created",
  "event_id": ..., "candidate_ids": [...], "at": ISO time}`` (at most :data:`MAX_IDS` ids per
  event; more are split into several events).
- Signed: header ``X-Shondhan-Signature: sha256=<hex HMAC-SHA256 of the raw body with the
  secret>``; the receiver recomputes it and compares in constant time. ``X-Shondhan-Event-Id``
  repeats the event id (a retry carries the same id: the receiver can drop duplicates).
- Never blocks or fails the request that made the candidates: :meth:`Webhook.notify` only puts
  the event on a bounded queue (full: the event is dropped and the drop recorded) and returns; a
  background thread delivers it, retrying a failure (no answer, or not 2xx) with exponential
  backoff up to ``attempts`` times.
- Every attempt is a ``webhook_deliveries`` row (event id, attempt, candidate count, status
  code or error type, delivered or not), which admins read (``GET /webhook/deliveries``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from api.models import WebhookDelivery, utcnow

log = logging.getLogger(__name__)

MAX_IDS = 500
SIGNATURE_HEADER = "X-Shondhan-Signature"
EVENT_HEADER = "X-Shondhan-Event-Id"


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Shondhan-Signature`` value of ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class _Event:
    event_id: str
    body: bytes
    candidates: int


class Webhook:
    """Delivers candidate events to one URL from a background thread (see the module doc).

    ``queue_size`` — events waiting at most; ``attempts`` — tries per event; ``backoff`` —
    seconds before the first retry, doubled each time; ``timeout`` — seconds per attempt.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        url: str,
        secret: str,
        *,
        queue_size: int = 1000,
        attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self._url = url
        self._secret = secret.encode("utf-8")
        self._queue: queue.Queue[_Event | None] = queue.Queue(maxsize=queue_size)
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout
        self._sleep = sleep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the delivery thread (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="shondhan-webhook", daemon=True)
            self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop after the event being delivered (queued ones are left: the log shows them
        undelivered only if attempted)."""
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(queue.Full):  # the thread wakes on the stop flag anyway
                self._queue.put_nowait(None)
            self._thread.join(timeout=timeout)
            self._thread = None

    def notify(self, candidate_ids: list[str]) -> None:
        """Queue events for these new candidates and return at once (never raises, never
        waits: a full queue drops the event and records the drop)."""
        for lo in range(0, len(candidate_ids), MAX_IDS):
            ids = candidate_ids[lo : lo + MAX_IDS]
            event_id = secrets.token_hex(16)
            body = json.dumps(
                {
                    "event": "candidates.created",
                    "event_id": event_id,
                    "candidate_ids": ids,
                    "at": utcnow().isoformat(),
                },
                separators=(",", ":"),
            ).encode("utf-8")
            try:
                self._queue.put_nowait(_Event(event_id, body, len(ids)))
            except queue.Full:
                log.warning("webhook queue full: event %s dropped", event_id)
                self._record(event_id, 0, len(ids), None, False, "dropped")

    def wait_idle(self, timeout: float) -> bool:
        """True once every queued event has been handled (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while not self._stop.is_set():
                event = self._queue.get()
                try:
                    if event is not None:
                        self._deliver(client, event)
                except Exception as exc:  # the thread must survive anything
                    log.warning("webhook delivery failed (%s)", type(exc).__name__)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, event: _Event) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, event.body),
            EVENT_HEADER: event.event_id,
        }
        for attempt in range(1, self._attempts + 1):
            code: int | None = None
            error: str | None = None
            try:
                code = client.post(self._url, content=event.body, headers=headers).status_code
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            ok = code is not None and 200 <= code < 300
            self._record(event.event_id, attempt, event.candidates, code, ok, error)
            if ok:
                return
            if attempt < self._attempts and not self._stop.is_set():
                self._sleep(self._backoff * 2 ** (attempt - 1))
        log.warning("webhook event %s undelivered after %d attempts", event.event_id, attempt)

    def _record(
        self,
        event_id: str,
        attempt: int,
        candidates: int,
        code: int | None,
        delivered: bool,
        error: str | None,
    ) -> None:
        try:
            with self._sessions() as session:
                session.add(
                    WebhookDelivery(
                        event_id=event_id,
                        attempt=attempt,
                        candidates=candidates,
                        status_code=code,
                        delivered=delivered,
                        error=error,
                        at=utcnow(),
                    )
                )
                session.commit()
        except Exception as exc:  # a database blip must not stop deliveries
            log.warning("webhook delivery not recorded (%s)", type(exc).__name__)
