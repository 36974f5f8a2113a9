"""Linkage metrics as pure functions: no I/O, no model, inputs are plain ids and scores.

Vocabulary (shared by every function here):

- *ranked*: ``{interception_id: [report_id, ...]}``, best candidate first (what reconcile writes).
- *truth*: ``{interception_id: frozenset(report_id, ...)}`` for every interception of the test
  set; an **empty** set means an unreported child (no report exists). Several ids mean several
  reports of one child (duplicate reports): finding any one of them counts as found.
- *pairs*: ``(interception_id, report_id)`` tuples.

Contract:
- Interceptions in the truth that have no candidates count as misses (never silently dropped);
  interceptions that are not in the truth are ignored (nothing to score them against).
- A metric whose denominator is zero is ``nan`` (undefined), never 0 and never an exception, so
  a table of figures can still be printed for a degenerate slice.
- Every result is in 0-1 except counts.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from matcher.records import Band, Candidate

__all__ = [
    "PRF",
    "Evaluation",
    "FalseAlarms",
    "ThresholdF1",
    "band_prf",
    "best_recall_at_precision",
    "best_threshold_f1",
    "calibration_error",
    "evaluate_candidates",
    "false_alarms",
    "grouping_prf",
    "pair_completeness",
    "prf",
    "rank_lists",
    "recall_at_k",
    "reduction_ratio",
    "reviewer_effort",
    "slice_recall_at_k",
]

NAN = float("nan")

TruthMatches = Mapping[str, Collection[str]]
"""``{interception_id: true report ids}``; an empty collection is an unreported child."""
Pair = tuple[str, str]


def _ratio(num: float, den: float) -> float:
    return num / den if den else NAN


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 with the counts they come from (``nan`` where undefined)."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int


@dataclass(frozen=True, slots=True)
class ThresholdF1:
    """The score threshold (``score >= threshold`` predicts a match) that maximises F1."""

    threshold: float
    prf: PRF


@dataclass(frozen=True, slots=True)
class FalseAlarms:
    """Unreported children that nonetheless got a ``match``-band candidate."""

    count: int
    unreported: int

    @property
    def rate(self) -> float:
        """``count / unreported`` (``nan`` if the set has no unreported child)."""
        return _ratio(self.count, self.unreported)


def prf(true_positives: int, predicted: int, actual: int) -> PRF:
    """Precision = TP/predicted, recall = TP/actual, F1 their harmonic mean."""
    p = _ratio(true_positives, predicted)
    r = _ratio(true_positives, actual)
    undefined = math.isnan(p) or math.isnan(r)
    f = NAN if undefined else (2 * p * r / (p + r) if p + r else 0.0)
    return PRF(p, r, f, true_positives, predicted, actual)


def grouping_prf(predicted: Mapping[str, str], actual: Mapping[str, str]) -> PRF:
    """Pairwise precision and recall of a grouping (dedupe): every two records put in one group
    is a predicted pair, every two records of one true group an actual pair.

    ``predicted`` / ``actual``: ``{record_id: group id}``. Records missing from ``predicted``
    count as alone (never silently joined); records not in ``actual`` are ignored (nothing to
    score them against). Counted per (predicted, actual) cell, so it is linear in records.
    """

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    cells: dict[tuple[str, str], int] = {}
    pred_sizes: dict[str, int] = {}
    true_sizes: dict[str, int] = {}
    for rid, true_group in actual.items():
        pred_group = predicted.get(rid, "\x00" + rid)
        cells[(pred_group, true_group)] = cells.get((pred_group, true_group), 0) + 1
        pred_sizes[pred_group] = pred_sizes.get(pred_group, 0) + 1
        true_sizes[true_group] = true_sizes.get(true_group, 0) + 1
    return prf(
        sum(pairs(n) for n in cells.values()),
        sum(pairs(n) for n in pred_sizes.values()),
        sum(pairs(n) for n in true_sizes.values()),
    )


def rank_lists(candidates: Iterable[Candidate]) -> dict[str, list[str]]:
    """Group candidates into ``{interception_id: [report_id, ...]}`` ordered by rank.

    Ties in rank keep input order; a report repeated for one interception keeps its best rank.
    """
    grouped: dict[str, list[tuple[int, int, str]]] = {}
    for i, c in enumerate(candidates):
        grouped.setdefault(c.interception_id, []).append((c.rank, i, c.report_id))
    out: dict[str, list[str]] = {}
    for iid, items in grouped.items():
        seen: set[str] = set()
        ordered: list[str] = []
        for _, _, rid in sorted(items):
            if rid not in seen:
                seen.add(rid)
                ordered.append(rid)
        out[iid] = ordered
    return out


def _found_at_k(ranked: Sequence[str], true_ids: Collection[str], k: int) -> bool:
    return any(rid in true_ids for rid in ranked[:k])


def recall_at_k(
    ranked: Mapping[str, Sequence[str]],
    truth: TruthMatches,
    *,
    k: int = 10,
    among: Collection[str] | None = None,
) -> float:
    """Share of reported children whose report is among their top ``k`` candidates.

    Denominator: interceptions of ``truth`` with at least one true report (restricted to
    ``among`` when given, e.g. a hard slice). ``k`` must be >= 1.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    hits = total = 0
    for iid, true_ids in truth.items():
        if not true_ids or (among is not None and iid not in among):
            continue
        total += 1
        hits += _found_at_k(ranked.get(iid, ()), true_ids, k)
    return _ratio(hits, total)


def slice_recall_at_k(
    ranked: Mapping[str, Sequence[str]],
    truth: TruthMatches,
    slices: Mapping[str, Collection[str]],
    *,
    k: int = 10,
) -> dict[str, tuple[float, int]]:
    """Recall@k on each slice: ``{slice: (recall, number of reported children in the slice)}``."""
    out: dict[str, tuple[float, int]] = {}
    for name, members in slices.items():
        n = sum(1 for iid in members if truth.get(iid))
        out[name] = (recall_at_k(ranked, truth, k=k, among=members), n)
    return out


def _truth_pairs(truth: TruthMatches) -> set[Pair]:
    return {(iid, rid) for iid, rids in truth.items() for rid in rids}


def band_prf(
    candidates: Iterable[Candidate], truth: TruthMatches, *, band: Band = Band.MATCH
) -> PRF:
    """Pair precision/recall/F1 of the candidates in ``band`` (default: the match band).

    Predicted = distinct (interception, report) pairs in the band, for interceptions in the truth.
    Actual = all true pairs. So recall counts every report of a duplicated child.
    """
    predicted = {
        (c.interception_id, c.report_id)
        for c in candidates
        if c.band == band and c.interception_id in truth
    }
    actual = _truth_pairs(truth)
    return prf(len(predicted & actual), len(predicted), len(actual))


def best_threshold_f1(scored: Scored, truth: TruthMatches) -> ThresholdF1:
    """The threshold on ``score`` that maximises pair F1, sweeping every distinct score.

    ``scored`` are ``(interception_id, report_id, score)``; a pair listed twice keeps its best
    score. Pairs never scored count as missed (recall is against all true pairs). With no scored
    pair or no true pair the result is ``nan`` throughout.
    """
    actual = len(_truth_pairs(truth))
    top = ThresholdF1(NAN, prf(0, 0, actual))
    for cut in _cuts(scored, truth):
        if not math.isnan(cut.prf.f1) and (math.isnan(top.prf.f1) or cut.prf.f1 > top.prf.f1):
            top = cut
    return top


Scored = Iterable[tuple[str, str, float]]
"""``(interception_id, report_id, score)`` of candidates."""


def _best_scores(scored: Scored, truth: TruthMatches) -> list[tuple[Pair, float]]:
    """Each scored pair once (its best score) for interceptions in the truth, best first; equal
    scores in id order, so every sweep over them is deterministic."""
    best: dict[Pair, float] = {}
    for iid, rid, score in scored:
        if iid in truth and score > best.get((iid, rid), -math.inf):
            best[(iid, rid)] = score
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))


def _cuts(scored: Scored, truth: TruthMatches) -> Iterator[ThresholdF1]:
    """Pair precision / recall at every distinct score taken as the threshold, best first (all
    pairs with an equal score are in or out together)."""
    actual = _truth_pairs(truth)
    ordered = _best_scores(scored, truth)
    tp = 0
    for i, (pair, score) in enumerate(ordered):
        tp += pair in actual
        if i + 1 < len(ordered) and ordered[i + 1][1] == score:
            continue
        yield ThresholdF1(score, prf(tp, i + 1, len(actual)))


def best_recall_at_precision(
    scored: Scored, truth: TruthMatches, *, min_precision: float = 0.98
) -> ThresholdF1:
    """The most pair recall any score threshold reaches while pair precision stays at or above
    ``min_precision`` (sweeping every distinct score), and that threshold: how much a match band
    *could* find at that precision, whatever threshold the model ships. ``nan`` when no
    threshold reaches the precision."""
    top = ThresholdF1(NAN, prf(0, 0, len(_truth_pairs(truth))))
    for cut in _cuts(scored, truth):
        if cut.prf.precision >= min_precision and (
            math.isnan(top.prf.recall) or cut.prf.recall > top.prf.recall
        ):
            top = cut
    return top


def reviewer_effort(
    scored: Scored,
    truth: TruthMatches,
    *,
    shares: Sequence[float] = (0.8, 0.9, 0.95),
    queue: bool = False,
) -> dict[float, float]:
    """Candidates a police unit reads per child it finds, reading every interception's
    candidates together in score order, at the moment ``share`` of the reported children have
    been found (a child is found when the first of its true reports is read). ``nan`` for a
    share the candidates never reach. 1.0 is the floor: every candidate read was a child found.

    ``queue=True`` reads them as the review queue shows them: a confirmed match takes the
    interception's other candidates and its report's out of the queue (an interception matched,
    a report found), so they are not read.
    """
    reported = {iid for iid, rids in truth.items() if rids}
    needed = {share: math.ceil(share * len(reported)) for share in shares}
    out = dict.fromkeys(shares, NAN)
    found: set[str] = set()
    closed: set[str] = set()  # reports found (queue mode)
    read = 0
    for (iid, rid), _score in _best_scores(scored, truth):
        if queue and (iid in found or rid in closed):
            continue
        read += 1
        if iid in reported and iid not in found and rid in truth[iid]:
            found.add(iid)
            closed.add(rid)
            for share, n in needed.items():
                if math.isnan(out[share]) and len(found) >= n > 0:
                    out[share] = read / len(found)
    return out


def calibration_error(scored: Scored, truth: TruthMatches, *, bins: int = 10) -> float:
    """Expected calibration error of the scores as match probabilities: the mean, weighted by
    pairs, of |mean score − share of true pairs| over ``bins`` equal-width score bins. 0 is
    perfectly calibrated; ``nan`` without scored pairs."""
    actual = _truth_pairs(truth)
    totals = [[0, 0.0, 0] for _ in range(bins)]  # pairs, score sum, true pairs
    for pair, score in _best_scores(scored, truth):
        b = totals[min(bins - 1, max(0, int(score * bins)))]
        b[0] += 1
        b[1] += score
        b[2] += pair in actual
    n = sum(int(b[0]) for b in totals)
    if not n:
        return NAN
    return sum(abs(b[1] - b[2]) for b in totals) / n


def false_alarms(candidates: Iterable[Candidate], truth: TruthMatches) -> FalseAlarms:
    """Count unreported children (empty truth set) with at least one ``match``-band candidate."""
    unreported = {iid for iid, rids in truth.items() if not rids}
    alarmed = {c.interception_id for c in candidates if c.band == Band.MATCH}
    return FalseAlarms(len(unreported & alarmed), len(unreported))


def pair_completeness(candidate_pairs: Iterable[Pair], truth: TruthMatches) -> float:
    """Blocking recall: share of true pairs that appear among the candidate pairs."""
    actual = _truth_pairs(truth)
    found = actual.intersection(candidate_pairs)
    return _ratio(len(found), len(actual))


def reduction_ratio(n_candidate_pairs: int, n_reports: int, n_interceptions: int) -> float:
    """1 - candidate pairs / all possible pairs: how much comparing work blocking saved."""
    total = n_reports * n_interceptions
    return 1.0 - n_candidate_pairs / total if total else NAN


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All headline figures for one set of candidates against one truth."""

    k: int
    interceptions: int
    reported: int
    recall_at_1: float
    recall_at_k: float
    match_band: PRF
    best_f1: ThresholdF1
    false_alarms: FalseAlarms
    slices: dict[str, tuple[float, int]] = field(default_factory=dict)
    review_band: PRF = field(default_factory=lambda: prf(0, 0, 0))
    """Pairs in the review band: precision is the share of them that are true."""
    best_recall_p98: ThresholdF1 = field(default_factory=lambda: ThresholdF1(NAN, prf(0, 0, 0)))
    """The most recall a threshold reaches at pair precision ≥ 0.98."""
    effort: dict[float, float] = field(default_factory=dict)
    """:func:`reviewer_effort` at 80 / 90 / 95% of reported children found."""
    queue_effort: dict[float, float] = field(default_factory=dict)
    """The same, read as the review queue shows them (``queue=True``)."""
    calibration_error: float = NAN
    candidate_interceptions: int = 0
    """Distinct interception ids in the candidates."""
    known_interceptions: int = 0
    """How many of those the truth knows. 0 means the two files are not of the same data (or
    the candidates are empty): every figure would be a meaningless 0, see :attr:`unrelated`."""

    @property
    def unrelated(self) -> bool:
        """True when no candidate's interception is in the truth: nothing was evaluated."""
        return self.known_interceptions == 0

    def rows(self) -> list[tuple[str, str]]:
        """``(figure, value)`` rows ready to print as a table (no personal data)."""
        m, b = self.match_band, self.best_f1
        out = [
            ("interceptions", str(self.interceptions)),
            ("reported children", str(self.reported)),
            ("recall@1", _fmt(self.recall_at_1)),
            (f"recall@{self.k}", _fmt(self.recall_at_k)),
            ("match-band precision", _fmt(m.precision)),
            ("match-band recall", _fmt(m.recall)),
            ("match-band F1", _fmt(m.f1)),
            ("best F1", f"{_fmt(b.prf.f1)} (score >= {_fmt(b.threshold)})"),
            (
                "false alarms (unreported)",
                f"{self.false_alarms.count} / {self.false_alarms.unreported}",
            ),
        ]
        for name, (value, n) in sorted(self.slices.items()):
            out.append((f"recall@{self.k} {name}", f"{_fmt(value)} (n={n})"))
        return out


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4f}"


def evaluate_candidates(
    candidates: Iterable[Candidate],
    truth: TruthMatches,
    *,
    k: int = 10,
    slices: Mapping[str, Collection[str]] | None = None,
) -> Evaluation:
    """Compute every headline figure in one pass over ``candidates`` (materialised once)."""
    cands = list(candidates)
    ranked = rank_lists(cands)
    scored = [(c.interception_id, c.report_id, c.score) for c in cands]
    seen = {c.interception_id for c in cands}
    return Evaluation(
        k=k,
        interceptions=len(truth),
        reported=sum(1 for rids in truth.values() if rids),
        recall_at_1=recall_at_k(ranked, truth, k=1),
        recall_at_k=recall_at_k(ranked, truth, k=k),
        match_band=band_prf(cands, truth),
        best_f1=best_threshold_f1(scored, truth),
        false_alarms=false_alarms(cands, truth),
        slices=slice_recall_at_k(ranked, truth, slices, k=k) if slices else {},
        review_band=band_prf(cands, truth, band=Band.REVIEW),
        best_recall_p98=best_recall_at_precision(scored, truth, min_precision=0.98),
        effort=reviewer_effort(scored, truth),
        queue_effort=reviewer_effort(scored, truth, queue=True),
        calibration_error=calibration_error(scored, truth),
        candidate_interceptions=len(seen),
        known_interceptions=sum(1 for i in seen if i in truth),
    )
