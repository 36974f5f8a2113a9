"""Training: labelled splits → candidate pairs → fitted, calibrated, banded JSON model.

The pairs a model is trained on must look like the pairs it scores in production, so they come
from the same blocking: every training interception is run through a
:class:`~matcher.index.MatchIndex` of the training reports and each *kept* candidate (the rows
that reach full comparison) becomes one labelled pair (1 = a report of the same child, per
``truth.csv`` including duplicate reports). Unreported children contribute only negatives.

On the validation split, the top-``top_k`` candidates of each interception (what an officer
sees) are split in two halves by interception: the first re-calibrates the probabilities (Platt,
keeps weights additive), the second chooses the rival and band thresholds (:func:`choose_bands`:
match precision ≥ 0.985 and at most 0.2% of unreported children given a match candidate, by
default) and reports the figures stored in the model's metadata, including the match band's
figures at other false-alarm allowances (``operating_points``): choosing between more matches
found and fewer children sent towards the wrong family is a deployment's decision, and the
table shows it what each choice costs before it retrains with ``--max-false-alarm-rate``.

Entry points: :func:`train_model` on split folders and :func:`train_on_splits` on splits in
memory; the command line is ``shondhan train``. The shipped ``matcher/data/model.json`` was made
with ``shondhan train --generate-reports 50000`` (synthetic splits of 50,000 reports each, fixed
seeds): thresholds only hold for candidate pools about as crowded as the validation split's,
and the committed splits are small. A split folder holds ``reports.csv``, ``interceptions.csv``
and ``truth.csv``, as the synthetic generator writes them; this module reads folders it is
given and never generates data itself. Logs carry counts only, never names.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.csvio import iter_interceptions, iter_reports, read_truth
from matcher.index import MatchIndex
from matcher.model import MatchModel, Method, rival_free
from matcher.records import Interception, Report

log = logging.getLogger(__name__)

#: Share of children nobody reported that may get a match candidate (a false alarm, the error
#: that sends police to the wrong family): issue 12's limit. The band keeps it with
#: :data:`FALSE_ALARM_CONFIDENCE` on validation (:func:`allowed_false_alarms`), so the rate
#: actually allowed on validation is lower — by how much depends on how many children it is
#: measured on, not on a margin guessed once.
DEFAULT_MAX_FALSE_ALARM_RATE = 0.005
#: One-sided confidence that the band's false-alarm rate is within the limit, given what
#: validation measured (Clopper–Pearson).
FALSE_ALARM_CONFIDENCE = 0.975
#: Match-band precision the threshold must keep on validation: a margin over the 0.98 aimed at.
DEFAULT_MIN_PRECISION = 0.985


@dataclass(frozen=True, slots=True)
class LabelledSplit:
    """One split read from disk: reports, interceptions and interception id → true report ids."""

    reports: list[Report]
    interceptions: list[Interception]
    matches: Mapping[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Pairs:
    """Labelled candidate pairs: levels ``(n, N_FIELDS)``, labels 0/1, query number per pair,
    and the number of true pairs blocking could not retrieve (lost before scoring)."""

    levels: npt.NDArray[np.int8]
    labels: npt.NDArray[np.int64]
    groups: npt.NDArray[np.int64]
    missed: int
    names: tuple[tuple[str, ...], ...] = ()


def load_split(directory: Path) -> LabelledSplit:
    """Read ``reports.csv``, ``interceptions.csv`` and ``truth.csv`` from a split directory."""
    directory = Path(directory)
    reports = list(iter_reports(directory / "reports.csv"))
    interceptions = list(iter_interceptions(directory / "interceptions.csv"))
    truth = read_truth(directory / "truth.csv")
    log.info(
        "split %s: %d reports, %d interceptions", directory.name, len(reports), len(interceptions)
    )
    return LabelledSplit(reports, interceptions, truth.matches)


def candidate_pairs(
    index: MatchIndex,
    interceptions: Sequence[Interception],
    matches: Mapping[str, frozenset[str]],
    *,
    top_k: int | None = None,
) -> Pairs:
    """Pairs as the index sees them: kept candidates (or only the ``top_k`` best) per query."""
    levels: list[npt.NDArray[np.int8]] = []
    labels: list[npt.NDArray[np.int64]] = []
    groups: list[npt.NDArray[np.int64]] = []
    names: list[tuple[str, ...]] = []
    missed = 0
    ids = index.row_ids()
    for g, it in enumerate(interceptions):
        scored = index.score_rows(it)
        rows = scored.rows if top_k is None else scored.rows[:top_k]
        lv = scored.levels if top_k is None else scored.levels[:top_k]
        wanted = matches.get(it.interception_id, frozenset())
        y = np.array([ids[int(r)] in wanted for r in rows], dtype=np.int64)
        if wanted and not y.any():
            missed += 1
        levels.append(lv)
        labels.append(y)
        groups.append(np.full(len(rows), g, dtype=np.int64))
        if top_k is not None:
            names.extend(index.row_names(rows.tolist()))
    if not levels:
        raise ValueError("no interceptions to build pairs from")
    return Pairs(
        np.concatenate(levels),
        np.concatenate(labels),
        np.concatenate(groups),
        missed,
        tuple(names),
    )


def random_pairs(
    index: MatchIndex, interceptions: Sequence[Interception], *, per_query: int = 20, seed: int = 0
) -> npt.NDArray[np.int8]:
    """Levels of random (report, interception) pairs: almost all non-matches, for EM's u."""
    rng = np.random.default_rng(seed)
    n = len(index.row_ids())
    if n == 0:
        return np.zeros((0, 0), dtype=np.int8)
    out = [
        index.levels_for(rng.integers(0, n, size=per_query).tolist(), it)
        for it in interceptions[:2000]
    ]
    return np.concatenate(out)


def rival_eligible(
    pairs: Pairs, scores: npt.NDArray[np.float64], rival_threshold: float
) -> npt.NDArray[np.bool_]:
    """Per pair: may it be in the match band under the rival rule (needs ``pairs.names``)."""
    out = np.ones(len(pairs.labels), dtype=bool)
    for g in np.unique(pairs.groups):
        idx = np.flatnonzero(pairs.groups == g)
        free = rival_free(
            scores[idx].tolist(),
            [pairs.names[i] for i in idx],
            rival_threshold=rival_threshold,
        )
        out[idx] = free
    return out


def top_per_query(pairs: Pairs, scores: npt.NDArray[np.float64], k: int) -> Pairs:
    """The ``k`` best-scored pairs of each query (hard negatives: what ranking must resolve)."""
    order = np.lexsort((-scores, pairs.groups))
    g = pairs.groups[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    sel = np.sort(order[rank < k])
    return Pairs(pairs.levels[sel], pairs.labels[sel], pairs.groups[sel], pairs.missed)


def recall_at(pairs: Pairs, matches: Mapping[str, frozenset[str]], k: int) -> float:
    """Share of reported children with a true report in the first ``k`` pairs of their query."""
    reported = sum(1 for v in matches.values() if v)
    if not reported:
        return 1.0
    hits = 0
    for g in np.unique(pairs.groups):
        sel = pairs.labels[pairs.groups == g][:k]
        hits += int(sel.any())
    return hits / reported


def train_model(
    train_dir: Path,
    validation_dir: Path,
    *,
    out: Path | None = None,
    source: Mapping[str, Any] | None = None,
    method: Method = Method.LOGISTIC,
    top_k: int = 10,
    train_top_k: int = 50,
    min_precision: float = DEFAULT_MIN_PRECISION,
    max_false_alarm_rate: float = DEFAULT_MAX_FALSE_ALARM_RATE,
) -> MatchModel:
    """Fit on ``train_dir``, calibrate and choose bands on ``validation_dir``, optionally save.

    The logistic model is fitted twice: on all kept pairs, then on each query's
    ``train_top_k`` best pairs under that first fit, so the final weights are learned where the
    ranking is decided (siblings, namesakes) rather than on easy negatives. Returns the fitted
    model; writes its JSON to ``out`` when given. The training metadata names the two folders
    (relative to the working directory, else by their last part) followed by ``source``, e.g.
    how the splits were generated. :func:`train_on_splits` does the same on splits already in
    memory (e.g. reviewers' decisions read from the service's database).
    """
    return train_on_splits(
        load_split(Path(train_dir)),
        load_split(Path(validation_dir)),
        source={
            "train_dir": _shown(Path(train_dir)),
            "validation_dir": _shown(Path(validation_dir)),
            **(source or {}),
        },
        out=out,
        method=method,
        top_k=top_k,
        train_top_k=train_top_k,
        min_precision=min_precision,
        max_false_alarm_rate=max_false_alarm_rate,
    )


def train_on_splits(
    train: LabelledSplit,
    val: LabelledSplit,
    *,
    source: Mapping[str, Any] | None = None,
    out: Path | None = None,
    method: Method = Method.LOGISTIC,
    top_k: int = 10,
    train_top_k: int = 50,
    min_precision: float = DEFAULT_MIN_PRECISION,
    max_false_alarm_rate: float = DEFAULT_MAX_FALSE_ALARM_RATE,
) -> MatchModel:
    """:func:`train_model` on labelled splits in memory; ``source`` describes where they came
    from (stored in the model's training metadata)."""
    bootstrap = MatchIndex(MatchModel.hand_set())
    bootstrap.add_many(train.reports)
    pairs = candidate_pairs(bootstrap, train.interceptions, train.matches)
    log.info(
        "training pairs: %d (%d true, %d true reports not retrieved)",
        len(pairs.labels),
        int(pairs.labels.sum()),
        pairs.missed,
    )
    model = MatchModel(method=method)
    if method is Method.LOGISTIC:
        model.fit(pairs.levels, pairs.labels)
    else:  # unsupervised: labels are not used, u comes from random pairs
        model.fit(pairs.levels, u_levels=random_pairs(bootstrap, train.interceptions))
    if method is Method.LOGISTIC and train_top_k:
        hard = top_per_query(pairs, model.predict_proba(pairs.levels)[:, 1], train_top_k)
        model = MatchModel(method=method).fit(hard.levels, hard.labels)

    index = MatchIndex(model)
    index.add_many(val.reports)
    vpairs = candidate_pairs(index, val.interceptions, val.matches, top_k=top_k)
    half = vpairs.groups % 2 == 0
    if len(set(vpairs.labels[half].tolist())) == 2:
        model.calibrate(vpairs.levels[half], vpairs.labels[half])
    unreported = [
        g for g, it in enumerate(val.interceptions) if not val.matches.get(it.interception_id)
    ]
    choose_bands(
        model,
        _subset(vpairs, ~half),
        min_precision=min_precision,
        unreported=[g for g in unreported if g % 2 == 1],
        max_false_alarm_rate=max_false_alarm_rate,
    )
    # the bands hold for candidate pools as crowded as this index's: larger ones score lower
    model.reference_reports_ = len(val.reports)
    # figures on the whole validation split with the final model
    index = MatchIndex(model)
    index.add_many(val.reports)
    final = candidate_pairs(index, val.interceptions, val.matches, top_k=top_k)
    meta: dict[str, Any] = model.metadata_
    meta["training"] = {
        **(source or {}),
        "train_pairs": len(pairs.labels),
        "train_true_pairs": int(pairs.labels.sum()),
        "train_true_not_retrieved": pairs.missed,
        "validation_recall_at_1": recall_at(final, val.matches, 1),
        "validation_recall_at_10": recall_at(final, val.matches, 10),
        "top_k": top_k,
        "train_top_k": train_top_k,
        "min_precision": min_precision,
        "max_false_alarm_rate": max_false_alarm_rate,
    }
    if out is not None:
        model.save(Path(out))
        log.info("model written to %s", out)
    return model


#: Ranks (1 = best under the hand-set weights) whose pairs stand for "a look-alike that is not
#: the child" when fitting without labels: see :func:`train_unsupervised`.
RUNNER_UP_RANKS = (2, 10)
#: Without labels there is no precision to measure, so no automatic match band: a match
#: threshold above every probability switches it off (candidates are "review" at best).
NO_MATCH_BAND = 1.5
#: Review band of an unsupervised model: the EM posterior, uncalibrated.
UNSUPERVISED_REVIEW_THRESHOLD = 0.2
#: Fewer best candidates than this leave EM too little to learn from.
MIN_UNSUPERVISED_QUERIES = 200


def train_unsupervised(
    reports: Iterable[Report],
    interceptions: Iterable[Interception],
    *,
    out: Path | None = None,
    runner_up_ranks: tuple[int, int] = RUNNER_UP_RANKS,
) -> MatchModel:
    """Fit a Fellegi–Sunter model by EM on a deployment's own, unlabelled records.

    For a deployment whose names, spellings or forms differ from the synthetic training data
    and that has no confirmed matches yet. Each interception is run through an index of the
    reports scored by the hand-set weights (:meth:`MatchModel.hand_set`); EM then learns the
    m-probabilities on every interception's *best* candidate (a mixture of the child and, for
    unreported children, a look-alike), while the u-probabilities come from the candidates at
    ``runner_up_ranks`` (by default ranks 2-10: namesakes, siblings and neighbours, almost never
    the child). u from *random* pairs, the textbook choice, fails here: every blocked candidate
    agrees with the child far more than a random pair does, so EM calls them all matches.

    The fields are not independent given the match status (the name fields look at the same
    tokens), so the posterior is overconfident and no precision can be measured without labels:
    the model has no match band (:data:`NO_MATCH_BAND`), its review band starts at
    :data:`UNSUPERVISED_REVIEW_THRESHOLD`, and ranking is what it is for. Once police reviewers
    have confirmed and rejected candidates, train a supervised model on those decisions.
    """
    from matcher.reconcile import build_index

    lo, hi = runner_up_ranks
    if not 2 <= lo <= hi:
        raise ValueError("runner_up_ranks must be (lo, hi) with 2 <= lo <= hi")
    index = build_index(reports, model=MatchModel.hand_set(), keep_reports=False)
    if len(index) == 0:
        raise ValueError("no reports to learn from")
    best: list[npt.NDArray[np.int8]] = []
    runners: list[npt.NDArray[np.int8]] = []
    for interception in interceptions:
        scored = index.score_rows(interception)
        if scored.rows.size == 0:
            continue
        best.append(scored.levels[0])
        runners.append(scored.levels[lo - 1 : hi])
    if len(best) < MIN_UNSUPERVISED_QUERIES:
        raise ValueError(
            f"only {len(best)} interceptions have a candidate; "
            f"EM needs at least {MIN_UNSUPERVISED_QUERIES}"
        )
    u_levels = np.concatenate(runners)
    if len(u_levels) == 0:
        raise ValueError("no runner-up candidates: the reports are too few")
    model = MatchModel(method=Method.EM).fit(np.stack(best), u_levels=u_levels)
    model.match_threshold_ = NO_MATCH_BAND
    model.review_threshold_ = UNSUPERVISED_REVIEW_THRESHOLD
    model.reference_reports_ = len(index)
    model.metadata_["training"] = {
        "labels": "none (unsupervised)",
        "reports": len(index),
        "interceptions_with_candidates": len(best),
        "runner_up_ranks": [lo, hi],
        "match_band": "off: no labels to measure precision on",
    }
    log.info(
        "unsupervised fit: %d best candidates, %d runner-up pairs, match share %.3f",
        len(best),
        len(u_levels),
        model.metadata_.get("em_lambda", float("nan")),
    )
    if out is not None:
        model.save(Path(out))
        log.info("model written to %s", out)
    return model


#: Rival thresholds tried on validation. The rule is a safety rule (two differently named
#: children of one family are never both "the" match), so it is never switched off, even when a
#: validation split would buy a little recall without it.
RIVAL_GRID = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def _subset(pairs: Pairs, mask: npt.NDArray[np.bool_]) -> Pairs:
    names = tuple(n for n, keep in zip(pairs.names, mask.tolist(), strict=True) if keep)
    return Pairs(pairs.levels[mask], pairs.labels[mask], pairs.groups[mask], pairs.missed, names)


def choose_bands(
    model: MatchModel,
    pairs: Pairs,
    *,
    min_precision: float,
    unreported: Collection[int] = (),
    max_false_alarm_rate: float = 1.0,
    grid: Sequence[float] = RIVAL_GRID,
) -> MatchModel:
    """Choose the rival threshold and the band thresholds together on validation pairs.

    For each rival threshold in ``grid`` the rival rule is applied to the pairs exactly as the
    index applies it (:func:`~matcher.model.rival_free` over each query's top-k), and the match
    threshold is the lowest that keeps ``min_precision`` among the pairs the rule lets through
    *and* keeps false alarms within ``max_false_alarm_rate`` with
    :data:`FALSE_ALARM_CONFIDENCE` (:func:`allowed_false_alarms`). A false alarm is a match
    candidate for a child nobody reported (``unreported``: their group numbers). Every
    *reported* child, its own reports set aside, stands in for one more such child
    (:func:`look_alike_scores`): what it may be falsely matched to is the same crowd of namesakes
    and siblings, and counting them measures the rate on all validation children instead of the
    quarter nobody reported — a threshold set by the 5th-highest of 2,400 scores moved with every
    sample. The rival threshold whose match band recalls most true pairs wins (ties: the lower,
    more cautious one). Needs ``pairs.names`` (``candidate_pairs(..., top_k=...)``).
    """
    scores = model.predict_proba(pairs.levels)[:, 1]
    unrep = np.isin(pairs.groups, np.fromiter(unreported, dtype=np.int64))
    n_unrep = len(set(unreported))
    children = len(set(unreported) | set(pairs.groups.tolist()))

    def fit_bands(rival: float) -> float:
        eligible = rival_eligible(pairs, scores, rival) if pairs.names else None
        model.choose_thresholds(
            pairs.levels, pairs.labels, min_precision=min_precision, eligible=eligible
        )
        ok = np.ones(len(scores), dtype=bool) if eligible is None else eligible
        best = look_alike_scores(pairs, scores, rival if pairs.names else None)
        precision_floor = model.match_threshold_  # the lowest that keeps min_precision

        def threshold(rate: float) -> float:
            allowed = allowed_false_alarms(rate, children)
            return _false_alarm_threshold(best, allowed, precision_floor)

        model.match_threshold_ = threshold(max_false_alarm_rate)
        model.review_threshold_ = min(model.review_threshold_, model.match_threshold_)
        point = _band_figures(pairs, scores, ok, unrep, model.match_threshold_)
        model.metadata_["validation"].update(
            match_precision=point["match_precision"],
            match_recall=point["match_recall"],
            false_alarms=point["false_alarms"],
            unreported=n_unrep,
            look_alike_false_alarms=int((best >= model.match_threshold_).sum()),
            look_alike_children=children,
            rival_threshold=rival,
        )
        points = []
        for rate in OPERATING_POINT_RATES:
            t = threshold(rate)
            points.append(
                {
                    "max_false_alarm_rate": rate,
                    **_band_figures(pairs, scores, ok, unrep, t),
                    "look_alike_false_alarms": int((best >= t).sum()),
                }
            )
        model.metadata_["validation"]["operating_points"] = points
        return float(point["match_recall"])

    best_rival = max(grid, key=lambda r: (round(fit_bands(r), 12), -r))
    model.rival_threshold_ = best_rival
    fit_bands(best_rival)
    return model


#: False-alarm limits (share of children nobody reported given a match candidate, kept with
#: :data:`FALSE_ALARM_CONFIDENCE`) whose match-band figures, at the chosen rival rule and
#: ``min_precision``, are stored in the model's metadata as ``operating_points``: what a
#: deployment trades by training with another ``max_false_alarm_rate`` (``shondhan train``),
#: without training once per choice.
OPERATING_POINT_RATES = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


def allowed_false_alarms(
    rate: float, children: int, confidence: float = FALSE_ALARM_CONFIDENCE
) -> int:
    """The most false alarms among ``children`` validation children that still shows, with
    ``confidence``, a rate of at most ``rate``: the largest ``k`` whose one-sided
    Clopper–Pearson upper bound is ≤ ``rate`` (0 when even none would not show it — too few
    children to measure so small a rate; every child when ``rate`` ≥ 1)."""
    if rate >= 1.0 or children <= 0:
        return max(children, 0)
    if rate <= 0.0:
        return 0
    from scipy.stats import beta  # type: ignore[import-untyped]

    def upper(k: int) -> float:
        return 1.0 if k >= children else float(beta.ppf(confidence, k + 1, children - k))

    lo, hi = 0, children  # upper() rises with k: find the last k with upper(k) <= rate
    if upper(0) > rate:
        return 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if upper(mid) <= rate:
            lo = mid
        else:
            hi = mid - 1
    return lo


def look_alike_scores(
    pairs: Pairs, scores: npt.NDArray[np.float64], rival: float | None
) -> npt.NDArray[np.float64]:
    """Per validation child, the best score a report that is *not* the child's could reach in
    the match band, highest first (children with none are left out).

    For a child nobody reported that is its best candidate; for a reported child, its best
    candidate once its own reports are set aside, with the rival rule (``rival``; ``None``:
    no rule) applied to what is left, as the index would apply it had the child never been
    reported."""
    others = pairs.labels == 0
    if not others.any():
        return np.zeros(0)
    sub = _subset(pairs, others)
    sub_scores = scores[others]
    ok = (
        rival_eligible(sub, sub_scores, rival)
        if rival is not None and sub.names
        else np.ones(len(sub_scores), dtype=bool)
    )
    return _best_per_group(sub.groups, sub_scores, ok)


def _best_per_group(
    groups: npt.NDArray[np.int64], scores: npt.NDArray[np.float64], sel: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Best selected score of each group that has one, highest first."""
    if not sel.any():
        return np.zeros(0)
    order = np.argsort(groups[sel], kind="stable")
    g, s = groups[sel][order], scores[sel][order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    return np.sort(np.maximum.reduceat(s, starts))[::-1]


def _false_alarm_threshold(best: npt.NDArray[np.float64], allowed: int, floor: float) -> float:
    """The lowest match threshold (at least ``floor``) that gives at most ``allowed`` of the
    children (their best look-alike scores ``best``, highest first) a match candidate."""
    threshold = floor
    if allowed < len(best) and best[allowed] >= threshold:
        threshold = float(np.nextafter(best[allowed], 2.0))
    return min(threshold, 1.0)


def _band_figures(
    pairs: Pairs,
    scores: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
    unrep: npt.NDArray[np.bool_],
    threshold: float,
) -> dict[str, Any]:
    """Match-band figures of validation pairs at one match threshold (rival rule ``ok``)."""
    in_match = (scores >= threshold) & ok
    y = pairs.labels
    total = max(int(y.sum()), 1)
    return {
        "match_threshold": threshold,
        "match_precision": float(y[in_match].mean()) if in_match.any() else None,
        "match_recall": float(y[in_match].sum() / total),
        "false_alarms": len(set(pairs.groups[in_match & unrep].tolist())),
    }


def operating_point_lines(model: MatchModel) -> list[str]:
    """The model's validation operating points as printable lines (empty if it has none).

    One line per false-alarm limit: the match threshold it would set and the match band's
    precision, recall and false alarms on validation — among the children nobody reported, and
    among all children with their own reports set aside (what the limit is kept on) — the
    chosen one marked ``*``.
    """
    val = model.metadata_.get("validation", {})
    points = val.get("operating_points") or []
    chosen = model.metadata_.get("training", {}).get("max_false_alarm_rate")
    lines = []
    if points:
        lines.append(
            "false alarm limit  match threshold  precision  recall  false alarms: "
            "unreported / all children (validation)"
        )
    for p in points:
        precision = p["match_precision"]
        look_alike = p.get("look_alike_false_alarms")
        lines.append(
            f"{'*' if p['max_false_alarm_rate'] == chosen else ' '} "
            f"{p['max_false_alarm_rate']:>8.1%}         {p['match_threshold']:>8.4f}"
            f"        {'-' if precision is None else f'{precision:.4f}':>6}    "
            f"{p['match_recall']:.4f}  {p['false_alarms']} of {val.get('unreported', '?')}"
            + (
                ""
                if look_alike is None
                else f" / {look_alike} of {val.get('look_alike_children', '?')}"
            )
        )
    return lines


def _shown(path: Path) -> str:
    """A folder as the model's metadata names it: never an absolute path (it may name a user)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path.name
