"""POST /reports/import: all-or-nothing by default, ``?partial=true`` keeps good rows; every bad
row is reported with row number, field and reason, never its value."""

from __future__ import annotations

import csv
import io
import threading

import pytest
import sqlalchemy as sa

from api.models import ReportRow
from api.offload import can_fork
from api.roles import Role
from matcher.csvio import AGE_REASON
from matcher.records import REPORT_COLUMNS
from tests.api.conftest import Harness, report_body

R = Role.POLICE_REVIEWER


@pytest.fixture(autouse=True, params=["in-process", "forked-child"])
def checked_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every import here is checked both ways: in the request's thread (small files) and in a
    forked child (big files; here every file), with the same answers."""
    if request.param == "forked-child":
        if not can_fork():
            pytest.skip("no fork on this platform")
        monkeypatch.setattr("api.services.reports.CHECK_OFFLOAD_BYTES", 0)
    return str(request.param)


def make_csv(rows: list[dict[str, object]], columns: tuple[str, ...] = REPORT_COLUMNS) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def upload(h: Harness, data: bytes, **params: str):  # type: ignore[no-untyped-def]
    return h.call(
        R,
        "POST",
        "/reports/import",
        params=params,
        files={"file": ("reports.csv", data, "text/csv")},
    )


GOOD = [report_body(f"IMP-{i}", age=8 + i % 5) for i in range(5)]


def _count(h: Harness) -> int:
    return sum(h.call(R, "GET", f"/reports/IMP-{i}").status_code == 200 for i in range(5)) + sum(
        h.call(R, "GET", f"/reports/{rid}").status_code == 200
        for rid in ("BAD-AGE", "BAD-SEX", "LONG")
    )


BAD_ROWS = [
    pytest.param(report_body("BAD-AGE", age="two hundred"), "age", id="age-unparseable"),
    pytest.param(report_body("BAD-SEX", sex="X"), "sex", id="sex-unknown"),
    pytest.param(report_body("LONG", name="Rahima " * 60), "name", id="name-too-long"),
    pytest.param(report_body("", name="no id"), "report_id", id="missing-id"),
    pytest.param(report_body("IMP-0"), "report_id", id="duplicate-in-file"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_ROWS)
def test_bad_row_refuses_whole_file_by_default(harness: Harness, bad: dict, field: str) -> None:
    rows = [*GOOD, bad]
    r = upload(harness, make_csv(rows))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["committed"] is False
    assert body["imported"] == 0
    assert [(x["row_number"], x["field"]) for x in body["rejects"]] == [(7, field)]
    assert _count(harness) == 0
    for value in ("two hundred", "Rahima Rahima"):
        assert value not in r.text


@pytest.mark.parametrize(("bad", "field"), BAD_ROWS)
def test_partial_keeps_good_rows(harness: Harness, bad: dict, field: str) -> None:
    rows = [GOOD[0], bad, *GOOD[1:]]
    r = upload(harness, make_csv(rows), partial="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["committed"] is True
    assert body["imported"] == 5
    assert body["rejected_rows"] == 1
    assert body["rejects"][0]["field"] == field
    assert body["rejects"][0]["row_number"] == 3
    assert _count(harness) == 5


def test_good_file_is_imported_and_matchable(harness: Harness) -> None:
    r = upload(harness, make_csv(GOOD))
    assert r.json() == {
        "committed": True,
        "imported": 5,
        "rejected_rows": 0,
        "total_rejects": 0,
        "rejects": [],
        "counts": [],
        "rejects_csv": None,
    }
    result = harness.call(
        Role.BGB_OFFICER,
        "POST",
        "/interceptions",
        json={"name": "Rohima Khatoon", "father_name": "Abdul Karim", "home_district": "Jessore"},
    ).json()
    assert {c["report_id"] for c in result["candidates"]} & {f"IMP-{i}" for i in range(5)}


def test_ids_already_stored_are_rejected(harness: Harness) -> None:
    assert harness.call(R, "POST", "/reports", json=report_body("IMP-2")).status_code == 201
    r = upload(harness, make_csv(GOOD))
    assert r.status_code == 422
    assert [(x["record_id"], x["field"]) for x in r.json()["rejects"]] == [("IMP-2", "report_id")]
    partial = upload(harness, make_csv(GOOD), partial="true").json()
    assert partial["imported"] == 4


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(make_csv(GOOD, columns=REPORT_COLUMNS[:-1]), id="missing-column"),
        pytest.param(b"", id="empty-file"),
        pytest.param(b"\x00\xff\xfe garbage", id="binary"),
    ],
)
def test_unreadable_files_are_422(harness: Harness, data: bytes) -> None:
    r = upload(harness, data)
    assert r.status_code == 422
    assert "detail" in r.json()
    assert _count(harness) == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_file_that_is_not_utf8_is_refused_by_its_encoding(
    harness: Harness, encoding: str
) -> None:
    data = make_csv(GOOD).decode("utf-8").encode(encoding)
    r = upload(harness, data, partial="true")
    assert r.status_code == 422
    assert f"this file is {encoding.upper()}; save it as UTF-8" in r.json()["detail"]
    assert "missing required column" not in r.text
    assert _count(harness) == 0


def test_upload_over_limit_is_413(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.api.conftest import start_harness

    h, client = start_harness(f"sqlite:///{tmp_path / 'small.db'}", max_upload_bytes=2048)
    try:
        big = make_csv([report_body(f"IMP-{i}") for i in range(100)])
        r = upload(h, big)
        assert r.status_code == 413
        assert r.json() == {"detail": "request body too large"}
    finally:
        client.__exit__(None, None, None)


def _bad_age_rows(n: int, **fields: object) -> list[dict[str, object]]:
    return [report_body(f"BAD-{i:06d}", age="abc", **fields) for i in range(n)]


def test_a_flood_of_bad_rows_answers_with_a_bounded_report(harness: Harness) -> None:
    """Issue 15.1: the answer carries the first 1,000 rejects and counts of all; the body stays
    small (20,000 rejects listed whole were ~2 MB)."""
    r = upload(harness, make_csv(_bad_age_rows(20_000)))
    assert r.status_code == 422
    assert len(r.content) < 300_000
    body = r.json()
    assert body["total_rejects"] == 20_000
    assert body["rejected_rows"] == 20_000
    assert len(body["rejects"]) == 1000
    assert [x["row_number"] for x in body["rejects"]] == list(range(2, 1002))
    assert body["counts"] == [{"field": "age", "reason": AGE_REASON, "count": 20_000}]
    assert body["rejects_csv"].endswith("/rejects.csv")


def test_the_full_rejects_file_is_downloadable_by_the_uploader_and_audited(
    harness: Harness,
) -> None:
    rows = [*_bad_age_rows(1500), report_body("=HYPERLINK(1)", age="abc")]
    link = upload(harness, make_csv(rows)).json()["rejects_csv"]
    got = harness.call(R, "GET", link)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(got.text)))
    assert lines[0] == ["source", "row_number", "record_id", "field", "reason"]
    assert len(lines) == 1 + 1501
    assert lines[1][1:4] == ["2", "BAD-000000", "age"]
    assert lines[-1][1:3] == ["1502", ""]  # an id that is not an id is not echoed
    assert not any(cell.startswith("=") for line in lines for cell in line)
    # Another user (even one who may import) does not get it.
    other = harness.call(Role.ADMIN, "GET", link)
    assert other.status_code in (403, 404)
    events = harness.call(Role.ADMIN, "GET", "/audit", params={"record_type": "import"}).json()
    assert [(e["action"], e["username"]) for e in events["items"]] == [("download", f"t-{R.value}")]


def test_row_numbers_count_blank_lines(harness: Harness) -> None:
    """Issue 15.9: a reject found after the reader (the service's own checks) names the row a
    spreadsheet shows, blank lines counted."""
    assert harness.call(R, "POST", "/reports", json=report_body("IMP-STORED")).status_code == 201
    text = (
        make_csv([GOOD[0]]).decode()
        + "\n\n"
        + make_csv([report_body("LONG", name="Rahima " * 60), report_body("IMP-STORED")])
        .decode()
        .split("\n", 1)[1]
    )
    r = upload(harness, text.encode())
    assert r.status_code == 422
    assert [(x["row_number"], x["field"]) for x in r.json()["rejects"]] == [
        (5, "name"),
        (6, "report_id"),
    ]


@pytest.mark.parametrize(
    "bad_id",
    ["01711234567", "Rahima Khatun 01711234567", "রহিমা", "Rahima"],
    ids=["phone", "name-and-phone", "bangla-name", "name"],
)
def test_rejects_do_not_echo_ids_that_may_be_personal(harness: Harness, bad_id: str) -> None:
    r = upload(harness, make_csv([report_body(bad_id, age="abc")]))
    assert r.status_code == 422
    assert r.json()["rejects"] == [
        {"row_number": 2, "record_id": None, "field": "age", "reason": AGE_REASON}
    ]
    assert bad_id not in r.text


def test_an_import_lets_other_writers_in_between_chunks_and_hides_staged_rows(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15.6: an import used to hold SQLite's only write lock from its first row to its
    commit (20 clients during a 300k-row import got 503s). Now between its chunks another
    request writes at once, and the rows already staged are invisible until the end."""
    from api import services
    from api.models import User
    from api.services import reports as reports_service

    app = harness.app
    seen: dict[str, object] = {}
    original = reports_service._spooled

    def spooled(spool):  # type: ignore[no-untyped-def]
        for i, chunk in enumerate(original(spool)):
            if i == 1:  # the first chunk is staged and committed
                seen.update(_meanwhile(app, harness))
            yield chunk

    monkeypatch.setattr(reports_service, "_spooled", spooled)
    rows = [report_body(f"CHUNK-{i:04d}") for i in range(2 * reports_service.IMPORT_CHUNK + 10)]
    r = upload(harness, make_csv(rows))
    assert r.status_code == 200, r.text
    assert seen == {"other_write": 201, "staged_read": "not found", "staged_search": []}
    with app.state.sessions() as s:
        user = s.get(User, harness.user_ids[R])
        assert services.get_report(s, user, "CHUNK-0000").report_id == "CHUNK-0000"


def _meanwhile(app: object, harness: Harness) -> dict[str, object]:
    """From another thread: write a report (an import holding the write lock would keep it
    waiting), read and search a staged one."""
    from api import services
    from api.errors import NotFoundError
    from api.models import User
    from api.schemas import ReportIn

    out: dict[str, object] = {}

    def other() -> None:
        sessions = app.state.sessions  # type: ignore[attr-defined]
        with sessions() as s:
            user = s.get(User, harness.user_ids[R])
            s.commit()
            body = ReportIn.model_validate(report_body("MEANWHILE-1"))
            services.create_report(s, user, body, index=app.state.index)  # type: ignore[attr-defined]
            out["other_write"] = 201
            try:
                services.get_report(s, user, "CHUNK-0000")
                out["staged_read"] = "found"
            except NotFoundError:
                out["staged_read"] = "not found"
            found = services.search_reports(s, user, "Rahima Khatun")
            out["staged_search"] = [r.report_id for r in found if r.report_id.startswith("CHUNK")]

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=60)
    return out


def test_an_import_taken_for_dead_meanwhile_fails_whole(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15.2: if another process discards an import whose lease ran out while the import
    was in fact still going, the import must not then report (or open) rows it lost."""
    from api.models import ImportAttempt, JobStatus
    from api.services import imports as imports_service
    from api.services import reports as reports_service

    app = harness.app
    original = reports_service._spooled

    def spooled(spool):  # type: ignore[no-untyped-def]
        for i, chunk in enumerate(original(spool)):
            if i == 1:
                with app.state.sessions() as s:
                    (aid,) = s.scalars(
                        sa.select(ImportAttempt.id).where(ImportAttempt.status == JobStatus.RUNNING)
                    )
                    imports_service.discard_staged(s, aid)
            yield chunk

    monkeypatch.setattr(reports_service, "_spooled", spooled)
    rows = [report_body(f"LOST-{i:04d}") for i in range(2 * reports_service.IMPORT_CHUNK + 10)]
    r = upload(harness, make_csv(rows))
    assert r.status_code == 503, r.text
    with app.state.sessions() as s:
        left = s.scalar(
            sa.select(sa.func.count())
            .select_from(ReportRow)
            .where(ReportRow.report_id.like("LOST-%"))
        )
    assert left == 0
