"""Learning level weights: the solvers behind :meth:`matcher.model.MatchModel.fit`.

Two ways, same output (one weight in bits per comparison level, the null level fixed at 0, plus
an intercept):

- :func:`fit_logistic` — supervised. L2-regularised logistic regression over one-hot levels.
  **Constrained** by default, because a reviewer reads the weights: every comparison keeps its
  order from the catalogue (:data:`LEVEL_ORDER`: a stronger agreement never weighs less than a
  weaker level — the comparisons overlap, so an unconstrained fit learns inversions such as
  "same surname −0.8" while "similar surname" is +0.1), and every record field's summed weight
  lies on the side of its verdict for *every* level combination its comparisons can produce
  (:func:`verdict_rules`: ``agree`` never weighs against a match, ``disagree`` never for it).
  It is the same penalised log-likelihood under linear inequality constraints
  (:func:`constraint_matrix`), solved by SLSQP on the *distinct* level vectors (few, so it is
  fast on millions of pairs).
- :func:`fit_em` — unsupervised Fellegi–Sunter: m/u probabilities per level by expectation
  maximisation on a deployment's own unlabelled candidate pairs; weight = log2(m/u); then moved
  to the nearest weights that keep the constraints (:func:`explainable`).

:func:`order_violations` lists what would make a set of weights contradict itself; a model file
that does is refused on load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.levels import (
    COMPARISONS,
    FIELD_COMPARISONS,
    FIELDS,
    POSITION,
    Field,
    RecordField,
    field_level_combinations,
    field_verdict,
)
from matcher.records import Verdict

LevelArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
_LN2 = math.log(2.0)

#: Per comparison, the (stronger, weaker) level positions whose weights may never invert
#: (``weight[stronger] ≥ weight[weaker]``), from each comparison's own ``order`` in
#: :mod:`matcher.levels` (which says why the few exceptions to a plain chain exist).
LEVEL_ORDER: dict[Field, tuple[tuple[int, int], ...]] = {
    c.field: tuple(c.order_pairs()) for c in COMPARISONS
}


@dataclass(frozen=True, slots=True)
class VerdictRule:
    """One level combination of a record field whose summed weight must have a sign: at least 0
    when the field's verdict is ``agree`` (``sign`` +1), at most 0 when ``disagree`` (−1).

    ``terms`` are (level-vector position, level) pairs; null levels weigh 0 and are left out.
    """

    field: RecordField
    sign: int
    terms: tuple[tuple[int, int], ...]


def verdict_rules() -> list[VerdictRule]:
    """Every sign the verdicts demand, over every level combination of every record field
    (:func:`matcher.levels.field_level_combinations`), duplicates dropped."""
    out: list[VerdictRule] = []
    seen: set[tuple[int, tuple[tuple[int, int], ...]]] = set()
    for rf in RecordField:
        comps = FIELD_COMPARISONS[rf]
        for combo in field_level_combinations(rf):
            verdict = field_verdict(list(zip(comps, combo, strict=True)))
            if verdict not in (Verdict.AGREE, Verdict.DISAGREE):
                continue
            sign = 1 if verdict is Verdict.AGREE else -1
            terms = tuple(
                (POSITION[c.field], lv) for c, lv in zip(comps, combo, strict=True) if lv != 0
            )
            if (sign, terms) not in seen:
                seen.add((sign, terms))
                out.append(VerdictRule(rf, sign, terms))
    return out


def order_violations(weights: Sequence[FloatArray], *, tol: float = 1e-9) -> list[str]:
    """Human-readable list of what would make an explanation contradict itself: a level order
    inverted (:data:`LEVEL_ORDER`), or a record field whose summed weight argues against its
    verdict (:func:`verdict_rules`). Empty when the weights are explainable."""
    out = []
    for f, c in enumerate(COMPARISONS):
        for a, b in LEVEL_ORDER[c.field]:
            if weights[f][a] < weights[f][b] - tol:
                out.append(f"{c.field}: {c.levels[a].title!r} < {c.levels[b].title!r}")
    for rule in verdict_rules():
        total = sum(float(weights[pos][lv]) for pos, lv in rule.terms)
        if rule.sign * total < -tol:
            names = ", ".join(
                f"{FIELDS[pos]}={COMPARISONS[pos].levels[lv].key}" for pos, lv in rule.terms
            )
            verdict = "agree" if rule.sign > 0 else "disagree"
            out.append(f"{rule.field}: {verdict} but {total:+.3f} bits ({names})")
    return out


def n_levels() -> list[int]:
    """Levels per comparison, in level-vector order."""
    return [len(c.levels) for c in COMPARISONS]


def one_hot(levels: LevelArray) -> FloatArray:
    """One column per non-null level, in field order (null levels dropped: weight fixed at 0)."""
    levels = np.asarray(levels)
    cols = []
    for f, n in enumerate(n_levels()):
        col = levels[:, f]
        for lv in range(1, n):
            cols.append(col == lv)
    if not cols:
        return np.zeros((levels.shape[0], 0))
    return np.stack(cols, axis=1).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Fit:
    """Learned weights (bits) per comparison level, the intercept (bits) and what the solver
    reports for the model's metadata."""

    weights: list[FloatArray]
    intercept_bits: float
    metadata: dict[str, Any] = field(default_factory=dict)


def _unflatten(coef_bits: FloatArray) -> list[FloatArray]:
    out = []
    at = 0
    for n in n_levels():
        w = np.zeros(n)
        w[1:] = coef_bits[at : at + n - 1]
        at += n - 1
        out.append(w)
    return out


#: Slack (nats) the solver keeps from every constraint, so its last-digit errors cannot cross 0.
_MARGIN = 1e-7


def constraint_matrix(*, with_intercept: bool = False) -> FloatArray:
    """The fit's linear constraints ``A @ w ≥ 0`` over one-hot level columns (and a zero column
    for the intercept when ``with_intercept``): one row per order pair, one per verdict rule."""
    offsets = np.cumsum([0] + [n - 1 for n in n_levels()])
    k = int(offsets[-1])
    rows = []
    for f, c in enumerate(COMPARISONS):
        for strong, weak in LEVEL_ORDER[c.field]:
            row = np.zeros(k + 1)
            row[offsets[f] + strong - 1] = 1.0
            row[offsets[f] + weak - 1] = -1.0
            rows.append(row)
    for rule in verdict_rules():
        row = np.zeros(k + 1)
        for pos, lv in rule.terms:
            row[offsets[pos] + lv - 1] += rule.sign
        rows.append(row)
    a = np.stack(rows)
    return a if with_intercept else a[:, :k]


def explainable(weights: Sequence[FloatArray]) -> list[FloatArray]:
    """The nearest weights (least squares) that keep every constraint; the same weights when
    they already do. Applied where a model is made without the constrained fit (EM, hand-set),
    so no model the engine scores with can contradict its own verdicts."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    flat = np.concatenate([np.asarray(w, dtype=np.float64)[1:] for w in weights])
    a = constraint_matrix()
    if (a @ flat >= 0).all():
        return [np.asarray(w, dtype=np.float64).copy() for w in weights]
    res = minimize(
        lambda x: (float((x - flat) @ (x - flat)), 2 * (x - flat)),
        flat,
        jac=True,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda x: a @ x - _MARGIN, "jac": lambda x: a}],
        options={"maxiter": 500, "ftol": 1e-12},
    )
    out = _unflatten(np.asarray(res.x, dtype=np.float64))
    if order_violations(out):
        raise RuntimeError("could not make the weights explainable")  # pragma: no cover
    return out


def fit_logistic(
    levels: LevelArray,
    y: npt.NDArray[np.int64],
    *,
    C: float,  # noqa: N803 - scikit-learn's name
    max_iter: int,
    monotone: bool,
) -> Fit:
    """Logistic regression over one-hot levels (see the module docstring); weights in bits."""
    if y.shape[0] != levels.shape[0] or len(set(y.tolist())) < 2:
        raise ValueError("y must have one 0/1 label per pair and contain both classes")
    # identical level vectors are one row with counts: same likelihood, far fewer rows
    rows, inverse = np.unique(np.asarray(levels), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    pos = np.asarray(
        np.bincount(inverse, weights=y.astype(np.float64), minlength=len(rows)),
        dtype=np.float64,
    )
    tot = np.bincount(inverse, minlength=len(rows)).astype(np.float64)
    x = one_hot(rows)
    metadata: dict[str, Any] = {"n_matches": int(y.sum()), "monotone": monotone}
    if monotone:
        coef, intercept, metadata["solver"] = _solve_monotone(x, pos, tot, C=C, max_iter=max_iter)
    else:
        coef, intercept = _solve_sklearn(x, pos, tot, C=C, max_iter=max_iter)
    weights = _unflatten(coef / _LN2)
    if monotone:
        weights = explainable(weights)  # closes the solver's last-digit misses, if any
    return Fit(weights, float(intercept / _LN2), metadata)


def _solve_sklearn(
    x: FloatArray,
    pos: FloatArray,
    tot: FloatArray,
    *,
    C: float,  # noqa: N803
    max_iter: int,
) -> tuple[FloatArray, float]:
    """Unconstrained fit: scikit-learn's logistic regression on the weighted distinct rows."""
    from sklearn.linear_model import LogisticRegression

    neg = tot - pos
    xx = np.concatenate([x[pos > 0], x[neg > 0]])
    yy = np.concatenate([np.ones(int((pos > 0).sum())), np.zeros(int((neg > 0).sum()))])
    sw = np.concatenate([pos[pos > 0], neg[neg > 0]])
    lr = LogisticRegression(C=C, max_iter=max_iter)
    lr.fit(xx, yy, sample_weight=sw)
    return np.asarray(lr.coef_[0], dtype=np.float64), float(lr.intercept_[0])


def _solve_monotone(
    x: FloatArray,
    pos: FloatArray,
    tot: FloatArray,
    *,
    C: float,  # noqa: N803
    max_iter: int,
) -> tuple[FloatArray, float, dict[str, Any]]:
    """Penalised log-likelihood (scikit-learn's objective: C·Σ loss + ½‖w‖², intercept free)
    under :func:`constraint_matrix`: ``w[stronger] ≥ w[weaker]`` for every pair in
    :data:`LEVEL_ORDER`, and every record field's summed weight on the side of its verdict
    (:func:`verdict_rules`).

    Solved by SLSQP with the analytic gradient; the objective is divided by C·n so its
    scale does not depend on the number of pairs. Weights in nats; returns (w, intercept, info).
    """
    from scipy.optimize import minimize

    n_pairs = float(tot.sum())
    k = x.shape[1]
    scale = 1.0 / (C * n_pairs)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        z = x @ theta[:k] + theta[k]
        # Σ pos·softplus(−z) + neg·softplus(z) = Σ tot·softplus(z) − pos·z
        loss = float(np.sum(tot * np.logaddexp(0.0, z) - pos * z)) / n_pairs
        r = tot / (1.0 + np.exp(-z)) - pos
        grad = np.empty(k + 1)
        grad[:k] = (x.T @ r) / n_pairs + scale * theta[:k]
        grad[k] = float(r.sum()) / n_pairs
        return loss + 0.5 * scale * float(theta[:k] @ theta[:k]), grad

    a = constraint_matrix(with_intercept=True)
    prior = min(max(float(pos.sum()) / n_pairs, 1e-9), 1 - 1e-9)
    theta0 = np.zeros(k + 1)
    theta0[k] = math.log(prior / (1 - prior))
    res = minimize(
        objective,
        theta0,
        jac=True,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda t: a @ t - _MARGIN, "jac": lambda t: a}],
        options={"maxiter": max_iter, "ftol": 1e-10},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    w = theta[:k].copy()
    info = {"iterations": int(res.nit), "converged": bool(res.success)}
    return w, float(theta[k]), info


def fit_em(levels: LevelArray, u_levels: LevelArray | None, *, prior: float, max_iter: int) -> Fit:
    """Fellegi–Sunter EM; null levels carry no information and are skipped.

    ``u_levels``: level vectors of random pairs (almost all non-matches); when given, u
    probabilities are measured on them and held fixed while EM learns m and the match share,
    as Splink does. ``prior``: the starting match share.
    """
    sizes = n_levels()
    lam = prior
    m: list[FloatArray] = []
    u: list[FloatArray] = []
    for n in sizes:
        k = n - 1  # non-null levels, best (level 1) first, else last
        ramp = np.linspace(1.0, 0.05, k)
        m.append(np.concatenate([[0.0], ramp / ramp.sum()]))
        u.append(np.concatenate([[0.0], ramp[::-1] / ramp.sum()]))
    if u_levels is not None:
        for f, n in enumerate(sizes):
            counts = np.bincount(u_levels[:, f], minlength=n)[:n].astype(np.float64) + 0.5
            counts[0] = 0.0
            u[f] = counts / counts.sum()
    masks = [[levels[:, f] == lv for lv in range(n)] for f, n in enumerate(sizes)]
    for _ in range(min(max_iter, 200)):
        log_m = np.zeros(levels.shape[0])
        log_u = np.zeros(levels.shape[0])
        for f, n in enumerate(sizes):
            for lv in range(1, n):
                log_m[masks[f][lv]] += math.log(max(m[f][lv], 1e-12))
                log_u[masks[f][lv]] += math.log(max(u[f][lv], 1e-12))
        z = np.clip(math.log(lam) + log_m - math.log(1 - lam) - log_u, -60, 60)
        post = 1.0 / (1.0 + np.exp(-z))
        new_lam = float(np.clip(post.mean(), 1e-6, 1 - 1e-6))
        for f, n in enumerate(sizes):
            pm = np.array([post[masks[f][lv]].sum() for lv in range(n)]) + 0.5
            pu = np.array([(1 - post[masks[f][lv]]).sum() for lv in range(n)]) + 0.5
            pm[0] = pu[0] = 0.0
            m[f] = pm / pm.sum()
            if u_levels is None:
                u[f] = pu / pu.sum()
        if abs(new_lam - lam) < 1e-7:
            lam = new_lam
            break
        lam = new_lam
    weights = []
    for f, n in enumerate(sizes):
        w = np.zeros(n)
        w[1:] = np.log2(np.maximum(m[f][1:], 1e-12) / np.maximum(u[f][1:], 1e-12))
        weights.append(w)
    return Fit(explainable(weights), math.log2(lam / (1 - lam)), {"em_lambda": lam})
