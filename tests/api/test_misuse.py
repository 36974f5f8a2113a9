"""Issue 15, items 7 and 9: misuse that used to answer 500 or leak — NUL bytes at every door,
bidi controls in names, dates out of range, the audit cursor past 64 bits, a failed run's CSV,
caching of children's records, and two imports of the same ids at once. Synthetic data."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest

from api import services
from api.errors import InvalidError
from api.models import JobStatus, Reconciliation, User
from api.roles import Role
from tests.api.conftest import Harness, report_body
from tests.api.test_import import make_csv

R = Role.POLICE_REVIEWER


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "where"),
    [
        pytest.param(
            "POST",
            "/login",
            {"data": {"username": "a\x00b", "password": "x"}},
            "body",
            id="login-form",
        ),
        pytest.param("GET", "/web/reports/R-1%00", {}, "path", id="page-path"),
        pytest.param("GET", "/review-queue?district=Jes%00sore", {}, "query", id="query"),
        pytest.param(
            "POST", "/web/reports/search", {"data": {"q": "Ra\x00hima"}}, "body", id="page-form"
        ),
        pytest.param(
            "POST", "/reports/search", {"json": {"name": "Ra\x00hima"}}, "body", id="json"
        ),
    ],
)
def test_a_nul_byte_at_any_door_is_a_clear_422(
    harness: Harness, method: str, path: str, kwargs: dict[str, Any], where: str
) -> None:
    r = harness.call(R, method, path, **kwargs)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"][0] == where
    assert "NUL" in detail[0]["msg"]


_JSON = [(b"content-type", b"application/json")]
_FORM = [(b"content-type", b"application/x-www-form-urlencoded")]


@pytest.mark.parametrize(
    ("headers", "body", "where"),
    [
        pytest.param(_JSON, rb'{"a": {"b": ["x", "y\u0000z"]}}', ["body", "a", "b", 1], id="json"),
        pytest.param(_JSON, rb'{"a\u0000": 1}', ["body"], id="json-key"),
        pytest.param(_JSON, rb'{"a": "a backslash then u0000: \\u0000"}', None, id="json-text"),
        pytest.param(_JSON, b'{"name": "Rahima Khatun", "age": 10}', None, id="json-clean"),
        pytest.param(_FORM, b"q=Ra%00hima", ["body", "q"], id="form"),
        pytest.param(_FORM, b"q=Rahima&d=Jessore", None, id="form-clean"),
    ],
)
def test_the_nul_check_finds_every_spelling_and_passes_clean_text(
    headers: list[tuple[bytes, bytes]], body: bytes, where: list[Any] | None
) -> None:
    from api.app import refused_text

    assert refused_text({"path": "/x", "query_string": b"", "headers": headers}, body) == where


def test_the_nul_check_does_not_decode_a_body_without_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON request passes the check on the event loop: a body that cannot hold a NUL
    (no raw NUL, no ``\\u0000``) is not parsed to be searched."""
    import api.app

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(api.app.json, "loads", refuse)
    monkeypatch.setattr(api.app, "parse_qsl", refuse)
    scope = {"path": "/interceptions", "query_string": b"", "headers": _JSON}
    assert api.app.refused_text(scope, b'{"name": "Rahima", "age": 11}') is None
    form = {"path": "/login", "query_string": b"lang=bn", "headers": _FORM}
    assert api.app.refused_text(form, b"username=a&password=b") is None


def test_bidi_controls_are_removed_from_names(harness: Harness) -> None:
    body = report_body("BIDI-1", name="Rahima \u202eKhatun\u2066", father_name="Abdul\u202a Karim")
    assert harness.call(R, "POST", "/reports", json=body).status_code == 201
    got = harness.call(R, "GET", "/reports/BIDI-1").json()
    assert (got["name"], got["father_name"]) == ("Rahima Khatun", "Abdul Karim")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_dates_out_of_range_are_refused_naming_the_field(harness: Harness, day: str) -> None:
    r = harness.call(R, "POST", "/reports", json=report_body("DATE-1", report_date=day))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "report_date"]
    csv_r = harness.call(
        R,
        "POST",
        "/reports/import",
        files={"file": ("r.csv", make_csv([report_body("DATE-2", report_date=day)]), "text/csv")},
    )
    assert [(x["row_number"], x["field"]) for x in csv_r.json()["rejects"]] == [(2, "report_date")]


def test_audit_cursor_past_64_bits_is_422_not_500(harness: Harness) -> None:
    big = "9223372036854775808"
    r = harness.call(Role.ADMIN, "GET", "/audit", params={"after_id": big})
    assert r.status_code == 422
    with harness.app.state.sessions() as s:
        admin = s.get(User, harness.user_ids[Role.ADMIN])
        with pytest.raises(InvalidError):
            services.list_audit(s, admin, after_id=int(big))


def test_a_failed_runs_csv_is_a_conflict_not_a_file(harness: Harness) -> None:
    with harness.app.state.sessions() as s:
        run = Reconciliation(
            status=JobStatus.FAILED, started_by=harness.user_ids[Role.ANALYST], error="Boom"
        )
        s.add(run)
        s.commit()
        rid = run.id
    r = harness.call(Role.ANALYST, "GET", f"/reconciliations/{rid}/candidates.csv")
    assert r.status_code == 409
    assert "failed" in r.json()["detail"]


def test_answers_carrying_a_childs_record_are_not_cached(harness: Harness) -> None:
    assert harness.call(R, "POST", "/reports", json=report_body("CACHE-1")).status_code == 201
    for path in ("/reports/CACHE-1", "/review-queue"):
        assert harness.call(R, "GET", path).headers["cache-control"] == "no-store"
    search = harness.call(R, "POST", "/reports/search", json={"name": "Rahima"})
    assert search.headers["cache-control"] == "no-store"


def test_two_imports_of_the_same_ids_at_once_one_is_refused_listing_them(
    harness: Harness,
) -> None:
    """Issue 15.7: on PostgreSQL the loser used to get a 500 (unique violation)."""
    data = make_csv([report_body(f"SAME-{i:04d}") for i in range(3000)]).decode()
    app = harness.app
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def run() -> None:
        with app.state.sessions() as s:
            user = s.get(User, harness.user_ids[R])
            s.commit()  # on SQLite the read took the write lock; the other thread needs it
            start.wait()
            try:
                outcomes.append(
                    services.import_reports(
                        s, user, io.StringIO(data, newline=""), index=app.state.index
                    )
                )
            except InvalidError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    refused = [o for o in outcomes if isinstance(o, InvalidError)]
    done = [o for o in outcomes if not isinstance(o, InvalidError)]
    assert len(refused) == 1, outcomes
    assert len(done) == 1, outcomes
    outcome = refused[0].extra["outcome"]
    assert outcome.rejects[0].field == "report_id"
    assert outcome.rejects[0].reason == "a report with this id already exists"
    assert outcome.total_rejects >= 1
