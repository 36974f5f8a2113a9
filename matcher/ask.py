"""Which question to ask the child next: the empty interception field that best separates the
candidates.

Why: at a border post the officer can ask the child one more question, and a thin interception
(a pet name, "about 12", no father's name, no district) leaves dozens of near-equal reports. The
candidates' own values say which question would settle it: if the ten candidates have ten
different fathers, the father's name would single one out; if they all come from Jashore, asking
the district tells nothing.

Contract (:func:`ask_next`, called through :meth:`matcher.index.MatchIndex.ask_next`):

- Only fields of :data:`ASKABLE_FIELDS` that the interception leaves empty (None or blank text)
  are ever suggested; the home district is not asked either when the home upazila already names
  it.
- Each field's value on each candidate is read as the engine compares it
  (:func:`field_value`: name token keys, the resolved district or upazila, the phone's last ten
  digits, the age expected at the interception date in :data:`AGE_BIN_YEARS`-year bins); a
  candidate whose report leaves the field blank has no value.
- A field is scored by the expected information gain, in bits, about which candidate is the
  child (:func:`information_gain`): the candidates' scores, normalised, are the prior; the child's
  answer is assumed to equal the right report's value, and a candidate without a value is
  compatible with any answer. Fields gaining less than :data:`MIN_GAIN_BITS` are dropped (all
  candidates share the value, or none has one).
- Nothing is asked when the best candidate already stands out: it is in the match band (which the
  rival rule keeps free of close rivals), or it is the only candidate.
- Deterministic: ties keep the order of :data:`ASKABLE_FIELDS`. Pure arithmetic over at most
  ``top_k`` candidates (microseconds; the query that found them is the cost).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from datetime import date

from matcher.dates import expected_age
from matcher.places import PlaceLevel
from matcher.prepare import Prepared, home_place
from matcher.records import Band, Candidate, Interception, Language

__all__ = [
    "AGE_BIN_YEARS",
    "ASKABLE_FIELDS",
    "MIN_GAIN_BITS",
    "ask_next",
    "field_value",
    "information_gain",
    "question_label",
]

#: Interception fields the officer can ask the child about, in tie-break order (the parents'
#: names first: a child knows them, and they separate families best).
ASKABLE_FIELDS: tuple[str, ...] = (
    "father_name",
    "mother_name",
    "home_district",
    "home_upazila",
    "guardian_phone",
    "age",
    "name",
)

#: A field must be expected to tell at least this much (bits) about which candidate is the
#: child to be worth a question.
MIN_GAIN_BITS = 0.1

#: Ages are compared in bins this wide: a child's "about 12" cannot tell 11.8 from 12.3.
AGE_BIN_YEARS = 3.0

_LABELS: Mapping[str, tuple[str, str]] = {
    "father_name": ("father's name", "পিতার নাম"),
    "mother_name": ("mother's name", "মাতার নাম"),
    "home_district": ("home district", "নিজ জেলা"),
    "home_upazila": ("home upazila", "নিজ উপজেলা"),
    "guardian_phone": ("guardian's phone", "অভিভাবকের ফোন"),
    "age": ("age", "বয়স"),
    "name": ("name", "নাম"),
}


def question_label(field: str, language: Language = Language.EN) -> str:
    """A short label of an askable field in English or Bangla ("father's name", "পিতার নাম").

    Raises ``KeyError`` for a field outside :data:`ASKABLE_FIELDS`.
    """
    en, bn = _LABELS[field]
    return bn if language is Language.BN else en


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def field_value(field: str, report: Prepared, on: date | None) -> Hashable | None:
    """What a report says for an askable interception field, as the engine compares it.

    ``on`` — the interception date (ages are expected ages on that day; without it, the age at
    the report). None when the report leaves the field blank or unreadable.
    """
    if field == "father_name":
        return report.father or None
    if field == "mother_name":
        return report.mother or None
    if field == "name":
        return report.name or None
    if field == "guardian_phone":
        return report.phone
    place = report.place
    if field == "home_district":
        return place.district_code if place is not None else None
    if field == "home_upazila":
        if place is None or place.level is not PlaceLevel.UPAZILA:
            return None
        return (place.district_code, place.name)
    if field == "age":
        if report.age is None:
            return None
        age = report.age
        if on is not None and report.day is not None:
            age = expected_age(age, report.day, on)
        return math.floor(age / AGE_BIN_YEARS)
    raise ValueError(f"not an askable field: {field!r}")


def _entropy(weights: Sequence[float]) -> float:
    total = sum(weights)
    if total <= 0.0:
        return 0.0
    return -sum(w / total * math.log2(w / total) for w in weights if w > 0.0)


def information_gain(prior: Sequence[float], values: Sequence[Hashable | None]) -> float:
    """Expected bits learnt about which candidate is the child by asking for one field.

    ``prior`` — each candidate's probability of being the child (normalised here; all zero means
    uniform); ``values`` — each candidate's value of the field (None: unknown). The answer is the
    right candidate's value; a candidate without a value gives any answer the probability the
    known candidates give it, so an answer never rules it out. 0.0 when every known candidate
    shares one value or none has one.
    """
    if len(prior) != len(values):
        raise ValueError("prior and values must have the same length")
    total = sum(prior)
    p = [x / total for x in prior] if total > 0.0 else [1.0 / len(prior)] * len(prior)
    groups: dict[Hashable, list[int]] = {}
    unknown: list[int] = []
    for i, v in enumerate(values):
        (unknown if v is None else groups.setdefault(v, [])).append(i)
    known = sum(p[i] for members in groups.values() for i in members)
    if len(groups) < 2 or known <= 0.0:
        return 0.0
    rest = [p[i] for i in unknown]
    after = 0.0
    for members in groups.values():
        mass = sum(p[i] for i in members)
        if mass <= 0.0:
            continue
        # P(answer) = mass / known; the answer's group scales by known / mass, unknowns stay.
        posterior = [p[i] * known / mass for i in members] + rest
        after += mass / known * _entropy(posterior)
    return max(0.0, _entropy(p) - after)


def ask_next(
    interception: Interception,
    candidates: Sequence[Candidate],
    reports: Sequence[Prepared],
) -> list[str]:
    """The empty interception fields worth asking, best first (see the module docstring).

    ``reports`` — each candidate's report, prepared, in the candidates' order.
    """
    if len(candidates) != len(reports):
        raise ValueError("one prepared report per candidate")
    if len(candidates) < 2 or candidates[0].band is Band.MATCH:
        return []
    day = interception.interception_date
    on = day if isinstance(day, date) else None
    home = home_place(interception.home_district, interception.home_upazila)
    district_known = home is not None and home.district_code is not None
    prior = [max(0.0, c.score) for c in candidates]
    gains: list[tuple[float, int, str]] = []
    for order, field in enumerate(ASKABLE_FIELDS):
        if _present(getattr(interception, field)):
            continue
        if field == "home_district" and district_known:
            continue
        gain = information_gain(prior, [field_value(field, r, on) for r in reports])
        if gain >= MIN_GAIN_BITS:
            gains.append((-gain, order, field))
    return [field for _, _, field in sorted(gains)]
