"""Metrics: hand-computed cases, table-driven, plus properties (bounds, monotonicity)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.evaluate import (
    band_prf,
    best_recall_at_precision,
    best_threshold_f1,
    calibration_error,
    evaluate_candidates,
    false_alarms,
    grouping_prf,
    pair_completeness,
    prf,
    rank_lists,
    recall_at_k,
    reduction_ratio,
    reviewer_effort,
    slice_recall_at_k,
)
from matcher.records import Band, Candidate

NAN = float("nan")

# i1 -> r1 (found at rank 2), i2 -> r2 (found at rank 1), i3 -> r3 (never proposed),
# i4 unreported (gets a match-band candidate: a false alarm), i5 unreported (review only),
# i6 -> {r6a, r6b} duplicate reports (r6b found at rank 3).
TRUTH: dict[str, frozenset[str]] = {
    "i1": frozenset({"r1"}),
    "i2": frozenset({"r2"}),
    "i3": frozenset({"r3"}),
    "i4": frozenset(),
    "i5": frozenset(),
    "i6": frozenset({"r6a", "r6b"}),
}


def cand(iid: str, rid: str, rank: int, score: float, band: Band = Band.REVIEW) -> Candidate:
    return Candidate(iid, rid, rank, score, band)


CANDS = [
    cand("i1", "rX", 1, 0.95, Band.MATCH),
    cand("i1", "r1", 2, 0.90, Band.MATCH),
    cand("i2", "r2", 1, 0.99, Band.MATCH),
    cand("i3", "rY", 1, 0.30),
    cand("i4", "rZ", 1, 0.97, Band.MATCH),
    cand("i5", "rW", 1, 0.50),
    cand("i6", "rV", 1, 0.60),
    cand("i6", "rU", 2, 0.40),
    cand("i6", "r6b", 3, 0.20, Band.NO_MATCH),
    cand("i9", "r9", 1, 0.99, Band.MATCH),  # not in truth: ignored
]


@pytest.mark.parametrize(
    ("k", "expected"),
    [(1, 1 / 4), (2, 2 / 4), (3, 3 / 4), (10, 3 / 4)],
    ids=["k1", "k2", "k3", "k10"],
)
def test_recall_at_k_hand_computed(k: int, expected: float) -> None:
    assert recall_at_k(rank_lists(CANDS), TRUTH, k=k) == pytest.approx(expected)


def test_recall_at_k_rejects_k_below_one() -> None:
    with pytest.raises(ValueError, match="k must be"):
        recall_at_k({}, TRUTH, k=0)


@pytest.mark.parametrize(
    ("truth", "expected_nan"),
    [({}, True), ({"i4": frozenset()}, True), ({"i1": frozenset({"r1"})}, False)],
    ids=["empty-truth", "only-unreported", "one-reported"],
)
def test_recall_undefined_is_nan_not_zero(
    truth: dict[str, frozenset[str]], expected_nan: bool
) -> None:
    assert math.isnan(recall_at_k({}, truth, k=5)) is expected_nan


def test_rank_lists_orders_by_rank_and_dedupes() -> None:
    shuffled = [cand("a", "r2", 2, 0.5), cand("a", "r1", 1, 0.9), cand("a", "r1", 3, 0.1)]
    assert rank_lists(shuffled) == {"a": ["r1", "r2"]}


def test_band_prf_hand_computed() -> None:
    # match band, in truth: (i1,rX) (i1,r1) (i2,r2) (i4,rZ) -> 2 true of 4; true pairs = 5
    got = band_prf(CANDS, TRUTH)
    assert (got.true_positives, got.predicted, got.actual) == (2, 4, 5)
    assert got.precision == pytest.approx(0.5)
    assert got.recall == pytest.approx(0.4)
    assert got.f1 == pytest.approx(2 * 0.5 * 0.4 / 0.9)


@pytest.mark.parametrize(
    ("tp", "pred", "actual", "expected"),
    [
        (0, 0, 5, (math.nan, 0.0, math.nan)),
        (0, 3, 5, (0.0, 0.0, 0.0)),
        (3, 3, 3, (1.0, 1.0, 1.0)),
        (1, 2, 4, (0.5, 0.25, 1 / 3)),
    ],
    ids=["nothing-predicted", "all-wrong", "perfect", "half-quarter"],
)
def test_prf_table(tp: int, pred: int, actual: int, expected: tuple[float, float, float]) -> None:
    got = prf(tp, pred, actual)
    for value, want in zip((got.precision, got.recall, got.f1), expected, strict=True):
        if math.isnan(want):
            assert math.isnan(value)
        else:
            assert value == pytest.approx(want)


def test_best_threshold_f1_hand_computed() -> None:
    truth = {"a": frozenset({"r1"}), "b": frozenset({"r2"}), "c": frozenset()}
    scored = [("a", "r1", 0.9), ("c", "rx", 0.8), ("b", "r2", 0.7), ("b", "ry", 0.1)]
    # thresholds: 0.9 -> P1 R.5 F.667; 0.8 -> P.5 R.5 F.5; 0.7 -> P.667 R1 F.8; 0.1 -> P.5 R1 F.667
    got = best_threshold_f1(scored, truth)
    assert got.threshold == pytest.approx(0.7)
    assert got.prf.f1 == pytest.approx(0.8)


def test_best_threshold_f1_ties_move_together() -> None:
    truth = {"a": frozenset({"r1"}), "b": frozenset()}
    # one true and one false pair at the same score: no threshold separates them
    got = best_threshold_f1([("a", "r1", 0.5), ("b", "rx", 0.5)], truth)
    assert (got.prf.predicted, got.prf.true_positives) == (2, 1)


def test_best_threshold_f1_with_nothing_scored_is_nan() -> None:
    got = best_threshold_f1([], {"a": frozenset({"r1"})})
    assert math.isnan(got.threshold)
    assert math.isnan(got.prf.f1)


def test_false_alarms_counts_only_unreported_children() -> None:
    got = false_alarms(CANDS, TRUTH)
    assert (got.count, got.unreported) == (1, 2)
    assert got.rate == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], 0.0),
        ([("i1", "r1"), ("i2", "r2")], 2 / 5),
        ([("i1", "r1"), ("i2", "r2"), ("i3", "r3"), ("i6", "r6a"), ("i6", "r6b")], 1.0),
        ([("i1", "r2")], 0.0),
    ],
    ids=["none", "two-of-five", "all", "crossed-ids"],
)
def test_pair_completeness(pairs: list[tuple[str, str]], expected: float) -> None:
    assert pair_completeness(pairs, TRUTH) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n_pairs", "n_r", "n_i", "expected"),
    [(0, 10, 10, 1.0), (100, 10, 10, 0.0), (10, 100, 10, 0.99)],
    ids=["nothing-compared", "everything-compared", "one-percent"],
)
def test_reduction_ratio(n_pairs: int, n_r: int, n_i: int, expected: float) -> None:
    assert reduction_ratio(n_pairs, n_r, n_i) == pytest.approx(expected)


def test_reduction_ratio_empty_is_nan() -> None:
    assert math.isnan(reduction_ratio(0, 0, 5))


def test_slice_recall() -> None:
    slices = {"cross_script": frozenset({"i1", "i3"}), "empty": frozenset({"i4"})}
    got = slice_recall_at_k(rank_lists(CANDS), TRUTH, slices, k=1)
    assert got["cross_script"] == (0.0, 2)
    assert math.isnan(got["empty"][0])
    assert got["empty"][1] == 0
    got10 = slice_recall_at_k(rank_lists(CANDS), TRUTH, slices, k=10)
    assert got10["cross_script"] == (0.5, 2)


def test_evaluate_candidates_bundles_figures() -> None:
    ev = evaluate_candidates(CANDS, TRUTH, k=10, slices={"s": frozenset({"i2"})})
    assert (ev.interceptions, ev.reported) == (6, 4)
    assert ev.recall_at_1 == pytest.approx(0.25)
    assert ev.recall_at_k == pytest.approx(0.75)
    assert ev.false_alarms.count == 1
    rows = dict(ev.rows())
    assert rows["recall@10 s"] == "1.0000 (n=1)"
    assert rows["false alarms (unreported)"] == "1 / 2"


ids = st.sampled_from([f"r{i}" for i in range(6)])
rankings = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]), st.lists(ids, max_size=6, unique=True)
)
truths = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.frozensets(ids, max_size=2))


@given(rankings, truths)
def test_recall_at_k_is_bounded_and_monotone_in_k(
    ranked: dict[str, list[str]], truth: dict[str, frozenset[str]]
) -> None:
    values = [recall_at_k(ranked, truth, k=k) for k in (1, 2, 3, 6)]
    if any(math.isnan(v) for v in values):
        assert all(math.isnan(v) for v in values)
        return
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)


@given(st.lists(st.tuples(st.sampled_from("abc"), ids, st.floats(0, 1))), truths)
def test_best_f1_is_at_least_any_fixed_threshold(
    scored: list[tuple[str, str, float]], truth: dict[str, frozenset[str]]
) -> None:
    best = best_threshold_f1(scored, truth)
    for threshold in (0.0, 0.5, 0.9):
        pairs = {(i, r) for i, r, s in scored if s >= threshold and i in truth}
        actual = {(i, r) for i, rs in truth.items() for r in rs}
        fixed = prf(len(pairs & actual), len(pairs), len(actual))
        if not math.isnan(fixed.f1):
            assert best.prf.f1 >= fixed.f1 - 1e-12


# ------------------------------------------------------------------ reviewer effort, calibration

EFFORT_TRUTH = {"I1": frozenset({"R1"}), "I2": frozenset({"R2", "R2b"}), "I3": frozenset()}


def test_reviewer_effort_in_the_queue_skips_what_a_confirmed_match_closed() -> None:
    """A confirmed match takes its interception's other candidates and its report's out of the
    queue: I1's look-alike "Y" and I3's candidate of the found report R1 are never read there."""
    scored = [("I1", "R1", 0.9), ("I1", "Y", 0.8), ("I3", "R1", 0.7), ("I2", "R2", 0.6)]
    every = reviewer_effort(scored, EFFORT_TRUTH, shares=(1.0,))
    queued = reviewer_effort(scored, EFFORT_TRUTH, shares=(1.0,), queue=True)
    assert every[1.0] == pytest.approx(4 / 2)
    assert queued[1.0] == pytest.approx(2 / 2)


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        pytest.param(
            [("I1", "R1", 0.9), ("I2", "R2", 0.8), ("I3", "R9", 0.7)],
            {0.5: 1.0, 1.0: 1.0},
            id="every-read-finds-a-child",
        ),
        pytest.param(
            [("I1", "R1", 0.9), ("I3", "R9", 0.8), ("I2", "X", 0.7), ("I2", "R2b", 0.6)],
            {0.5: 1.0, 1.0: 2.0},
            id="two-look-alikes-read-before-the-second-child",
        ),
        pytest.param(
            [("I1", "R1", 0.9), ("I2", "R2", 0.8), ("I2", "R2b", 0.7), ("I1", "Y", 0.6)],
            {0.5: 1.0, 1.0: 1.0},
            id="a-second-report-of-a-found-child-is-read-after",
        ),
        pytest.param([("I1", "X", 0.9), ("I1", "R1", 0.5)], {0.5: 2.0, 1.0: NAN}, id="never-all"),
    ],
)
def test_reviewer_effort_counts_candidates_read_per_child_found(
    scored: list[tuple[str, str, float]], expected: dict[float, float]
) -> None:
    got = reviewer_effort(scored, EFFORT_TRUTH, shares=tuple(expected))
    for share, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[share])
        else:
            assert got[share] == pytest.approx(value)


def test_best_recall_at_precision_takes_the_lowest_threshold_that_keeps_precision() -> None:
    truth = {"I1": frozenset({"R1"}), "I2": frozenset({"R2"}), "I3": frozenset({"R3"})}
    scored = [("I1", "R1", 0.9), ("I2", "X", 0.8), ("I2", "R2", 0.7), ("I3", "R3", 0.6)]
    strict = best_recall_at_precision(scored, truth, min_precision=0.98)
    assert strict.threshold == 0.9
    assert strict.prf.recall == pytest.approx(1 / 3)
    loose = best_recall_at_precision(scored, truth, min_precision=0.75)
    assert loose.threshold == 0.6
    assert loose.prf.recall == pytest.approx(1.0)
    assert math.isnan(best_recall_at_precision([("I1", "X", 0.9)], truth).threshold)


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        pytest.param([("I1", "R1", 1.0), ("I2", "X", 0.0)], 0.0, id="perfect"),
        pytest.param([("I1", "R1", 0.05), ("I2", "X", 0.95)], 0.95, id="backwards"),
        pytest.param(
            [("I1", "R1", 0.55), ("I2", "X", 0.55), ("I3", "Y", 0.55), ("I4", "Z", 0.55)],
            0.3,
            id="one-in-four-at-0.55",
        ),
        pytest.param([], NAN, id="nothing-scored"),
    ],
)
def test_calibration_error(scored: list[tuple[str, str, float]], expected: float) -> None:
    truth = {f"I{i}": frozenset({"R1"} if i == 1 else set()) for i in range(1, 5)}
    got = calibration_error(scored, truth)
    assert math.isnan(got) if math.isnan(expected) else got == pytest.approx(expected)


TRUE_GROUPS = {"a": "a", "b": "a", "c": "a", "d": "d", "e": "e"}  # 3 true pairs


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        (TRUE_GROUPS, (3, 3, 3)),
        ({"a": "x", "b": "x"}, (1, 1, 3)),  # c, d, e missing: alone
        ({"a": "x", "b": "x", "c": "y", "d": "y"}, (1, 2, 3)),
        ({r: "all" for r in "abcde"}, (3, 10, 3)),
        ({r: r for r in "abcde"}, (0, 0, 3)),
        ({"a": "x", "b": "x", "zz": "x"}, (1, 1, 3)),  # a record outside the truth is ignored
    ],
    ids=["perfect", "partial", "one-wrong-pair", "everything-one-group", "all-alone", "unknown"],
)
def test_grouping_prf(predicted: dict[str, str], expected: tuple[int, int, int]) -> None:
    m = grouping_prf(predicted, TRUE_GROUPS)
    assert (m.true_positives, m.predicted, m.actual) == expected
