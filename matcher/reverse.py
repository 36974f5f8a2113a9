from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from matcher.block import KEY_FACTORS, Key, key_hash, query_keys, report_key_hashes
from matcher.dedupe import DEFAULT_KEEP, DuplicateFlag, as_report, flag_duplicates
from matcher.index import MatchIndex, Retrieved, Scored
from matcher.model import MatchModel, rival_free
from matcher.prepare import Prepared, prepare_interception
from matcher.records import Band, Candidate, Interception

__all__ = [
    "InterceptionIndex",
    "children_for",
    "children_of",
    "find_children",
    "plan_children",
]

#: Interceptions whose new reports are compared in one vectorised pass (:func:`children_for`).
COMPARE_CHUNK = 256

#: Interceptions a new report is compared with at most (its best by shared-key weight).
PER_REPORT = 10

#: ... and only those sharing at least this share of its best hit's key weight.
BEST_SHARE = 0.5

#: The key kinds an interception is filed under: the child's name (a token, two tokens, the
#: first token with a father's token), both parents' tokens together, the phone. The broad kinds
#: (district + sex + birth band, short form + district, one parent token) find thousands of
#: interceptions per report, nearly all far below the review band.
REVERSE_KINDS = frozenset({"n", "nn", "nf", "ff", "p"})


@dataclass(slots=True)
class InterceptionIndex:
    """Open interceptions filed under their forward query's exact keys (as hashes), and the
    same interceptions in an engine index of their own (each as the report it would be,
    :func:`matcher.dedupe.as_report`), which :meth:`duplicates` asks whether a new
    interception is one of them (the dedupe pair rule).

    ``cap`` — a key shared by more interceptions than this retrieves none (too common to tell
    anyone apart); ``model`` — the model scoring duplicates (None: the shipped one). Add (or
    replace by id) and remove are incremental; not thread-safe (the service guards it with its
    index lock).
    """

    cap: int = 5000
    model: MatchModel | None = None
    _engine: MatchIndex = field(init=False)
    _records: dict[str, Interception] = field(default_factory=dict)
    _keys: dict[str, tuple[int, ...]] = field(default_factory=dict)
    _postings: dict[int, set[str]] = field(default_factory=dict)
    _factor: dict[int, float] = field(default_factory=dict)
    #: Each interception's number (its slot), and the postings as arrays of slots, made when
    #: first needed and dropped when their key's interceptions change (:meth:`hit_totals`).
    _slot: dict[str, int] = field(default_factory=dict)
    _slot_ids: list[str] = field(default_factory=list)
    _arrays: dict[int, npt.NDArray[np.int32]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._engine = MatchIndex(self.model, keep=DEFAULT_KEEP, keep_reports=False)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, interception_id: object) -> bool:
        return interception_id in self._records

    def duplicates(self, interception: Interception, *, top_k: int = 5) -> list[DuplicateFlag]:
        """The open interceptions that may be the same child as ``interception`` (itself
        excluded), best first: :func:`matcher.dedupe.flag_duplicates` (ids, scores, bands)."""
        return flag_duplicates(self._engine, interception, top_k=top_k)

    def get(self, interception_id: str) -> Interception | None:
        """The interception as added (None if absent)."""
        return self._records.get(interception_id)

    def add(self, interception: Interception) -> None:
        """Insert an interception, or replace the one with the same id (an edit)."""
        self.add_many((interception,))

    def add_many(self, interceptions: Iterable[Interception]) -> None:
        """:meth:`add` each (the engine index is written once, at the end)."""
        given = list(interceptions)
        for interception in given:
            self._file(interception)
        self._engine.add_many(as_report(i) for i in given)

    def _file(self, interception: Interception) -> None:
        iid = interception.interception_id
        self.remove(iid)
        keys: dict[int, Key] = {
            key_hash(k): k
            for k in query_keys(prepare_interception(interception))
            if k[0] in REVERSE_KINDS
        }
        self._records[iid] = interception
        self._keys[iid] = tuple(keys)
        self._slot[iid] = len(self._slot_ids)
        self._slot_ids.append(iid)
        for h, k in keys.items():
            self._postings.setdefault(h, set()).add(iid)
            self._factor[h] = KEY_FACTORS[k[0]]
            self._arrays.pop(h, None)

    def remove(self, interception_id: str) -> None:
        """Remove an interception (matched); unknown ids are ignored (idempotent)."""
        if self._records.pop(interception_id, None) is None:
            return
        self._engine.remove(interception_id)
        del self._slot[interception_id]
        for h in self._keys.pop(interception_id, ()):
            self._arrays.pop(h, None)
            ids = self._postings.get(h)
            if ids is not None:
                ids.discard(interception_id)
                if not ids:
                    del self._postings[h]
                    del self._factor[h]

    def hits(self, report: Prepared) -> dict[str, float]:
        """The interceptions whose forward query would retrieve ``report`` (prepared as the
        reports' index prepares it) by an exact, not over-common key, each with the weight of
        the keys they share (factor x bits of rarity among the open interceptions)."""
        out: dict[str, float] = {}
        n = len(self._records) + 1
        for h in report_key_hashes(report):
            ids = self._postings.get(h)
            if ids is None or len(ids) > self.cap:
                continue
            bits = max(self._factor[h] * math.log2(n / (len(ids) + 1)), 0.05)
            for iid in ids:
                out[iid] = out.get(iid, 0.0) + bits
        return out

    def hit_totals(self, report: Prepared) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """:meth:`hits` as arrays: the interceptions' slots (:meth:`slot_ids` names them) and
        their weights, the same to the last bit (each interception's keys added in the same
        order, from 0.0) without a dictionary update per interception and key (a common
        name's keys are shared by thousands of open interceptions)."""
        n = len(self._records) + 1
        parts: list[npt.NDArray[np.int32]] = []
        weights: list[npt.NDArray[np.float64]] = []
        for h in report_key_hashes(report):
            ids = self._postings.get(h)
            if ids is None or len(ids) > self.cap:
                continue
            bits = max(self._factor[h] * math.log2(n / (len(ids) + 1)), 0.05)
            slots = self._arrays.get(h)
            if slots is None:
                slots = np.fromiter((self._slot[i] for i in ids), dtype=np.int32, count=len(ids))
                self._arrays[h] = slots
            parts.append(slots)
            weights.append(np.full(slots.shape[0], bits))
        if not parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        uniq, inverse = np.unique(np.concatenate(parts), return_inverse=True)
        # bincount adds in input order: key by key, as hits() does
        totals = np.bincount(inverse.ravel(), np.concatenate(weights), minlength=uniq.shape[0])
        return uniq.astype(np.intp), totals.astype(np.float64)

    def slot_ids(self, slots: Iterable[int]) -> list[str]:
        """The interception ids of :meth:`hit_totals`' slots."""
        return [self._slot_ids[i] for i in slots]


def plan_children(
    index: MatchIndex,
    interceptions: InterceptionIndex,
    report_ids: Iterable[str],
    *,
    per_report: int = PER_REPORT,
) -> dict[str, list[str]]:
    """Which new reports to compare with which open interception: per interception id, the new
    reports (in the order given) that kept it among their ``per_report`` best hits. Reports not
    in ``index`` are skipped."""
    plan: dict[str, list[str]] = {}
    for rid in dict.fromkeys(report_ids):
        report = index.prepared_of(rid)
        if report is None:
            continue
        slots, totals = interceptions.hit_totals(report)
        if not slots.size:
            continue
        # the best ``per_report`` of those within BEST_SHARE of the best hit: the same as
        # cutting the sorted hits, without sorting the hundreds a common name shares
        near = totals >= totals.max() * BEST_SHARE
        hits = zip(interceptions.slot_ids(slots[near].tolist()), totals[near].tolist(), strict=True)
        best = sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:per_report]
        for iid, _ in best:
            plan.setdefault(iid, []).append(rid)
    return plan


def children_of(
    index: MatchIndex,
    interception: Interception,
    report_ids: Sequence[str],
    *,
    top_k: int = 10,
    existing: Sequence[tuple[str, float]] = (),
) -> list[Candidate]:
    """The match- and review-band candidates ``report_ids`` (new, in ``index``) make for one
    open interception: the forward query's levels, score and explanation of each pair; rank and
    rival rule among these and the interception's ``existing`` candidates (report id, score:
    those still open to review). A new report ranked below ``top_k`` is left out.

    The readable one-interception version; :func:`children_for` compares many interceptions in
    one pass and gives the same candidates (tested)."""
    rows = index.rows_of(report_ids)
    if not rows:
        return []
    compared = index.compare(index.given_rows(interception, rows), details=True)
    return _children(index, index.score(compared), top_k=top_k, existing=existing)


def _children(
    index: MatchIndex,
    scored: Scored,
    *,
    top_k: int,
    existing: Sequence[tuple[str, float]],
) -> list[Candidate]:
    """:func:`children_of` from the interception's scored new reports on: rank and the rival
    rule."""
    keep = int(np.count_nonzero(scored.scores >= index.model.review_threshold_))
    if keep == 0:
        return []
    new = index.rank(scored, top_k=keep)
    new_ids = {c.report_id for c in new}
    others = [(r, s) for r, s in existing if r not in new_ids and r in index]
    pool = sorted(
        [(c.score, c.report_id, True) for c in new] + [(s, r, False) for r, s in others],
        key=lambda x: -x[0],
    )[:top_k]
    ids = [r for _, r, _ in pool]
    free = rival_free(
        [s for s, _, _ in pool],
        index.names_of(index.rows_of(ids)),
        rival_threshold=index.model.rival_threshold_,
    )
    by_id = {c.report_id: c for c in new}
    out: list[Candidate] = []
    for rank, ((_, rid, is_new), ok) in enumerate(zip(pool, free, strict=True), start=1):
        if not is_new:
            continue
        c = by_id[rid]
        band = c.band
        if band is Band.MATCH and not ok:
            band = Band.REVIEW
        out.append(
            Candidate(
                c.interception_id,
                rid,
                rank,
                c.score,
                band,
                c.contributions,
                c.baseline_bits,
                c.pool_bits,
            )
        )
    return [c for c in out if c.band is not Band.NO_MATCH]


def children_for(
    index: MatchIndex,
    interceptions: InterceptionIndex,
    plan: Mapping[str, Sequence[str]],
    *,
    top_k: int = 10,
    existing: Mapping[str, Sequence[tuple[str, float]]] | None = None,
    exclude: Mapping[str, Collection[str]] | None = None,
) -> list[Candidate]:
    """:func:`children_of` for each interception of a :func:`plan_children` plan, by id.

    ``existing`` — per interception id, its candidates still open to review; ``exclude`` — per
    interception id, report ids a reviewer ruled out (never proposed). Interceptions no longer
    in ``interceptions`` are skipped. The interceptions are compared :data:`COMPARE_CHUNK` at a
    time in one vectorised pass (:meth:`matcher.index.MatchIndex.compare_all`, then
    :meth:`~matcher.index.MatchIndex.score_all`): each has only a few new reports, and a pass
    per interception would cost more than its rows.
    """
    asked: list[Retrieved] = []
    for iid in sorted(plan):
        record = interceptions.get(iid)
        ruled_out = (exclude or {}).get(iid, ())
        rids = [r for r in plan[iid] if r not in ruled_out]
        rows = index.rows_of(rids) if record is not None else []
        if record is not None and rows:
            asked.append(index.given_rows(record, rows))
    out: list[Candidate] = []
    for lo in range(0, len(asked), COMPARE_CHUNK):
        compared = index.compare_all(asked[lo : lo + COMPARE_CHUNK], details=True)
        for scored in index.score_all(compared):
            mine = (existing or {}).get(scored.interception_id, ())
            out.extend(_children(index, scored, top_k=top_k, existing=mine))
    return out


def find_children(
    index: MatchIndex,
    interceptions: InterceptionIndex,
    report_ids: Iterable[str],
    *,
    top_k: int = 10,
    existing: Mapping[str, Sequence[tuple[str, float]]] | None = None,
    exclude: Mapping[str, Collection[str]] | None = None,
) -> list[Candidate]:
    """:func:`plan_children` then :func:`children_for`: every candidate new reports make."""
    plan = plan_children(index, interceptions, report_ids)
    return children_for(index, interceptions, plan, top_k=top_k, existing=existing, exclude=exclude)
