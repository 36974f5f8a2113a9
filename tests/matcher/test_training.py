"""Training end to end on small generated splits: model file, bands, calibration sanity."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from matcher.index import MatchIndex
from matcher.levels import COMPARISONS, FIELDS, N_FIELDS, Field
from matcher.model import MatchModel
from matcher.records import Band
from matcher.training import (
    FALSE_ALARM_CONFIDENCE,
    RIVAL_GRID,
    Pairs,
    allowed_false_alarms,
    candidate_pairs,
    choose_bands,
    load_split,
    recall_at,
    top_per_query,
    train_model,
    train_unsupervised,
)
from training_data.generate import Split, generate, write_csvs


@pytest.fixture(scope="module")
def splits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("splits")
    train, val = root / "train", root / "validation"
    write_csvs(generate(n_reports=1500, n_interceptions=300, seed=21, split=Split.TRAIN), train)
    write_csvs(generate(n_reports=1500, n_interceptions=400, seed=22, split=Split.VALIDATION), val)
    return train, val


@pytest.fixture(scope="module")
def trained(splits: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.json"
    train_model(*splits, out=out, source={"data": "generated for the tests"})
    return out


@pytest.mark.slow
def test_train_model_writes_a_loadable_model_with_bands(trained: Path) -> None:
    model = MatchModel.load(trained)
    assert 0.5 <= model.match_threshold_ <= 1.0
    assert 0.0 < model.review_threshold_ <= model.match_threshold_
    meta = model.metadata_["training"]
    # where the data came from: folders by name (never an absolute path), then the caller's words
    assert (meta["train_dir"], meta["validation_dir"]) == ("train", "validation")
    assert meta["data"] == "generated for the tests"
    assert meta["validation_recall_at_10"] >= 0.9
    assert meta["validation_recall_at_1"] <= meta["validation_recall_at_10"]
    assert model.metadata_["validation"]["match_precision"] >= 0.9
    assert model.rival_threshold_ in RIVAL_GRID
    assert model.metadata_["validation"]["rival_threshold"] == model.rival_threshold_


@pytest.mark.slow
def test_calibration_sanity_on_validation(trained: Path, splits: tuple[Path, Path]) -> None:
    """Mean predicted probability tracks the observed match rate, overall and in bins."""
    model = MatchModel.load(trained)
    val = load_split(splits[1])
    index = MatchIndex(model)
    index.add_many(val.reports)
    pairs = candidate_pairs(index, val.interceptions, val.matches, top_k=10)
    p = model.predict_proba(pairs.levels)[:, 1]
    y = pairs.labels
    assert abs(p.mean() - y.mean()) < 0.03
    bins = np.digitize(p, [0.1, 0.5, 0.9])
    for b in range(4):
        sel = bins == b
        if sel.sum() >= 40:
            assert abs(p[sel].mean() - y[sel].mean()) < 0.15, f"bin {b}"


def test_top_per_query_keeps_the_best_k_of_each_query() -> None:
    pairs = Pairs(
        levels=np.zeros((5, N_FIELDS), dtype=np.int8),
        labels=np.array([0, 1, 0, 0, 1]),
        groups=np.array([0, 0, 0, 1, 1]),
        missed=0,
    )
    scores = np.array([0.1, 0.9, 0.5, 0.2, 0.8])
    top = top_per_query(pairs, scores, 2)
    assert top.groups.tolist() == [0, 0, 1, 1]
    assert top.labels.tolist() == [1, 0, 0, 1]


def children_with_look_alikes(
    children: int, look_alikes: int, look_alike: npt.NDArray[np.int8], name: str
) -> Pairs:
    """``children`` queries whose own report has every field at its best level (p ≈ 1); the
    first ``look_alikes`` also have another report (levels ``look_alike``, child's name
    ``name``)."""
    strong = np.ones(N_FIELDS, dtype=np.int8)
    levels, labels, groups, names = [], [], [], []
    for g in range(children):
        levels.append(strong)
        labels.append(1)
        groups.append(g)
        names.append(("rhma",))
        if g < look_alikes:
            levels.append(look_alike)
            labels.append(0)
            groups.append(g)
            names.append((name,))
    return Pairs(np.stack(levels), np.array(labels), np.array(groups), missed=0, names=tuple(names))


@pytest.mark.parametrize(
    ("with_siblings", "rival_on"),
    [(0, False), (30, True)],
    ids=["no-siblings", "siblings-need-the-rule"],
)
def test_choose_bands_turns_the_rival_rule_on_when_it_buys_recall(
    with_siblings: int, rival_on: bool
) -> None:
    """Queries with a true pair alone, and queries where a sibling scores as high as the
    child: without the rival rule the siblings sink the match band's precision."""
    strong = np.ones(N_FIELDS, dtype=np.int8)  # every field at its best level: p ≈ 1
    pairs = children_with_look_alikes(100, with_siblings, strong, "smia")
    model = choose_bands(MatchModel.hand_set(), pairs, min_precision=0.98)
    val = model.metadata_["validation"]
    if rival_on:
        assert model.rival_threshold_ <= 1.0
    assert val["match_precision"] >= 0.98
    assert val["match_recall"] == pytest.approx(1.0 - with_siblings / 100)


@pytest.mark.parametrize(
    ("max_rate", "false_alarms"),
    [(1.0, 1), (0.0, 0)],
    ids=["no-limit", "no-false-alarm-allowed"],
)
def test_choose_bands_limits_false_alarms_on_unreported_children(
    max_rate: float, false_alarms: int
) -> None:
    """100 reported children (true pair at p ≈ 1); 10 unreported, one of whom has a namesake
    scoring a little lower. Precision alone (100/101) lets the namesake in; the limit does not."""
    strong = np.ones(N_FIELDS, dtype=np.int8)
    namesake = strong.copy()
    namesake[FIELDS.index(Field.PHONE)] = 3  # different numbers: lower, still high
    weak = np.array([len(c.levels) - 1 for c in COMPARISONS], dtype=np.int8)
    levels = [strong] * 100 + [namesake] + [weak] * 9
    labels = [1] * 100 + [0] * 10
    groups = list(range(110))
    pairs = Pairs(
        np.stack(levels),
        np.array(labels),
        np.array(groups),
        missed=0,
        names=tuple(("rhma",) for _ in groups),
    )
    model = choose_bands(
        MatchModel.hand_set(),
        pairs,
        min_precision=0.98,
        unreported=range(100, 110),
        max_false_alarm_rate=max_rate,
    )
    val = model.metadata_["validation"]
    assert val["false_alarms"] == false_alarms
    assert val["unreported"] == 10
    assert val["match_recall"] == pytest.approx(1.0)
    assert val["match_precision"] >= 0.98
    p = model.predict_proba(np.stack([namesake]))[0, 1]
    assert bool(p >= model.match_threshold_) == (false_alarms == 1)


def test_operating_points_trade_false_alarms_for_recall() -> None:
    """The stored operating points: more false alarms allowed never lowers recall or raises the
    threshold, each point keeps its allowance, and the chosen allowance is the model's band."""
    rng = np.random.default_rng(7)
    top = np.array([len(c.levels) - 1 for c in COMPARISONS])
    # random levels, skewed to agreement for true pairs: scores spread over the whole range
    levels, labels, groups = [], [], []
    for g in range(600):
        reported = g < 400
        lv = (
            rng.integers(0, top + 1)
            if not reported
            else np.minimum(rng.integers(0, 3, N_FIELDS), top)
        )
        levels.append(lv.astype(np.int8))
        labels.append(int(reported))
        groups.append(g)
    pairs = Pairs(
        np.stack(levels),
        np.array(labels),
        np.array(groups),
        missed=0,
        names=tuple((f"n{g}",) for g in groups),
    )
    model = choose_bands(
        MatchModel.hand_set(),
        pairs,
        min_precision=0.5,
        unreported=range(400, 600),
        max_false_alarm_rate=0.01,
    )
    val = model.metadata_["validation"]
    points = val["operating_points"]
    assert [p["max_false_alarm_rate"] for p in points] == sorted(
        p["max_false_alarm_rate"] for p in points
    )
    for p in points:  # every child stands in for an unreported one: 600 children
        assert p["look_alike_false_alarms"] <= allowed_false_alarms(p["max_false_alarm_rate"], 600)
        assert p["false_alarms"] <= p["look_alike_false_alarms"]
    for a, b in itertools.pairwise(points):
        assert b["match_threshold"] <= a["match_threshold"]
        assert b["match_recall"] >= a["match_recall"]
    chosen = next(p for p in points if p["max_false_alarm_rate"] == 0.01)
    assert chosen["match_threshold"] == model.match_threshold_
    assert chosen["match_recall"] == val["match_recall"]
    assert points[-1]["match_recall"] > points[0]["match_recall"]  # the trade is real here


@pytest.mark.parametrize("children", [300, 1_221, 2_443, 10_000])
@pytest.mark.parametrize("rate", [0.002, 0.005, 0.02])
def test_allowed_false_alarms_keeps_the_rate_with_the_stated_confidence(
    rate: float, children: int
) -> None:
    """k false alarms among n children show a rate ≤ ``rate`` with 97.5% confidence exactly when
    seeing k or fewer would be a ≤ 2.5% event were the rate ``rate`` (the binomial dual of the
    Clopper–Pearson bound); the allowance is the largest such k (0 when none qualifies)."""
    from scipy.stats import binom  # type: ignore[import-untyped]

    alpha = 1 - FALSE_ALARM_CONFIDENCE
    k = allowed_false_alarms(rate, children)
    assert 0 <= k < rate * children  # always stricter than the point estimate
    if binom.cdf(0, children, rate) <= alpha:
        assert binom.cdf(k, children, rate) <= alpha + 1e-9
    else:
        assert k == 0  # too few children to show so small a rate: none allowed
    assert binom.cdf(k + 1, children, rate) > alpha


def test_allowed_false_alarms_grows_with_the_children_measured() -> None:
    """More validation children measure the rate more tightly, so more of it may be used."""
    ks = [allowed_false_alarms(0.005, n) for n in (1_000, 2_443, 10_000, 100_000)]
    shares = [k / n for k, n in zip(ks, (1_000, 2_443, 10_000, 100_000), strict=True)]
    assert shares == sorted(shares)
    assert shares[-1] > 0.004
    assert allowed_false_alarms(1.0, 50) == 50
    assert allowed_false_alarms(0.0, 50) == 0


@pytest.mark.parametrize("limit", [0.0, 1.0], ids=["none-allowed", "no-limit"])
def test_reported_childrens_look_alikes_count_as_false_alarms(limit: float) -> None:
    """No child is unreported here, yet 20 of 200 reported children have a namesake scoring a
    little under their own report: set aside, those are what the children would be falsely
    matched to. With no false alarm allowed the band closes above the namesakes."""
    strong = np.ones(N_FIELDS, dtype=np.int8)
    namesake = strong.copy()
    namesake[FIELDS.index(Field.PHONE)] = 3
    pairs = children_with_look_alikes(200, 20, namesake, "rhma")
    model = choose_bands(
        MatchModel.hand_set(), pairs, min_precision=0.9, max_false_alarm_rate=limit, grid=(1.1,)
    )
    val = model.metadata_["validation"]
    assert val["look_alike_children"] == 200
    p = model.predict_proba(np.stack([namesake]))[0, 1]
    assert bool(p >= model.match_threshold_) == (limit == 1.0)
    assert val["look_alike_false_alarms"] == (20 if limit == 1.0 else 0)


@pytest.fixture(scope="module")
def unsupervised(splits: tuple[Path, Path]) -> MatchModel:
    """EM on the validation split's records; its truth is not read."""
    val = load_split(splits[1])
    return train_unsupervised(val.reports, val.interceptions)


@pytest.mark.slow
def test_unsupervised_model_ranks_the_child_first_without_labels(
    unsupervised: MatchModel, splits: tuple[Path, Path]
) -> None:
    """Fitted on records alone, it still puts the child's report first for most children (the
    truth is only used here, to measure), learns a plausible match share, and keeps the bands
    it was given: review only, no match band."""
    val = load_split(splits[1])
    index = MatchIndex(unsupervised)
    index.add_many(val.reports)
    pairs = candidate_pairs(index, val.interceptions, val.matches, top_k=10)
    bootstrap = MatchIndex(MatchModel.hand_set())
    bootstrap.add_many(val.reports)
    hand = candidate_pairs(bootstrap, val.interceptions, val.matches, top_k=10)
    # it learnt something: better than the hand-set weights it started from
    assert recall_at(pairs, val.matches, 1) > recall_at(hand, val.matches, 1)
    assert recall_at(pairs, val.matches, 10) >= 0.95
    assert 0.3 < unsupervised.metadata_["em_lambda"] < 0.95  # ~0.7 of best candidates are right
    assert unsupervised.match_threshold_ > 1.0
    bands = {c.band for it in val.interceptions[:100] for c in index.query(it, top_k=3)}
    assert Band.MATCH not in bands
    assert Band.REVIEW in bands
    assert unsupervised.weight(Field.PHONE, 1) > 0 > unsupervised.weight(Field.PHONE, 3)
    again = MatchModel.from_json(unsupervised.to_json())
    assert again.version == unsupervised.version


def test_unsupervised_needs_enough_interceptions(splits: tuple[Path, Path]) -> None:
    val = load_split(splits[1])
    with pytest.raises(ValueError, match="at least"):
        train_unsupervised(val.reports, val.interceptions[:50])
    with pytest.raises(ValueError, match="runner_up_ranks"):
        train_unsupervised(val.reports, val.interceptions, runner_up_ranks=(1, 10))
