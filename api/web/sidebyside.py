"""The candidate page's side-by-side view: each field marked agree / partial / disagree / missing.

Why here and not in the engine: the *score* is the engine's (``matcher``); this module only turns
a pair plus the engine's own contributions into marks a reviewer can check at a glance. Where the
engine explained a field, its weight decides the mark (so page and score never contradict each
other); where it did not, the mark comes from ``matcher``'s public similarity and geography
functions. Names, sex and phone are always marked by comparing the values (``_BY_VALUE``): names
with ``matcher.normalize.name_similarity``, which is script- and romanisation-proof. Nothing
here changes a score or a decision.

Contract:
- Missing is not a mismatch: a field empty on either side is marked ``missing``, never
  ``disagree``.
- Functions never raise on odd values (None, empty, emoji, huge strings, NaN ages).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from matcher.dates import expected_age
from matcher.geo import Place, PlaceRelation, district_distance_km, place_relation, resolve_place
from matcher.normalize import name_similarity, normalize_text
from matcher.records import Contribution, Interception, Report

AGREE_BITS = 1.0
"""A field whose contribution is at least this many bits is marked ``agree``."""
DISAGREE_BITS = -1.0
"""A field whose contribution is at most this many bits is marked ``disagree``."""


class Mark(StrEnum):
    """How one field of the pair compares, as shown to the reviewer."""

    AGREE = "agree"
    PARTIAL = "partial"
    DISAGREE = "disagree"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One row of the side-by-side table. ``field`` is an i18n key suffix (``field_<field>``)."""

    field: str
    interception_value: str
    report_value: str
    mark: Mark


# (label field, interception attribute, report attribute, extra contribution names)
_PAIRS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("name", "name", "name", ()),
    ("father_name", "father_name", "father_name", ()),
    ("mother_name", "mother_name", "mother_name", ()),
    ("sex", "sex", "sex", ()),
    ("age", "age", "age", ()),
    ("district", "home_district", "district", ("place",)),
    ("upazila", "home_upazila", "upazila", ("place",)),
    ("guardian_phone", "guardian_phone", "guardian_phone", ("phone",)),
)
_BY_VALUE = frozenset({"name", "father_name", "mother_name", "sex", "guardian_phone"})
"""Fields marked by comparing the values themselves. For sex and phone the evidence can be weak
even when they agree exactly; for names the engine spreads the evidence over several parts
(given name, surname, rarity, family), so one part's weight says little about the whole name."""
_NAME_AGREE = 0.92
_NAME_PARTIAL = 0.6
_AGE_AGREE_YEARS = 1.5
_AGE_PARTIAL_YEARS = 3.0


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:g}"
    return str(getattr(value, "value", value))


def _mark_from_weight(weight: float) -> Mark:
    if weight >= AGREE_BITS:
        return Mark.AGREE
    if weight <= DISAGREE_BITS:
        return Mark.DISAGREE
    return Mark.PARTIAL


def _digits(text: str) -> str:
    digits = normalize_text(text) or ""
    return re.sub(r"\D", "", digits)[-10:]


def age_now(interception: Interception, report: Report) -> float | None:
    """The report's age carried forward to the interception date (None if unknown)."""
    age = report.age
    if age is None or not math.isfinite(age):
        return None
    at: date | None = report.report_date
    on: date | None = interception.interception_date
    if at is None or on is None:
        return float(age)
    try:
        return float(expected_age(float(age), at, on))
    except (ValueError, TypeError, OverflowError):
        return float(age)


def _fallback_mark(field: str, interception: Interception, report: Report) -> Mark:
    if field in ("name", "father_name", "mother_name"):
        sim = name_similarity(getattr(interception, field), getattr(report, field))
        if sim >= _NAME_AGREE:
            return Mark.AGREE
        return Mark.PARTIAL if sim >= _NAME_PARTIAL else Mark.DISAGREE
    if field == "sex":
        return Mark.AGREE if interception.sex == report.sex else Mark.DISAGREE
    if field == "age":
        expected = age_now(interception, report)
        observed = interception.age
        if expected is None or observed is None or not math.isfinite(observed):
            return Mark.MISSING
        gap = abs(expected - observed)
        if gap <= _AGE_AGREE_YEARS:
            return Mark.AGREE
        return Mark.PARTIAL if gap <= _AGE_PARTIAL_YEARS else Mark.DISAGREE
    if field == "guardian_phone":
        a = _digits(_shown(interception.guardian_phone))
        b = _digits(_shown(report.guardian_phone))
        if not a or not b:
            return Mark.MISSING
        return Mark.AGREE if a == b else Mark.DISAGREE
    if field in ("district", "upazila"):
        relation = relation_of(interception, report)
        if field == "district":
            if relation in (PlaceRelation.SAME_UPAZILA, PlaceRelation.SAME_DISTRICT):
                return Mark.AGREE
            if relation in (PlaceRelation.NEIGHBOUR, PlaceRelation.SAME_DIVISION):
                return Mark.PARTIAL
            if relation is PlaceRelation.FAR:
                return Mark.DISAGREE
        elif relation is PlaceRelation.SAME_UPAZILA:
            return Mark.AGREE
        left = normalize_text(_shown(getattr(interception, f"home_{field}")))
        right = normalize_text(_shown(getattr(report, field)))
        return Mark.AGREE if left and left == right else Mark.DISAGREE
    return Mark.MISSING


def field_rows(
    interception: Interception, report: Report, contributions: Sequence[Contribution] = ()
) -> list[FieldRow]:
    """The rows of the side-by-side table, in form order."""
    weights: dict[str, float] = {}
    for item in contributions:
        weight = item.weight if math.isfinite(item.weight) else 0.0
        weights.setdefault(item.field, weight)
    rows: list[FieldRow] = []
    for field, left_attr, right_attr, extra in _PAIRS:
        left = _shown(getattr(interception, left_attr))
        right = _shown(getattr(report, right_attr))
        if not left.strip() or not right.strip():
            mark = Mark.MISSING
        else:
            names = (field, left_attr, right_attr, *extra)
            found = (
                None
                if field in _BY_VALUE
                else next((weights[n] for n in names if n in weights), None)
            )
            try:
                mark = (
                    _mark_from_weight(found)
                    if found is not None
                    else _fallback_mark(field, interception, report)
                )
            except Exception:  # a display helper must not take the review page down
                mark = Mark.PARTIAL
        rows.append(FieldRow(field, left, right, mark))
    return rows


def _place(upazila: str | None, district: str | None) -> Place | None:
    for text in (upazila, district):
        place = resolve_place(text)
        if place is not None:
            return place
    return None


def relation_of(interception: Interception, report: Report) -> PlaceRelation:
    """How the child's home place relates to the report's place (most specific known level)."""
    a = _place(interception.home_upazila, interception.home_district)
    b = _place(report.upazila, report.district)
    try:
        return place_relation(a, b)
    except Exception:
        return PlaceRelation.UNKNOWN


def distance_km(interception: Interception, report: Report) -> float | None:
    """Distance between the two districts' centres, or None if either is unknown."""
    a = _place(interception.home_upazila, interception.home_district)
    b = _place(report.upazila, report.district)
    if a is None or b is None or not a.district_code or not b.district_code:
        return None
    try:
        return district_distance_km(a.district_code, b.district_code)
    except Exception:
        return None
