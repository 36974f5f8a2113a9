"""Batch reconciliation: many interceptions against many reports, ranked candidates out.

Spec:
- ``reconcile(reports, interceptions, ...)`` loads every report into a
  :class:`matcher.index.MatchIndex` (the same engine the service uses in real time, so batch and
  live answers agree), then queries the interceptions in chunks and yields each interception's
  candidates best first (``rank`` 1..``top_k``), interceptions in input order. Candidates are
  produced lazily: pipe them into :func:`matcher.csvio.write_candidates` and only one chunk of
  results is ever held in memory. The reports must fit in memory (the index holds them):
  1,000,000 reports do.
- ``workers > 1`` forks that many worker processes *after* the index is built, so they share the
  index copy-on-write instead of each building (or unpickling) their own; chunks are handed out
  in order and results come back in order, with at most a few chunks per worker in flight (the
  input is not read ahead). Fork is only available on POSIX; elsewhere, and for
  small inputs, the work runs in-process. Workers never see the input files and log nothing.
- :func:`build_index_csv` builds the index from a reports CSV file in up to ``workers``
  processes: the file is cut into slices on row boundaries (:func:`matcher.csvio.split_csv`),
  each forked child reads and indexes one slice while the parent indexes the first, then the
  parent appends the children's parts in file order (:meth:`matcher.index.MatchIndex.extend`).
  The index, the rejects (same rows, numbers and order) and therefore every candidate are the
  same as a one-process build's; if anything would differ (an id repeated across slices, a
  child failing) the parent falls back to the one-process build.
- ``progress`` (e.g. ``tqdm.update``) is called with the number of interceptions finished after
  each chunk; ``on_loaded`` with the number of reports after each block added to the index.
- ``exclude`` (:func:`query_all`) maps an interception id to report ids never to return for it
  (pairs a reviewer rejected): passed to :meth:`matcher.index.MatchIndex.query`, in process
  and in the forked workers alike, so ranks close up over the reports left.
- :func:`query_all` queries anything with ``MatchIndex.query``'s signature (:class:`Queryable`),
  e.g. a service's wrapper that takes a lock around each query; the forked path needs a real
  :class:`~matcher.index.MatchIndex` to share.
- Bad arguments fail at call time (``ValueError``), not half-way through the output.
- Nothing here logs personal data: only counts and timings at DEBUG/INFO.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from matcher.csvio import (
    CsvSlice,
    Reject,
    format_candidates,
    iter_reports,
    split_csv,
    write_candidate_text,
)
from matcher.records import Band, Candidate, Contribution, Interception, Report, Verdict

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from matcher.index import IndexPart, MatchIndex
    from matcher.model import MatchModel

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "NO_EXCLUSIONS",
    "Queryable",
    "build_index",
    "build_index_csv",
    "default_workers",
    "query_all",
    "reconcile",
    "write_all",
]

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 64
"""Interceptions per chunk: small enough for a smooth progress bar, a short pipe message and a
short tail (the last chunk runs on one core: 64 x ~5 ms at a million reports), large enough that
inter-process overhead (~1 ms a chunk) is negligible next to the queries."""
_LOAD_BLOCK = 50_000
_IN_FLIGHT_PER_WORKER = 4
_MIN_PER_WORKER = 64
"""Below this many interceptions per worker, forking costs more than it saves."""

T = TypeVar("T")
Progress = Callable[[int], object]
Exclusions = Mapping[str, Collection[str]]

NO_EXCLUSIONS: Exclusions = MappingProxyType({})
"""The default of ``exclude``: nothing excluded (immutable)."""


class Queryable(Protocol):
    """What :func:`query_all` needs of an index: :meth:`matcher.index.MatchIndex.query`."""

    def query(
        self, interception: Interception, *, top_k: int, exclude: Collection[str] = ...
    ) -> list[Candidate]: ...


# Set in the parent just before forking, inherited by the workers (never pickled).
_WORKER_INDEX: Queryable | None = None
_WORKER_TOP_K = 10
_WORKER_EXCLUDE: Exclusions = NO_EXCLUSIONS
_WORKER_SHAPE: Callable[[Any, list[Interception], list[Candidate]], object] | None = None
"""How a worker sends a chunk's candidates back: packed tuples (:func:`query_all`) or finished
CSV text (:func:`write_all`)."""


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def build_index(
    reports: Iterable[Report],
    *,
    model: MatchModel | None = None,
    on_loaded: Progress | None = None,
    keep_reports: bool = True,
) -> MatchIndex:
    """Load ``reports`` into a new :class:`MatchIndex` (``model=None``: the shipped default;
    ``keep_reports=False``: a query-only index, see :class:`MatchIndex`).

    The cyclic garbage collector is paused while loading: a million long-lived records would
    otherwise trigger repeated full collections that find nothing to free. The loaded objects
    are then frozen out of future collections, which also keeps forked workers from touching
    (and so copying) the shared pages.
    """
    from matcher.index import MatchIndex

    index = MatchIndex(model, keep_reports=keep_reports)
    started = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        # One add_many call, so the blocking postings are sorted into place once at the end;
        # progress is reported from inside the stream.
        index.add_many(_counted(reports, on_loaded))
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    log.info("index built: %d reports in %.1f s", len(index), time.perf_counter() - started)
    return index


RejectSink = Callable[[Reject], None]


def build_index_csv(
    path: str | os.PathLike[str],
    *,
    model: MatchModel | None = None,
    workers: int = 1,
    on_reject: RejectSink | None = None,
    on_loaded: Progress | None = None,
    label: str | None = None,
    keep_reports: bool = True,
) -> MatchIndex:
    """Load a reports CSV file into a new index, reading slices of it in parallel.

    Same result as ``build_index(iter_reports(path, on_reject=..., label=...), ...)`` (see the
    module docstring), in about ``1 / workers`` of the time for a big file: reading, keying and
    indexing a report is pure Python, so one process is bound to one core. Rejects reach
    ``on_reject`` once the whole file is read (in file order); ``on_loaded`` counts as rows
    are indexed. A missing column raises :class:`matcher.csvio.MissingColumnError` before any
    process starts.
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    parts = split_csv(path, workers) if workers > 1 and can_fork else []
    if len(parts) < 2:
        return build_index(
            iter_reports(path, on_reject=on_reject, label=label),
            model=model,
            on_loaded=on_loaded,
            keep_reports=keep_reports,
        )
    from matcher.model import MatchModel

    model = model if model is not None else MatchModel.default()  # loaded once, inherited
    own_rejects: list[Reject] = []
    first = iter_reports(path, part=parts[0], on_reject=own_rejects.append, label=label)
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    children = []
    for part in parts[1:]:
        receive, send = ctx.Pipe(duplex=False)
        args = (path, part, label, model, keep_reports, send)
        child = ctx.Process(target=_build_part, args=args, daemon=True)
        child.start()
        send.close()
        children.append((child, receive))
    loaded = 0

    def count(n: int) -> None:
        nonlocal loaded
        loaded += n
        if on_loaded is not None:
            on_loaded(n)

    index = build_index(first, model=model, on_loaded=count, keep_reports=keep_reports)
    own_done = time.perf_counter()
    waited = appended = 0.0
    rejects = [own_rejects]
    ok = True
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for child, receive in children:
            t = time.perf_counter()
            payload = _receive(receive) if ok else None
            child.join()
            waited += time.perf_counter() - t
            receive.close()
            if payload is None:
                ok = False
                continue
            part_index, part_rejects = payload
            t = time.perf_counter()
            alive = len(index)
            index.extend(part_index)
            appended += time.perf_counter() - t
            if len(index) != alive + len(part_index.ids):
                # an id repeated across slices replaced a row: only a serial read rejects it
                ok = False
                continue
            rejects.append(part_rejects)
            count(len(part_index.ids))
    finally:
        gc.freeze()
        if gc_was_enabled:
            gc.enable()
    if not ok:
        log.info("parallel index build fell back to one process")
        return build_index(
            iter_reports(path, on_reject=on_reject, label=label),
            model=model,
            on_loaded=_skipping(on_loaded, loaded),
            keep_reports=keep_reports,
        )
    if on_reject is not None:
        for batch in rejects:
            for reject in batch:
                on_reject(reject)
    log.info(
        "index built: %d reports in %.1f s (%d processes; own slice %.1f s, then %.1f s waiting"
        " for and receiving the others' parts, %.1f s appending them)",
        len(index),
        time.perf_counter() - started,
        len(parts),
        own_done - started,
        waited,
        appended,
    )
    return index


_Payload = tuple["IndexPart", list[Reject]]


def _build_part(
    path: str | os.PathLike[str],
    part: CsvSlice,
    label: str | None,
    model: MatchModel,
    keep_reports: bool,
    send: Connection,
) -> None:
    """Child process: index one slice and send it back as plain data (or ``None`` on failure).

    The pipe pickles (as ``multiprocessing`` always does) between a process and its own fork;
    nothing is ever unpickled from a file.
    """
    from matcher.index import MatchIndex

    payload: _Payload | None = None
    try:
        gc.disable()
        rejects: list[Reject] = []
        index = MatchIndex(model, keep_reports=keep_reports)
        index.add_many(iter_reports(path, part=part, on_reject=rejects.append, label=label))
        payload = (index.to_part(), rejects)  # the part's ids are the ids its reader accepted
    except Exception:  # the parent redoes the work in one process and meets the error there
        log.debug("index build worker failed", exc_info=True)
    send.send(payload)
    send.close()


def _receive(receive: Connection) -> _Payload | None:
    try:
        payload: Any = receive.recv()
    except (EOFError, OSError):  # the child died before sending
        return None
    return payload  # type: ignore[no-any-return]


def _skipping(on_loaded: Progress | None, already: int) -> Progress | None:
    """``on_loaded`` that ignores the first ``already`` rows (counted before a fallback)."""
    if on_loaded is None or already == 0:
        return on_loaded
    left = already

    def call(n: int) -> None:
        nonlocal left
        skip = min(left, n)
        left -= skip
        if n > skip:
            on_loaded(n - skip)

    return call


def _counted(reports: Iterable[Report], on_loaded: Progress | None) -> Iterator[Report]:
    """``reports`` unchanged, calling ``on_loaded(n)`` after every :data:`_LOAD_BLOCK`."""
    if on_loaded is None:
        yield from reports
        return
    pending = 0
    for report in reports:
        yield report
        pending += 1
        if pending >= _LOAD_BLOCK:
            on_loaded(pending)
            pending = 0
    if pending:
        on_loaded(pending)


def _query_chunk(
    index: Queryable,
    chunk: list[Interception],
    top_k: int,
    exclude: Exclusions = NO_EXCLUSIONS,
) -> list[Candidate]:
    out: list[Candidate] = []
    for interception in chunk:
        out.extend(
            index.query(
                interception, top_k=top_k, exclude=exclude.get(interception.interception_id, ())
            )
        )
    return out


# A candidate as it crosses the pipe: ids, rank, score, band value, the prior terms and its
# contributions as tuples of plain values. Pickling frozen dataclasses with nested ones costs
# ~120 µs per candidate (dump + load); flat tuples of plain values a small fraction of that.
_PlainContribution = tuple[
    str, str, float, str, tuple[tuple[str, str, float], ...], tuple[Any, ...]
]
_Packed = tuple[str, str, int, float, str, float, float, tuple[_PlainContribution, ...]]


def _pack(c: Candidate) -> _Packed:
    """A compact, exactly reversible form of a candidate."""
    contributions = tuple(
        (k.field, k.verdict.value, k.weight, k.label, k.parts, tuple(k.facts.items()))
        for k in c.contributions
    )
    return (
        c.interception_id,
        c.report_id,
        c.rank,
        c.score,
        c.band.value,
        c.baseline_bits,
        c.pool_bits,
        contributions,
    )


def _unpack(packed: _Packed) -> Candidate:
    """Inverse of :func:`_pack`."""
    interception_id, report_id, rank, score, band, baseline, pool, contributions = packed
    parts = tuple(
        Contribution(f, Verdict(v), w, label, tuple(p), dict(facts))
        for f, v, w, label, p, facts in contributions
    )
    return Candidate(interception_id, report_id, rank, score, Band(band), parts, baseline, pool)


def _pack_all(_index: object, _chunk: object, candidates: list[Candidate]) -> list[_Packed]:
    return [_pack(c) for c in candidates]


def _worker_query(chunk: list[Interception]) -> object:
    """Worker side: query one chunk and shape the result with :data:`_WORKER_SHAPE`."""
    assert _WORKER_INDEX is not None, "worker started without an index"
    assert _WORKER_SHAPE is not None, "worker started without a shape"
    candidates = _query_chunk(_WORKER_INDEX, chunk, _WORKER_TOP_K, _WORKER_EXCLUDE)
    return _WORKER_SHAPE(_WORKER_INDEX, chunk, candidates)


def _check(top_k: int, chunk_size: int, workers: int) -> None:
    if top_k < 1:
        raise ValueError("top_k must be >= 1")
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    if workers < 1:
        raise ValueError("workers must be >= 1")


def query_all(
    index: Queryable,
    interceptions: Iterable[Interception],
    *,
    top_k: int = 10,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    progress: Progress | None = None,
    exclude: Exclusions = NO_EXCLUSIONS,
) -> Iterator[Candidate]:
    """Query every interception against a built index; candidates lazily, in input order.

    See the module docstring for ``workers``, ``progress`` and ``exclude`` (interception id ->
    report ids never to return for it). ``index`` must not be modified while the returned
    iterator is being consumed, unless it guards its own queries (a lock per query).
    ``progress`` runs after each chunk's candidates have been consumed and before the next
    chunk is queried, so a caller can store its candidates chunk by chunk.
    """
    _check(top_k, chunk_size, workers)
    return _query_all(index, interceptions, top_k, chunk_size, workers, progress, exclude)


def _query_all(
    index: Queryable,
    interceptions: Iterable[Interception],
    top_k: int,
    chunk_size: int,
    workers: int,
    progress: Progress | None,
    exclude: Exclusions = NO_EXCLUSIONS,
) -> Iterator[Candidate]:
    for candidates in _chunk_results(
        index, interceptions, top_k, chunk_size, workers, progress, _CANDIDATES, exclude
    ):
        yield from candidates


def write_all(
    index: MatchIndex,
    interceptions: Iterable[Interception],
    path: str | os.PathLike[str],
    *,
    top_k: int = 10,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    progress: Progress | None = None,
    ask_next: bool = False,
) -> int:
    """``write_candidates(query_all(...), path)`` with the CSV rows formatted by the workers.

    ``ask_next`` adds the ``ask_next`` column (:data:`matcher.csvio.ASK_NEXT_COLUMN`): each
    interception's empty fields worth asking the child, best first, ``|``-separated, on each of
    its rows (:meth:`matcher.index.MatchIndex.ask_next` over the candidates just found).

    Same file, byte for byte; returns the number of candidates written. Formatting a candidate
    (explanation text, CSV quoting) and shipping it as text costs less than packing it, and it
    happens in the workers instead of the parent, which otherwise competes with them for a core
    (~50 µs per candidate, measured: ~5 s CPU for 10,000 interceptions).
    """
    _check(top_k, chunk_size, workers)
    count = 0

    def texts() -> Iterator[str]:
        nonlocal count
        shape = _CSV_TEXT_ASKED if ask_next else _CSV_TEXT
        for n, text in _chunk_results(
            index, interceptions, top_k, chunk_size, workers, progress, shape
        ):
            count += n
            yield text

    write_candidate_text(texts(), path, ask_next=ask_next)
    return count


def _counted_text(_index: object, _chunk: object, candidates: list[Candidate]) -> tuple[int, str]:
    return len(candidates), format_candidates(candidates)


def _counted_text_asked(
    index: Any, chunk: list[Interception], candidates: list[Candidate]
) -> tuple[int, str]:
    """:func:`_counted_text` plus the ``ask_next`` column: each interception's questions
    (:meth:`matcher.index.MatchIndex.ask_next` over its candidates), on each of its rows."""
    by_interception: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_interception.setdefault(c.interception_id, []).append(c)
    questions = {
        i.interception_id: index.ask_next(
            i, candidates=by_interception[i.interception_id], top_k=len(candidates)
        )
        for i in chunk
        if i.interception_id in by_interception
    }
    return len(candidates), format_candidates(candidates, ask_next=questions)


def _as_counted_text(received: Any) -> tuple[int, str]:
    n, text = received
    return int(n), str(text)


def _unpack_all(received: Any) -> list[Candidate]:
    return [_unpack(p) for p in received]


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Shape(Generic[R]):
    """What a chunk's candidates become: ``here`` when queried in this process; ``send`` in a
    worker, then ``receive`` in this process (the pipe carries whatever ``send`` returns)."""

    here: Callable[[Any, list[Interception], list[Candidate]], R]
    send: Callable[[Any, list[Interception], list[Candidate]], object]
    receive: Callable[[Any], R]


def _identity(_index: object, _chunk: object, candidates: list[Candidate]) -> list[Candidate]:
    return candidates


_CANDIDATES = _Shape(_identity, _pack_all, _unpack_all)
_CSV_TEXT = _Shape(_counted_text, _counted_text, _as_counted_text)
_CSV_TEXT_ASKED = _Shape(_counted_text_asked, _counted_text_asked, _as_counted_text)


def _chunk_results(
    index: Queryable,
    interceptions: Iterable[Interception],
    top_k: int,
    chunk_size: int,
    workers: int,
    progress: Progress | None,
    shape: _Shape[R],
    exclude: Exclusions = NO_EXCLUSIONS,
) -> Iterator[R]:
    """Each chunk's candidates, shaped by ``shape``, in input order."""
    global _WORKER_INDEX, _WORKER_TOP_K, _WORKER_SHAPE, _WORKER_EXCLUDE
    chunks = _chunks(interceptions, chunk_size)
    first = list(islice(chunks, workers))
    # Fork only when there is enough work for every worker and fork exists.
    small = sum(len(c) for c in first) < workers * _MIN_PER_WORKER or len(first) < workers
    parallel = workers > 1 and not small and "fork" in multiprocessing.get_all_start_methods()
    started = time.perf_counter()
    done = 0

    def every_chunk() -> Iterator[list[Interception]]:
        yield from first
        yield from chunks

    if not parallel:
        for chunk in every_chunk():
            yield shape.here(index, chunk, _query_chunk(index, chunk, top_k, exclude))
            done += len(chunk)
            if progress is not None:
                progress(len(chunk))
    else:
        _WORKER_INDEX, _WORKER_TOP_K, _WORKER_SHAPE = index, top_k, shape.send
        _WORKER_EXCLUDE = exclude
        gc.freeze()  # keep the collector from writing to (and copying) shared pages
        ctx = multiprocessing.get_context("fork")
        try:
            with ctx.Pool(workers) as pool:
                sizes: list[int] = []
                # Back-pressure: Pool.imap would otherwise read the whole input ahead.
                slots = threading.Semaphore(_IN_FLIGHT_PER_WORKER * workers)
                stop = threading.Event()

                def counted() -> Iterator[list[Interception]]:
                    for chunk in every_chunk():
                        while not slots.acquire(timeout=0.1):
                            if stop.is_set():
                                return
                        if stop.is_set():
                            return
                        sizes.append(len(chunk))
                        yield chunk

                try:
                    results = pool.imap(_worker_query, counted(), chunksize=1)
                    for i, result in enumerate(results):
                        slots.release()
                        yield shape.receive(result)
                        done += sizes[i]
                        if progress is not None:
                            progress(sizes[i])
                finally:
                    stop.set()  # unblock the feeder thread before the pool is torn down
        finally:
            _WORKER_INDEX, _WORKER_EXCLUDE = None, NO_EXCLUSIONS
            gc.unfreeze()  # let the collector see these objects again (long-lived callers)
    log.info(
        "queried %d interceptions in %.1f s (%d worker%s)",
        done,
        time.perf_counter() - started,
        workers if parallel else 1,
        "s" if parallel else "",
    )


def reconcile(
    reports: Iterable[Report],
    interceptions: Iterable[Interception],
    *,
    top_k: int = 10,
    model: MatchModel | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    progress: Progress | None = None,
    on_loaded: Progress | None = None,
) -> Iterator[Candidate]:
    """Rank reports for every interception: build the index now, yield candidates lazily.

    ``model=None`` uses the shipped default model. Returns up to ``top_k`` candidates per
    interception, ``rank`` 1 first; an interception with no plausible report yields nothing.
    """
    _check(top_k, chunk_size, workers)
    index = build_index(reports, model=model, on_loaded=on_loaded)
    return _query_all(index, interceptions, top_k, chunk_size, workers, progress)


def default_workers() -> int:
    """Worker processes for the CLI: the usable CPUs, at most 2 (the reference machine)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(2, usable))
