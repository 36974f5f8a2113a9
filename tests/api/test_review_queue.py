"""The review queue's filters (issue 4/5 follow-up): band, the interception's home district in
any spelling or script, and the interception date range, applied in SQL by
``services.review_queue`` before paginating; the JSON route's validation; the stored
``interceptions.home_district_key`` kept by every write path, backfilled by migration 0003 and
recomputed from the district and the upazila together (the engine's reading) by 0006.

The reference for every filter is a plain scan of the queue in Python with the semantics the
review page used before the filters moved into SQL (district: same ``resolve_place`` district
code, else equal once normalised; dates inclusive; a missing value never matches). All data is
synthetic (district names from the gazetteer, ids made up).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, insert, select

from api import services
from api.errors import ForbiddenError, InvalidError
from api.migrate import alembic_config
from api.models import (
    DISTRICT_KEY_LENGTH,
    AuditEvent,
    CandidateRow,
    CandidateStatus,
    InterceptionRow,
    InterceptionStatus,
    ReportRow,
    ReportStatus,
    User,
    UTCDateTime,
    district_key,
    utcnow,
)
from api.roles import Action, Role, allowed
from matcher.names import normalize_text
from matcher.places import resolve_home, resolve_place
from matcher.records import Band
from tests.api.conftest import BACKENDS, Harness, fresh_database

R = Role.POLICE_REVIEWER
HOMES = [
    "Jessore",
    "Jashore",
    "যশোর",
    "Jhikargacha",  # an upazila of Jashore
    "Khulna",
    "খুলনা",
    "Dhaka",
    "Kaliganj",  # in four districts: resolves to none
    "KALIGANJ ",
    "Nowhere Char",
    "😀",
    None,
]
START = date(2026, 1, 1)


def _reference_district(wanted: str, seen: str | None) -> bool:
    """The review page's district test before the filters moved into SQL."""
    a, b = resolve_place(wanted), resolve_place(seen)
    if a is not None and b is not None and a.district_code:
        return a.district_code == b.district_code
    return bool(seen) and normalize_text(seen) == normalize_text(wanted)


def _seed(h: Harness) -> None:
    """~90 interceptions, ~40 reports, ~160 candidates in every band/status combination."""
    rng = random.Random(20261129)
    now = utcnow()
    with h.app.state.sessions() as s:
        reports = [
            ReportRow(
                report_id=f"RQ-R{i:03d}",
                name="Synthetic Child",
                district=rng.choice(HOMES),
                status=ReportStatus.FOUND if i % 10 == 9 else ReportStatus.OPEN,
                seq=1,
                created_at=now,
            )
            for i in range(40)
        ]
        interceptions = [
            InterceptionRow(
                interception_id=f"RQ-I{i:03d}",
                name="Synthetic Child",
                home_district=HOMES[i % len(HOMES)],
                interception_date=None if i % 7 == 6 else START + timedelta(days=rng.randrange(90)),
                status=InterceptionStatus.MATCHED if i % 11 == 10 else InterceptionStatus.OPEN,
                created_at=now,
            )
            for i in range(90)
        ]
        s.add_all(reports + interceptions)
        s.flush()
        candidates = []
        for i in range(90):
            for report in rng.sample(reports, 2):
                candidates.append(
                    CandidateRow(
                        interception_id=f"RQ-I{i:03d}",
                        report_id=report.report_id,
                        rank=1,
                        score=round(rng.random(), 1),  # ties: the order falls back on the id
                        band=rng.choice([Band.MATCH, Band.REVIEW, Band.REVIEW, Band.NO_MATCH]),
                        model_version="synthetic",
                        status=rng.choice(
                            [CandidateStatus.OPEN] * 3
                            + [CandidateStatus.UNSURE, CandidateStatus.REJECTED]
                        ),
                    )
                )
        s.add_all(candidates)
        s.commit()


@pytest.fixture(scope="module")
def queue(shared_harness: Harness) -> Harness:
    _seed(shared_harness)
    return shared_harness


def _reviewer(h: Harness, s: Any, role: Role = R) -> User:
    user = s.get(User, h.user_ids[role])
    assert user is not None
    return user


def _reference(h: Harness, **f: Any) -> list[str]:
    """The filtered queue's candidate ids, best first, by a plain scan."""
    with h.app.state.sessions() as s:
        rows = s.execute(
            select(CandidateRow, InterceptionRow, ReportRow)
            .join(InterceptionRow, InterceptionRow.interception_id == CandidateRow.interception_id)
            .join(ReportRow, ReportRow.report_id == CandidateRow.report_id)
        ).all()
    kept = []
    for c, i, r in rows:
        if not (
            c.status in (CandidateStatus.OPEN, CandidateStatus.UNSURE)
            and c.band in (Band.MATCH, Band.REVIEW)
            and r.status == ReportStatus.OPEN
            and i.status == InterceptionStatus.OPEN
        ):
            continue
        if f.get("band") is not None and c.band != f["band"]:
            continue
        if normalize_text(f.get("district")) and not _reference_district(
            f["district"], i.home_district
        ):
            continue
        day = i.interception_date
        if f.get("date_from") and (day is None or day < f["date_from"]):
            continue
        if f.get("date_to") and (day is None or day > f["date_to"]):
            continue
        kept.append((-c.score, c.id))
    return [cid for _, cid in sorted(kept)]


def _service(h: Harness, *, limit: int = 1000, offset: int = 0, **f: Any) -> tuple[list[str], int]:
    with h.app.state.sessions() as s:
        rows, total, _ = services.review_queue(s, _reviewer(h, s), limit=limit, offset=offset, **f)
        return [c.id for c in rows], total


MID, LATE = START + timedelta(days=30), START + timedelta(days=60)
FILTERS = [
    ("no-filter", {}, "all"),
    ("band-match", {"band": Band.MATCH}, "some"),
    ("band-review", {"band": Band.REVIEW}, "some"),
    ("band-no-match-is-never-queued", {"band": Band.NO_MATCH}, "none"),
    ("district-english", {"district": "Jessore"}, "some"),
    ("district-new-spelling", {"district": "Jashore"}, "some"),
    ("district-bangla", {"district": "যশোর"}, "some"),
    ("district-upazila-means-its-district", {"district": "Sharsha"}, "some"),
    ("district-other", {"district": "খুলনা"}, "some"),
    ("district-unresolved-text", {"district": "kaliganj"}, "some"),
    ("district-unknown", {"district": "Atlantis"}, "none"),
    ("district-emoji-is-no-filter", {"district": "😀"}, "all"),
    ("district-blank-is-no-filter", {"district": "   "}, "all"),
    ("date-from", {"date_from": MID}, "some"),
    ("date-to", {"date_to": MID}, "some"),
    ("date-range", {"date_from": MID, "date_to": LATE}, "some"),
    ("band-and-district", {"band": Band.REVIEW, "district": "Jashore"}, "some"),
    ("district-and-dates", {"district": "Jessore", "date_from": START, "date_to": LATE}, "some"),
    (
        "all-four",
        {"band": Band.REVIEW, "district": "যশোর", "date_from": START, "date_to": LATE},
        "some",
    ),
]


@pytest.mark.parametrize(("filters", "size"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS])
def test_each_filter_alone_and_combined(queue: Harness, filters: dict, size: str) -> None:
    want = _reference(queue, **filters)
    everything = _reference(queue)
    got, total = _service(queue, **filters)
    assert got == want
    assert total == len(want)
    if size == "all":
        assert want == everything
    elif size == "none":
        assert want == []
    else:  # the table's claim that the filter narrows the seeded queue without emptying it
        assert 0 < len(want) < len(everything)


@pytest.mark.parametrize(("filters", "size"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS])
def test_the_count_alone_is_the_filtered_queue_and_reads_no_candidate(
    queue: Harness, filters: dict, size: str
) -> None:
    """``limit=0`` (the review page's whole-queue size): the same total as the reference scan,
    no rows, and no audit event (no candidate was read)."""
    with queue.app.state.sessions() as s:
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    assert _service(queue, limit=0, **filters) == ([], len(_reference(queue, **filters)))
    with queue.app.state.sessions() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.id > before)) == 0


@pytest.mark.parametrize("limit", [25, 0], ids=["page", "count-alone"])
def test_a_date_range_typed_backwards_is_refused_naming_date_to(queue: Harness, limit: int) -> None:
    """The queue's filter policy is the service's (the JSON route and the page only present it):
    a ``date_to`` before ``date_from`` is refused, not answered with an empty queue (which
    would look like nothing to review), and nothing is read or audited."""
    with queue.app.state.sessions() as s:
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    with pytest.raises(InvalidError) as refused:
        _service(queue, limit=limit, date_from=LATE, date_to=MID)
    assert refused.value.field == "date_to"
    assert refused.value.detail == services.DATES_REVERSED
    assert refused.value.status == 422
    with queue.app.state.sessions() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.id > before)) == 0
    assert _service(queue, date_from=MID, date_to=MID)[1] == len(
        _reference(queue, date_from=MID, date_to=MID)
    )  # one day is a range, not a reversed one


def test_every_spelling_of_a_district_is_the_same_filter(queue: Harness) -> None:
    seen = {
        spelling: _service(queue, district=spelling)[0]
        for spelling in ("Jessore", "Jashore", "যশোর", " JESSORE ", "Jhikargacha", "Sharsha")
    }
    first = seen["Jessore"]
    assert first
    assert all(ids == first for ids in seen.values()), seen
    assert _service(queue, district="Khulna")[0] != first


@pytest.mark.parametrize(
    "filters",
    [{}, {"district": "Jashore"}, {"band": Band.REVIEW, "date_from": MID}],
    ids=["no-filter", "district", "band-and-date"],
)
def test_pages_of_the_filtered_queue_add_up_to_it(queue: Harness, filters: dict) -> None:
    full, total = _service(queue, **filters)
    assert total == len(full) > 7
    walked: list[str] = []
    for offset in range(0, total + 3, 3):
        page, page_total = _service(queue, limit=3, offset=offset, **filters)
        assert page_total == total
        assert len(page) == min(3, max(0, total - offset))
        walked += page
    assert walked == full


def test_audit_covers_exactly_the_rows_returned(queue: Harness) -> None:
    with queue.app.state.sessions() as s:
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    ids, total = _service(queue, limit=4, offset=2, district="যশোর", band=Band.REVIEW)
    assert len(ids) == 4 < total
    with queue.app.state.sessions() as s:
        events = s.execute(
            select(AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id).where(
                AuditEvent.id > before
            )
        ).all()
    assert sorted(events) == sorted(("read", "candidate", cid) for cid in ids)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_service_respects_the_role_matrix(queue: Harness, role: Role) -> None:
    with queue.app.state.sessions() as s:
        user = _reviewer(queue, s, role)
        if allowed(role, Action.REVIEW_QUEUE):
            rows, total, _ = services.review_queue(s, user, limit=5, district="Jashore")
            assert total >= len(rows) > 0
        else:
            with pytest.raises(ForbiddenError):
                services.review_queue(s, user, limit=5, district="Jashore")


# -- the JSON route ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "filters"),
    [
        ({"band": "match"}, {"band": Band.MATCH}),
        ({"district": "যশোর"}, {"district": "যশোর"}),
        ({"district": "Jessore", "date_from": "2026-01-15"}, {"district": "Jessore"}),
        (
            {"band": "review", "date_from": "2026-01-15", "date_to": "2026-03-01", "limit": 3},
            {"band": Band.REVIEW},
        ),
    ],
    ids=["band", "district-bangla", "district-and-from", "band-range-limit"],
)
def test_route_filters_like_the_service(queue: Harness, params: dict, filters: dict) -> None:
    for name in ("date_from", "date_to"):
        if name in params:
            filters[name] = date.fromisoformat(params[name])
    want = _reference(queue, **filters)
    body = queue.call(R, "GET", "/review-queue", params=params).json()
    limit = params.get("limit", 50)
    assert [item["candidate_id"] for item in body["items"]] == want[:limit]
    assert body["total"] == len(want)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"band": "no_match"}, "band"),
        ({"band": "MATCH!"}, "band"),
        ({"district": ""}, "district"),
        ({"district": "x" * 101}, "district"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"limit": 0}, "limit"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
    ],
    ids=[
        "band-no-match",
        "band-unknown",
        "district-empty",
        "district-too-long",
        "bad-from",
        "bad-to",
        "limit-0",
        "range-reversed",
    ],
)
def test_route_rejects_a_bad_filter_naming_it(queue: Harness, params: dict, name: str) -> None:
    r = queue.call(R, "GET", "/review-queue", params=params)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["query", name]]


def test_filters_are_in_the_openapi_schema(queue: Harness) -> None:
    operation = queue.client.get("/openapi.json").json()["paths"]["/review-queue"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"band", "district", "date_from", "date_to", "limit", "offset"} <= names


# -- the stored key ----------------------------------------------------------------------------
def test_every_write_path_keeps_the_district_key(harness: Harness) -> None:
    with harness.app.state.sessions() as s:
        s.add(InterceptionRow(interception_id="K-ORM", home_district="যশোর", created_at=utcnow()))
        s.execute(
            insert(InterceptionRow),
            [
                {"interception_id": "K-CORE", "home_district": "Jessore", "created_at": utcnow()},
                {"interception_id": "K-NONE", "home_district": None, "created_at": utcnow()},
            ],
        )
        s.commit()
        assert s.get(InterceptionRow, "K-ORM").home_district_key == "BD-22"  # type: ignore[union-attr]
        assert s.get(InterceptionRow, "K-CORE").home_district_key == "BD-22"  # type: ignore[union-attr]
        assert s.get(InterceptionRow, "K-NONE").home_district_key is None  # type: ignore[union-attr]
        row = s.get(InterceptionRow, "K-ORM")
        assert row is not None
        row.home_district = "খুলনা"
        s.commit()
        s.expire_all()
        assert s.get(InterceptionRow, "K-ORM").home_district_key == "BD-27"  # type: ignore[union-attr]


def test_a_submitted_interception_is_found_by_its_district(harness: Harness) -> None:
    from tests.api.conftest import interception_body, report_body

    assert harness.call(R, "POST", "/reports", json=report_body("R-1")).status_code == 201
    o = Role.BGB_OFFICER
    r = harness.call(o, "POST", "/interceptions", json=interception_body("I-1"))
    assert r.status_code == 201, r.text
    for spelling, found in (("Jashore", 1), ("যশোর", 1), ("Khulna", 0)):
        body = harness.call(R, "GET", "/review-queue", params={"district": spelling}).json()
        assert {i["interception_id"] for i in body["items"]} == ({"I-1"} if found else set())


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_backfills_existing_interceptions(
    backend: str, tmp_path: Any, pg_database: str | None
) -> None:
    db = fresh_database(backend, tmp_path, pg_database)
    engine = create_engine(db.url)
    cfg = alembic_config()
    n = 6_001  # more than one backfill page
    old = sa.table(
        "interceptions",
        sa.column("interception_id"),
        sa.column("home_district"),
        sa.column("status"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
        with engine.begin() as conn:
            conn.execute(
                insert(old),
                [
                    {
                        "interception_id": f"OLD-{i:05d}",
                        "home_district": HOMES[i % len(HOMES)],
                        "status": "open",
                        "created_at": utcnow(),
                    }
                    for i in range(n)
                ],
            )
        want = {f"OLD-{i:05d}": district_key(HOMES[i % len(HOMES)]) for i in range(n)}
        for _ in range(2):  # upgrade fills it; downgrade drops it; upgrade fills it again
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            with engine.connect() as conn:
                got = dict(
                    conn.execute(
                        select(InterceptionRow.interception_id, InterceptionRow.home_district_key)
                    ).all()
                )
            assert got == want
            assert {"BD-22", "BD-27", "kaliganj", None} <= set(got.values())
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0002")
                columns = {c["name"] for c in sa.inspect(conn).get_columns("interceptions")}
                assert "home_district_key" not in columns
    finally:
        engine.dispose()
        db.cleanup()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.none(),
        st.text(max_size=300),
        st.sampled_from([h for h in HOMES if h]).map(lambda t: f"  {t.upper()} "),
    )
)
def test_district_key_never_raises_and_agrees_with_the_page(text: str | None) -> None:
    key = district_key(text)
    assert key is None or 0 < len(key) <= DISTRICT_KEY_LENGTH
    if key is None:
        return
    for other in ("Jashore", "কাঁঠালতলা", text.strip()[:100] if text else ""):
        if normalize_text(other):
            same = key == district_key(other)
            assert same == _reference_district(other, text[:DISTRICT_KEY_LENGTH]), other


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"district": "Jashore"}, "ix_interceptions_district_date"),
        ({"band": Band.MATCH, "date_from": MID, "date_to": LATE}, "ix_interceptions_date"),
    ],
    ids=["district", "band-and-dates"],
)
def test_sqlite_starts_a_filtered_queue_from_the_interceptions_index(
    queue: Harness, filters: dict, index: str
) -> None:
    """Without statistics SQLite would walk every queued candidate (seconds at 150k); the
    service's hint makes it start from the interceptions' index (plan checked, not timed)."""
    with queue.app.state.sessions() as s:
        engine = s.get_bind()
        if engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        seen: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, params))

        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            services.review_queue(s, _reviewer(queue, s), limit=5, **filters)
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        queries = [(q, p) for q, p in seen if "likelihood" in q]
        assert len(queries) == 2  # the count and the page
        for statement, params in queries:
            plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            searches = [row[3] for row in plan if "SEARCH" in row[3] or "SCAN" in row[3]]
            assert index in searches[0], searches


def _selects(engine: Any, run: Any) -> list[tuple[str, Any]]:
    """The SELECT statements (and parameters) ``run()`` sends to ``engine``."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return seen


def test_sqlite_counts_the_whole_queue_from_indexes_alone(queue: Harness) -> None:
    """The whole queue's count (the page shows it beside a filtered count) reads no table row:
    the candidates' queue index carries both ids, reports and interceptions have (id, status)
    indexes (migration 0004). Without them SQLite read every queued candidate's, report's and
    interception's row (~1.3 s at 130k queued). Plan checked, not timed."""
    with queue.app.state.sessions() as s:
        engine = s.get_bind()
        if engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        seen = _selects(engine, lambda: services.review_queue(s, _reviewer(queue, s), limit=0))
        on_candidates = [(q, p) for q, p in seen if "FROM candidates" in q]
        assert len(on_candidates) == 1  # the count only: limit=0 reads no candidate row
        statement, params = on_candidates[0]
        assert "count(" in statement.lower()
        plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    # the table reads; the rest of the plan works on what they give (one child's candidates
    # counted once: DISTINCT over the two cases, migration 0012)
    steps = [row[3] for row in plan if row[3].startswith(("SEARCH", "SCAN"))]
    tables = [s for s in steps if "anon" not in s and "subquery" not in s]
    assert len(tables) == 3, steps
    assert all("COVERING INDEX" in step for step in tables), steps
    used = {step.split("COVERING INDEX ")[1].split()[0] for step in tables}
    assert used == {
        "ix_candidates_queue",
        "ix_reports_id_status_case",
        "ix_interceptions_id_status_case",
    }


QUEUE_COUNT = """
SELECT count(*) FROM candidates
JOIN reports ON reports.report_id = candidates.report_id
JOIN interceptions ON interceptions.interception_id = candidates.interception_id
WHERE candidates.status IN ('open', 'unsure') AND candidates.band IN ('match', 'review')
AND reports.status = 'open' AND interceptions.status = 'open'
"""


def _index_columns(conn: Any, table: str) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes(table)}


def _seed_queue(engine: Any) -> int:
    """A small queue of synthetic candidates on open/found reports and open/matched
    interceptions; returns its size (the count the review page shows)."""
    rng = random.Random(4)
    now = utcnow()
    # the tables as the early migrations made them (later model columns are not there yet)
    at = sa.column("created_at", UTCDateTime())
    reports = sa.table("reports", sa.column("report_id"), sa.column("status"), sa.column("seq"), at)
    at = sa.column("created_at", UTCDateTime())
    interceptions = sa.table("interceptions", sa.column("interception_id"), sa.column("status"), at)
    with engine.begin() as conn:
        conn.execute(
            insert(reports),
            [
                {"report_id": f"M-R{i}", "status": rng.choice(["open", "found"]), "seq": i}
                | {"created_at": now}
                for i in range(30)
            ],
        )
        conn.execute(
            insert(interceptions),
            [
                {"interception_id": f"M-I{i}", "status": rng.choice(["open", "matched"])}
                | {"created_at": now}
                for i in range(30)
            ],
        )
        conn.execute(
            insert(CandidateRow.__table__),
            [
                {
                    "id": f"m{i:031d}",
                    "interception_id": f"M-I{i % 30}",
                    "report_id": f"M-R{(i + i // 30 * 7) % 30}",
                    "rank": 1,
                    "score": rng.random(),
                    "band": rng.choice(["match", "review", "no_match"]),
                    "explanation": "",
                    "contributions": [],
                    "model_version": "synthetic",
                    "status": rng.choice(["open", "unsure", "rejected"]),
                    "created_at": now,
                }
                for i in range(90)
            ],
        )
    with engine.connect() as conn:
        return int(conn.execute(sa.text(QUEUE_COUNT)).scalar_one())


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0004_indexes_the_queue_count_and_goes_back(
    backend: str, tmp_path: Any, pg_database: str | None
) -> None:
    """0004 widens the queue index and adds the (id, status) indexes; the queue is the same
    before, after and after a downgrade (no data is touched)."""
    db = fresh_database(backend, tmp_path, pg_database)
    engine = create_engine(db.url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
        before = _seed_queue(engine)
        assert before > 0
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        with engine.connect() as conn:
            assert conn.execute(sa.text(QUEUE_COUNT)).scalar_one() == before
            assert _index_columns(conn, "candidates")["ix_candidates_queue"] == [
                "status",
                "band",
                "score",
                "report_id",
                "interception_id",
            ]
            assert _index_columns(conn, "reports")["ix_reports_id_status"] == [
                "report_id",
                "status",
            ]
            assert _index_columns(conn, "interceptions")["ix_interceptions_id_status"] == [
                "interception_id",
                "status",
            ]
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            assert conn.execute(sa.text(QUEUE_COUNT)).scalar_one() == before
            assert _index_columns(conn, "candidates")["ix_candidates_queue"] == [
                "status",
                "band",
                "score",
            ]
            assert "ix_reports_id_status" not in _index_columns(conn, "reports")
            assert "ix_interceptions_id_status" not in _index_columns(conn, "interceptions")
    finally:
        engine.dispose()
        db.cleanup()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0005_puts_the_id_in_the_queue_index_and_goes_back(
    backend: str, tmp_path: Any, pg_database: str | None
) -> None:
    """0005 appends the candidate id to the queue index (the page's ids come from indexes);
    the queue is the same before, after and after a downgrade."""
    db = fresh_database(backend, tmp_path, pg_database)
    engine = create_engine(db.url)
    cfg = alembic_config()
    queue = ["status", "band", "score", "report_id", "interception_id"]
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        before = _seed_queue(engine)
        assert before > 0
        for target, columns in (("0005", [*queue, "id"]), ("0004", queue)):
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                if target == "0005":
                    command.upgrade(cfg, target)
                else:
                    command.downgrade(cfg, target)
            with engine.connect() as conn:
                assert conn.execute(sa.text(QUEUE_COUNT)).scalar_one() == before
                assert _index_columns(conn, "candidates")["ix_candidates_queue"] == columns
    finally:
        engine.dispose()
        db.cleanup()


def test_sqlite_picks_the_page_ids_from_indexes_alone(queue: Harness) -> None:
    """The unfiltered page orders every queued candidate: its ids come from covering indexes
    (0005 put the id in the queue index), then only the page's rows are read. Plan checked."""
    with queue.app.state.sessions() as s:
        engine = s.get_bind()
        if engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        seen = _selects(engine, lambda: services.review_queue(s, _reviewer(queue, s), limit=5))
        ordered = [(q, p) for q, p in seen if "ORDER BY" in q and "FROM candidates" in q]
        assert len(ordered) == 1
        statement, params = ordered[0]
        plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    searches = [row[3] for row in plan if "SEARCH" in row[3] or "SCAN" in row[3]]
    tables = [s for s in searches if "subquery" not in s and "ranked" not in s]
    assert len(tables) == 3, searches
    assert all("COVERING INDEX" in step for step in tables), searches


# -- the home as the engine reads it (district and upazila together) ---------------------------
HOME_PAIRS = [
    (None, "Sharsha", "BD-22"),  # the upazila alone: the engine places the child in Jashore
    ("", "Sharsha", "BD-22"),
    ("😀", "Jhikargacha", "BD-22"),
    ("Nowhere Char", "Sharsha", "BD-22"),  # an unreadable district, a readable upazila
    ("Kaliganj", "Jhenaidah", "BD-23"),  # the two boxes swapped: the pair names one district
    ("Jashore", "Sharsha", "BD-22"),  # as before: the district alone already said so
    ("Jhenaidah", "Kaliganj", "BD-23"),
    ("Khulna", "Sharsha", "BD-27"),  # an upazila outside the district: the district wins
    ("Kaliganj", None, "kaliganj"),  # nothing settles it: the text, as before
    (None, "Kaliganj", None),
]
HOME_IDS = [
    "upazila-only",
    "blank-district",
    "emoji-district",
    "unreadable-district",
    "boxes-swapped",
    "district-and-its-upazila",
    "district-settles-shared-upazila",
    "upazila-elsewhere",
    "ambiguous-alone",
    "ambiguous-upazila-alone",
]


@pytest.mark.parametrize(("district", "upazila", "key"), HOME_PAIRS, ids=HOME_IDS)
def test_district_key_reads_the_home_as_the_engine_does(
    district: str | None, upazila: str | None, key: str | None
) -> None:
    """The stored key is the district of the engine's own reading of the two place fields
    (``matcher.places.resolve_home``, what the place comparison scores), not the district text
    read alone."""
    assert district_key(district, upazila) == key
    place = resolve_home(district, upazila)
    if place is not None and place.district_code:
        assert key == place.district_code
    assert district_key(district) == district_key(district, None)  # a filter's text: alone


def test_the_queue_finds_a_child_where_the_engine_places_their_home(harness: Harness) -> None:
    """Interceptions whose home only the upazila (or the pair) settles are found by that
    district's filter in any spelling, through every write path of the key."""
    now = utcnow()
    with harness.app.state.sessions() as s:
        s.add(ReportRow(report_id="H-R", name="Synthetic", seq=1, created_at=now))
        for i, (district, upazila, _) in enumerate(HOME_PAIRS):
            s.add(
                InterceptionRow(
                    interception_id=f"H-I{i:02d}",
                    home_district=district,
                    home_upazila=upazila,
                    created_at=now,
                )
            )
        s.execute(  # a Core insert: the column default keys it
            insert(InterceptionRow),
            [
                {
                    "interception_id": "H-CORE",
                    "home_district": None,
                    "home_upazila": "শার্শা",
                    "created_at": now,
                }
            ],
        )
        s.flush()
        s.add_all(
            CandidateRow(
                interception_id=iid,
                report_id="H-R",
                rank=1,
                score=0.5,
                band=Band.REVIEW,
                model_version="synthetic",
            )
            for iid in [*(f"H-I{i:02d}" for i in range(len(HOME_PAIRS))), "H-CORE"]
        )
        s.commit()
        reviewer = _reviewer(harness, s)

        def found(district: str) -> set[str]:
            rows, _, _ = services.review_queue(s, reviewer, district=district)
            return {r.interception_id for r in rows}

        jashore = {f"H-I{i:02d}" for i, p in enumerate(HOME_PAIRS) if p[2] == "BD-22"}
        assert found("Jessore") == found("যশোর") == jashore | {"H-CORE"}
        assert found("Jhenaidah") == {"H-I04", "H-I06"}
        assert found("Kaliganj") == {"H-I08"}
        row = s.get(InterceptionRow, "H-I08")
        assert row is not None
        row.home_upazila = "Jhenaidah"  # an ORM change of the upazila re-keys the row
        s.commit()
        assert found("Jhenaidah") == {"H-I04", "H-I06", "H-I08"}
        assert found("Kaliganj") == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0006_rekeys_homes_with_their_upazila_and_goes_back(
    backend: str, tmp_path: Any, pg_database: str | None
) -> None:
    """0006 recomputes every stored key from both place fields (keyset pages: more rows than
    one page); its downgrade puts back the district-alone keys of 0003."""
    db = fresh_database(backend, tmp_path, pg_database)
    engine = create_engine(db.url)
    cfg = alembic_config()
    table = sa.table(
        "interceptions",
        sa.column("interception_id"),
        sa.column("home_district"),
        sa.column("home_upazila"),
        sa.column("home_district_key"),
        sa.column("status"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    n = 5_003  # more than one page (5,000)
    homes = {
        f"U-{i:05d}": (HOME_PAIRS[i % len(HOME_PAIRS)][:2] if i % 3 else (HOMES[i % 12], None))
        for i in range(n)
    }
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
        with engine.begin() as conn:
            conn.execute(
                insert(table),
                [
                    {
                        "interception_id": iid,
                        "home_district": d,
                        "home_upazila": u,
                        "home_district_key": district_key(d),  # what 0003 and the hook wrote
                        "status": "open",
                        "created_at": utcnow(),
                    }
                    for iid, (d, u) in homes.items()
                ],
            )

        def stored() -> dict[str, str | None]:
            with engine.connect() as conn:
                return dict(
                    conn.execute(
                        sa.select(table.c.interception_id, table.c.home_district_key)
                    ).all()
                )

        alone = {iid: district_key(d) for iid, (d, _) in homes.items()}
        together = {iid: district_key(d, u) for iid, (d, u) in homes.items()}
        assert alone != together
        for step, want in (("upgrade", together), ("downgrade", alone), ("upgrade", together)):
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                if step == "upgrade":
                    command.upgrade(cfg, "0006")
                else:
                    command.downgrade(cfg, "0005")
            assert stored() == want
    finally:
        engine.dispose()
        db.cleanup()
