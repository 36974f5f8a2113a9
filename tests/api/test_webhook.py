"""The outgoing webhook, against a local receiver on 127.0.0.1: ids only, HMAC-signed, retried
after a failure, never failing the request that made the candidates, every attempt visible to
admins; and the settings refuse a half-configured webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.roles import Role
from api.settings import Settings
from api.webhook import SIGNATURE_HEADER, Webhook
from tests.api.conftest import fresh_database, interception_body, report_body, start_harness
from tests.api.servers import free_port

SECRET = "synthetic-webhook-secret-0001"
R, B, AD = Role.POLICE_REVIEWER, Role.BGB_OFFICER, Role.ADMIN


class Receiver:
    """A local HTTP receiver answering each POST with the next status of ``answers`` (then 200),
    keeping what it got."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500])  # the first call fails: the event must be retried
    try:
        yield r
    finally:
        r.close()


def _app(tmp_path: Path, url: str) -> Any:
    db = fresh_database("sqlite", tmp_path, None)
    return start_harness(db.url, webhook_url=url, webhook_secret=SECRET)


def test_new_candidates_call_the_webhook_with_ids_only_signed_and_retried(
    tmp_path: Path, receiver: Receiver
) -> None:
    h, client = _app(tmp_path, receiver.url)
    try:
        hook = h.app.state.webhook
        hook._backoff = 0.05  # retries soon (the policy is tested, not the wait)
        assert h.call(R, "POST", "/reports", json=report_body("WH-R1")).status_code == 201
        r = h.call(B, "POST", "/interceptions", json=interception_body("WH-I1"))
        assert r.status_code == 201
        queued = {
            c["candidate_id"] for c in r.json()["candidates"] if c["band"] in ("match", "review")
        }
        assert queued
        assert hook.wait_idle(10)
        assert len(receiver.got) == 2  # a 500, then the retry
        (h1, b1), (h2, b2) = receiver.got
        assert b1 == b2
        assert h1["X-Shondhan-Event-Id"] == h2["X-Shondhan-Event-Id"]
        expected = "sha256=" + hmac.new(SECRET.encode(), b2, hashlib.sha256).hexdigest()
        assert h2[SIGNATURE_HEADER] == expected
        body = json.loads(b2)
        assert set(body) == {"event", "event_id", "candidate_ids", "at"}
        assert body["event"] == "candidates.created"
        assert set(body["candidate_ids"]) == queued
        for text in ("Rahima", "Rohima", "Karim", "Jessore", "WH-I1", "WH-R1"):
            assert text.encode() not in b2  # ids of candidates only, no names or records

        seen = h.call(AD, "GET", "/webhook/deliveries")
        assert seen.status_code == 200
        rows = sorted(seen.json(), key=lambda d: d["attempt"])
        assert [(d["attempt"], d["status_code"], d["delivered"]) for d in rows] == [
            (1, 500, False),
            (2, 200, True),
        ]
        assert h.call(R, "GET", "/webhook/deliveries").status_code == 403
        assert h.call(B, "GET", "/webhook/deliveries").status_code == 403
    finally:
        client.__exit__(None, None, None)


def test_an_unreachable_receiver_never_fails_the_request(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    h, client = _app(tmp_path, url)
    try:
        hook = h.app.state.webhook
        hook._backoff = 0.01
        hook._attempts = 2
        assert h.call(R, "POST", "/reports", json=report_body("WH-R2")).status_code == 201
        r = h.call(B, "POST", "/interceptions", json=interception_body("WH-I2"))
        assert r.status_code == 201
        assert r.json()["candidates"]
        assert hook.wait_idle(10)
        rows = h.call(AD, "GET", "/webhook/deliveries").json()
        assert [(d["delivered"], d["status_code"]) for d in rows] == [(False, None)] * 2
        assert all(d["error"] == "ConnectError" for d in rows)
    finally:
        client.__exit__(None, None, None)


def test_a_full_queue_drops_the_event_and_records_the_drop(tmp_path: Path) -> None:
    h, client = _app(tmp_path, "http://127.0.0.1:9/hook")
    try:
        hook = Webhook(h.app.state.sessions, "http://127.0.0.1:9/hook", SECRET, queue_size=1)
        hook.notify(["a" * 32])  # queued (the thread is not started: it stays queued)
        hook.notify(["b" * 32])  # the queue is full: dropped at once, not waited for
        rows = h.call(AD, "GET", "/webhook/deliveries").json()
        assert [(d["error"], d["candidates"], d["attempt"]) for d in rows] == [("dropped", 1, 0)]
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("http://127.0.0.1:8080/hook", None, "at least 16"),
        ("http://127.0.0.1:8080/hook", "short", "at least 16"),
        ("ftp://example.org/hook", SECRET, "http"),
        ("not a url", SECRET, "http"),
        (None, SECRET, "webhook_url is not"),
    ],
    ids=["no-secret", "short-secret", "ftp", "not-a-url", "secret-alone"],
)
def test_settings_refuse_a_half_configured_webhook(
    url: str | None, secret: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(webhook_url=url, webhook_secret=secret)
