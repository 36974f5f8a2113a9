"""The real-time matching index of a running service.

Contract:
- :class:`LiveIndex` wraps one ``matcher.index.MatchIndex`` holding every *open* report of the
  database. It is built once at start-up (:meth:`LiveIndex.load`) and then updated
  incrementally — never rebuilt per request:
  * :meth:`LiveIndex.sync_once` reads every report stamped after the largest stamp seen and
    adds it (open) or removes it (found). The process that commits a change calls it right
    after the commit, so its own next request already sees the change;
  * a background thread (:meth:`LiveIndex.start`) calls it every ``interval`` seconds, which
    picks up rows stamped by *other* processes (two servers on one PostgreSQL) within a couple
    of seconds.
- Stamps are commit-ordered (see :mod:`api.models`), so remembering the largest stamp seen is
  enough to never miss a row. Syncs are serialised by a lock, so when ``sync_once`` returns,
  everything committed before the call is in the index.
- Access to the engine's index goes through a readers-writer lock: ``MatchIndex`` allows
  concurrent queries but not a write during a query, so queries share the lock and
  add/remove take it alone. Callers run queries in worker threads, never on the event loop.
  Interactive engine calls (query, questions, same-child check) also wait in line for one of
  :data:`MATCH_SLOTS` turns (:class:`_Turns`), so that twenty clients matching at once share
  the interpreter lock fairly and leave light requests a turn. A submission is served whole
  (match, store, answer) in one of :data:`SUBMISSION_SLOTS` turns of its own
  (:meth:`LiveIndex.submission`), and matches and asks in one matching turn
  (:meth:`LiveIndex.query_and_ask`). Batch runs and an import's reverse matching work in
  forked children (:mod:`api.offload`).
- The index is most of the process's long-lived objects: from :data:`FREEZE_MIN` records
  newly held (start-up, an import's sync) they are frozen out of the cyclic garbage
  collector's sight (:meth:`LiveIndex._settled`), whose full collections otherwise walked
  them all every few seconds with the interpreter lock held.
- Reports find children (:mod:`matcher.reverse`): beside the reports it keeps the *open
  interceptions* filed under their forward query's blocking keys, loaded at start-up and kept up
  to date incrementally: by the process that submits, edits, matches or reopens one (right after
  its commit), and by the same poll for interceptions other processes submitted or edited
  (``created_at`` / ``edited_at`` within the last :data:`RECENT_WINDOW` seconds, re-read each
  poll: those stamps are not commit-ordered, so a window, not a watermark, is what never misses
  one; re-adding is idempotent). :meth:`LiveIndex.plan_children` and
  :meth:`LiveIndex.children_of` ask the engine which open interceptions new reports are
  candidates of; a caller still checks each interception is open in the database before
  storing anything (another process may have matched it).
- Nothing here logs personal data: counts and stamps only.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, literal, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from api.models import (
    InterceptionRow,
    InterceptionStatus,
    InterceptionVersionRow,
    ReportRow,
    ReportStatus,
    utcnow,
)
from api.offload import can_fork, forked
from matcher.records import (
    INTERCEPTION_COLUMNS,
    REPORT_COLUMNS,
    Band,
    Candidate,
    Contribution,
    Interception,
    Report,
    Verdict,
)

if TYPE_CHECKING:  # the engine's dedupe loads only when a same-child check runs
    from matcher.dedupe import DuplicateFlag, DuplicatePair
    from matcher.reconcile import Queryable

log = logging.getLogger(__name__)

_LOAD_BATCH = 5000

#: Interceptions compared per hold of the read lock when new reports look for children.
_CHILDREN_CHUNK = 200

#: From this many new reports on (an import), reverse matching works in a forked child.
OFFLOAD_MIN_REPORTS = 2000

#: Interactive engine calls (a submission's query and questions) running at once; the others
#: wait in line (:class:`_Turns`). Two: one computes while the other's thread is scheduled.
MATCH_SLOTS = 2

#: Submissions served at once (:meth:`LiveIndex.submission`); the others wait in line.
SUBMISSION_SLOTS = 2

#: Records newly held (loaded or synced) from which :meth:`LiveIndex._settled` freezes the
#: heap: a big load or import, not the trickle of single reports (each freeze costs one full
#: collection, a fraction of a second).
FREEZE_MIN = 10_000

#: The youngest generation's collection threshold once the heap is frozen (Python's default:
#: 700 new objects; a full collection comes every 100 young ones).
GC_YOUNG = 20_000

#: Ids per ``IN (...)`` list.
_IN_CHUNK = 500

#: Seconds back the poll re-reads interceptions submitted or edited (by any process).
RECENT_WINDOW = 60.0


T = TypeVar("T")


def _shaped_chunks(
    index: Queryable,
    interceptions: Sequence[Interception],
    top_k: int,
    chunk: int,
    exclude: Mapping[str, Collection[str]],
    shape: Callable[[Candidate], T],
) -> Iterator[tuple[int, list[T]]]:
    """:func:`matcher.reconcile.query_all` chunk by chunk: (interceptions finished, their
    candidates shaped)."""
    from matcher.reconcile import query_all

    finished: list[tuple[int, list[T]]] = []
    pending: list[T] = []

    def progress(n: int) -> None:  # called before the next chunk is queried
        finished.append((n, pending.copy()))
        pending.clear()

    for candidate in query_all(
        index, interceptions, top_k=top_k, chunk_size=chunk, exclude=exclude, progress=progress
    ):
        while finished:
            yield finished.pop(0)
        pending.append(shape(candidate))
    while finished:
        yield finished.pop(0)


class _Turns:
    """At most ``slots`` holders at once, the others served first come, first served.

    Why: the engine's work is CPU under one interpreter lock. Twenty threads matching at once
    do not finish sooner than two (one interpreter lock), but every light request (``/health``,
    a page) then waits its turn for that lock among twenty, and which waiter gets the lock next
    is a lottery, so some submissions waited several times as long as others (p99 three times
    the median). Waiting here, in line, costs no interpreter time, and the line is fair.
    """

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be >= 1")
        self._lock = threading.Lock()
        self._free = slots
        self._waiting: collections.deque[threading.Event] = collections.deque()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                handed = None
            else:
                handed = threading.Event()
                self._waiting.append(handed)
        if handed is not None:
            handed.wait()  # the slot is handed over by the holder that leaves
        try:
            yield
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting.popleft().set()
                else:
                    self._free += 1


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers (no writer starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Index(Protocol):
    """The part of ``matcher.index.MatchIndex`` the service uses."""

    def add(self, report: Report) -> None: ...
    def add_many(self, reports: Iterable[Report]) -> None: ...
    def remove(self, report_id: str) -> None: ...
    def __len__(self) -> int: ...
    def query(
        self, interception: Interception, *, top_k: int = 10, exclude: Collection[str] = ()
    ) -> list[Candidate]: ...


def default_index() -> Index:
    """A fresh engine index with the shipped default model."""
    from matcher.index import MatchIndex

    return MatchIndex()


def index_factory_for(model_path: Path | None) -> Callable[[], Index]:
    """Fresh engine indexes scoring with the model JSON at ``model_path`` (``None``: the shipped
    model). The file is read now, once, so a missing or foreign file stops the service at
    start-up (``FileNotFoundError``, :class:`matcher.model.ModelFormatError`, ``ValueError``)
    instead of failing its first match."""
    if model_path is None:
        return default_index
    from matcher.index import MatchIndex
    from matcher.model import MatchModel

    model = MatchModel.load(model_path)

    def factory() -> Index:
        return MatchIndex(model)

    return factory


def report_record(row: ReportRow) -> Report:
    """The engine's record for a stored report (the columns share the engine's names)."""
    return Report(**{column: getattr(row, column) for column in REPORT_COLUMNS})


def interception_record(row: InterceptionRow) -> Interception:
    """The engine's record for a stored interception (the columns share the engine's names)."""
    return Interception(**{column: getattr(row, column) for column in INTERCEPTION_COLUMNS})


def contribution_values(candidate: Candidate, *, ndigits: int | None = None) -> dict[str, Any]:
    """A candidate's account (its contributions, strongest first, and the two terms of its
    score that are not about any field) as JSON for a column; :func:`contributions_of` and
    :func:`candidate_record` read it back.

    ``ndigits=None`` keeps each weight exactly (a JSON float round-trips), so a candidate
    rebuilt from the column formats exactly as the engine's own (the reconciliation CSV);
    the interactive candidates store 4 decimals (what the API shows).
    """

    def shown(x: float) -> float:
        return float(x) if ndigits is None else round(float(x), ndigits)

    return {
        "fields": [
            {
                "field": c.field,
                "verdict": c.verdict.value,
                "weight": shown(c.weight),
                "label": c.label,
                "parts": [[comparison, level, shown(w)] for comparison, level, w in c.parts],
                "facts": dict(c.facts),
            }
            for c in candidate.contributions
        ],
        "baseline_bits": shown(candidate.baseline_bits),
        "pool_bits": shown(candidate.pool_bits),
    }


def stored_candidate(candidate: Candidate, *, ndigits: int) -> Candidate:
    """``candidate`` as its stored row reads back (:func:`candidate_record` of a row holding
    ``contribution_values(candidate, ndigits=ndigits)`` and the clamped score), made without the
    trip through JSON: what a submission answers, and asks the next question from, straight
    from the engine's candidates."""

    def shown(x: float) -> float:
        return round(float(x), ndigits)

    return Candidate(
        candidate.interception_id,
        candidate.report_id,
        int(candidate.rank),
        min(1.0, max(0.0, float(candidate.score))),
        Band(candidate.band),
        tuple(
            Contribution(
                str(c.field),
                Verdict(c.verdict),
                shown(c.weight),
                str(c.label or ""),
                tuple((str(comparison), str(level), shown(w)) for comparison, level, w in c.parts),
                dict(c.facts),
            )
            for c in candidate.contributions
        ),
        shown(candidate.baseline_bits),
        shown(candidate.pool_bits),
    )


def _legacy_verdict(weight: float) -> Verdict:
    """The verdict pages showed for a contribution stored before verdicts existed (candidates
    of older versions): read from its weight, as the page then did."""
    if weight >= 1.0:
        return Verdict.AGREE
    if weight <= -1.0:
        return Verdict.DISAGREE
    return Verdict.PARTIAL


def contributions_of(values: Any) -> tuple[Contribution, ...]:
    """The engine's contributions from :func:`contribution_values` JSON, in stored order; an
    item that is not a contribution is skipped (never raises: the column is data). Lists
    stored by older versions (``field``, ``label``, ``weight`` only) still read."""
    items = values.get("fields") if isinstance(values, dict) else values
    out: list[Contribution] = []
    for item in items if isinstance(items, list) else []:
        try:
            weight = float(item["weight"])
            verdict = Verdict(item["verdict"]) if "verdict" in item else _legacy_verdict(weight)
            parts = tuple((str(c), str(k), float(w)) for c, k, w in item.get("parts") or ())
            facts = item.get("facts") or {}
            out.append(
                Contribution(
                    str(item["field"]),
                    verdict,
                    weight,
                    str(item.get("label") or ""),
                    parts,
                    dict(facts) if isinstance(facts, dict) else {},
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)


def _term(values: Any, key: str) -> float:
    try:
        return float(values.get(key) or 0.0) if isinstance(values, dict) else 0.0
    except (TypeError, ValueError):
        return 0.0


def candidate_record(row: Any) -> Candidate:
    """The engine's candidate for a stored one (any row with ``interception_id``,
    ``report_id``, ``rank``, ``score``, ``band`` and ``contributions``): what the library's
    candidate writer takes (:func:`matcher.csvio.format_candidates`)."""
    return Candidate(
        row.interception_id,
        row.report_id,
        int(row.rank),
        float(row.score),
        Band(row.band),
        contributions_of(row.contributions),
        _term(row.contributions, "baseline_bits"),
        _term(row.contributions, "pool_bits"),
    )


def model_version(index: object) -> str:
    """The version of the model behind ``index``, or ``"default"`` if it does not say."""
    model = getattr(index, "model", None) or getattr(index, "model_", None)
    for holder in (model, index):
        version = getattr(holder, "version", None)
        if isinstance(version, str) and version:
            return version[:64]
    return "default"


class LiveIndex:
    """The open reports of the database, kept matchable in real time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        index_factory: Callable[[], Index] = default_index,
        interval: float = 1.0,
        top_k: int = 10,
        match_slots: int = MATCH_SLOTS,
        submission_slots: int = SUBMISSION_SLOTS,
    ) -> None:
        self._sessions = sessions
        self._turns = _Turns(match_slots)
        self._submissions = _Turns(submission_slots)
        self.top_k = top_k
        #: Called with the ids of candidates just committed (never raises into the caller; a
        #: listener must not block: the webhook queues and returns).
        self.candidate_listeners: list[Callable[[list[str]], None]] = []
        self._factory = index_factory
        self._interval = interval
        self._lock = threading.Lock()  # guards the watermark and the index reference
        self._rw = _ReadWriteLock()  # guards the engine index's contents
        # guards the open interceptions apart: a submission adding its interception must not
        # wait for (and hold off) every other submission's query of the reports
        self._open_rw = _ReadWriteLock()
        self._index: Index | None = None
        self._watermark = 0
        self._unsettled = 0  # records held since the last gc.freeze (see _settled)
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._background: set[threading.Thread] = set()
        self.model_version = "default"
        from matcher.reverse import InterceptionIndex

        self._open = InterceptionIndex()
        #: From how many new reports on :meth:`find_children` works in a forked child.
        self.offload_min_reports = OFFLOAD_MIN_REPORTS

    # -- life cycle -------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """True once the index has been built from the database."""
        return self._index is not None

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The database sessions this index reads (background work of the services)."""
        return self._sessions

    @property
    def watermark(self) -> int:
        """The largest report stamp this index has caught up with."""
        return self._watermark

    def load(self) -> int:
        """Build the index from every open report; returns how many were loaded."""
        index = self._factory()
        loaded = 0
        with self._sessions() as session:
            watermark = session.scalar(select(func.coalesce(func.max(ReportRow.seq), 0))) or 0
            # Plain column tuples, not ORM objects: a million rows load several times faster.
            columns = [getattr(ReportRow, c) for c in REPORT_COLUMNS]
            stmt = (
                select(*columns)
                .where(ReportRow.status == ReportStatus.OPEN)
                .execution_options(yield_per=_LOAD_BATCH)
            )

            def rows() -> Iterator[Report]:
                nonlocal loaded
                for values in session.execute(stmt):
                    loaded += 1
                    yield Report(*values)

            # One add_many over the stream: the engine sorts its blocking postings into place
            # once at the end. Batches of 5,000 re-sorted every posting so far after each batch
            # (1,000,000 reports: 114 s, most of it sorting).
            index.add_many(rows())
        from matcher.model import MatchModel
        from matcher.reverse import InterceptionIndex

        model = getattr(index, "model", None)
        open_ = InterceptionIndex(model=model if isinstance(model, MatchModel) else None)
        with self._sessions() as session:
            columns = [getattr(InterceptionRow, c) for c in INTERCEPTION_COLUMNS]
            stmt = (
                select(*columns)
                .where(InterceptionRow.status == InterceptionStatus.OPEN)
                .execution_options(yield_per=_LOAD_BATCH)
            )
            open_.add_many(Interception(*values) for values in session.execute(stmt))
        with self._lock:
            self._index = index
            self._open = open_
            self._watermark = max(self._watermark, int(watermark))
            self.model_version = model_version(index)
        log.info(
            "matching index built: %d open reports, stamp %d, %d open interceptions",
            loaded,
            watermark,
            len(open_),
        )
        self._settled(loaded + len(open_), starting=True)
        return loaded

    def _settled(self, records: int, *, starting: bool = False) -> None:
        """Count ``records`` newly held for good; from :data:`FREEZE_MIN` of them on, take the
        process's long-lived objects out of the cyclic garbage collector's sight
        (``gc.freeze``).

        Why: the index is hundreds of thousands of objects that live as long as the process.
        Python's full collection walks every one of them, finds nothing to free, and holds the
        interpreter lock while it does: with 20,000 reports 0.2-0.3 s every 3-4 s under load,
        during which no request moved (the slowest 5 % of submissions were those stalls).
        Frozen objects are still freed when their last reference goes; only garbage cycles
        among them would stay, so a collection runs first: a full one at start-up (nothing
        is served yet), afterwards (an import synced) only of the young generations, which
        hold what the sync itself made (a full one would be the very stall this avoids)."""
        with self._lock:
            self._unsettled += records
            if self._unsettled < FREEZE_MIN:
                return
            self._unsettled = 0
        if starting:
            gc.collect()
            # What is left to collect is the requests' young objects: collect them in larger
            # batches, so the full collections (which still walk whatever long-lived objects
            # are not frozen, e.g. an import's rows in flight) come some 30 times more rarely.
            _young, *older = gc.get_threshold()
            gc.set_threshold(max(_young, GC_YOUNG), *older)
        else:
            gc.collect(1)
        gc.freeze()
        log.debug("long-lived objects frozen: %d", gc.get_freeze_count())

    def start(self) -> None:
        """Start the background sync thread (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="shondhan-index-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background sync thread and wait for it (and, briefly, for background
        work: :meth:`run_in_background`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.wait_background(timeout=10)

    def run_in_background(self, name: str, work: Callable[[], None]) -> threading.Thread:
        """Run ``work`` in a daemon thread of this index (the services' work after a request
        has answered: an import's case ids). An exception is logged by type, never raised."""

        def run() -> None:
            try:
                work()
            except Exception as exc:
                log.warning("background %s failed (%s)", name, type(exc).__name__)
                log.debug("traceback", exc_info=True)
            finally:
                with self._lock:
                    self._background.discard(thread)

        thread = threading.Thread(target=run, name=f"shondhan-{name}", daemon=True)
        with self._lock:
            self._background.add(thread)
        thread.start()
        return thread

    def wait_background(self, timeout: float = 60.0) -> None:
        """Wait for the background work running now (tests, benchmarks, shutdown)."""
        with self._lock:
            running = list(self._background)
        for thread in running:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.sync_once()
            except Exception as exc:  # keep polling: a database blip must not stop sync
                log.warning("index sync failed (%s); will retry", type(exc).__name__)
                log.debug("traceback", exc_info=True)

    # -- updates -----------------------------------------------------------------------------
    def sync_once(self) -> int:
        """Apply every report stamped after the watermark; returns how many rows were read."""
        if self._index is None:
            return 0
        applied = 0
        with self._sync_lock, self._sessions() as session:
            # Keyset pages over (seq, report_id): one stamp may cover many rows (an import).
            after: ColumnElement[bool] = ReportRow.seq > self._watermark
            top = self._watermark
            while True:
                rows = list(
                    session.scalars(
                        select(ReportRow)
                        .where(after)
                        .order_by(ReportRow.seq, ReportRow.report_id)
                        .limit(_LOAD_BATCH)
                    )
                )
                if not rows:
                    break
                self._apply_rows(rows)
                self._settled(len(rows))  # an import's reports: frozen as they come in
                applied += len(rows)
                last = rows[-1]
                top = max(top, last.seq)
                after = tuple_(ReportRow.seq, ReportRow.report_id) > tuple_(
                    literal(last.seq), literal(last.report_id)
                )
                if len(rows) < _LOAD_BATCH:
                    break
            with self._lock:
                self._watermark = max(self._watermark, top)
            self._sync_interceptions(session)
        if applied:
            log.debug("index sync: %d report changes", applied)
        return applied

    def _sync_interceptions(self, session: Session) -> None:
        """Re-read the interceptions submitted or edited within :data:`RECENT_WINDOW` (by any
        process) into the open interceptions; matched ones leave.

        Only ids and statuses are read for the window's submissions (under 20 clients that is
        some 2,000 rows every second), and whole rows only for those this process does not
        hold as they are (another process's, or matched meanwhile) and for the edited ones."""
        since = utcnow() - timedelta(seconds=RECENT_WINDOW)
        wanted = set(
            session.scalars(
                select(InterceptionVersionRow.interception_id).where(
                    InterceptionVersionRow.edited_at >= since
                )
            )
        )
        for iid, status in session.execute(
            select(InterceptionRow.interception_id, InterceptionRow.status).where(
                InterceptionRow.created_at >= since
            )
        ):
            if (status == InterceptionStatus.OPEN) != (iid in self._open):
                wanted.add(iid)
        ids = sorted(wanted)
        for lo in range(0, len(ids), _IN_CHUNK):
            rows = list(
                session.scalars(
                    select(InterceptionRow).where(
                        InterceptionRow.interception_id.in_(ids[lo : lo + _IN_CHUNK])
                    )
                )
            )
            self.apply_interceptions(rows)

    def apply_interceptions(self, rows: Iterable[InterceptionRow]) -> None:
        """Bring these stored interceptions up to date among the open ones (call right after
        the commit that submitted, edited, matched or reopened them)."""
        add: list[Interception] = []
        drop: list[str] = []
        for row in rows:
            if row.status != InterceptionStatus.OPEN:
                if row.interception_id in self._open:
                    drop.append(row.interception_id)
                continue
            record = interception_record(row)
            if self._open.get(record.interception_id) != record:  # a poll re-reads a window
                add.append(record)
        if not add and not drop:
            return
        with self._open_rw.write():
            self._open.add_many(add)
            for iid in drop:
                self._open.remove(iid)

    @contextlib.contextmanager
    def _reading_both(self) -> Iterator[None]:
        """Both read locks (reports, then open interceptions): what reverse matching reads."""
        with self._rw.read(), self._open_rw.read():
            yield

    @property
    def open_interceptions(self) -> int:
        """How many open interceptions new reports are matched against."""
        return len(self._open)

    def plan_children(self, report_ids: Collection[str]) -> dict[str, list[str]]:
        """Which open interceptions to compare with which of these new (already synced)
        reports (:func:`matcher.reverse.plan_children`). Empty while the index loads or for an
        engine index that is not a MatchIndex."""
        from matcher.index import MatchIndex
        from matcher.reverse import plan_children

        index = self._index
        if not isinstance(index, MatchIndex) or not report_ids:
            return {}
        with self._reading_both():
            return plan_children(index, self._open, report_ids)

    def children_of(
        self,
        plan: Mapping[str, Sequence[str]],
        *,
        existing: Mapping[str, Sequence[tuple[str, float]]],
        exclude: Mapping[str, Collection[str]],
    ) -> list[Candidate]:
        """The candidates a :meth:`plan_children` plan makes (:func:`matcher.reverse.children_of`
        per interception, by id; CPU-bound, off the event loop). The read lock is taken per
        :data:`_CHILDREN_CHUNK` interceptions, so a big import never holds off index writes (new
        interceptions, other imports) for long."""
        from matcher.index import MatchIndex
        from matcher.reverse import children_for

        index = self._index
        if not isinstance(index, MatchIndex):
            return []
        out: list[Candidate] = []
        iids = sorted(plan)
        for lo in range(0, len(iids), _CHILDREN_CHUNK):
            part = {iid: plan[iid] for iid in iids[lo : lo + _CHILDREN_CHUNK]}
            with self._reading_both():
                out.extend(
                    children_for(
                        index,
                        self._open,
                        part,
                        top_k=self.top_k,
                        existing=existing,
                        exclude=exclude,
                    )
                )
        return out

    def find_children(
        self,
        report_ids: Collection[str],
        stored: Callable[
            [list[str]],
            tuple[Mapping[str, Sequence[tuple[str, float]]], Mapping[str, Collection[str]]],
        ],
    ) -> list[Candidate]:
        """The candidates these new (already synced) reports make for open interceptions:
        :meth:`plan_children`, then ``stored(planned interception ids)`` (the caller's database
        read: each one's open candidates with scores, and the reports never to pair with it),
        then :meth:`children_of`.

        From :attr:`offload_min_reports` reports on (an import) the engine's two steps run in a
        forked child on a snapshot of the index (:mod:`api.offload`), so that comparing
        hundreds of thousands of reports with every open interception never takes this
        process's interpreter lock from the requests; ``stored`` still runs here. Fewer reports
        (one added report) are matched in this thread: a fork would cost more than the match.
        """
        from matcher.index import MatchIndex
        from matcher.reverse import children_for, plan_children

        index, open_ = self._index, self._open
        ids = list(report_ids)
        if len(ids) < self.offload_min_reports or not isinstance(index, MatchIndex):
            plan = self.plan_children(ids)
            if not plan:
                return []
            existing, exclude = stored(sorted(plan))
            return self.children_of(plan, existing=existing, exclude=exclude)

        def work(conn: Connection) -> None:
            plan = plan_children(index, open_, ids)
            conn.send(sorted(plan))
            if not plan:
                return
            existing, exclude = conn.recv()
            iids = sorted(plan)
            for lo in range(0, len(iids), _CHILDREN_CHUNK):
                part = {iid: plan[iid] for iid in iids[lo : lo + _CHILDREN_CHUNK]}
                conn.send(
                    children_for(
                        index, open_, part, top_k=self.top_k, existing=existing, exclude=exclude
                    )
                )

        found: list[Candidate] = []
        with forked(work, hold=self._reading_both()) as child:
            planned: list[str] = child.recv()
            if planned:
                child.send(stored(planned))
            for candidates in child.messages():
                found.extend(candidates)
        return found

    def query_chunks(
        self,
        interceptions: Sequence[Interception],
        *,
        chunk: int,
        exclude: Mapping[str, Collection[str]],
        shape: Callable[[Candidate], T],
    ) -> Iterator[tuple[int, list[T]]]:
        """A batch run's matching: :func:`matcher.reconcile.query_all` over ``interceptions``
        (reports in ``exclude`` never paired with an interception), yielding after each
        ``chunk`` of interceptions how many were finished and their candidates, each as
        ``shape`` makes it.

        With the engine's index, the run works in a forked child (:mod:`api.offload`) on a
        snapshot of the open reports as they stood when it started, and ``shape`` runs there
        too: the run takes no interpreter lock from the requests. Otherwise (an index that is
        not the engine's, or no ``fork``) it works in this thread on the live index, one read
        lock per query.
        """
        from matcher.index import MatchIndex

        index = self._index
        if not isinstance(index, MatchIndex) or not can_fork():
            yield from _shaped_chunks(self, interceptions, self.top_k, chunk, exclude, shape)
            return
        top_k = self.top_k

        def work(conn: Connection) -> None:
            for item in _shaped_chunks(index, interceptions, top_k, chunk, exclude, shape):
                conn.send(item)

        with forked(work, hold=self._rw.read()) as child:
            yield from child.messages()

    def announce_candidates(self, candidate_ids: list[str]) -> None:
        """Tell the listeners (the webhook) about candidates just committed; a failing listener
        is logged and skipped, never raised: it must not fail the request that made them."""
        if not candidate_ids:
            return
        for listener in list(self.candidate_listeners):
            try:
                listener(candidate_ids)
            except Exception as exc:
                log.warning("candidate listener failed (%s)", type(exc).__name__)

    def _apply_rows(self, rows: list[ReportRow]) -> None:
        if self._index is None or not rows:
            return
        to_add = [report_record(r) for r in rows if r.status == ReportStatus.OPEN]
        to_remove = [r.report_id for r in rows if r.status != ReportStatus.OPEN]
        with self._rw.write():
            if to_add:
                self._index.add_many(to_add)
            for report_id in to_remove:
                with contextlib.suppress(KeyError):  # already gone: removal is idempotent
                    self._index.remove(report_id)

    # -- queries -----------------------------------------------------------------------------
    def submission(self) -> contextlib.AbstractContextManager[None]:
        """A turn to serve one submission whole (match, store, answer), first come, first
        served, :data:`SUBMISSION_SLOTS` at once.

        Why: a submission is some 20 ms of CPU under one interpreter lock, most of it outside
        the engine (the database, the audit, the answer). Twenty clients' threads doing that
        at once do not finish sooner than two, but they hand the interpreter lock around
        twenty ways (every hand-over a wake-up and a context switch, each switch letting the
        waiter's waiter in), and which of them gets it next is a lottery: the slowest
        submissions waited several times as long as the median. In line here, a waiting
        submission costs nothing and the order is fair.

        Take it only on a session with no transaction open: a holder waits for the database
        (on SQLite, the process's write turn), so a writer must never wait for a holder.
        """
        return self._submissions.turn()

    def query(
        self, interception: Interception, *, top_k: int, exclude: Collection[str] = ()
    ) -> list[Candidate]:
        """Ranked candidates for ``interception`` among the open reports (CPU-bound: call off
        the event loop)."""
        index = self._index
        if index is None:
            raise RuntimeError("matching index is not loaded yet")
        with self._turns.turn(), self._rw.read():
            return index.query(interception, top_k=top_k, exclude=exclude)

    def query_and_ask(
        self, interception: Interception, *, top_k: int
    ) -> tuple[list[Candidate], list[str]]:
        """:meth:`query`, and :meth:`ask_next` over its result, in one turn (a submission: each
        turn is a wait in line behind every other client matching, so it waits once)."""
        index = self._index
        if index is None:
            raise RuntimeError("matching index is not loaded yet")
        ask = getattr(index, "ask_next", None)
        with self._turns.turn(), self._rw.read():
            matches = index.query(interception, top_k=top_k)
            fields: list[str] = (
                [] if ask is None else ask(interception, candidates=matches, top_k=len(matches))
            )
        return matches, fields

    def ask_next(self, interception: Interception, *, candidates: Sequence[Candidate]) -> list[str]:
        """The empty interception fields whose answer would best separate ``candidates`` (the
        engine's :meth:`matcher.index.MatchIndex.ask_next`; reports no longer open are skipped).
        Empty while the index loads, or for an engine index without the method."""
        index = self._index
        ask = getattr(index, "ask_next", None)
        if ask is None:
            return []
        with self._turns.turn(), self._rw.read():
            fields: list[str] = ask(interception, candidates=candidates, top_k=len(candidates))
        return fields

    def same_child(self, report: Report, *, top_k: int) -> list[DuplicatePair]:
        """Open reports the engine takes for the same child as ``report`` (itself excluded),
        best first: :func:`matcher.dedupe.likely_duplicates`, ids and scores only (CPU-bound:
        call off the event loop). Empty while the index loads, or for an index that is not the
        engine's."""
        from matcher.dedupe import likely_duplicates
        from matcher.index import MatchIndex

        index = self._index
        if not isinstance(index, MatchIndex):
            return []
        with self._turns.turn(), self._rw.read():
            return likely_duplicates(index, report, top_k=top_k)

    def possible_duplicates(self, interception: Interception, *, top_k: int) -> list[DuplicateFlag]:
        """Open interceptions that may be the same child as ``interception`` (itself excluded),
        best first: :meth:`matcher.reverse.InterceptionIndex.duplicates` (ids, scores, bands;
        CPU-bound, a few milliseconds: call off the event loop). Empty while the index loads."""
        if self._index is None:
            return []
        # no turn of its own: a submission already waited for one for its query (a few ms more
        # here beats queueing behind twenty clients a second time)
        with self._open_rw.read():
            return self._open.duplicates(interception, top_k=top_k)

    def __len__(self) -> int:
        # No lock: a count read is atomic enough for /health and /metrics, which must not
        # wait behind a long index write.
        index = self._index
        return 0 if index is None else len(index)
