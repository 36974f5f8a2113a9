"""Explanations: a compared pair's per-field weights as short phrases a police officer can check.

Contract:
- One :class:`~matcher.records.Contribution` per field that carried evidence (fields missing on
  either side weigh exactly 0 and are left out), ordered by decreasing absolute weight.
- ``weight`` is the model's exact additive weight in bits for that field's level, so the
  contributions plus the model's intercept sum to the candidate's log-odds.
- Labels show what the officer can verify ("age: expected 13.6, observed 12",
  "place: neighbouring district (Jashore vs Jhenaidah, 45 km)"). Phone numbers and other personal
  data never appear in labels: only the level's wording (e.g. "same number").
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.compare import PairComparison, PairDetails
from matcher.levels import COMPARISON_BY_FIELD, COMPARISONS, Field
from matcher.records import Contribution


def _fmt_age(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def level_label(field: Field, level: int, details: PairDetails) -> str:
    """The human phrase for one comparison's level, with the numbers behind it where useful."""
    lv = COMPARISON_BY_FIELD[field].levels[level]
    d = details
    if field is Field.NAME and d.name_similarity is not None and level > 1:
        return f"{lv.label} (similarity {d.name_similarity:.2f})"
    if field is Field.NAME_RARITY and d.rarity_bits is not None and d.agreeing_tokens:
        plural = "s" if d.agreeing_tokens != 1 else ""
        return f"{lv.label} ({d.agreeing_tokens} agreeing token{plural}, {d.rarity_bits:.1f} bits)"
    if field is Field.PARENT_RARITY and d.parent_rarity_bits is not None and lv.key != "none":
        plural = "s" if d.parent_agreeing_tokens != 1 else ""
        return (
            f"{lv.label} ({d.parent_agreeing_tokens} agreeing token{plural}, "
            f"{d.parent_rarity_bits:.1f} bits)"
        )
    if field is Field.FATHER_NAME and d.father_similarity is not None and level > 1:
        return f"{lv.label} (similarity {d.father_similarity:.2f})"
    if field is Field.MOTHER_NAME and d.mother_similarity is not None and level > 1:
        return f"{lv.label} (similarity {d.mother_similarity:.2f})"
    if field is Field.AGE and d.expected_age is not None and d.observed_age is not None:
        text = f"expected {d.expected_age:.1f}, observed {_fmt_age(d.observed_age)}, {lv.title}"
        if d.age_tolerance is not None and level >= 2:
            text += f" (tolerance ±{d.age_tolerance:.1f} years)"
        return text
    if field is Field.PLACE and d.report_place is not None and d.interception_place is not None:
        a, b = d.report_place.name, d.interception_place.name
        extra = f"{a} vs {b}" if a != b else a
        if d.distance_km is not None and d.distance_km > 0:
            extra += f", {d.distance_km:.0f} km"
        return f"{lv.title} ({extra})"
    if field is Field.DATE_ORDER and d.elapsed_years is not None:
        return f"{lv.title} ({abs(d.elapsed_years):.1f} years)"
    return lv.title


#: The pseudo-field of the pool-size adjustment (:meth:`matcher.model.MatchModel.prior_bits`).
REPORTS_ON_FILE = "reports_on_file"


def pool_label(n_reports: int, reference: int) -> str:
    """Why a large index lowers every score, in words an officer can check."""
    return (
        f"{n_reports:,} reports on file; bands were set with {reference:,} "
        "(more reports, more look-alikes by chance)"
    )


def contributions(
    pair: PairComparison,
    weights: Sequence[float],
    *,
    prior: tuple[float, str] | None = None,
) -> tuple[Contribution, ...]:
    """Per-field contributions of a pair, strongest first.

    ``weights[i]`` is the model's weight in bits of field ``i`` at the pair's level (see
    :meth:`matcher.model.MatchModel.contribution_bits`); ``prior`` — (bits, label) of the
    pool-size adjustment, listed last as :data:`REPORTS_ON_FILE` when non-zero (it is not
    evidence about the pair, so never its "strongest" line), so the contributions plus the
    intercept still sum to the score's log-odds.
    """
    out: list[Contribution] = []
    for i, comparison in enumerate(COMPARISONS):
        level = pair.levels[i]
        if level == 0:
            continue
        label = level_label(comparison.field, level, pair.details)
        out.append(Contribution(str(comparison.field), label, round(float(weights[i]), 3)))
    out.sort(key=lambda c: -abs(c.weight))
    if prior is not None and prior[0] != 0.0:
        # last, not sorted in: it is about the index, not evidence about this pair
        out.append(Contribution(REPORTS_ON_FILE, prior[1], round(float(prior[0]), 3)))
    return tuple(out)
