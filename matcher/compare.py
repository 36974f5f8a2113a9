"""Pair comparison, the readable reference: one report and one interception become a level vector.

For each comparison of the catalogue (:mod:`matcher.levels`) the pair is *measured* here in plain
Python (a token-alignment similarity, whether the keys agree, the age difference after elapsed
time …) and the level is chosen by the catalogue's own :meth:`~matcher.levels.Comparison.choose`.
The vectorised twin (:func:`matcher.compare_many.compare_many`) measures many pairs at once with
numpy and rapidfuzz and chooses levels with the same catalogue; a test asserts that both agree,
level for level and detail for detail.

Names are compared on *token keys* (:func:`matcher.prepare.name_tokens`), which are designed to
be equal across scripts and romanisations ("রহিমা" / "Rahima" / "Rohima"), so cross-script
matching is handled by the keys and a token similarity (Jaro-Winkler on keys) grades the rest.
Rarity uses per-token information content in bits (``log2(N / df)`` over the indexed reports):
agreeing on "Akter" is weak, agreeing on a name one report in 50,000 carries is strong. Parents'
names get their own rarity (counted over the reports' father and mother names).

The measurements a level was chosen from are kept as :class:`PairDetails` — the engine's one
description of the pair (expected age, similarities, resolved places, distance), which
explanations and the candidate page show instead of re-deriving them.

Contract: functions here never raise on bad text (None, empty, emoji, huge strings); a field
that cannot be read is missing (level 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler, Levenshtein

from matcher.dates import is_heaped_age
from matcher.levels import (
    COMPARISONS,
    GIVEN_RARE_BITS,
    N_FIELDS,
    POSITION,
    TOKEN_SIMILAR,
    Field,
    Measures,
    PlaceCode,
    at_least,
    family_measures,
)
from matcher.names import common_token_keys
from matcher.places import Place, PlaceRelation, district_distance_km, place_relation
from matcher.prepare import Ending, Prepared, given_ending

DAYS_PER_YEAR = 365.25
AGE_BASE_TOLERANCE = 2.0  # years, officer's estimate vs a parent's statement
AGE_TOLERANCE_PER_YEAR = 0.25  # widening per elapsed year (growth spurts, guessing)
AGE_HEAPED_EXTRA = 1.0  # "10", "12", "15": rounded, so less precise
AGE_UNKNOWN_ELAPSED_EXTRA = 1.5  # no dates: elapsed time unknown

#: :class:`~matcher.places.PlaceRelation` → the place comparison's ``relation`` measurement.
RELATION_CODE: dict[PlaceRelation, int] = {
    PlaceRelation.UNKNOWN: PlaceCode.UNKNOWN,
    PlaceRelation.SAME_UPAZILA: PlaceCode.SAME_UPAZILA,
    PlaceRelation.SAME_DISTRICT: PlaceCode.SAME_DISTRICT,
    PlaceRelation.NEIGHBOUR: PlaceCode.NEIGHBOUR,
    PlaceRelation.SAME_DIVISION: PlaceCode.SAME_DIVISION,
    PlaceRelation.FAR: PlaceCode.FAR,
}


# --------------------------------------------------------------------------- measurement rules


def token_similarity(a: str, b: str) -> float:
    """Similarity of two token keys, 0-1 (Jaro-Winkler); the scorer both paths use."""
    return float(JaroWinkler.normalized_similarity(a, b))


_VOWELS = "aeiou"


def is_short_form(a: str, b: str) -> bool:
    """Whether one token key is a short form (daak-naam style truncation) of the other.

    "Hani" for "Hannan", "Rafi" for "Rafiqul": with the final vowel dropped (romanisers disagree
    on it), the shorter key is a prefix of the longer one. Equal keys are not a short form.
    """
    if not a or not b or a == b or a[0] != b[0]:  # a stem keeps the first letter
        return False
    la, lb = a.rstrip(_VOWELS) or a, b.rstrip(_VOWELS) or b
    return lb.startswith(la) or la.startswith(lb)


def alignment_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Symmetric token-alignment similarity, 0-1: each token's best partner, averaged over both.

    ``(Σ_a max_b s(a,b) + Σ_b max_a s(a,b)) / (|a| + |b|)``; a dropped surname costs one token's
    worth, a swapped order nothing. 0.0 if either side is empty.
    """
    if not a or not b:
        return 0.0
    sims = [[token_similarity(x, y) for y in b] for x in a]
    left = sum(max(row) for row in sims)
    right = sum(max(sims[i][j] for i in range(len(a))) for j in range(len(b)))
    return (left + right) / (len(a) + len(b))


def distinctive(tokens: Sequence[str]) -> Sequence[str]:
    """A name's tokens without the common surname-like ones (Khatun, Begum, Islam …), unless
    that would leave nothing: what name similarities compare, so that "Reema Khatun" and
    "Sharomeno Khatun" are not "nearly the same" for a shared "Khatun"."""
    common = common_token_keys()
    kept = [t for t in tokens if t not in common]
    return kept if kept else tokens


def name_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """:func:`alignment_similarity` of two names' :func:`distinctive` tokens (0-1)."""
    return alignment_similarity(distinctive(a), distinctive(b))


def age_tolerance(elapsed_years: float | None, *, heaped: bool) -> float:
    """Half-width (years) of the "within tolerance" age band.

    Widens with elapsed time (|years|) and for heaped ages (10, 12, 15 …); unknown elapsed time
    (a date missing) widens it too.
    """
    tol = AGE_BASE_TOLERANCE + (AGE_HEAPED_EXTRA if heaped else 0.0)
    if elapsed_years is None:
        return tol + AGE_UNKNOWN_ELAPSED_EXTRA
    return tol + AGE_TOLERANCE_PER_YEAR * min(abs(elapsed_years), 10.0)


def heaped_age(age: float | None) -> bool:
    """Whether a (known) age is heaped; False for unknown. Stored per report by the index."""
    return age is not None and not math.isnan(age) and is_heaped(age)


def is_heaped(age: float) -> bool:
    """:func:`matcher.dates.is_heaped_age`, never raising."""
    try:
        return bool(is_heaped_age(age))
    except Exception:  # pragma: no cover - defensive
        return False


def place_distance(a: Place | None, b: Place | None) -> float | None:
    """Kilometres between the two places' districts (None if either is unknown)."""
    if a is None or b is None or not a.district_code or not b.district_code:
        return None
    return _distance(a.district_code, b.district_code)


@lru_cache(maxsize=100_000)
def relation(a: Place, b: Place) -> PlaceRelation:
    """:func:`matcher.places.place_relation`, cached and never raising."""
    try:
        return place_relation(a, b)
    except Exception:  # pragma: no cover - the geo layer promises not to raise
        return PlaceRelation.UNKNOWN


@lru_cache(maxsize=10_000)
def _distance(a: str, b: str) -> float | None:
    try:
        return district_distance_km(a, b)
    except Exception:  # pragma: no cover - defensive
        return None


# --------------------------------------------------------------------------- per-pair reference


@dataclass(frozen=True, slots=True)
class PairDetails:
    """What a pair's levels were computed from, for explanations (never a phone number)."""

    name_similarity: float | None = None
    agreeing_tokens: int = 0
    rarity_bits: float | None = None
    father_agreeing_tokens: int = 0
    father_rarity_bits: float | None = None
    mother_agreeing_tokens: int = 0
    mother_rarity_bits: float | None = None
    father_similarity: float | None = None
    mother_similarity: float | None = None
    expected_age: float | None = None
    observed_age: float | None = None
    age_tolerance: float | None = None
    elapsed_years: float | None = None
    report_place: Place | None = None
    interception_place: Place | None = None
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class PairComparison:
    """A pair's level per comparison (in :data:`matcher.levels.FIELDS` order) and the details
    behind them."""

    levels: tuple[int, ...]
    details: PairDetails = field(default_factory=PairDetails)

    def level(self, f: Field) -> int:
        """The level index of one comparison."""
        return self.levels[POSITION[f]]


TokenBits = Callable[[str], float]


def gendered_pair(a: int, b: int) -> bool:
    """Whether two given-name endings are a girl's and a boy's form (long a vs consonant)."""
    return {a, b} == {Ending.LONG_A, Ending.CONSONANT}


def other_gender_form(a: str | None, b: str | None) -> bool:
    """Whether two names' given names are a girl's and a boy's form of one name (Rahima /
    Rahim, রহিমা / রহিম): the same key once the final vowel is forgotten, not the same name.
    False when either name is missing or its ending unknown."""
    return gendered_pair(given_ending(a), given_ending(b))


def _name_measures(
    interception: Prepared, report: Prepared, bits: TokenBits
) -> tuple[Measures, Measures, Measures, Measures]:
    """Whole name, given name, surname and rarity measurements of a pair."""
    q, c = interception.name, report.name
    present = bool(q and c)
    if not present:
        off = Measures(present=False)
        return off, off, off, off
    sim = name_similarity(q, c)
    name = Measures(present=True, similarity=sim, same=set(q) == set(c))
    same_given = q[0] == c[0]
    same_form = same_given and not gendered_pair(interception.ending, report.ending)
    given = Measures(
        present=True,
        same=same_given,
        same_form=same_form,
        rare=same_form and at_least(bits(q[0]), GIVEN_RARE_BITS),
        similar=at_least(token_similarity(q[0], c[0]), TOKEN_SIMILAR),
        short_form=is_short_form(q[0], c[0]),
        elsewhere=q[0] in c or c[0] in q,
    )
    surname = Measures(present=False)
    if len(q) >= 2 and len(c) >= 2:
        surname = Measures(
            present=True,
            same=q[-1] == c[-1],
            similar=at_least(token_similarity(q[-1], c[-1]), TOKEN_SIMILAR),
        )
    return name, given, surname, _agreeing(q, c, bits)


def _agreeing(a: tuple[str, ...], b: tuple[str, ...], bits: TokenBits) -> Measures:
    """How many distinct tokens of ``a`` ``b`` shares, and their summed rarity (bits)."""
    if not (a and b):
        return Measures(present=False, agreeing=0, bits=None)
    shared = [t for t in dict.fromkeys(a) if t in set(b)]
    return Measures(present=True, agreeing=len(shared), bits=float(sum(bits(t) for t in shared)))


def _parent_measures(a: tuple[str, ...], b: tuple[str, ...]) -> Measures:
    if not (a and b):
        return Measures(present=False)
    return Measures(
        present=True,
        similarity=name_similarity(a, b),
        same=set(a) == set(b),
        first_same=a[0] == b[0],
        first_similar=at_least(token_similarity(a[0], b[0]), TOKEN_SIMILAR),
    )


def compare_pair(
    report: Prepared,
    interception: Prepared,
    *,
    bits: TokenBits,
    parent_bits: TokenBits | None = None,
) -> PairComparison:
    """Reference comparison of one pair; ``bits(token_key)`` is the token's rarity in bits.

    ``parent_bits`` is the rarity among parents' names (``None``: use ``bits``). Readable and
    slow; :func:`matcher.compare_many.compare_many` must produce the same levels.
    """
    m: dict[Field, Measures] = {}
    name, given, surname, rarity = _name_measures(interception, report, bits)
    m[Field.NAME], m[Field.GIVEN_NAME], m[Field.SURNAME], m[Field.NAME_RARITY] = (
        name,
        given,
        surname,
        rarity,
    )
    pbits = bits if parent_bits is None else parent_bits
    father = _parent_measures(interception.father, report.father)
    mother = _parent_measures(interception.mother, report.mother)
    m[Field.FATHER_NAME], m[Field.MOTHER_NAME] = father, mother
    m[Field.FATHER_RARITY] = _agreeing(interception.father, report.father, pbits)
    m[Field.MOTHER_RARITY] = _agreeing(interception.mother, report.mother, pbits)
    m[Field.SEX] = Measures(
        present=interception.sex is not None and report.sex is not None,
        same=interception.sex == report.sex,
    )
    elapsed: float | None = None
    days: int | None = None
    if interception.day is not None and report.day is not None:
        days = interception.day.toordinal() - report.day.toordinal()
        elapsed = days / DAYS_PER_YEAR
    m[Field.DATE_ORDER] = Measures(present=days is not None, elapsed_days=days)
    exp_age: float | None = None
    tol: float | None = None
    if interception.age is not None and report.age is not None:
        # = dates.expected_age, in the form the vectorised path computes
        exp_age = report.age + elapsed if elapsed is not None else report.age
        tol = age_tolerance(elapsed, heaped=is_heaped(report.age) or is_heaped(interception.age))
        m[Field.AGE] = Measures(present=True, difference=interception.age - exp_age, tolerance=tol)
    else:
        m[Field.AGE] = Measures(present=False)
    code = PlaceCode.UNKNOWN
    if interception.place is not None and report.place is not None:
        code = RELATION_CODE[relation(report.place, interception.place)]
    m[Field.PLACE] = Measures(present=code != PlaceCode.UNKNOWN, relation=code)
    phones = interception.phone is not None and report.phone is not None
    m[Field.PHONE] = Measures(
        present=phones,
        same=phones and interception.phone == report.phone,
        one_digit_off=phones
        and Levenshtein.distance(interception.phone or "", report.phone or "") <= 1,
    )
    lv = [0] * N_FIELDS
    for i, comparison in enumerate(COMPARISONS):
        if comparison.field is not Field.FAMILY:
            lv[i] = int(comparison.choose(m[comparison.field]))
    family = family_measures(
        lv[POSITION[Field.GIVEN_NAME]],
        lv[POSITION[Field.FATHER_NAME]],
        lv[POSITION[Field.MOTHER_NAME]],
        lv[POSITION[Field.PHONE]],
        lv[POSITION[Field.AGE]],
        lv[POSITION[Field.SEX]],
    )
    lv[POSITION[Field.FAMILY]] = int(COMPARISONS[POSITION[Field.FAMILY]].choose(family))
    details = PairDetails(
        name_similarity=name.similarity if name.present else None,
        agreeing_tokens=rarity.agreeing if rarity.present else 0,
        rarity_bits=rarity.bits if rarity.present else None,
        father_agreeing_tokens=m[Field.FATHER_RARITY].agreeing,
        father_rarity_bits=m[Field.FATHER_RARITY].bits,
        mother_agreeing_tokens=m[Field.MOTHER_RARITY].agreeing,
        mother_rarity_bits=m[Field.MOTHER_RARITY].bits,
        father_similarity=father.similarity if father.present else None,
        mother_similarity=mother.similarity if mother.present else None,
        expected_age=exp_age,
        observed_age=interception.age if exp_age is not None else None,
        age_tolerance=tol,
        elapsed_years=elapsed,
        report_place=report.place,
        interception_place=interception.place,
        distance_km=place_distance(report.place, interception.place),
    )
    return PairComparison(tuple(lv), details)
