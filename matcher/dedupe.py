"""Dedupe: records of the same child within one file, grouped into one case.

The same child is reported at two police stations, or twice at one; an interception is
resubmitted, or the same child is intercepted twice. This module finds such records *within* one
set (reports alone, or interceptions alone) with the engine's own stages — the same blocking keys,
comparison levels and model as matching — so there is no second similarity rule:

1. **Canonical order.** Records are sorted by id before anything else; row ``i`` of the index is
   the ``i``-th id. Every later step depends on the *set* of records, never on the order of the
   file, so the grouping is deterministic and order-independent.
2. **Blocking** (:meth:`matcher.index.MatchIndex.retrieve`): every record is put into one
   :class:`~matcher.index.MatchIndex` (an interception as the report it would be:
   :func:`as_report`) and queried against it, itself excluded. A pair either side retrieves is a
   candidate pair.
3. **Comparison and score** (:meth:`~matcher.index.MatchIndex.compare` and the model): a pair is
   always compared with the record of the smaller id on the query side (so its score does not
   depend on which side retrieved it, by construction; in practice the comparison is symmetric:
   no difference over 20,000 pairs of a generated file, so :func:`likely_duplicates`, which puts
   the new record on the query side, gives the batch's scores). Every comparison applies as it
   does between a report and an interception — names, parents, sex, the age after the time
   elapsed between the two records' dates (each record's age at its own date), home place,
   phone, the family pattern — except
   **date order**, which says whether a report came before an interception and has no meaning
   between two reports or two interceptions: it is set to its null level (weight 0, no evidence
   either way; :data:`NOT_APPLICABLE`). Scores are the model's calibrated probabilities, with the
   pool-size prior of the file's size. Between two **reports** one more reading changes: a family
   gives the police the child's own name both times, so a pair whose names the engine calls
   *different* (the name comparison's "different" level) is not one child however much else
   agrees — it is a brother or sister reported with the child (same parents, phone, place, often
   the same day), and the matching model, which lets a child at the border give only a pet name,
   scores such a pair high. Those pairs score 0. Between two interceptions the pet-name reading
   still applies (a child intercepted twice may give another name), so nothing changes there.
4. **Grouping** (:func:`group_pairs`): pairs scoring at least ``threshold`` (default: the model's
   match threshold) are joined best first, but two groups merge only if *every* pair across them
   scores at least ``coherence`` (complete linkage at a lower bar) and the merged group stays
   within ``max_group`` records. That stops chaining: A like B and B like C does not put A with C
   unless A and C are alike too (siblings share parents, place and phone; they share a group only
   if they look like one child to each other). A group's id is its smallest record id, so the
   same records always get the same group ids.

5. **At submission** (:func:`flag_duplicates`): one new record against the stored ones of its
   kind (the service keeps the open interceptions in an engine index for it:
   :class:`matcher.reverse.InterceptionIndex`), with the same pair rule. Two thresholds, two
   uses: a stored record scoring at least :data:`FLAG_THRESHOLD` is *flagged* to the person
   submitting ("this child may already be in Shondhan as I-..."; a person checks, so the recall
   side of the trade), and the best one scoring at least the model's match threshold, with
   names the engine does not call different, is the record whose *case* the new one joins
   (:func:`case_partner`; a confirmed match closes a whole case, so that side wants precision,
   and a sister intercepted with the child, who gives another name, is flagged but never joins).

Contract: the output has one :class:`Membership` per input record (a record with no duplicate is
a group of one, ``score_to_group`` None); ``score_to_group`` is a member's best score to another
member of its group (the link that put it there), 0-1. Ids must be unique (the CSV readers reject
repeated ids). Nothing here logs a field value.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from matcher.csvio.write import atomic_write, csv_writer
from matcher.index import MatchIndex, Retrieved
from matcher.levels import COMPARISON_BY_FIELD, POSITION, Field
from matcher.model import MatchModel
from matcher.prepare import Prepared, prepare_report
from matcher.records import Band, Interception, Report

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_COHERENCE",
    "DEFAULT_KEEP",
    "DEFAULT_MAX_GROUP",
    "FLAG_THRESHOLD",
    "GROUP_COLUMNS",
    "NOT_APPLICABLE",
    "Deduper",
    "DuplicateFlag",
    "DuplicatePair",
    "Membership",
    "as_report",
    "case_partner",
    "dedupe",
    "duplicate_scores",
    "flag_duplicates",
    "group_pairs",
    "group_sizes",
    "likely_duplicates",
    "write_groups",
]

#: Comparisons with no meaning between two records of the same kind: set to their null level.
NOT_APPLICABLE: tuple[Field, ...] = (Field.DATE_ORDER,)
#: Every pair inside a group must be at least this likely the same child (complete linkage).
DEFAULT_COHERENCE = 0.5
#: Records compared in full per query record (matching keeps 300; a duplicate is near the top).
DEFAULT_KEEP = 50
#: A merge that would make a group larger than this is refused (a child in more records than
#: this within one file is a data problem to look at, not a case; it also bounds the work).
DEFAULT_MAX_GROUP = 20
#: From this score a new record is flagged as possibly the same child as a stored one. A flag is
#: checked by a person, so it takes the recall side: on the dedupe benchmark's children
#: intercepted twice (benchmarks/README.md) pair recall 0.51 at precision 0.89 here, against
#: 0.21 at 0.99 at the shipped model's match threshold (0.979).
FLAG_THRESHOLD = 0.5
#: Columns of a groups CSV (:func:`write_groups`).
GROUP_COLUMNS: tuple[str, ...] = ("group_id", "record_id", "score_to_group")

_NA_POSITIONS = [POSITION[f] for f in NOT_APPLICABLE]
_NAME = POSITION[Field.NAME]
_NAME_DIFFERENT = COMPARISON_BY_FIELD[Field.NAME].level("different")


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two records of one set and the calibrated probability (0-1) that they are one child.

    From a batch (:meth:`Deduper.pairs`) ``first`` < ``second`` (ids); from
    :func:`likely_duplicates` ``first`` is the record checked and ``second`` a stored one."""

    first: str
    second: str
    score: float


@dataclass(frozen=True, slots=True)
class Membership:
    """One record's case: ``group_id`` (the group's smallest record id) and ``score_to_group``
    (its best score to another member; None in a group of one)."""

    group_id: str
    record_id: str
    score_to_group: float | None


@dataclass(frozen=True, slots=True)
class DuplicateFlag:
    """A stored record that may be the same child as the one checked (:func:`flag_duplicates`):
    its id, the score (0-1) and the band: ``MATCH`` at or above the model's match threshold
    (the two are one case, :func:`case_partner`), ``REVIEW`` below it (a person should look).
    Ids, a score and a band only, never a field."""

    record_id: str
    score: float
    band: Band


def as_report(record: Report | Interception) -> Report:
    """An interception as the report it would be (same fields; the home district and upazila as
    the place, the interception date as the date, the border post where the police station is —
    never compared), so both kinds go through the same index and comparisons. Reports pass
    through."""
    if isinstance(record, Report):
        return record
    return Report(
        report_id=record.interception_id,
        name=record.name,
        father_name=record.father_name,
        mother_name=record.mother_name,
        sex=record.sex,
        age=record.age,
        report_date=record.interception_date,
        district=record.home_district,
        upazila=record.home_upazila,
        police_station=record.border_post,
        guardian_phone=record.guardian_phone,
    )


def duplicate_scores(
    index: MatchIndex,
    query: Prepared,
    rows: Sequence[int] | npt.NDArray[np.int32],
    *,
    reports: bool = True,
) -> npt.NDArray[np.float64]:
    """Scores (0-1) that ``query`` is the same child as each of the index's ``rows``: the
    engine's comparison with the :data:`NOT_APPLICABLE` comparisons at their null level, the
    model's probability against this index's size; with ``reports`` (two reports), 0 where the
    names are different (module docstring, step 3). The one scoring rule of this module."""
    return _scored(index, query, rows, reports=reports)[0]


def _scored(
    index: MatchIndex,
    query: Prepared,
    rows: Sequence[int] | npt.NDArray[np.int32],
    *,
    reports: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """:func:`duplicate_scores` and, per row, whether the engine calls the names different."""
    arr = np.asarray(rows, dtype=np.int32)
    if arr.size == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    levels = index.compare(Retrieved(query, "", arr, arr)).levels.copy()
    levels[:, _NA_POSITIONS] = 0
    scores = np.asarray(index.model.predict_proba(levels, n_reports=len(index))[:, 1])
    different = np.asarray(levels[:, _NAME] == _NAME_DIFFERENT)
    if reports:
        scores[different] = 0.0
    return scores, different


def likely_duplicates(
    index: MatchIndex,
    record: Report | Interception,
    *,
    threshold: float | None = None,
    top_k: int = 5,
) -> list[DuplicatePair]:
    """The records of ``index`` that may be the same child as ``record``, best first: for a
    check at submission ("this child may already be in Shondhan as I-…").

    ``index`` holds records of the same kind as ``record`` (interceptions through
    :func:`as_report`); ``record`` itself, if indexed, is never returned. Pairs score with
    :func:`duplicate_scores` (``record`` on the query side), at least ``threshold`` (default:
    the model's match threshold); at most ``top_k``. Each pair is (``record``'s id, the other
    id, score) — ids and a score only, never a field.
    """
    cut = index.model.match_threshold_ if threshold is None else threshold
    return [
        DuplicatePair(own, other, score)
        for own, other, score, _ in _stored_matches(index, record, cut=cut, top_k=top_k)
    ]


def _stored_matches(
    index: MatchIndex, record: Report | Interception, *, cut: float, top_k: int
) -> list[tuple[str, str, float, bool]]:
    """(record's id, stored id, score, names different) of the stored records scoring at
    least ``cut`` against ``record`` (on the query side, itself excluded), best first (ties
    by id), at most ``top_k``."""
    own = as_report(record)
    p = prepare_report(own)
    rows = index.retrieve(p, exclude=(own.report_id,)).rows
    scores, different = _scored(index, p, rows, reports=isinstance(record, Report))
    found = sorted(
        (-s, other, d)
        for other, s, d in zip(index.ids_of(rows), scores.tolist(), different.tolist(), strict=True)
        if s >= cut
    )
    return [(own.report_id, other, -s, d) for s, other, d in found[:top_k]]


def flag_duplicates(
    index: MatchIndex,
    record: Report | Interception,
    *,
    threshold: float = FLAG_THRESHOLD,
    top_k: int = 5,
) -> list[DuplicateFlag]:
    """The stored records of ``index`` that may be the same child as ``record``, best first,
    each with its band (:class:`DuplicateFlag`): the pairs :func:`likely_duplicates` finds from
    ``threshold`` (default :data:`FLAG_THRESHOLD`, the flag shown at submission).

    ``MATCH`` needs the model's match threshold *and* names the engine does not call
    different: a child at the border may give a pet name, so such a pair is still flagged for
    a person to look at, but it never joins a case (brothers and sisters are intercepted
    together, as they are reported together: same parents, phone, place and day)."""
    cut = index.model.match_threshold_
    return [
        DuplicateFlag(other, score, Band.MATCH if score >= cut and not diff else Band.REVIEW)
        for _, other, score, diff in _stored_matches(index, record, cut=threshold, top_k=top_k)
    ]


def case_partner(flags: Sequence[DuplicateFlag]) -> str | None:
    """The record whose case a new record joins: the best of ``flags`` (best first, as
    :func:`flag_duplicates` returns them) in the ``MATCH`` band, or None (a case of its own).
    One partner, not all of them: two stored cases are never merged by a third record."""
    for flag in flags:
        if flag.band is Band.MATCH:
            return flag.record_id
    return None


class Deduper:
    """The stages of one dedupe run over a set of records (see the module docstring).

    ``records`` — reports or interceptions (not mixed: ``ValueError``); ``model`` — None: the
    shipped model; ``keep`` — rows compared in full per query record. Raises ``ValueError`` on a
    repeated id.
    """

    def __init__(
        self,
        records: Iterable[Report | Interception],
        *,
        model: MatchModel | None = None,
        keep: int = DEFAULT_KEEP,
    ) -> None:
        given = list(records)
        kinds = {type(r) for r in given}
        if len(kinds) > 1:
            raise ValueError("dedupe reports or interceptions, not both at once")
        #: whether the records are reports (the name reading of step 3 applies)
        self.reports = kinds != {Interception}
        reports = sorted((as_report(r) for r in given), key=lambda r: r.report_id)
        self.ids: list[str] = [r.report_id for r in reports]
        for a, b in zip(self.ids, self.ids[1:], strict=False):
            if a == b:
                raise ValueError(f"repeated record id {a!r}")
        self.row_of: dict[str, int] = {rid: i for i, rid in enumerate(self.ids)}
        self.index = MatchIndex(model, keep=keep, keep_reports=False)
        self.index.add_many(reports)
        self._prepared: list[Prepared] = [prepare_report(r) for r in reports]
        self._cache: dict[tuple[int, int], float] = {}

    @property
    def model(self) -> MatchModel:
        return self.index.model

    def candidate_pairs(self) -> dict[int, list[int]]:
        """Blocking: for each row, the larger rows it forms a candidate pair with (either side
        retrieved the other), sorted."""
        partners: dict[int, set[int]] = defaultdict(set)
        for i, p in enumerate(self._prepared):
            for r in self.index.retrieve(p, exclude=(self.ids[i],)).rows.tolist():
                a, b = (i, r) if i < r else (r, i)
                partners[a].add(b)
        return {a: sorted(bs) for a, bs in sorted(partners.items())}

    def pairs(self) -> list[DuplicatePair]:
        """Every candidate pair, scored (smaller id on the query side), in id order."""
        out: list[DuplicatePair] = []
        for a, bs in self.candidate_pairs().items():
            scores = duplicate_scores(self.index, self._prepared[a], bs, reports=self.reports)
            for b, s in zip(bs, scores.tolist(), strict=True):
                self._cache[(a, b)] = s
                out.append(DuplicatePair(self.ids[a], self.ids[b], s))
        return out

    def score(self, first: str, second: str) -> float:
        """The score of any two records of the set, blocked or not (cached)."""
        a, b = sorted((self.row_of[first], self.row_of[second]))
        if (a, b) not in self._cache:
            scores = duplicate_scores(self.index, self._prepared[a], [b], reports=self.reports)
            self._cache[(a, b)] = float(scores[0])
        return self._cache[(a, b)]

    def groups(
        self,
        *,
        threshold: float | None = None,
        coherence: float = DEFAULT_COHERENCE,
        max_group: int = DEFAULT_MAX_GROUP,
    ) -> list[Membership]:
        """One :class:`Membership` per record (:func:`group_pairs` over :meth:`pairs`)."""
        return group_pairs(
            self.ids,
            self.pairs(),
            threshold=self.model.match_threshold_ if threshold is None else threshold,
            coherence=coherence,
            max_group=max_group,
            score=self.score,
        )


def group_pairs(
    ids: Iterable[str],
    pairs: Iterable[DuplicatePair],
    *,
    threshold: float,
    coherence: float = DEFAULT_COHERENCE,
    max_group: int = DEFAULT_MAX_GROUP,
    score: Callable[[str, str], float] | None = None,
) -> list[Membership]:
    """Group records by their scored pairs (see the module docstring, step 4).

    Pairs at or above ``threshold`` are taken best first (ties by ids); two groups merge only if
    every pair across them scores at least ``coherence`` — a pair not in ``pairs`` is asked of
    ``score``, or counts as 0 without it — and the result has at most ``max_group`` records.
    Returns one membership per id, sorted by (group id, record id). Deterministic: the same ids
    and pair scores give the same output in any input order. A pair naming an id not in ``ids``
    is a ``ValueError``.
    """
    if not 0.0 <= coherence <= 1.0 or not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold and coherence must be within 0-1")
    if max_group < 1:
        raise ValueError("max_group must be positive")
    known: dict[tuple[str, str], float] = {}
    for p in pairs:
        known[(p.first, p.second) if p.first < p.second else (p.second, p.first)] = p.score

    def pair_score(x: str, y: str) -> float:
        key = (x, y) if x < y else (y, x)
        if key not in known:
            known[key] = score(*key) if score is not None else 0.0
        return known[key]

    group_of: dict[str, list[str]] = {i: [i] for i in sorted(set(ids))}
    unknown = sorted({x for pair in known for x in pair} - group_of.keys())
    if unknown:
        raise ValueError(f"pair of a record not among the ids: {unknown[0]!r}")
    edges = sorted(
        ((s, a, b) for (a, b), s in known.items() if s >= threshold),
        key=lambda e: (-e[0], e[1], e[2]),
    )
    for _, a, b in edges:
        ga, gb = group_of[a], group_of[b]
        if ga is gb or len(ga) + len(gb) > max_group:
            continue
        if all(pair_score(x, y) >= coherence for x in ga for y in gb):
            merged = sorted(ga + gb)
            for member in merged:
                group_of[member] = merged
    out: list[Membership] = []
    for rid, group in group_of.items():
        best = max((pair_score(rid, o) for o in group if o != rid), default=None)
        out.append(Membership(group[0], rid, best))
    out.sort(key=lambda m: (m.group_id, m.record_id))
    return out


def dedupe(
    records: Iterable[Report | Interception],
    *,
    model: MatchModel | None = None,
    threshold: float | None = None,
    coherence: float = DEFAULT_COHERENCE,
    max_group: int = DEFAULT_MAX_GROUP,
    keep: int = DEFAULT_KEEP,
) -> list[Membership]:
    """Group a set of reports (or of interceptions) into cases: :class:`Deduper` end to end."""
    deduper = Deduper(records, model=model, keep=keep)
    groups = deduper.groups(threshold=threshold, coherence=coherence, max_group=max_group)
    log.debug("dedupe: %d records, %d groups", len(deduper.ids), len({m.group_id for m in groups}))
    return groups


def write_groups(memberships: Iterable[Membership], path: str | Path) -> int:
    """Write memberships atomically as CSV (:data:`GROUP_COLUMNS`; the score with 4 decimals,
    blank for a group of one); returns the number of rows."""
    count = 0
    with atomic_write(path) as fh:
        writer = csv_writer(fh)
        writer.writerow(GROUP_COLUMNS)
        for m in memberships:
            score = "" if m.score_to_group is None else f"{m.score_to_group:.4f}"
            writer.writerow((m.group_id, m.record_id, score))
            count += 1
    return count


def group_sizes(memberships: Iterable[Membership]) -> Mapping[str, int]:
    """Members per group id."""
    sizes: dict[str, int] = defaultdict(int)
    for m in memberships:
        sizes[m.group_id] += 1
    return dict(sizes)
