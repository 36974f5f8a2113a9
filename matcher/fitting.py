"""Learning level weights: the solvers behind :meth:`matcher.model.MatchModel.fit`.

Two ways, same output (one weight in bits per comparison level, the null level fixed at 0, plus
an intercept):

- :func:`fit_logistic` — supervised. L2-regularised logistic regression over one-hot levels.
  **Monotone** by default: the comparisons overlap (name, given name, surname and rarity all look
  at the same tokens), so an unconstrained fit learns inversions a reviewer cannot trust
  ("surname: same surname key −0.8" while "similar surname" is +0.1). The fit therefore keeps
  each comparison's order from the catalogue (:data:`LEVEL_ORDER`: a stronger agreement never
  weighs less than a weaker level) and keeps its agreements at or above missing's 0
  (:data:`NON_NEGATIVE`). It is the same penalised log-likelihood under linear inequality
  constraints, solved by SLSQP on the *distinct* level vectors (few, so it is fast on millions
  of pairs).
- :func:`fit_em` — unsupervised Fellegi–Sunter: m/u probabilities per level by expectation
  maximisation on a deployment's own unlabelled candidate pairs; weight = log2(m/u). Not
  order-constrained: :func:`order_violations` tells whether a fitted EM model kept the order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.levels import COMPARISONS, Field

LevelArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
_LN2 = math.log(2.0)

#: Per comparison, the (stronger, weaker) level positions whose weights may never invert
#: (``weight[stronger] ≥ weight[weaker]``), from each comparison's own ``order`` in
#: :mod:`matcher.levels` (which says why the few exceptions to a plain chain exist).
LEVEL_ORDER: dict[Field, tuple[tuple[int, int], ...]] = {
    c.field: tuple(c.order_pairs()) for c in COMPARISONS
}

#: Per comparison, the level positions that may never weigh below missing's 0 (an officer must
#: never read "same surname (−1.2)"): each comparison's ``non_negative`` levels.
NON_NEGATIVE: dict[Field, tuple[int, ...]] = {
    c.field: tuple(c.levels_of(*c.non_negative)) for c in COMPARISONS
}


def order_violations(weights: Sequence[FloatArray], *, tol: float = 1e-6) -> list[str]:
    """Human-readable list of :data:`LEVEL_ORDER` inversions and of negative agreements
    (:data:`NON_NEGATIVE`) in per-comparison weights; empty when the weights are explainable."""
    out = []
    for f, c in enumerate(COMPARISONS):
        for lv in NON_NEGATIVE[c.field]:
            if weights[f][lv] < -tol:
                out.append(f"{c.field}: {c.levels[lv].title!r} weighs against a match")
        for a, b in LEVEL_ORDER[c.field]:
            if weights[f][a] < weights[f][b] - tol:
                out.append(f"{c.field}: {c.levels[a].title!r} < {c.levels[b].title!r}")
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
    return Fit(_unflatten(coef / _LN2), float(intercept / _LN2), metadata)


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
    under ``w[stronger] ≥ w[weaker]`` for every pair in :data:`LEVEL_ORDER` and
    ``w[level] ≥ 0`` for the levels in :data:`NON_NEGATIVE`.

    Solved by SLSQP with the analytic gradient; the objective is divided by C·n so its
    scale does not depend on the number of pairs. Weights in nats; returns (w, intercept, info).
    """
    from scipy.optimize import minimize  # type: ignore[import-untyped]

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

    a = np.zeros((0, k + 1))
    offsets = np.cumsum([0] + [n - 1 for n in n_levels()])
    rows = []
    for f, c in enumerate(COMPARISONS):
        for strong, weak in LEVEL_ORDER[c.field]:
            row = np.zeros(k + 1)
            row[offsets[f] + strong - 1] = 1.0
            row[offsets[f] + weak - 1] = -1.0
            rows.append(row)
    if rows:
        a = np.stack(rows)
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * (k + 1)
    for f, c in enumerate(COMPARISONS):
        for lv in NON_NEGATIVE[c.field]:
            bounds[offsets[f] + lv - 1] = (0.0, None)
    prior = min(max(float(pos.sum()) / n_pairs, 1e-9), 1 - 1e-9)
    theta0 = np.zeros(k + 1)
    theta0[k] = math.log(prior / (1 - prior))
    res = minimize(
        objective,
        theta0,
        jac=True,
        method="SLSQP",
        bounds=bounds,
        constraints=[{"type": "ineq", "fun": lambda t: a @ t, "jac": lambda t: a}],
        options={"maxiter": max_iter, "ftol": 1e-10},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    w = theta[:k].copy()
    for f, c in enumerate(COMPARISONS):
        for lv in NON_NEGATIVE[c.field]:
            w[offsets[f] + lv - 1] = max(w[offsets[f] + lv - 1], 0.0)
    # SLSQP may leave violations of ~1e-9: close them so the order holds exactly
    for _ in range(len(rows)):
        moved = False
        for f, c in enumerate(COMPARISONS):
            for strong, weak in LEVEL_ORDER[c.field]:
                i, j = offsets[f] + strong - 1, offsets[f] + weak - 1
                if w[i] < w[j]:
                    w[i] = w[j]
                    moved = True
        if not moved:
            break
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
    return Fit(weights, math.log2(lam / (1 - lam)), {"em_lambda": lam})
