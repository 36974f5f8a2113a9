"""MatchIndex: reports held in memory, queried in real time by one interception at a time.

The engine's front door for the CLI and the service (contract in docs/ARCHITECTURE.md). A query
runs four public stages, each returning plain data the next one consumes (as dedupe's
``blocks → score → many_to_n`` and recordlinkage's index → compare → classify do), so training,
benchmarks and tests call the same stages the service does:

1. :meth:`MatchIndex.retrieve` — blocking keys (:mod:`matcher.block`) find the reports sharing
   something with the interception; an IDF pre-score plus cheap column evidence keeps the best
   ``keep`` of them for full comparison (:class:`Retrieved`);
2. :meth:`MatchIndex.compare` — one level per comparison for each kept report
   (:func:`matcher.compare_many.compare_many_detailed`; :class:`Compared`);
3. :meth:`MatchIndex.score` — the model's calibrated probability, with the pool-size prior of
   this index's size, best first (:class:`Scored`);
4. :meth:`MatchIndex.rank` — the top ``k`` as :class:`~matcher.records.Candidate` objects: bands
   (with the rival rule across the interception's candidates) and explanations from the details
   the comparison kept (:func:`matcher.explain.contributions`).

:meth:`MatchIndex.ask_next` then says which empty interception field, asked of the child, would
best separate those candidates (:mod:`matcher.ask`).

Storage is the columnar :class:`matcher.report_store.ReportStore` plus the blocking postings
(:class:`matcher.block.BlockIndex`). Adding, replacing (same ``report_id``) and removing are
incremental. Concurrent queries are safe (they only fill caches); a write (add / remove) needs
exclusive access.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.ask import ask_next
from matcher.block import KEY_FACTORS, BlockIndex, query_keys, report_key_hashes
from matcher.compare import DAYS_PER_YEAR, PairComparison, compare_pair
from matcher.compare_many import (
    DetailColumns,
    compare_many_detailed,
    compare_stacked,
    relation_codes,
    split_stacked,
)
from matcher.explain import contributions
from matcher.levels import POSITION, Field
from matcher.model import MatchModel, rival_free
from matcher.places import Place
from matcher.prepare import Prepared, prepare_interception, sex_code
from matcher.records import Band, Candidate, Interception, Report
from matcher.report_store import BulkMemo, IndexPart, ReportStore, _Row

log = logging.getLogger(__name__)

_CHUNK = 4096
#: Reports added column by column at once (numpy work per block, Python work per report).
_BLOCK = 16384
#: Fewer reports than this are added one by one: a column-wise block costs ~0.3 ms of set-up,
#: one report one by one ~45 µs (measured).
_SMALL_BLOCK = 16


def _days_before_report() -> int:
    """The fewest whole days an interception must precede a report by for the pre-score's
    ``(interception - report) / DAYS_PER_YEAR < -0.1`` years to hold (37): the same test
    on the integer day difference, found with that very float expression."""
    days = math.ceil(0.1 * DAYS_PER_YEAR)
    while -(days - 1) / DAYS_PER_YEAR < -0.1:
        days -= 1
    while not -days / DAYS_PER_YEAR < -0.1:
        days += 1
    return days


_BEFORE_REPORT_DAYS = _days_before_report()
#: The columns the pre-score reads for every retrieved row, one record per row.
_PRESCORE = np.dtype([("age", np.float64), ("day", np.int32), ("place", np.int32)])
#: Weight of the parents' shared name tokens (their rarity in bits) in the pre-score.
PARENT_PRESCORE_FACTOR = 0.5
#: The parents' term is computed for the best ``PARENT_SHORTLIST × keep`` rows of the rest of
#: the pre-score only (a million reports: a query retrieves ~20,000 rows, up to ~80,000).
PARENT_SHORTLIST = 10
Rows = npt.NDArray[np.int32]

__all__ = ["Compared", "IndexPart", "MatchIndex", "Retrieved", "Scored"]


@dataclass(frozen=True, slots=True)
class Retrieved:
    """Stage 1: the reports one interception will be compared with.

    ``rows`` — kept for full comparison, best pre-score first; ``retrieved`` — every row the
    blocking keys found, before the pre-score cut (for blocking analysis). Row numbers are the
    index's (:meth:`MatchIndex.ids_of` gives report ids).
    """

    query: Prepared
    interception_id: str
    rows: Rows
    retrieved: Rows


@dataclass(frozen=True, slots=True)
class Compared:
    """Stage 2: a level vector ``(n, N_FIELDS)`` per kept row, and the details behind them when
    asked for (explanations need them; training does not)."""

    query: Prepared
    interception_id: str
    rows: Rows
    levels: npt.NDArray[np.int8]
    details: DetailColumns | None = None


@dataclass(frozen=True, slots=True)
class Scored:
    """Stage 3: :class:`Compared` with a calibrated score per row, all sorted best first (ties
    by row, i.e. insertion order)."""

    query: Prepared
    interception_id: str
    rows: Rows
    levels: npt.NDArray[np.int8]
    scores: npt.NDArray[np.float64]
    details: DetailColumns | None = None


class MatchIndex:
    """In-memory index of reports; see the module docstring.

    ``model`` — the scoring model (None → the shipped default, ``matcher/data/model.json``);
    ``keep`` — rows kept after the blocking pre-score for full comparison;
    ``cap`` — postings length above which a blocking key counts as too common to retrieve by;
    ``keep_reports`` — keep each report's raw fields for :meth:`get`. A batch that only queries
    passes False: ~2.5 µs less per report, no raw fields to ship between build processes
    (~1.5 s at a million reports, measured) and a few hundred MB less memory.
    """

    def __init__(
        self,
        model: MatchModel | None = None,
        *,
        keep: int = 300,
        cap: int = 5000,
        keep_reports: bool = True,
    ) -> None:
        if keep < 1 or cap < 1:
            raise ValueError("keep and cap must be positive")
        self.model = model if model is not None else MatchModel.default()
        self.keep = keep
        self.keep_reports = keep_reports
        self._block = BlockIndex(cap=cap)
        self._place_bits_cache: dict[Place, npt.NDArray[np.float64]] = {}
        self._prescore: tuple[npt.NDArray[np.void], int] = (np.empty(0, _PRESCORE), 0)
        self._place_bits_model = self.model
        self._store = ReportStore(
            keep_reports=keep_reports, on_new_token=self._block.add_vocab_token
        )

    # ------------------------------------------------------------------ writing

    def __len__(self) -> int:
        return self._store.alive_count

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._store.row_of

    def add(self, report: Report) -> None:
        """Insert a report, or replace the one with the same ``report_id``."""
        self.add_many((report,))

    def add_many(self, reports: Iterable[Report]) -> None:
        """Add (or replace) many reports.

        Python-side work (keying, interning, postings) happens per report; the numpy columns are
        written in bulk per chunk, which keeps indexing a million reports cheap.
        """
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of small acyclic objects: the cyclic collector only costs time
        try:
            count = self._add_all(reports)
        finally:
            if gc_was_enabled:
                gc.enable()
        log.debug("indexed %d reports (%d alive)", count, len(self))

    def _add_all(self, reports: Iterable[Report]) -> int:
        """Add in blocks of :data:`_BLOCK` reports, column by column
        (:meth:`ReportStore.add_block`, :meth:`BlockIndex.add_columns`); a report replacing a
        stored one (or one earlier in its block) first closes the block, as :meth:`_add_each`
        would meet it."""
        store = self._store
        memo = BulkMemo()
        block: list[Report] = []
        pending: set[str] = set()
        count = 0
        for report in reports:
            rid = report.report_id
            if rid in pending or rid in store.row_of:
                self._add_block(block, memo)
                block, pending = [], set()
                store.remove(rid)
            block.append(report)
            pending.add(rid)
            count += 1
            if len(block) >= _BLOCK:
                self._add_block(block, memo)
                block, pending = [], set()
        self._add_block(block, memo)
        self._block.flush()
        return count

    def _add_block(self, reports: list[Report], memo: BulkMemo) -> None:
        if len(reports) < _SMALL_BLOCK:  # the service adding a report: numpy set-up would dominate
            self._add_each(reports)
            return
        try:
            lo, keys = self._store.add_block(reports, memo)
        except TypeError:  # a field no Report should hold (unhashable): one report at a time
            self._add_each(reports)
            return
        rows = np.arange(lo, lo + len(reports), dtype=np.int32)
        self._block.add_columns(rows, keys)

    def _add_each(self, reports: Iterable[Report]) -> int:
        """:meth:`_add_all` one report at a time (:meth:`ReportStore.stage`,
        :func:`~matcher.block.report_key_hashes`): the readable reference of the bulk path,
        which a test holds equal to it. Leaves the postings staged."""
        store, block = self._store, self._block
        buf: list[_Row] = []
        count = 0
        for report in reports:
            if report.report_id in store.row_of:
                store.flush(buf)  # the replaced row must be in the columns before removal
                buf = []
                store.remove(report.report_id)
            row, prepared, staged = store.stage(report)
            block.add_hashes(row, report_key_hashes(prepared))
            buf.append(staged)
            count += 1
            if len(buf) >= _CHUNK:
                store.flush(buf)
                buf = []
        store.flush(buf)
        return count

    def to_part(self) -> IndexPart:
        """This index's rows as an :class:`~matcher.report_store.IndexPart`."""
        return self._store.to_part(*self._block.postings())

    def extend(self, part: IndexPart) -> None:
        """Append a part's rows as if its reports had been added here, in order, after ours.

        The result equals one index fed all the reports (same row numbers, token and place
        numbers, rarities and postings order), so queries give identical answers. A part's
        report that replaces one of ours tombstones ours, as :meth:`add` would.
        """
        if not part.ids:
            return
        lo = self._store.extend(part)
        self._block.add_postings(part.posting_hashes, part.posting_rows + np.int32(lo))
        self._block.flush()

    def remove(self, report_id: str) -> None:
        """Remove a report; unknown ids are ignored (idempotent)."""
        self._store.remove(report_id)

    def get(self, report_id: str) -> Report | None:
        """The report as added (None if absent).

        Raises ``RuntimeError`` on an index built with ``keep_reports=False``.
        """
        return self._store.get(report_id)

    def report_ids(self) -> list[str]:
        """Ids of all indexed reports."""
        return list(self._store.row_of)

    def ids_of(self, rows: Sequence[int] | Rows) -> list[str]:
        """Report ids of the given row numbers (as stages return them)."""
        ids = self._store.ids
        return [ids[int(r)] for r in rows]

    def rows_of(self, report_ids: Iterable[str]) -> list[int]:
        """Row numbers of the given indexed reports, in order (ids not indexed are skipped)."""
        row_of = self._store.row_of
        return [row_of[i] for i in report_ids if i in row_of]

    def prepared_of(self, report_id: str) -> Prepared | None:
        """The indexed report as the engine prepared it (what its blocking keys come from)."""
        row = self._store.row_of.get(report_id)
        return None if row is None else self._store.prepared(row)

    def names_of(self, rows: Sequence[int] | Rows) -> list[tuple[str, ...]]:
        """Child's name token keys of the given rows (what the rival rule compares)."""
        return self._store.row_names([int(r) for r in rows])

    def token_bits(self, token: str) -> float:
        """Rarity of a name token key in bits: log2((N + 1) / (df + 1)) over indexed reports."""
        return self._store.token_bits(token)

    def parent_token_bits(self, token: str) -> float:
        """Rarity of a token key among parents' names (df counted over the indexed reports'
        father and mother names: "Abdul" is common there, rarely among children)."""
        return self._store.parent_token_bits(token)

    # ------------------------------------------------------------------ stage 1: retrieve

    def retrieve(
        self, interception: Interception | Prepared, *, exclude: Collection[str] = ()
    ) -> Retrieved:
        """The reports worth comparing in full with one interception (see :class:`Retrieved`).

        ``exclude`` — report ids never to return (e.g. already ruled out by a reviewer).
        """
        p, iid = _prepared(interception)
        kept, rows = self._retrieve(p, exclude)
        return Retrieved(p, iid, kept, rows)

    def given_rows(self, interception: Interception, rows: Sequence[int] | Rows) -> Retrieved:
        """A :class:`Retrieved` for rows chosen by the caller (training's random pairs)."""
        p, iid = _prepared(interception)
        arr = np.asarray(rows, dtype=np.int32)
        return Retrieved(p, iid, arr, arr)

    def _retrieve(self, p: Prepared, exclude: Collection[str]) -> tuple[Rows, Rows]:
        """(kept rows best first by pre-score, all retrieved rows)."""
        store = self._store
        keys: list[tuple[tuple[str, ...], float]] = [(k, KEY_FACTORS[k[0]]) for k in query_keys(p)]
        seen = set(p.name)
        for t in dict.fromkeys(p.name):
            for tid in self._block.neighbours(t):
                tok = store.vocab_list[tid]
                if tok not in seen:
                    seen.add(tok)
                    keys.append((("n", tok), KEY_FACTORS["n~"]))
        rows, scores = self._block.retrieve(keys, n_total=max(len(self), 1))
        if rows.size and store.alive_count < store.n_rows:  # some rows are tombstones
            alive = store.alive[rows]
            rows, scores = rows[alive], scores[alive]
        if exclude and rows.size:
            drop = {store.row_of[i] for i in exclude if i in store.row_of}
            if drop:
                mask = ~np.isin(rows, np.fromiter(drop, dtype=np.int32))
                rows, scores = rows[mask], scores[mask]
        if rows.size <= self.keep:
            return rows[np.argsort(-scores, kind="stable")], rows
        every = rows
        scores = scores + self._cheap_evidence(p, rows)
        if p.father or p.mother:
            # the parents' tokens cost a gather of two token matrices: only for the rows that
            # could still reach the kept ones
            shortlist = PARENT_SHORTLIST * self.keep
            if rows.size > shortlist:
                top = np.argpartition(-scores, shortlist - 1)[:shortlist]
                rows, scores = rows[top], scores[top]
            scores = scores + self._parent_evidence(p, rows)
        top = np.argpartition(-scores, self.keep - 1)[: self.keep]
        return rows[top[np.argsort(-scores[top], kind="stable")]], every

    def _cheap_evidence(self, p: Prepared, rows: Rows) -> npt.NDArray[np.float64]:
        """Pre-score adjustments (bits) from columns that cost one gather each.

        Only used to decide which retrieved rows reach full comparison: sex disagreement, an age
        far from the elapsed-time expectation, an interception long before the report, the home
        place (the model's own place weights: the same upazila, district, a neighbouring or a
        far one). With :meth:`_parent_evidence` on the best of them, at a million reports the
        true report reaches full comparison for 96.6% of reported children instead of 92.6%
        (``benchmarks/README.md``, issue 12).
        """
        store = self._store
        # Counted in int8 half-bits (every term is a multiple of 0.5, so the result is exact)
        # and converted once: ~35% less time than float arrays per term (measured, 40k rows).
        at = rows.astype(np.intp)  # one conversion for the gathers
        half = np.zeros(at.shape[0], dtype=np.int8)
        if p.sex is not None:
            sx = store.sex.take(at)
            half -= ((sx != 0) & (sx != sex_code(p.sex))).view(np.int8) * np.int8(6)
        gathered = self._prescore_rows().take(at)
        if p.day is not None:
            today = p.day.toordinal()
            day = gathered["day"]
            # "intercepted over 0.1 year before the report", in whole days (exact, no floats)
            half -= (day >= today + _BEFORE_REPORT_DAYS).view(np.int8) * np.int8(6)
            if p.age is not None:
                # the expected age now: the report's age plus the years elapsed when dated
                expected = np.subtract(float(today), day, dtype=np.float64)
                expected /= DAYS_PER_YEAR
                expected *= day > 0
                expected += gathered["age"]
                diff = np.abs(np.subtract(p.age, expected, out=expected), out=expected)
                half += (diff <= 2.0).view(np.int8) * np.int8(2)  # NaN (no age): False
                half -= (diff > 6.0).view(np.int8) * np.int8(6)
        out = np.multiply(half, 0.5, dtype=np.float64)
        if p.place is not None and store.places:
            out += self._place_bits(p.place).take(gathered["place"])
        return out

    def _prescore_rows(self) -> npt.NDArray[np.void]:
        """Every row's age, day and place interleaved, 16 bytes a row: the pre-score gathers
        them for tens of thousands of scattered rows per query, and one record is one memory
        access where three columns are three (about half the gather time at a million
        reports, measured). Rows are never rewritten, so the records are only appended to
        as the store grows."""
        packed, done = self._prescore
        store = self._store
        n = store.n_rows
        if done < n:
            if packed.shape[0] < n:
                grown = np.empty(max(n, 2 * packed.shape[0]), dtype=_PRESCORE)
                grown[:done] = packed[:done]
                packed = grown
            for name in _PRESCORE.names or ():
                packed[name][done:n] = getattr(store, name)[done:n]
            self._prescore = (packed, n)
        return packed

    def _parent_evidence(self, p: Prepared, rows: Rows) -> npt.NDArray[np.float64]:
        """Pre-score bits for the parents' name tokens both records share: their rarity,
        weighted by :data:`PARENT_PRESCORE_FACTOR` (the father's keys counted once already)."""
        store = self._store
        bits = store.parent_bits()
        return PARENT_PRESCORE_FACTOR * (
            _shared_token_bits(store.father, self._token_ids(p.father), rows, bits)
            + _shared_token_bits(store.mother, self._token_ids(p.mother), rows, bits)
        )

    def _token_ids(self, tokens: Sequence[str]) -> list[int]:
        vocab = self._store.vocab
        return [vocab[t] for t in dict.fromkeys(tokens) if t in vocab]

    def _place_bits(self, place: Place) -> npt.NDArray[np.float64]:
        """The model's place weight (bits) of every stored place against ``place``, indexed by
        place id, with a trailing 0 for unknown (id -1). Cached per query place; the cache is
        dropped when places are added."""
        places = self._store.places
        cache = self._place_bits_cache
        stale = cache and len(next(iter(cache.values()))) != len(places) + 1
        if stale or len(cache) > 4096 or self._place_bits_model is not self.model:
            cache.clear()
            self._place_bits_model = self.model
        vec = cache.get(place)
        if vec is None:
            weights = np.asarray(self.model.weights_[POSITION[Field.PLACE]], dtype=np.float64)
            vec = np.append(weights[relation_codes(places, place)[:-1]], 0.0)
            cache[place] = vec
        return vec

    # ------------------------------------------------------------------ stages 2-4

    def compare(self, retrieved: Retrieved, *, details: bool = False) -> Compared:
        """Comparison levels of every kept row (and their details when ``details``)."""
        levels, detail_cols = compare_many_detailed(
            retrieved.query, self._store.columns(retrieved.rows), vocab_index=self._store.vocab
        )
        return Compared(
            retrieved.query,
            retrieved.interception_id,
            retrieved.rows,
            levels,
            detail_cols if details else None,
        )

    def compare_all(
        self, retrieved: Sequence[Retrieved], *, details: bool = False
    ) -> list[Compared]:
        """:meth:`compare` for many queries, in order, their levels chosen in one vectorised
        pass (:func:`matcher.compare_many.compare_stacked`): the same result, cheaper when
        each query has few rows (new reports looking for their children)."""
        if not retrieved:
            return []
        sizes = [r.rows.shape[0] for r in retrieved]
        stacked = self._store.columns(np.concatenate([r.rows for r in retrieved]))
        levels, detail_cols = compare_stacked(
            [r.query for r in retrieved], sizes, stacked, vocab_index=self._store.vocab
        )
        results = split_stacked(levels, detail_cols, sizes)
        return [
            Compared(r.query, r.interception_id, r.rows, levels, d if details else None)
            for r, (levels, d) in zip(retrieved, results, strict=True)
        ]

    def score(self, compared: Compared) -> Scored:
        """Calibrated scores against this index's size, rows sorted best first."""
        return _sorted(compared, self._proba(compared.levels))

    def score_all(self, compared: Sequence[Compared]) -> list[Scored]:
        """:meth:`score` for many, in order, the model applied once to all their rows (the
        same scores: a row's score is its own)."""
        if not compared:
            return []
        scores = self._proba(np.concatenate([c.levels for c in compared]))
        ends = np.cumsum([c.rows.shape[0] for c in compared]).tolist()
        starts = [0, *ends[:-1]]
        return [_sorted(c, scores[a:b]) for c, a, b in zip(compared, starts, ends, strict=True)]

    def _proba(self, levels: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        if not levels.shape[0]:
            return np.zeros(0)
        return self.model.predict_proba(levels, n_reports=len(self))[:, 1]

    def rank(self, scored: Scored, *, top_k: int = 10) -> list[Candidate]:
        """The ``top_k`` best rows as explained, banded candidates.

        A candidate stays out of the match band while another of the top ``k`` names a
        different child and scores at least the rival threshold (:func:`matcher.model.rival_free`).
        """
        if top_k <= 0 or scored.rows.size == 0:
            return []
        if scored.details is None:
            raise ValueError("rank needs the comparison details: compare(..., details=True)")
        rows = scored.rows[:top_k].tolist()
        scores = scored.scores[:top_k].tolist()
        free = rival_free(scores, self.names_of(rows), rival_threshold=self.model.rival_threshold_)
        p, details = scored.query, scored.details
        top = scored.levels[:top_k]
        places = [self._store.row_place(row) for row in rows]
        pairs = [
            PairComparison(tuple(levels), pair_details)
            for levels, pair_details in zip(top.tolist(), details.head(places, p), strict=True)
        ]
        all_weights = self.model.contribution_bits(top)
        pool = self.model.prior_bits(len(self))
        ids = self.ids_of(rows)
        out: list[Candidate] = []
        for rank, (rid, score, pair, weights, ok) in enumerate(
            zip(ids, scores, pairs, all_weights.tolist(), free, strict=True), start=1
        ):
            band = self.model.band(float(score))
            if band is Band.MATCH and not ok:
                band = Band.REVIEW
            out.append(
                Candidate(
                    interception_id=scored.interception_id,
                    report_id=rid,
                    rank=rank,
                    score=float(score),
                    band=band,
                    contributions=contributions(pair, weights),
                    baseline_bits=self.model.intercept_,
                    pool_bits=pool,
                )
            )
        return out

    def query(
        self, interception: Interception, *, top_k: int = 10, exclude: Collection[str] = ()
    ) -> list[Candidate]:
        """The ``top_k`` most likely reports for an interception, best first, explained.

        ``exclude`` — report ids never to return (e.g. already ruled out by an officer).
        """
        if top_k <= 0 or len(self) == 0:
            return []
        retrieved = self.retrieve(interception, exclude=exclude)
        return self.rank(self.score(self.compare(retrieved, details=True)), top_k=top_k)

    def ask_next(
        self,
        interception: Interception,
        *,
        top_k: int = 10,
        candidates: Sequence[Candidate] | None = None,
    ) -> list[str]:
        """The interception's empty fields whose answer would best separate its candidates,
        best first (:func:`matcher.ask.ask_next`): empty when the best candidate stands out or
        no missing field would help; never a field the interception already has.

        ``candidates`` — this interception's :meth:`query` result when the caller already has
        it (the service, the batch), so the question costs no second query; candidates whose
        report has left the index since are skipped.
        """
        if candidates is None:
            candidates = self.query(interception, top_k=top_k)
        row_of = self._store.row_of
        kept = [c for c in candidates[:top_k] if c.report_id in row_of]
        reports = [self._store.prepared(row_of[c.report_id]) for c in kept]
        return ask_next(interception, kept, reports)

    def query_many(
        self, interceptions: Iterable[Interception], *, top_k: int = 10
    ) -> list[list[Candidate]]:
        """:meth:`query` for each interception, in order."""
        return [self.query(i, top_k=top_k) for i in interceptions]

    def explain_pair(
        self, report_id: str, interception: Interception, *, top_k: int = 10
    ) -> Candidate | None:
        """Score and explain one given pair, whether or not blocking would find it.

        The band follows the same rival rule as :meth:`query`: the pair is weighed against the
        interception's ``top_k`` query candidates, and its rank is its place among them.
        """
        row = self._store.row_of.get(report_id)
        if row is None:
            return None
        p = prepare_interception(interception)
        pair = compare_pair(
            self._store.prepared(row),
            p,
            bits=self._store.token_bits,
            parent_bits=self._store.parent_token_bits,
        )
        lv = np.array([pair.levels])
        score = float(self.model.predict_proba(lv, n_reports=len(self))[0, 1])
        others = self.score(self.compare(self.retrieve(p)))
        mask = others.rows != row
        other_rows, other_scores = others.rows[mask], others.scores[mask]
        rank = 1 + int(np.count_nonzero(other_scores > score))
        band = self.model.band(score)
        if band is Band.MATCH:
            # as query would: this pair among the interception's best other candidates
            rivals = other_rows[: top_k - 1].tolist()
            scores = [score, *other_scores[: top_k - 1].tolist()]
            names = self.names_of([row, *rivals])
            if not rival_free(scores, names, rival_threshold=self.model.rival_threshold_)[0]:
                band = Band.REVIEW
        return Candidate(
            interception_id=interception.interception_id,
            report_id=report_id,
            rank=rank,
            score=score,
            band=band,
            contributions=contributions(pair, self.model.contribution_bits(lv)[0].tolist()),
            baseline_bits=self.model.intercept_,
            pool_bits=self.model.prior_bits(len(self)),
        )

    # ------------------------------------------------------------------ transitional aliases

    def row_ids(self) -> Sequence[str]:
        """Report id of every row, by row number (rows of removed reports included)."""
        return self._store.ids

    def row_names(self, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`names_of` (older name)."""
        return self.names_of(rows)

    def candidate_ids(self, interception: Interception) -> tuple[list[str], list[str]]:
        """Blocking only: (report ids kept for full comparison, all report ids retrieved)."""
        r = self.retrieve(interception)
        return self.ids_of(r.rows), self.ids_of(r.retrieved)

    def score_rows(self, interception: Interception, *, exclude: Collection[str] = ()) -> Scored:
        """Blocking + comparison + scores for one interception, best first."""
        return self.score(self.compare(self.retrieve(interception, exclude=exclude)))

    def levels_for(self, rows: Sequence[int], interception: Interception) -> npt.NDArray[np.int8]:
        """Levels of given rows (for training and tests)."""
        return self.compare(self.given_rows(interception, rows)).levels


def _sorted(compared: Compared, scores: npt.NDArray[np.float64]) -> Scored:
    """``compared`` with its ``scores``, best first; ties by row (insertion order)."""
    rows = compared.rows
    o = np.lexsort((rows, -scores))
    return Scored(
        compared.query,
        compared.interception_id,
        rows[o],
        compared.levels[o],
        scores[o],
        compared.details.take(o) if compared.details is not None else None,
    )


def _shared_token_bits(
    column: npt.NDArray[np.int32],
    token_ids: Sequence[int],
    rows: Rows,
    bits: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Per row: the summed rarity (bits) of the query's tokens found in ``column`` (a parents'
    token-id matrix; -1 pads)."""
    out = np.zeros(rows.shape[0])
    if token_ids:
        gathered = column.take(rows, axis=0)  # ~5x faster than column[rows] (measured)
        for t in token_ids:
            eq = gathered == t
            # four booleans read as one int32 (non-zero when any is True): ~3× faster than any()
            hit = eq.view(np.int32).ravel() != 0 if eq.shape[1] == 4 else eq.any(axis=1)
            out += hit * bits[t]
    return out


def _prepared(interception: Interception | Prepared) -> tuple[Prepared, str]:
    if isinstance(interception, Prepared):
        return interception, ""
    return prepare_interception(interception), interception.interception_id
