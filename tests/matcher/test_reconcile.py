"""Batch reconciliation over a small synthetic set: shape of the output, parallel == serial."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import csvio
from matcher import reconcile as rec
from matcher.csvio import Reject, RejectCounter, iter_reports
from matcher.index import MatchIndex
from matcher.records import Band, Candidate, Contribution, Interception, Report, Verdict
from training_data.generate import Split, SyntheticSet, generate, write_csvs


@pytest.fixture(scope="module")
def data() -> SyntheticSet:
    return generate(n_reports=400, n_interceptions=60, seed=5, split=Split.TEST)


@pytest.fixture(scope="module")
def serial(data: SyntheticSet) -> list[Candidate]:
    return list(rec.reconcile(data.reports, data.interceptions, top_k=5))


def by_interception(cands: list[Candidate]) -> dict[str, list[Candidate]]:
    return {k: list(g) for k, g in itertools.groupby(cands, key=lambda c: c.interception_id)}


def test_candidates_are_ranked_best_first_per_interception(serial: list[Candidate]) -> None:
    groups = by_interception(serial)
    assert sum(len(g) for g in groups.values()) == len(serial)  # each interception contiguous
    for group in groups.values():
        assert 1 <= len(group) <= 5
        assert [c.rank for c in group] == list(range(1, len(group) + 1))
        scores = [c.score for c in group]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_interceptions_come_out_in_input_order(data: SyntheticSet, serial: list[Candidate]) -> None:
    order = [i.interception_id for i in data.interceptions]
    seen = list(by_interception(serial))
    assert seen == [iid for iid in order if iid in set(seen)]


def test_exact_copy_of_a_report_ranks_it_first(data: SyntheticSet) -> None:
    report = data.reports[17]
    twin = Interception(
        interception_id="COPY-1",
        name=report.name,
        father_name=report.father_name,
        mother_name=report.mother_name,
        sex=report.sex,
        age=report.age,
        interception_date=report.report_date,
        home_district=report.district,
        home_upazila=report.upazila,
        guardian_phone=report.guardian_phone,
    )
    [first, *_] = rec.reconcile(data.reports, [twin], top_k=3)
    assert first.report_id == report.report_id
    assert first.rank == 1


def test_parallel_workers_give_the_same_candidates_as_serial(
    data: SyntheticSet, serial: list[Candidate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rec, "_MIN_PER_WORKER", 1)  # fork even for this small input
    index = rec.build_index(data.reports)
    parallel = list(rec.query_all(index, data.interceptions, top_k=5, chunk_size=7, workers=2))
    assert [(c.interception_id, c.report_id, c.rank) for c in parallel] == [
        (c.interception_id, c.report_id, c.rank) for c in serial
    ]
    assert [c.score for c in parallel] == pytest.approx([c.score for c in serial])


def test_progress_callbacks_count_every_record(data: SyntheticSet) -> None:
    loaded: list[int] = []
    done: list[int] = []
    out = rec.reconcile(
        data.reports,
        data.interceptions,
        top_k=2,
        chunk_size=16,
        progress=done.append,
        on_loaded=loaded.append,
    )
    assert sum(loaded) == len(data.reports)  # the index is built at call time
    list(out)
    assert sum(done) == len(data.interceptions)
    assert max(done) <= 16


def test_no_reports_means_no_candidates(data: SyntheticSet) -> None:
    assert list(rec.reconcile([], data.interceptions[:5])) == []


def test_interceptions_are_consumed_lazily(data: SyntheticSet) -> None:
    pulled = 0

    def stream() -> Iterator[Interception]:
        nonlocal pulled
        for i in data.interceptions:
            pulled += 1
            yield i

    out = rec.reconcile(data.reports[:50], stream(), top_k=1, chunk_size=4)
    assert pulled == 0
    next(out, None)
    assert pulled <= 4 + 4  # at most the first chunks, never the whole input


@pytest.mark.parametrize(
    "kwargs",
    [{"top_k": 0}, {"chunk_size": 0}, {"workers": 0}],
    ids=["top_k", "chunk_size", "workers"],
)
def test_bad_arguments_fail_at_call_time(kwargs: dict[str, int]) -> None:
    reports: list[Report] = []
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        rec.reconcile(reports, [], **kwargs)  # not iterated: must still raise


def test_default_workers_is_between_one_and_two() -> None:
    assert 1 <= rec.default_workers() <= 2


def test_parallel_reads_input_with_back_pressure_and_closes_cleanly(
    data: SyntheticSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rec, "_MIN_PER_WORKER", 1)
    pulled = 0

    def stream() -> Iterator[Interception]:
        nonlocal pulled
        for i in data.interceptions * 20:  # 1,200 interceptions
            pulled += 1
            yield i

    index = rec.build_index(data.reports[:100])
    out = rec.query_all(index, stream(), top_k=1, chunk_size=2, workers=2)
    next(out, None)
    time_limit = time.monotonic() + 5
    while time.monotonic() < time_limit and pulled < 2 * 2 + rec._IN_FLIGHT_PER_WORKER * 2 * 2:
        time.sleep(0.05)  # give the feeder thread time to run ahead if it would
    assert pulled <= (2 + rec._IN_FLIGHT_PER_WORKER * 2 + 2) * 2  # never the whole input
    out.close()  # stops the pool; must not hang on the blocked feeder
    assert rec._WORKER_INDEX is None


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    ids=st.tuples(_TEXT, _TEXT),
    score=st.floats(0, 1),
    band=st.sampled_from(list(Band)),
    parts=st.lists(st.tuples(_TEXT, _TEXT, st.floats(-30, 30)), max_size=12),
)
def test_packed_candidates_round_trip_exactly(
    ids: tuple[str, str], score: float, band: Band, parts: list[tuple[str, str, float]]
) -> None:
    """What workers send through the pipe rebuilds the very same candidate (separators too)."""
    c = Candidate(
        ids[0],
        ids[1],
        3,
        score,
        band,
        tuple(Contribution(f, Verdict.PARTIAL, w, lb) for f, lb, w in parts),
    )
    assert rec._unpack(rec._pack(c)) == c


def _plain(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return isinstance(value, str | int | float)


def test_packed_candidates_are_plain_values(serial: list[Candidate]) -> None:
    """What crosses the pipe is tuples of plain values (cheap to pickle), never dataclasses."""
    with_parts = next(c for c in serial if c.contributions)
    packed = rec._pack(with_parts)
    assert _plain(packed)
    assert rec._unpack(packed) == with_parts


# --------------------------------------------------------------------------- parallel build


def _state(index: MatchIndex) -> tuple[object, ...]:
    """Everything an index answers from, as comparable plain values."""
    part = index.to_part()
    plain = [
        v.tolist() if hasattr(v, "tolist") else v
        for k, v in dataclasses.asdict(part).items()
        if k not in ("age", "posting_hashes", "posting_rows")
    ]
    postings = sorted(zip(part.posting_hashes.tolist(), part.posting_rows.tolist(), strict=True))
    return (*plain, [repr(a) for a in part.age.tolist()], postings, len(index))


def _explained(cands: Iterator[Candidate]) -> list[tuple[object, ...]]:
    return [dataclasses.astuple(c) for c in cands]


@pytest.fixture
def csv_folder(tmp_path: Path, data: SyntheticSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("matcher.csvio.split._SPLIT_MIN_BYTES", 0)  # cut even this small file
    write_csvs(data, tmp_path)
    return tmp_path


def _append_rows(path: Path, rows: list[str]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(row + "\n" for row in rows))


@pytest.mark.parametrize("workers", [2, 3], ids=["2 slices", "3 slices"])
@pytest.mark.parametrize(
    "extra",
    [[], ["BAD-1,x,,,Q,abc,not a date,,,,", "", "BAD-2,only,three"]],
    ids=["clean file", "with bad rows"],
)
def test_parallel_build_equals_one_process_build(
    csv_folder: Path, data: SyntheticSet, workers: int, extra: list[str]
) -> None:
    path = csv_folder / "reports.csv"
    _append_rows(path, extra)
    serial_rejects, parallel_rejects = RejectCounter(), RejectCounter()
    serial = rec.build_index(iter_reports(path, on_reject=serial_rejects))
    loaded: list[int] = []
    parallel = rec.build_index_csv(
        path, workers=workers, on_reject=parallel_rejects, on_loaded=loaded.append
    )
    assert len(csvio.split_csv(path, workers)) == workers  # really built from slices
    assert _state(parallel) == _state(serial)
    assert parallel_rejects.rejects == serial_rejects.rejects
    assert sum(loaded) == len(serial)
    queries = data.interceptions[:25]
    assert _explained(rec.query_all(parallel, queries, top_k=5)) == _explained(
        rec.query_all(serial, queries, top_k=5)
    )


def test_id_repeated_across_slices_falls_back_to_one_process(csv_folder: Path) -> None:
    path = csv_folder / "reports.csv"
    first_id = next(iter_reports(path)).report_id
    _append_rows(path, [f"{first_id},Someone Else,,,F,9,2024-01-01,,,,"])
    serial_rejects, parallel_rejects = RejectCounter(), RejectCounter()
    serial = rec.build_index(iter_reports(path, on_reject=serial_rejects))
    loaded: list[int] = []
    parallel = rec.build_index_csv(
        path, workers=2, on_reject=parallel_rejects, on_loaded=loaded.append
    )
    assert [(r.record_id, r.field) for r in parallel_rejects.rejects] == [(first_id, "report_id")]
    assert parallel_rejects.rejects == serial_rejects.rejects
    assert _state(parallel) == _state(serial)
    assert sum(loaded) == len(serial)  # rows counted before the fall-back are not counted twice


def test_missing_column_is_raised_before_any_process_starts(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("report_id,name\nR1,x\n" * 1)
    with pytest.raises(csvio.MissingColumnError, match="father_name"):
        rec.build_index_csv(path, workers=2)
    with pytest.raises(ValueError, match="workers"):
        rec.build_index_csv(path, workers=0)


def test_extend_replaces_a_report_with_the_same_id(data: SyntheticSet) -> None:
    head, tail = data.reports[:200], data.reports[200:]
    replaced = dataclasses.replace(tail[0], report_id=head[3].report_id)
    combined = MatchIndex()
    combined.add_many(head)
    part = MatchIndex(combined.model)
    part.add_many([replaced, *tail[1:]])
    combined.extend(part.to_part())
    one = MatchIndex(combined.model)
    one.add_many([*head, replaced, *tail[1:]])
    assert _state(combined) == _state(one)
    assert combined.get(head[3].report_id) == replaced


def test_fallback_progress_skips_rows_already_counted() -> None:
    seen: list[int] = []
    skipping = rec._skipping(seen.append, 5)
    assert skipping is not None
    for n in (3, 3, 4):
        skipping(n)
    assert seen == [1, 4]


def test_rejects_from_slices_keep_file_row_numbers(csv_folder: Path) -> None:
    path = csv_folder / "reports.csv"
    _append_rows(path, ["LATE-1,x,,,F,abc,,,,,"])
    rejects = RejectCounter()
    rec.build_index_csv(path, workers=2, on_reject=rejects)
    rows = sum(1 for _ in path.open(encoding="utf-8"))
    assert rejects.rejects == [Reject("reports.csv", rows, "LATE-1", "age", csvio.AGE_REASON)]


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "2 workers"])
def test_write_all_writes_the_same_bytes_as_write_candidates(
    data: SyntheticSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(rec, "_MIN_PER_WORKER", 1)
    index = rec.build_index(data.reports)
    expected = tmp_path / "expected.csv"
    written = csvio.write_candidates(rec.query_all(index, data.interceptions, top_k=4), expected)
    done: list[int] = []
    got = tmp_path / "got.csv"
    count = rec.write_all(
        index, data.interceptions, got, top_k=4, chunk_size=9, workers=workers, progress=done.append
    )
    assert got.read_bytes() == expected.read_bytes()
    assert count == written > 0
    assert sum(done) == len(data.interceptions)


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "2 workers"])
def test_write_all_ask_next_adds_each_interceptions_questions(
    data: SyntheticSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """In process and in forked workers alike, the ``ask_next`` column is the engine's
    ``MatchIndex.ask_next`` over each interception's candidates; the rest of each row is the
    plain file's."""
    monkeypatch.setattr(rec, "_MIN_PER_WORKER", 1)
    index = rec.build_index(data.reports)
    plain, asked = tmp_path / "plain.csv", tmp_path / "asked.csv"
    rec.write_all(index, data.interceptions, plain, top_k=4, chunk_size=9, workers=1)
    rec.write_all(
        index, data.interceptions, asked, top_k=4, chunk_size=9, workers=workers, ask_next=True
    )
    plain_rows = list(csv.reader(plain.open(encoding="utf-8", newline="")))
    asked_rows = list(csv.reader(asked.open(encoding="utf-8", newline="")))
    assert asked_rows[0][-1] == csvio.ASK_NEXT_COLUMN
    expected = {i.interception_id: "|".join(index.ask_next(i, top_k=4)) for i in data.interceptions}
    for plain_row, row in zip(plain_rows, asked_rows, strict=True):
        assert row[:-1] == plain_row
    for row in asked_rows[1:]:
        assert row[-1] == expected[row[0]]
    assert any(row[-1] for row in asked_rows[1:])


def test_query_only_index_answers_the_same_and_refuses_get(
    csv_folder: Path, data: SyntheticSet
) -> None:
    path = csv_folder / "reports.csv"
    full = rec.build_index_csv(path, workers=2)
    lean = rec.build_index_csv(path, workers=2, keep_reports=False)
    queries = data.interceptions[:25]
    assert _explained(rec.query_all(lean, queries, top_k=5)) == _explained(
        rec.query_all(full, queries, top_k=5)
    )
    assert full.get(data.reports[0].report_id) == data.reports[0]
    with pytest.raises(RuntimeError, match="keep_reports"):
        lean.get(data.reports[0].report_id)
    with pytest.raises(ValueError, match="keep_reports"):
        full.extend(lean.to_part())


# -- exclude= -----------------------------------------------------------------------------------
def _expected_with_exclusions(
    index: MatchIndex, interceptions: list[Interception], exclude: dict[str, set[str]]
) -> list[Candidate]:
    """The reference: one ``MatchIndex.query`` per interception, with its exclusions."""
    out: list[Candidate] = []
    for interception in interceptions:
        out += index.query(
            interception, top_k=5, exclude=exclude.get(interception.interception_id, ())
        )
    return out


@pytest.fixture(scope="module")
def exclusions(serial: list[Candidate]) -> dict[str, set[str]]:
    """Every other interception's best report (and one unknown id), never to return."""
    groups = by_interception(serial)
    chosen = {iid: {g[0].report_id, "NO-SUCH-REPORT"} for iid, g in list(groups.items())[::2]}
    assert len(chosen) >= 10
    return chosen


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "2 workers"])
def test_query_all_excludes_the_given_pairs_and_ranks_the_rest(
    data: SyntheticSet,
    serial: list[Candidate],
    exclusions: dict[str, set[str]],
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rec, "_MIN_PER_WORKER", 1)  # fork even for this small input
    index = rec.build_index(data.reports)
    got = list(
        rec.query_all(
            index, data.interceptions, top_k=5, chunk_size=7, workers=workers, exclude=exclusions
        )
    )
    assert got == _expected_with_exclusions(index, data.interceptions, exclusions)
    assert not [c for c in got if c.report_id in exclusions.get(c.interception_id, ())]
    untouched = [c for c in serial if c.interception_id not in exclusions]
    assert [c for c in got if c.interception_id not in exclusions] == untouched
    for group in by_interception(got).values():  # ranks close up over the reports left
        assert [c.rank for c in group] == list(range(1, len(group) + 1))
    assert got != serial


def test_query_all_excludes_nothing_by_default(data: SyntheticSet, serial: list[Candidate]) -> None:
    index = rec.build_index(data.reports)
    assert list(rec.query_all(index, data.interceptions, top_k=5)) == serial
    assert list(rec.query_all(index, data.interceptions, top_k=5, exclude={})) == serial
    assert dict(rec.NO_EXCLUSIONS) == {}


def test_query_all_takes_any_index_with_query(
    data: SyntheticSet, exclusions: dict[str, set[str]]
) -> None:
    """A service's wrapper (e.g. one that takes a lock around each query) stands in for the
    index; ``progress`` runs after each chunk's candidates were consumed."""
    index = rec.build_index(data.reports)
    calls: list[tuple[str, frozenset[str]]] = []
    events: list[str] = []

    class Locked:
        def query(
            self, interception: Interception, *, top_k: int, exclude: Collection[str] = ()
        ) -> list[Candidate]:
            calls.append((interception.interception_id, frozenset(exclude)))
            return index.query(interception, top_k=top_k, exclude=exclude)

    def progress(n: int) -> None:
        events.append(f"progress {n}")

    got = []
    for c in rec.query_all(
        Locked(), data.interceptions, top_k=5, chunk_size=25, exclude=exclusions, progress=progress
    ):
        events.append("candidate")
        got.append(c)
    assert got == _expected_with_exclusions(index, data.interceptions, exclusions)
    assert calls == [
        (i.interception_id, frozenset(exclusions.get(i.interception_id, ())))
        for i in data.interceptions
    ]
    assert [e for e in events if e != "candidate"] == ["progress 25", "progress 25", "progress 10"]
    assert events[-1] == "progress 10"
