"""MatchModel: fitting (logistic and EM), additivity, bands, JSON round-trip and its failures."""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.fitting import LEVEL_ORDER, explainable, order_violations
from matcher.levels import (
    COMPARISONS,
    FIELD_COMPARISONS,
    FIELDS,
    N_FIELDS,
    Field,
    RecordField,
    field_level_combinations,
    field_verdict,
)
from matcher.model import (
    SCHEMA_VERSION,
    MatchModel,
    Method,
    ModelFormatError,
    rival_free,
)
from matcher.records import Band, Verdict


def synthetic_levels(n: int, match_rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Level vectors drawn from a known Fellegi–Sunter model: matches favour low levels.

    The true weights fall from +2 to -2 bits along each comparison's levels and take the sign
    of the level's own verdict (an agreeing level is evidence for, a disagreeing one against),
    so the truth itself never contradicts its explanation."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < match_rate).astype(np.int64)
    levels = np.zeros((n, N_FIELDS), dtype=np.int8)
    for f, c in enumerate(COMPARISONS):
        k = len(c.levels)
        w = np.linspace(2.0, -2.0, k - 1)
        for j, level in enumerate(c.levels[1:]):
            if level.verdict is Verdict.AGREE:
                w[j] = max(w[j], 0.5)
            elif level.verdict is Verdict.DISAGREE:
                w[j] = min(w[j], -0.5)
        u = np.concatenate([[0.1], np.full(k - 1, 0.9 / (k - 1))])
        m = np.concatenate([[0.1], 0.9 * 2.0**w / np.sum(2.0**w)])
        levels[y == 1, f] = rng.choice(k, size=int(y.sum()), p=m)
        levels[y == 0, f] = rng.choice(k, size=int((1 - y).sum()), p=u)
    return levels, y


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return synthetic_levels(12000, 0.2, seed=1)


@pytest.fixture(scope="module")
def one_level_per_field(data: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``data`` with only each record field's main comparison measured (the others null).

    ``synthetic_levels`` draws comparisons independently, so it makes combinations a real pair
    cannot ("same name" with "different surname") on which the verdict rules bind; with one
    comparison per field no constraint binds and the constrained and free fits must agree."""
    levels, y = data
    main = {comps[0].field for comps in FIELD_COMPARISONS.values()}
    out = levels.copy()
    for f, c in enumerate(COMPARISONS):
        if c.field not in main:
            out[:, f] = 0
    return out, y


@pytest.fixture(scope="module")
def fitted(data: tuple[np.ndarray, np.ndarray]) -> MatchModel:
    return MatchModel().fit(*data)


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    pos, neg = scores[y == 1], scores[y == 0]
    return float((pos[:, None] > neg[None, :]).mean())


@pytest.mark.parametrize("method", list(Method), ids=[m.value for m in Method])
def test_fit_learns_that_best_levels_are_evidence_for_a_match(
    method: Method, data: tuple[np.ndarray, np.ndarray]
) -> None:
    levels, y = data
    model = MatchModel(method=method).fit(levels, y if method is Method.LOGISTIC else None)
    for f, c in enumerate(COMPARISONS):
        w = model.weights_[f]
        assert w[0] == 0.0, "missing must weigh nothing"
        assert w[1] > w[len(c.levels) - 1], c.field
    assert auc(model.predict_proba(levels)[:, 1], y) > 0.95


def test_contributions_are_exact_and_additive(
    fitted: MatchModel, data: tuple[np.ndarray, np.ndarray]
) -> None:
    levels = data[0][:50]
    contrib = fitted.contribution_bits(levels)
    p = fitted.predict_proba(levels)[:, 1]
    logit_bits = np.log2(p / (1 - p))
    assert np.allclose(contrib.sum(axis=1) + fitted.intercept_, logit_bits)
    assert np.all(contrib[levels == 0] == 0.0)


def test_predict_proba_shape_and_bounds(
    fitted: MatchModel, data: tuple[np.ndarray, np.ndarray]
) -> None:
    proba = fitted.predict_proba(data[0])
    assert proba.shape == (len(data[0]), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert proba.min() >= 0.0
    assert proba.max() <= 1.0


def test_json_round_trip_gives_identical_predictions(
    fitted: MatchModel, data: tuple[np.ndarray, np.ndarray]
) -> None:
    model = MatchModel().fit(*data).choose_thresholds(*data)
    again = MatchModel.from_json(model.to_json())
    assert np.array_equal(again.predict_proba(data[0]), model.predict_proba(data[0]))
    assert again.match_threshold_ == model.match_threshold_
    assert again.review_threshold_ == model.review_threshold_
    assert again.method is model.method
    assert again.version == model.version
    assert again.version != MatchModel.hand_set().version
    doc = json.loads(model.to_json())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert [f["field"] for f in doc["fields"]] == [str(f) for f in FIELDS]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema_version=999), "schema_version 999"),
        (lambda d: d.pop("schema_version"), "schema_version None"),
        (lambda d: d.update(kind="something else"), "not a Shondhan MatchModel"),
        (lambda d: d["fields"][0]["levels"].pop(), "do not match"),
        (lambda d: d.pop("thresholds"), "malformed"),
        (lambda d: d.update(reference_reports=0), "positive count"),
        (lambda d: d.update(reference_reports="many"), "malformed"),
        (lambda d: d["thresholds"].update(review=0.99, match=0.5), "review <= match"),
        (lambda d: d["thresholds"].update(review=-0.1), "review <= match"),
        (lambda d: d["thresholds"].update(match=float("nan")), "finite"),
        (lambda d: d["thresholds"].update(rival=1.5), "rival"),
        (lambda d: d.update(intercept_bits=float("inf")), "weights must be finite"),
        (lambda d: d["fields"][0]["levels"][1].update(weight_bits=float("nan")), "finite"),
    ],
    ids=[
        "unknown-version",
        "no-version",
        "wrong-kind",
        "levels-changed",
        "missing-key",
        "zero-reference",
        "text-reference",
        "review-above-match",
        "negative-review",
        "nan-match",
        "rival-above-1",
        "infinite-intercept",
        "nan-weight",
    ],
)
def test_loading_a_bad_model_fails_clearly(
    fitted: MatchModel, mutate: object, message: str
) -> None:
    doc = json.loads(fitted.to_json())
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(ModelFormatError, match=message):
        MatchModel.from_json(json.dumps(doc))


@pytest.mark.parametrize(
    ("reference", "n_reports", "expected"),
    [
        (None, 1_000_000, 0.0),
        (50_000, None, 0.0),
        (50_000, 5_000, 0.0),
        (50_000, 50_000, 0.0),
        (50_000, 200_000, -2.0),
        (50_000, 1_000_000, -math.log2(20)),
    ],
    ids=["no-reference", "size-unknown", "smaller", "same", "4x", "20x"],
)
def test_prior_bits_only_ever_lower_scores_for_larger_pools(
    fitted: MatchModel, reference: int | None, n_reports: int | None, expected: float
) -> None:
    model = copy.deepcopy(fitted)
    model.reference_reports_ = reference
    assert model.prior_bits(n_reports) == pytest.approx(expected)
    again = MatchModel.from_json(model.to_json())
    assert again.reference_reports_ == reference
    lv = np.ones((1, N_FIELDS), dtype=np.int8)
    shift = model.decision_bits(lv, n_reports=n_reports) - model.decision_bits(lv)
    assert shift[0] == pytest.approx(expected)


def test_not_json_fails_clearly() -> None:
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        MatchModel.from_json("{nope")


def test_thresholds_reach_the_requested_precision(data: tuple[np.ndarray, np.ndarray]) -> None:
    levels, y = data
    model = MatchModel().fit(levels, y).choose_thresholds(levels, y, min_precision=0.98)
    p = model.predict_proba(levels)[:, 1]
    in_match = p >= model.match_threshold_
    assert y[in_match].mean() >= 0.98
    assert model.review_threshold_ <= model.match_threshold_
    assert model.band(model.match_threshold_) is Band.MATCH
    assert model.match_threshold_ >= 0.5
    below = np.nextafter(model.match_threshold_, 0.0)
    assert model.band(below) is (Band.REVIEW if below >= model.review_threshold_ else Band.NO_MATCH)
    assert model.band(0.0) is Band.NO_MATCH


def test_calibrate_keeps_weights_additive_and_ranking(
    fitted: MatchModel, data: tuple[np.ndarray, np.ndarray]
) -> None:
    levels, y = data
    model = copy.deepcopy(fitted)
    before = model.decision_bits(levels)
    model.calibrate(levels, y)
    after = model.decision_bits(levels)
    assert np.corrcoef(before, after)[0, 1] > 0.9999
    assert model.weight(Field.NAME, 0) == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [{"C": 0.0}, {"max_iter": 0}, {"em_prior": 1.0}, {"method": "logistic"}],
    ids=["C", "max_iter", "em_prior", "method-string"],
)
def test_bad_parameters_fail_at_construction(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - message varies by parameter
        MatchModel(**kwargs)  # type: ignore[arg-type]


def test_logistic_needs_labels_and_fitted_model_needed(data: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(ValueError, match="labels"):
        MatchModel().fit(data[0])
    with pytest.raises(RuntimeError, match="not fitted"):
        MatchModel().predict_proba(data[0])
    with pytest.raises(ValueError, match="shape"):
        MatchModel().fit(data[0][:, :3], data[1])


def test_shipped_default_model_loads() -> None:
    model = MatchModel.default()
    assert 0.0 < model.review_threshold_ <= model.match_threshold_ <= 1.0
    assert model.weight(Field.PHONE, 1) > model.weight(Field.PHONE, 3)


@pytest.mark.parametrize(
    ("scores", "names", "expected"),
    [
        ([0.99], [("rhma",)], [True]),
        ([0.99, 0.95], [("rhma",), ("smia",)], [False, False]),
        ([0.99, 0.5], [("rhma",), ("smia",)], [True, False]),
        ([0.99, 0.95], [("rhma", "ktn"), ("rhma", "ktn")], [True, True]),
        ([0.99, 0.95], [("rhma",), ()], [False, False]),
    ],
    ids=["alone", "sibling-rival", "weak-rival", "duplicate-report", "unnamed-rival"],
)
def test_rival_free(
    scores: list[float], names: list[tuple[str, ...]], expected: list[bool]
) -> None:
    assert rival_free(scores, names, rival_threshold=0.9) == expected


def test_em_with_u_from_random_pairs(data: tuple[np.ndarray, np.ndarray]) -> None:
    levels, y = data
    random_pairs, _ = synthetic_levels(4000, 0.0, seed=2)  # non-matches only
    model = MatchModel(method=Method.EM).fit(levels, u_levels=random_pairs)
    assert auc(model.predict_proba(levels)[:, 1], y) > 0.95
    assert 0.05 < model.metadata_["em_lambda"] < 0.5  # true share is 0.2
    last = len(COMPARISONS[0].levels) - 1
    assert model.weight(Field.NAME, 1) > 0 > model.weight(Field.NAME, last)


# ---------------------------------------------------------------------- monotone weights


def inverted_levels(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels where a field's *best* level is rarer among matches than its second: an
    unconstrained fit inverts them (what overlapping name fields did to the shipped model)."""
    levels, y = synthetic_levels(n, 0.2, seed=seed)
    rng = np.random.default_rng(seed + 100)
    f = FIELDS.index(Field.SURNAME)
    # matches mostly at "similar surname"; non-matches often at "same surname key"
    levels[y == 1, f] = rng.choice([1, 2, 3], size=int(y.sum()), p=[0.2, 0.7, 0.1])
    levels[y == 0, f] = rng.choice([1, 2, 3], size=int((1 - y).sum()), p=[0.5, 0.1, 0.4])
    return levels, y


def test_level_order_covers_every_field_with_valid_levels() -> None:
    assert set(LEVEL_ORDER) == set(FIELDS)
    for c in COMPARISONS:
        for strong, weak in LEVEL_ORDER[c.field]:
            assert 1 <= strong < len(c.levels), c.field
            assert 1 <= weak < len(c.levels), c.field
            assert strong != weak, c.field


@pytest.mark.parametrize("monotone", [False, True], ids=["unconstrained", "monotone"])
def test_monotone_fit_removes_inversions_that_the_unconstrained_fit_learns(
    monotone: bool,
) -> None:
    levels, y = inverted_levels(6000, seed=3)
    model = MatchModel(monotone=monotone).fit(levels, y)
    bad = order_violations(model.weights_)
    if monotone:
        assert bad == []
        assert model.metadata_["solver"]["converged"]
    else:
        assert any(v.startswith("surname") for v in bad)
    assert np.all([w[0] == 0.0 for w in model.weights_])
    assert auc(model.predict_proba(levels)[:, 1], y) > 0.95


def penalised_loss(model: MatchModel, levels: np.ndarray, y: np.ndarray) -> float:
    """scikit-learn's objective (C = 1): Σ log-loss + ½‖w‖² with w in nats."""
    p = np.clip(model.predict_proba(levels)[:, 1], 1e-15, 1 - 1e-15)
    loss = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss + 0.5 * sum(float(np.sum((w * np.log(2)) ** 2)) for w in model.weights_))


def test_monotone_fit_reaches_the_unconstrained_optimum_when_no_constraint_binds(
    one_level_per_field: tuple[np.ndarray, np.ndarray],
) -> None:
    """Same objective as scikit-learn's: where the data already respect the order, the
    constrained solver must do at least as well as the unconstrained one (not worse)."""
    data = one_level_per_field
    free = MatchModel(monotone=False).fit(*data)
    assert order_violations(free.weights_) == []
    mono = MatchModel(monotone=True).fit(*data)
    a, b = penalised_loss(free, *data), penalised_loss(mono, *data)
    assert b <= a * 1.001
    assert a <= b * 1.05  # and scikit-learn's own optimum is not far off


def test_shipped_model_weights_respect_the_level_order() -> None:
    assert order_violations(MatchModel.default().weights_) == []


def test_unconstrained_fit_that_contradicts_its_verdicts_cannot_be_loaded(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    free = MatchModel(monotone=False).fit(*data)
    assert order_violations(free.weights_) != []
    with pytest.raises(ModelFormatError, match="contradict"):
        MatchModel.from_json(free.to_json())


def test_monotone_flag_round_trips_through_json(
    one_level_per_field: tuple[np.ndarray, np.ndarray],
) -> None:
    data = one_level_per_field
    model = MatchModel(monotone=False).fit(*data)
    assert MatchModel.from_json(model.to_json()).monotone is False
    assert MatchModel.from_json(MatchModel().fit(*data).to_json()).monotone is True


_MONOTONE_MODEL = functools.cache(lambda: MatchModel().fit(*inverted_levels(3000, seed=4)))
_SHIPPED_MODEL = functools.cache(MatchModel.default)
_EDGES = [(f, a, b) for f, c in enumerate(COMPARISONS) for a, b in LEVEL_ORDER[c.field]]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=N_FIELDS, max_size=N_FIELDS),
    st.sampled_from(_EDGES),
    st.booleans(),
)
def test_agreeing_more_never_scores_lower(
    raw: list[int],
    edge: tuple[int, int, int],
    shipped: bool,
) -> None:
    """Moving one field from a weaker level to a stronger one never lowers the score."""
    model = _SHIPPED_MODEL() if shipped else _MONOTONE_MODEL()
    f, strong, weak = edge
    levels = np.array(
        [min(v, len(c.levels) - 1) for v, c in zip(raw, COMPARISONS, strict=True)], dtype=np.int8
    )
    weaker, stronger = levels.copy(), levels.copy()
    weaker[f], stronger[f] = weak, strong
    p = model.predict_proba(np.stack([weaker, stronger]))[:, 1]
    assert p[1] >= p[0]


def _fitted_on_synthetic() -> MatchModel:
    levels, y = synthetic_levels(6000, 0.2, seed=5)
    return MatchModel().fit(levels, y)


def _em_on_synthetic() -> MatchModel:
    levels, _ = synthetic_levels(6000, 0.2, seed=6)
    return MatchModel(method=Method.EM).fit(levels)


@pytest.mark.parametrize(
    "make",
    [MatchModel.default, MatchModel.hand_set, _fitted_on_synthetic, _em_on_synthetic],
    ids=["shipped", "hand-set", "fitted", "em"],
)
def test_no_level_combination_argues_against_its_verdict(make: Callable[[], MatchModel]) -> None:
    """Over the model's whole level table: for every record field and every combination of
    levels its comparisons can produce, ``agree`` never weighs below 0, ``disagree`` never
    above 0 (missing fields weigh 0 by construction: their comparisons are all null)."""
    model = make()
    checked = 0
    for rf in RecordField:
        comps = FIELD_COMPARISONS[rf]
        for combo in field_level_combinations(rf):
            verdict = field_verdict(list(zip(comps, combo, strict=True)))
            total = sum(model.weight(c.field, lv) for c, lv in zip(comps, combo, strict=True))
            checked += 1
            if verdict is Verdict.AGREE:
                assert total >= 0, (rf, combo, total)
            elif verdict is Verdict.DISAGREE:
                assert total <= 0, (rf, combo, total)
            assert verdict is not Verdict.MISSING
    assert checked > 1000


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_any_weights_can_be_made_explainable(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = [np.concatenate([[0.0], rng.normal(0, 4, len(c.levels) - 1)]) for c in COMPARISONS]
    fixed = explainable(raw)
    assert order_violations(fixed) == []
    assert all(w[0] == 0.0 for w in fixed)
    if not order_violations(raw):
        assert all(np.array_equal(a, b) for a, b in zip(raw, fixed, strict=True))


def test_a_model_file_whose_weights_contradict_its_verdicts_is_refused() -> None:
    data = MatchModel.hand_set().to_dict()
    sex = next(f for f in data["fields"] if f["field"] == "sex")
    sex["levels"][2]["weight_bits"] = 1.5  # "different sexes" counting for a match
    with pytest.raises(ModelFormatError, match="contradict"):
        MatchModel.from_dict(data)
