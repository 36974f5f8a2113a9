"""Unit tests for api.web.security: hashes, signed session cookie, CSRF, back-off policy."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.passwords import ACCOUNT_BACKOFF, ACCOUNT_FAILURES, backoff
from api.web import security
from api.web.security import Session

SECRET = b"k" * 32
OTHER = b"o" * 32


def test_hash_verifies_only_the_right_password() -> None:
    hashed = security.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert security.verify_password(hashed, "correct horse battery")
    assert not security.verify_password(hashed, "correct horse batterz")
    assert security.hash_password("correct horse battery") != hashed  # salted


@pytest.mark.parametrize(
    ("stored", "given_pw"),
    [
        (None, "whatever12345"),
        ("", "whatever12345"),
        ("not-a-hash", "whatever12345"),
        ("$argon2id$v=19$m=1,t=1,p=1$broken", "whatever12345"),
        ("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA", None),
    ],
    ids=["no-hash", "empty-hash", "garbage", "truncated", "no-password"],
)
def test_verify_never_raises_on_bad_input(stored: str | None, given_pw: str | None) -> None:
    assert security.verify_password(stored, given_pw) is False


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        (None, "password_too_short"),
        ("short", "password_too_short"),
        ("x" * 2000, "password_too_long"),
        ("long enough pass", None),
        ("মোছাঃ রহিমা খাতুন", None),
    ],
    ids=["none", "short", "huge", "ok", "bangla-ok"],
)
def test_password_problem(password: str | None, problem: str | None) -> None:
    assert security.password_problem(password) == problem


def test_session_round_trip() -> None:
    session = Session.signed_in("k-42")
    decoded = security.decode_session(security.encode_session(session, SECRET), SECRET)
    assert decoded is not None
    assert decoded.key == "k-42"
    assert decoded.nonce == session.nonce


def test_session_cookie_carries_no_personal_data() -> None:
    value = security.encode_session(Session.signed_in("k-42"), SECRET)
    payload = value.split(".")[0]
    decoded = security._unb64(payload).decode()
    assert set(__import__("json").loads(decoded)) == {"n", "k", "t"}


def _flip_last(value: str) -> str:
    return value[:-1] + ("A" if value[-1] != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: _flip_last(v),
        lambda v: "x" + v,
        lambda v: v.split(".")[0],
        lambda v: "",
        lambda v: "." * 5000,
        lambda v: "😀.😀",
    ],
    ids=["bad-signature", "bad-payload", "no-signature", "empty", "huge", "emoji"],
)
def test_tampered_session_reads_as_none(mangle: object) -> None:
    value = security.encode_session(Session.signed_in("u-1"), SECRET)
    assert security.decode_session(mangle(value), SECRET) is None  # type: ignore[operator]


def test_session_signed_with_another_key_is_refused() -> None:
    value = security.encode_session(Session.signed_in("u-1"), OTHER)
    assert security.decode_session(value, SECRET) is None


@pytest.mark.parametrize(
    ("age_seconds", "valid"),
    [
        (0, True),
        (3600, True),
        (security.SESSION_MAX_AGE.total_seconds() + 1, False),
        (-3600, False),
    ],
    ids=["fresh", "one-hour", "expired", "from-the-future"],
)
def test_session_expiry(age_seconds: float, valid: bool) -> None:
    session = Session(nonce="n", key="k", issued=time.time() - age_seconds)
    value = security.encode_session(session, SECRET)
    assert (security.decode_session(value, SECRET) is not None) is valid


def test_csrf_token_is_bound_to_the_session() -> None:
    one, two = Session.anonymous(), Session.anonymous()
    token = security.csrf_token(one, SECRET)
    assert security.csrf_ok(one, token, SECRET)
    assert not security.csrf_ok(two, token, SECRET)
    assert not security.csrf_ok(one, token, OTHER)
    assert not security.csrf_ok(one, None, SECRET)
    assert not security.csrf_ok(None, token, SECRET)
    assert not security.csrf_ok(one, "", SECRET)


@settings(max_examples=50)
@given(st.text(max_size=300))
def test_decode_session_never_raises(value: str) -> None:
    assert security.decode_session(value, SECRET) is None or "." in value


@settings(max_examples=50)
@given(st.text(max_size=300))
def test_csrf_ok_never_raises_and_rejects_random_text(token: str) -> None:
    session = Session.anonymous()
    expected = security.csrf_token(session, SECRET)
    assert security.csrf_ok(session, token, SECRET) is (token == expected)


NOW = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [
        (0, None),
        (security.MAX_FAILURES - 1, None),
        (security.MAX_FAILURES, timedelta(seconds=30)),
        (security.MAX_FAILURES + 1, timedelta(seconds=60)),
        (security.MAX_FAILURES + 3, timedelta(seconds=240)),
        (security.MAX_FAILURES + 50, security.LOCKOUT),
        (10**9, security.LOCKOUT),
    ],
    ids=["none", "one-short", "first", "doubles", "doubles-again", "capped", "huge"],
)
def test_backoff_doubles_after_the_free_tries_and_is_capped(
    failures: int, wait: timedelta | None
) -> None:
    got = backoff(failures, free=security.MAX_FAILURES, base=timedelta(seconds=30))
    assert got == wait


def test_account_back_off_is_temporary_and_grows() -> None:
    """No hard lock: the account waits ACCOUNT_BACKOFF after ACCOUNT_FAILURES failures, twice
    that after one more, and never more than LOCKOUT; the count is not reset by the lock."""
    failures, locked = 0, None
    for _ in range(ACCOUNT_FAILURES - 1):
        failures, locked = security.after_failure(failures, now=NOW)
        assert locked is None
    failures, locked = security.after_failure(failures, now=NOW)
    assert locked == NOW + ACCOUNT_BACKOFF
    assert failures == ACCOUNT_FAILURES
    assert security.is_locked(locked, now=NOW + timedelta(seconds=30))
    assert not security.is_locked(locked, now=NOW + ACCOUNT_BACKOFF + timedelta(seconds=1))
    failures, locked = security.after_failure(failures, now=NOW)
    assert locked == NOW + 2 * ACCOUNT_BACKOFF
    assert security.after_failure(10**6, now=NOW)[1] == NOW + security.LOCKOUT


@pytest.mark.parametrize(
    ("locked_until", "locked"),
    [
        (None, False),
        (NOW + timedelta(minutes=5), True),
        (NOW - timedelta(minutes=5), False),
        ((NOW + timedelta(minutes=5)).replace(tzinfo=None), True),
    ],
    ids=["never", "future", "past", "naive-utc-from-sqlite"],
)
def test_is_locked(locked_until: datetime | None, locked: bool) -> None:
    assert security.is_locked(locked_until, now=NOW) is locked
