"""The live index stays equal to the database's open reports, in this process and in another
process that only polls (the two-server case, here on one SQLite file)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from api import matching, services
from api.db import make_engine, make_read_only_session_factory, make_session_factory
from api.errors import ConflictError
from api.matching import LiveIndex
from api.migrate import upgrade
from api.models import InterceptionRow, InterceptionStatus, ReportRow, ReportStatus
from api.roles import Role
from api.schemas import ReportIn
from api.services import common as stamps
from matcher.records import Candidate, Interception, Report


class SetIndex:
    """A reference index: just the set of report ids (matching is not under test here)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def add(self, report: Report) -> None:
        self.ids.add(report.report_id)

    def add_many(self, reports: Iterable[Report]) -> None:
        for r in reports:
            self.add(r)

    def remove(self, report_id: str) -> None:
        self.ids.discard(report_id)

    def __len__(self) -> int:
        return len(self.ids)

    def query(
        self, interception: Interception, *, top_k: int = 10, exclude: Collection[str] = ()
    ) -> list[Candidate]:
        return []


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:  # type: ignore[type-arg]
    path = Path(tmp_path_factory.mktemp("live")) / "live.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        user, _t, _p = services.create_user(s, None, "live-reviewer", Role.POLICE_REVIEWER)
    yield engine, sessions, make_read_only_session_factory(engine), user
    engine.dispose()


def _open_ids(sessions) -> set[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return set(
            s.scalars(select(ReportRow.report_id).where(ReportRow.status == ReportStatus.OPEN))
        )


def _set_status(sessions, report_id: str, status: ReportStatus) -> None:  # type: ignore[no-untyped-def]
    with sessions() as s:
        row = s.get(ReportRow, report_id)
        if row is None:
            return
        pending = stamps.pending_stamp()
        row.status = status
        row.seq = pending
        stamps.publish(s, pending)
        s.commit()


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 30)),
        st.tuples(st.just("bulk"), st.integers(0, 30)),
        st.tuples(st.just("found"), st.integers(0, 30)),
        st.tuples(st.just("reopen"), st.integers(0, 30)),
        st.tuples(st.just("poll"), st.integers(0, 0)),
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=OPS, prefix=st.uuids())
def test_local_and_remote_indexes_track_open_reports(db, ops, prefix, monkeypatch_module) -> None:  # type: ignore[no-untyped-def]
    _engine, sessions, read, user = db
    local = LiveIndex(read, index_factory=SetIndex)
    remote = LiveIndex(read, index_factory=SetIndex)  # another server: learns only by polling
    local.load()
    remote.load()
    tag = prefix.hex[:8]
    for op, n in ops:
        rid = f"L{tag}-{n}"
        if op == "add":
            with contextlib.suppress(ConflictError), sessions() as s:
                services.create_report(s, user, ReportIn(report_id=rid, name="Rahima"), index=local)
        elif op == "bulk":
            with sessions() as s:
                services.bulk_load_reports(s, [Report(f"{rid}-{k}") for k in range(n)], chunk=7)
            local.sync_once()
        elif op == "found":
            _set_status(sessions, rid, ReportStatus.FOUND)
            local.sync_once()
        elif op == "reopen":
            _set_status(sessions, rid, ReportStatus.OPEN)
            local.sync_once()
        else:
            remote.sync_once()
        assert local._index.ids == _open_ids(sessions)  # type: ignore[union-attr]
    remote.sync_once()
    assert remote._index.ids == _open_ids(sessions)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[None]:
    """Small sync pages, so one stamp spans several pages (the keyset paging is exercised)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(matching, "_LOAD_BATCH", 5)
    yield
    mp.undo()


def test_read_write_lock_shares_reads_and_excludes_writes() -> None:
    import threading

    lock = matching._ReadWriteLock()
    second_reader_in = threading.Event()
    writer_in = threading.Event()

    def reader() -> None:
        with lock.read():
            second_reader_in.set()

    def writer() -> None:
        with lock.write():
            writer_in.set()

    with lock.read():
        t = threading.Thread(target=reader)
        t.start()
        assert second_reader_in.wait(5), "a second reader must not wait for the first"
        w = threading.Thread(target=writer)
        w.start()
        assert not writer_in.wait(0.2), "a writer must wait while a reader holds the lock"
    assert writer_in.wait(5)
    t.join()
    w.join()


def test_an_interception_joins_the_open_ones_while_reports_are_queried(db) -> None:  # type: ignore[no-untyped-def]
    """The open interceptions have their own lock: a submission adding its interception does
    not wait for every other submission's query of the reports (nor hold new ones off)."""
    import threading

    _engine, _sessions, read, _user = db
    live = LiveIndex(read, index_factory=SetIndex)
    added = threading.Event()
    row = InterceptionRow(interception_id="I-LOCK", status=InterceptionStatus.OPEN)

    def submit() -> None:
        live.apply_interceptions([row])
        added.set()

    with live._rw.read():  # a long query of the reports
        t = threading.Thread(target=submit)
        t.start()
        assert added.wait(5), "adding an open interception waited for a query of the reports"
    t.join()
    assert live.open_interceptions == 1


@pytest.mark.parametrize("slots", [1, 2], ids=["one-slot", "two-slots"])
def test_turns_let_slots_in_at_once_and_the_others_in_arrival_order(slots: int) -> None:
    import threading
    import time

    turns = matching._Turns(slots)
    entered: list[int] = []
    inside = peak = 0
    count = threading.Lock()

    def work(i: int) -> None:
        nonlocal inside, peak
        with turns.turn():
            with count:
                inside += 1
                peak = max(peak, inside)
                entered.append(i)
            time.sleep(0.01)
            with count:
                inside -= 1

    with contextlib.ExitStack() as held:
        for _ in range(slots):
            held.enter_context(turns.turn())  # every slot held: everyone queues
        threads = []
        for i in range(6):
            t = threading.Thread(target=work, args=(i,))
            t.start()
            threads.append(t)
            deadline = time.monotonic() + 5
            while len(turns._waiting) < i + 1:  # in line before the next one arrives
                assert time.monotonic() < deadline
                time.sleep(0.001)
        assert entered == []
    for t in threads:
        t.join(5)
    assert sorted(entered) == list(range(6))
    # handed on in arrival order: with k slots, k holders may record their entry in any order
    assert all(i < place + slots for place, i in enumerate(entered)), entered
    assert peak <= slots


class CountingIndex(SetIndex):
    """Counts add_many calls: the engine sorts its postings once per call."""

    def __init__(self) -> None:
        super().__init__()
        self.add_many_calls = 0

    def add_many(self, reports: Iterable[Report]) -> None:
        self.add_many_calls += 1
        super().add_many(reports)


def test_load_streams_every_open_report_into_one_add_many(db, monkeypatch_module) -> None:  # type: ignore[no-untyped-def]
    """Start-up reads all open reports (several database pages) in a single add_many: calling
    it per page made the engine re-sort every posting so far after each page (114 s at a
    million reports, 42 s now)."""
    _engine, sessions, read, _user = db
    with sessions() as s:
        services.bulk_load_reports(s, [Report(f"LOAD-{k}") for k in range(23)], chunk=7)
    _set_status(sessions, "LOAD-3", ReportStatus.FOUND)
    live = LiveIndex(read, index_factory=CountingIndex)
    loaded = live.load()
    index = live._index
    assert isinstance(index, CountingIndex)
    assert index.add_many_calls == 1
    assert index.ids == _open_ids(sessions)
    assert "LOAD-3" not in index.ids
    assert loaded == len(index.ids)


def test_stored_candidate_is_what_its_stored_row_reads_back() -> None:
    """A submission answers from the engine's candidates without the trip through JSON: the
    candidate it shows is exactly the one the stored row reads back later (GET, pages, CSV)."""
    import json
    from types import SimpleNamespace

    from matcher.index import MatchIndex
    from tests.matcher.test_ask import LOOKALIKES, THIN

    index = MatchIndex()
    index.add_many(LOOKALIKES)
    found = index.query(THIN, top_k=10)
    assert len(found) >= 2
    assert all(c.contributions for c in found)
    for c in found:
        stored = json.loads(json.dumps(matching.contribution_values(c, ndigits=4)))
        row = SimpleNamespace(
            interception_id=c.interception_id,
            report_id=c.report_id,
            rank=c.rank,
            score=min(1.0, max(0.0, float(c.score))),
            band=c.band.value,
            contributions=stored,
        )
        shown = matching.stored_candidate(c, ndigits=4)
        assert shown == matching.candidate_record(row)
        assert matching.contribution_values(shown) == stored


def test_query_and_ask_is_the_query_and_its_questions_in_one_turn(db) -> None:  # type: ignore[no-untyped-def]
    from matcher.index import MatchIndex
    from tests.matcher.test_ask import LOOKALIKES, THIN

    _engine, _sessions, read, _user = db
    live = LiveIndex(read, match_slots=1)
    index = MatchIndex()
    index.add_many(LOOKALIKES)
    live._index = index
    turns: list[str] = []
    real = live._turns.turn

    @contextlib.contextmanager
    def counted() -> Iterator[None]:
        turns.append("turn")
        with real():
            yield

    live._turns.turn = counted  # type: ignore[method-assign]
    found, asked = live.query_and_ask(THIN, top_k=10)
    assert turns == ["turn"]
    assert [(c.report_id, c.score) for c in found] == [
        (c.report_id, c.score) for c in index.query(THIN, top_k=10)
    ]
    assert asked == index.ask_next(THIN, candidates=found) != []


def test_a_big_load_freezes_the_long_lived_heap(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """From FREEZE_MIN records held on, the index's objects leave the cyclic collector's
    sight (a full collection walked them all, holding every request, every few seconds);
    a small index (every test's) does not pay for a collection."""
    import gc

    _engine, sessions, read, _user = db
    with sessions() as s:
        services.bulk_load_reports(s, [Report(f"FRZ-{k}") for k in range(5)])
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        monkeypatch.setattr(matching, "FREEZE_MIN", 10**9)
        LiveIndex(read, index_factory=SetIndex).load()
        assert gc.get_freeze_count() == 0
        monkeypatch.setattr(matching, "FREEZE_MIN", 5)
        live = LiveIndex(read, index_factory=SetIndex)
        live.load()
        assert gc.get_freeze_count() > 0
        assert live._unsettled == 0
        assert gc.get_threshold()[0] >= matching.GC_YOUNG  # young objects in larger batches
        gc.unfreeze()  # an import synced: its records are frozen too
        with sessions() as s:
            services.bulk_load_reports(s, [Report(f"FRZ-NEW-{k}") for k in range(5)])
        assert live.sync_once() == 5
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
