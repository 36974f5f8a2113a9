"""Scoring: comparison levels → additive match weights (bits) → calibrated match probability.

``MatchModel`` speaks scikit-learn: parameters are stored by ``__init__``, ``fit`` learns into
attributes ending in ``_`` and returns ``self``, ``predict_proba`` returns ``(n, 2)``.

Every pair is a vector of level indices (:mod:`matcher.compare`). The model keeps one weight in
bits (log2 of a likelihood ratio) per field and level, the null level fixed at 0 (missing is not
a mismatch), plus an intercept (prior log-odds in bits). A pair's score is

    p = 1 / (1 + 2 ** -(intercept + Σ_fields weight[field][level]))

so each field's contribution is exact and additive, which is what explanations print.

Two ways to learn the weights, same inference (the solvers live in :mod:`matcher.fitting`):
``Method.LOGISTIC`` (default, supervised: monotone logistic regression over one-hot levels, which
keeps every comparison's order from the catalogue), optionally re-calibrated by a one-dimensional
Platt fit on validation data (:meth:`MatchModel.calibrate`) that scales all weights by one
positive factor and so keeps them additive and keeps their order; and ``Method.EM``
(unsupervised Fellegi–Sunter).

Bands: ``score ≥ match_threshold_`` → match, ``≥ review_threshold_`` → review, else no_match;
one rule looks across an interception's candidates (:func:`rival_free`): a candidate stays out
of the match band while another candidate *with a different child's name* scores at least
``rival_threshold_`` — two different children of one family (siblings share parents, phone and
place) cannot both be "the" match, so the officer must review them side by side.
:meth:`MatchModel.choose_thresholds` picks them on validation data. The fitted model round-trips
through JSON with a ``schema_version``; loading an unknown version fails clearly. Never pickle.

**Pool size.** Calibration and bands are set on candidates from an index of
``reference_reports_`` reports. An index holding N times as many reports holds about N times as
many look-alikes for any child (namesakes from the same district, of the right age …), so the
prior odds that a given candidate is the child fall by the same factor. Scores therefore take
:meth:`MatchModel.prior_bits` = −log2(N / reference) when the index is larger than the
reference (e.g. −4.3 bits at 1,000,000 vs 50,000), shown to the officer as its own line of the
explanation. A smaller index gets no bonus: nobody knows how many intercepted children it
covers, so the cautious reading is the reference one. Ranking within a query never changes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.compare import alignment_similarity
from matcher.fitting import explainable, fit_em, fit_logistic, n_levels, order_violations
from matcher.levels import COMPARISONS, FIELDS, N_FIELDS, Field
from matcher.records import Band

SCHEMA_VERSION = 1
LevelArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
#: A pair is never put in the match band with a probability below this.
MIN_MATCH_THRESHOLD = 0.5
#: A differently named candidate this likely keeps the others out of the match band.
DEFAULT_RIVAL_THRESHOLD = 0.9
#: Candidates whose child's names are at least this similar are taken as the same child.
SAME_CHILD_SIMILARITY = 0.9


def rival_free(
    scores: Sequence[float], names: Sequence[Sequence[str]], *, rival_threshold: float
) -> list[bool]:
    """Whether each of one interception's candidates may be in the match band.

    Candidate ``i`` is blocked when another candidate ``j`` scores ≥ ``rival_threshold`` and
    names a different child (token-key alignment < :data:`SAME_CHILD_SIMILARITY`, or a name
    missing). Duplicate reports of one child have the same name and do not block each other.
    """
    out = []
    for i in range(len(scores)):
        ok = True
        for j, sj in enumerate(scores):
            if j == i or sj < rival_threshold:
                continue
            a, b = names[i], names[j]
            if not a or not b or alignment_similarity(a, b) < SAME_CHILD_SIMILARITY:
                ok = False
                break
        out.append(ok)
    return out


MODEL_KIND = "shondhan.MatchModel"
_LN2 = math.log(2.0)


class Method(StrEnum):
    """How the weights are learned."""

    LOGISTIC = "logistic"
    EM = "fellegi_sunter_em"


class ModelFormatError(ValueError):
    """A model file is not a Shondhan model this version can read."""


def _check_thresholds(model: MatchModel) -> None:
    """Thresholds a model file may hold: finite, ``0 <= review <= match``, the rival threshold a
    probability; a match threshold above 1 means "no match band" (unsupervised models)."""
    t = (model.review_threshold_, model.match_threshold_, model.rival_threshold_)
    if not all(math.isfinite(x) for x in t):
        raise ModelFormatError("thresholds must be finite numbers")
    review, match, rival = t
    if not 0.0 <= review <= match:
        raise ModelFormatError("thresholds must satisfy 0 <= review <= match")
    if not 0.0 <= rival <= 1.0:
        raise ModelFormatError("the rival threshold must be between 0 and 1")
    if not all(math.isfinite(x) for w in model.weights_ for x in w.tolist()) or not math.isfinite(
        model.intercept_
    ):
        raise ModelFormatError("weights must be finite numbers")


def sigmoid_bits(bits: FloatArray | float) -> FloatArray:
    """Probability from log-odds in bits, numerically safe."""
    b = np.clip(np.asarray(bits, dtype=np.float64), -60.0, 60.0)
    return np.asarray(1.0 / (1.0 + np.power(2.0, -b)))


class MatchModel:
    """Additive level-weight model; see the module docstring for the contract.

    Parameters (stored as given; checked at construction, not deep inside ``fit``):
    ``method`` — how to learn; ``C`` — inverse L2 strength of the logistic regression;
    ``max_iter`` — solver / EM iterations; ``em_prior`` — EM's starting match proportion;
    ``monotone`` — keep the catalogue's level order in the logistic fit (:mod:`matcher.fitting`).
    """

    def __init__(
        self,
        *,
        method: Method = Method.LOGISTIC,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        max_iter: int = 1000,
        em_prior: float = 0.05,
        monotone: bool = True,
    ) -> None:
        if not isinstance(method, Method):
            raise ValueError(f"method must be a Method, not {method!r}")
        if C <= 0 or max_iter <= 0 or not 0 < em_prior < 1:
            raise ValueError("C and max_iter must be positive and 0 < em_prior < 1")
        self.method = method
        self.C = C
        self.max_iter = max_iter
        self.em_prior = em_prior
        self.monotone = monotone

    # ------------------------------------------------------------------ learned state

    weights_: list[FloatArray]
    intercept_: float
    match_threshold_: float
    review_threshold_: float
    rival_threshold_: float
    reference_reports_: int | None
    metadata_: dict[str, Any]

    def _init_state(self) -> None:
        self.weights_ = [np.zeros(n) for n in n_levels()]
        self.intercept_ = 0.0
        self.match_threshold_ = 0.9
        self.review_threshold_ = 0.2
        self.rival_threshold_ = DEFAULT_RIVAL_THRESHOLD
        self.reference_reports_ = None
        self.metadata_ = {}

    @property
    def is_fitted(self) -> bool:
        """Whether weights are present (fitted, loaded or hand-set)."""
        return hasattr(self, "weights_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError("MatchModel is not fitted: call fit() or load a model")

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        levels: LevelArray,
        y: Sequence[int] | npt.NDArray[Any] | None = None,
        *,
        u_levels: LevelArray | None = None,
    ) -> MatchModel:
        """Learn weights from level vectors ``(n, N_FIELDS)``; ``y`` (0/1) required for LOGISTIC.

        EM only: ``u_levels`` are level vectors of *random* report/interception pairs (almost
        all non-matches); when given, u probabilities are measured on them and held fixed while
        EM learns m and the match share, as Splink does — much more stable than learning both.
        """
        levels = self._check_levels(levels)
        self._init_state()
        if self.method is Method.LOGISTIC:
            if y is None:
                raise ValueError("the logistic method needs labels y; use Method.EM without them")
            fit = fit_logistic(
                levels,
                np.asarray(y, dtype=np.int64),
                C=self.C,
                max_iter=self.max_iter,
                monotone=self.monotone,
            )
        else:
            u = None if u_levels is None else self._check_levels(u_levels)
            fit = fit_em(levels, u, prior=self.em_prior, max_iter=self.max_iter)
        self.weights_ = fit.weights
        self.intercept_ = fit.intercept_bits
        self.metadata_.update(fit.metadata)
        self.metadata_["n_pairs"] = int(levels.shape[0])
        self.metadata_["method"] = str(self.method)
        return self

    def calibrate(self, levels: LevelArray, y: Sequence[int] | npt.NDArray[Any]) -> MatchModel:
        """Platt-rescale on held-out pairs: all weights × a, intercept × a + b (stays additive)."""
        from sklearn.linear_model import LogisticRegression

        self._check_fitted()
        bits = self.decision_bits(levels).reshape(-1, 1)
        yy = np.asarray(y, dtype=np.int64)
        if len(set(yy.tolist())) < 2:
            raise ValueError("calibration needs both classes")
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(bits, yy)
        a = float(lr.coef_[0][0])  # log-odds (nats) per bit
        b = float(lr.intercept_[0]) / _LN2
        scale = a / _LN2
        self.weights_ = [w * scale for w in self.weights_]
        self.intercept_ = self.intercept_ * scale + b
        self.metadata_["platt_scale"] = scale
        return self

    def choose_thresholds(
        self,
        levels: LevelArray,
        y: Sequence[int] | npt.NDArray[Any],
        *,
        min_precision: float = 0.98,
        review_recall: float = 0.995,
        eligible: npt.NDArray[np.bool_] | None = None,
    ) -> MatchModel:
        """Pick band thresholds on validation pairs (top-k candidates with truth labels).

        ``match_threshold_`` is the lowest score whose match band still reaches
        ``min_precision`` (never below :data:`MIN_MATCH_THRESHOLD`); ``review_threshold_`` the
        highest score that keeps ``review_recall`` of the true pairs in match ∪ review. Figures
        are stored in ``metadata_``. ``eligible`` marks pairs the rival rule lets into the match
        band (:func:`rival_free`); the others never count as predicted matches.
        """
        self._check_fitted()
        p_all = self.predict_proba(levels)[:, 1]
        y_all = np.asarray(y, dtype=np.int64)
        ok_mask = np.ones(len(y_all), dtype=bool) if eligible is None else np.asarray(eligible)
        p, yy = p_all[ok_mask], y_all[ok_mask]
        order = np.argsort(-p, kind="stable")
        ps, ys = p[order], yy[order]
        tp = np.cumsum(ys)
        k = np.arange(1, len(ys) + 1)
        precision = tp / k
        total = max(int(y_all.sum()), 1)
        # cut only between distinct scores: the end of each run of equal scores
        ends = np.flatnonzero(np.append(ps[1:] != ps[:-1], True))
        ok = ends[precision[ends] >= min_precision]
        # a "match" is never less likely than not, whatever the band's overall precision
        match_t = max(float(ps[ok[-1]]) if ok.size else 1.0, MIN_MATCH_THRESHOLD)
        ps_all = np.sort(p_all[y_all == 1])[::-1]
        idx = math.ceil(review_recall * len(ps_all)) - 1
        review_t = float(ps_all[min(max(idx, 0), len(ps_all) - 1)]) if len(ps_all) else 0.2
        review_t = min(review_t, match_t)
        self.match_threshold_ = match_t
        self.review_threshold_ = max(review_t, 1e-4)
        in_match = (p_all >= match_t) & ok_mask
        self.metadata_["validation"] = {
            "pairs": len(y_all),
            "true_pairs": int(y_all.sum()),
            "match_precision": float(y_all[in_match].mean()) if in_match.any() else None,
            "match_recall": float(y_all[in_match].sum() / total),
            "review_or_match_recall": float(y_all[p_all >= self.review_threshold_].sum() / total),
        }
        return self

    # ------------------------------------------------------------------ inference

    def _check_levels(self, levels: LevelArray) -> LevelArray:
        arr = np.asarray(levels)
        if arr.ndim != 2 or arr.shape[1] != N_FIELDS:
            raise ValueError(f"levels must have shape (n, {N_FIELDS}), got {arr.shape}")
        return arr

    def contribution_bits(self, levels: LevelArray) -> FloatArray:
        """Per-field weights in bits, ``(n, N_FIELDS)``; the null level is exactly 0."""
        self._check_fitted()
        arr = self._check_levels(levels)
        out = np.zeros(arr.shape, dtype=np.float64)
        for f in range(N_FIELDS):
            out[:, f] = self.weights_[f][arr[:, f]]
        return out

    def prior_bits(self, n_reports: int | None) -> float:
        """Log-odds adjustment (bits, ≤ 0) for scoring against an index of ``n_reports``.

        −log2(n_reports / reference_reports_) when the index is larger than the one the bands
        were set on; 0 when it is not, or either number is unknown (see the module docstring).
        """
        ref = self.reference_reports_
        if ref is None or n_reports is None or n_reports <= ref:
            return 0.0
        return -math.log2(n_reports / ref)

    def decision_bits(self, levels: LevelArray, *, n_reports: int | None = None) -> FloatArray:
        """Total log-odds in bits: intercept + Σ contributions (+ :meth:`prior_bits`)."""
        total = self.contribution_bits(levels).sum(axis=1) + self.intercept_
        return np.asarray(total + self.prior_bits(n_reports))

    def predict_proba(self, levels: LevelArray, *, n_reports: int | None = None) -> FloatArray:
        """``(n, 2)`` probabilities of [non-match, match], scikit-learn style.

        ``n_reports``: size of the index the candidates came from (``None``: the reference).
        """
        p = sigmoid_bits(self.decision_bits(levels, n_reports=n_reports))
        return np.stack([1.0 - p, p], axis=1)

    def band(self, score: float) -> Band:
        """The decision band of a calibrated score."""
        self._check_fitted()
        if score >= self.match_threshold_:
            return Band.MATCH
        if score >= self.review_threshold_:
            return Band.REVIEW
        return Band.NO_MATCH

    @property
    def version(self) -> str:
        """A short content hash of the fitted model ("s1-3f2a…"): which model scored a pair."""
        self._check_fitted()
        body = json.dumps(
            [self.intercept_, self.match_threshold_, self.review_threshold_]
            + [w.tolist() for w in self.weights_]
            + ([self.reference_reports_] if self.reference_reports_ is not None else []),
            separators=(",", ":"),
        )
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
        return f"s{SCHEMA_VERSION}-{digest}"

    def weight(self, field: Field, level: int) -> float:
        """The weight (bits) of one level of one field."""
        self._check_fitted()
        return float(self.weights_[FIELDS.index(field)][level])

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready model: parameters, per-level weights with labels, thresholds."""
        self._check_fitted()
        return {
            "kind": MODEL_KIND,
            "schema_version": SCHEMA_VERSION,
            "params": {
                "method": str(self.method),
                "C": self.C,
                "max_iter": self.max_iter,
                "em_prior": self.em_prior,
                "monotone": self.monotone,
            },
            "intercept_bits": self.intercept_,
            "thresholds": {
                "match": self.match_threshold_,
                "review": self.review_threshold_,
                "rival": self.rival_threshold_,
            },
            "reference_reports": self.reference_reports_,
            "fields": [
                {
                    "field": str(c.field),
                    "levels": [
                        {"key": lv.key, "label": lv.title, "weight_bits": float(w)}
                        for lv, w in zip(c.levels, self.weights_[i], strict=True)
                    ],
                }
                for i, c in enumerate(COMPARISONS)
            ],
            "metadata": self.metadata_,
        }

    def to_json(self) -> str:
        """Serialise to a JSON string (stable key order, human-diffable)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchModel:
        """Rebuild from :meth:`to_dict` output; raises :class:`ModelFormatError` clearly."""
        if not isinstance(data, Mapping) or data.get("kind") != MODEL_KIND:
            raise ModelFormatError("not a Shondhan MatchModel (missing kind)")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ModelFormatError(
                f"unsupported model schema_version {version!r}; this Shondhan reads "
                f"version {SCHEMA_VERSION}: retrain with `shondhan train`"
            )
        try:
            params = data["params"]
            model = cls(
                method=Method(params["method"]),
                C=float(params["C"]),
                max_iter=int(params["max_iter"]),
                em_prior=float(params["em_prior"]),
                monotone=bool(params.get("monotone", False)),
            )
            model._init_state()
            by_field = {f["field"]: f for f in data["fields"]}
            for i, c in enumerate(COMPARISONS):
                entry = by_field.get(str(c.field))
                # levels are matched by key, so a catalogue that reorders levels reads old files
                stored = (
                    {lv["key"]: float(lv["weight_bits"]) for lv in entry["levels"]} if entry else {}
                )
                if set(stored) != {lv.key for lv in c.levels}:
                    raise ModelFormatError(
                        f"model levels for {c.field} do not match this version's comparisons"
                    )
                model.weights_[i] = np.array([stored[lv.key] for lv in c.levels], dtype=np.float64)
                model.weights_[i][0] = 0.0
            model.intercept_ = float(data["intercept_bits"])
            model.match_threshold_ = float(data["thresholds"]["match"])
            model.review_threshold_ = float(data["thresholds"]["review"])
            model.rival_threshold_ = float(data["thresholds"].get("rival", DEFAULT_RIVAL_THRESHOLD))
            _check_thresholds(model)
            contradictions = order_violations(model.weights_)
            if contradictions:
                raise ModelFormatError(
                    "model weights contradict the verdicts they explain "
                    f"({contradictions[0]}; {len(contradictions)} in all): retrain"
                )
            ref = data.get("reference_reports")
            model.reference_reports_ = None if ref is None else int(ref)
            if model.reference_reports_ is not None and model.reference_reports_ < 1:
                raise ModelFormatError("reference_reports must be a positive count")
            model.metadata_ = dict(data.get("metadata") or {})
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFormatError):
                raise
            raise ModelFormatError(f"malformed model JSON: {exc}") from exc
        return model

    @classmethod
    def from_json(cls, text: str) -> MatchModel:
        """Parse :meth:`to_json` output."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelFormatError(f"model is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def save(self, path: Path) -> None:
        """Write the JSON model to ``path`` atomically (a crash leaves the old file or none)."""
        from matcher.csvio import atomic_write

        with atomic_write(path) as fh:
            fh.write(self.to_json())

    @classmethod
    def load(cls, path: Path) -> MatchModel:
        """Read a JSON model file."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> MatchModel:
        """The model shipped in ``matcher/data/model.json`` (hand-set if the file is absent)."""
        try:
            text = resources.files("matcher").joinpath("data/model.json").read_text("utf-8")
        except (FileNotFoundError, OSError):
            return cls.hand_set()
        return cls.from_json(text)

    @classmethod
    def hand_set(cls) -> MatchModel:
        """Provisional expert weights (bits) for use before any training; thresholds 0.9/0.2."""
        guesses: dict[Field, list[float]] = {
            Field.NAME: [0, 6, 4, 2, 0, -4],
            Field.GIVEN_NAME: [0, 4, 3, 0, 2, 1, 0.5, -3],
            Field.SURNAME: [0, 1, 0.5, -1],
            Field.NAME_RARITY: [0, 4, 3, 1.5, 0, -2],
            Field.FATHER_NAME: [0, 4, 3, 2, 1.5, 1, -2],
            Field.FATHER_RARITY: [0, 2, 1.5, 1, 0, -0.5],
            Field.MOTHER_NAME: [0, 3, 2, 1.5, 1, 0.5, -1.5],
            Field.MOTHER_RARITY: [0, 1.5, 1, 0.5, 0, -0.5],
            Field.SEX: [0, 0.5, -6],
            Field.AGE: [0, 2, 1.75, 1.5, 0, -2, -5],
            Field.PLACE: [0, 2.5, 2, 0.5, -0.5, -2],
            Field.PHONE: [0, 8, 5, -1],
            Field.DATE_ORDER: [0, 1, 2, 0, -1, -6],
            Field.FAMILY: [0, 1, -5, -2, -4],
        }
        model = cls()
        model._init_state()
        model.weights_ = explainable([np.array(guesses[f], dtype=np.float64) for f in FIELDS])
        model.intercept_ = -14.0
        model.metadata_ = {"method": "hand_set"}
        return model
