"""Pair comparison: a report and an interception become one comparison *level* per field.

Splink-style: each field's comparison is an ordered list of small levels. Level 0 is always the
null level ("missing on either side": weight 0, because missing is not a mismatch); the other
levels are tried in order and the first whose condition holds wins; the last level is "else".
A pair therefore becomes a short vector of small integers (one level index per field), which the
model (:mod:`matcher.model`) turns into additive match weights and :mod:`matcher.explain` into
words.

Two implementations compute the same levels and are tested to agree:

- :func:`compare_pair` — the readable per-pair reference, which also returns the details an
  explanation needs (expected age, name similarity, place names, distance);
- :func:`compare_many` — the vectorised hot path: one interception against many candidate
  reports held as columns (:class:`CandidateColumns`), using ``rapidfuzz.process.cdist`` over the
  distinct tokens of the candidates and numpy for everything else.

Names are compared on *token keys* (:func:`matcher.normalize.token_keys`), which are designed to
be equal across scripts and romanisations ("রহিমা" / "Rahima" / "Rohima"), so cross-script
matching is handled by the keys and a token similarity (Jaro-Winkler on keys) grades the rest.
Rarity uses per-token information content in bits (``log2(N / df)`` over the indexed reports):
agreeing on "Akter" is weak, agreeing on a name one report in 50,000 carries is strong. Parents'
names get their own rarity (counted over the reports' father and mother names): a shared
"Abdul" says little, a shared "Krivi" a lot.

Contract: functions here never raise on bad text (None, empty, emoji, huge strings); a field
that cannot be read is missing (level 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist

from matcher.dates import is_heaped_age
from matcher.geo import (
    Place,
    PlaceRelation,
    district_distance_km,
    place_relation,
    resolve_home,
)
from matcher.normalize import normalize_text, parse_name, token_keys
from matcher.records import Interception, Report, Sex

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

#: Name tokens kept per name (more is vanishingly rare; the rest are ignored for comparison).
MAX_TOKENS = 4
#: Text longer than this is cut before keying so 10 kB inputs stay cheap.
MAX_TEXT_CHARS = 200
_EPS = 1e-9
_DAYS_PER_YEAR = 365.25


class Field(StrEnum):
    """The compared fields, in the order of a level vector."""

    NAME = "name"
    GIVEN_NAME = "given_name"
    SURNAME = "surname"
    NAME_RARITY = "name_rarity"
    FATHER_NAME = "father_name"
    MOTHER_NAME = "mother_name"
    PARENT_RARITY = "parent_rarity"
    SEX = "sex"
    AGE = "age"
    PLACE = "place"
    PHONE = "phone"
    DATE_ORDER = "date_order"
    FAMILY = "family"


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field's ordered levels. ``levels[0]`` is the null level; labels are for people."""

    field: Field
    title: str
    levels: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.levels) < 3:
            raise ValueError(f"{self.field}: need a null level, at least one level and an else")


# Thresholds of the graded levels (similarities 0-1 on token keys, rarity in bits).
NAME_SIM_LEVELS = (0.9, 0.8, 0.65)
PARENT_SIM_LEVELS = (0.9, 0.75)
TOKEN_SIMILAR = 0.88
RARITY_LEVELS = (13.0, 9.0, 5.0)  # bits, strongest first
#: Summed rarity (bits, over parents' names) of the agreeing tokens of the father's and the
#: mother's names, strongest first.
PARENT_RARITY_LEVELS = (16.0, 11.0, 7.0)
#: An agreeing given name this rare (bits) is stronger evidence than a common one ("Rahima").
GIVEN_RARE_BITS = 8.0
AGE_CLOSE = 1.0  # years: siblings are rarely this close, the same child usually is
AGE_NEAR = 1.5  # years: beyond this (after elapsed time) a sibling is as likely as the child
AGE_BASE_TOLERANCE = 2.0  # years, officer's estimate vs a parent's statement
AGE_TOLERANCE_PER_YEAR = 0.25  # widening per elapsed year (growth spurts, guessing)
AGE_HEAPED_EXTRA = 1.0  # "10", "12", "15": rounded, so less precise
AGE_UNKNOWN_ELAPSED_EXTRA = 1.5  # no dates: elapsed time unknown

COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        Field.NAME,
        "name",
        (
            "missing",
            "same name (all token keys agree)",
            "nearly the same name (similarity ≥ 0.90)",
            "similar name (similarity ≥ 0.80)",
            "partly similar name (similarity ≥ 0.65)",
            "different names",
        ),
    ),
    Comparison(
        Field.GIVEN_NAME,
        "given name",
        (
            "missing",
            "same rare given name",
            "same common given name",
            "similar given name",
            "one given name is a short form of the other",
            "given name found elsewhere in the other name",
            "different given names",
        ),
    ),
    Comparison(
        Field.SURNAME,
        "surname",
        ("missing", "same surname key", "similar surname", "different surnames"),
    ),
    Comparison(
        Field.NAME_RARITY,
        "name rarity",
        (
            "missing",
            "agreeing name tokens very rare (≥ 13 bits)",
            "agreeing name tokens rare (9-13 bits)",
            "agreeing name tokens uncommon (5-9 bits)",
            "agreeing name tokens common (< 5 bits)",
            "no name token agrees",
        ),
    ),
    Comparison(
        Field.FATHER_NAME,
        "father's name",
        (
            "missing",
            "same name (all token keys agree)",
            "nearly the same name (similarity ≥ 0.90)",
            "same first name",
            "similar first name",
            "similar name (similarity ≥ 0.75)",
            "different names",
        ),
    ),
    Comparison(
        Field.MOTHER_NAME,
        "mother's name",
        (
            "missing",
            "same name (all token keys agree)",
            "nearly the same name (similarity ≥ 0.90)",
            "same first name",
            "similar first name",
            "similar name (similarity ≥ 0.75)",
            "different names",
        ),
    ),
    Comparison(
        Field.PARENT_RARITY,
        "parents' name rarity",
        (
            "missing",
            "agreeing parents' name tokens very rare (≥ 16 bits)",
            "agreeing parents' name tokens rare (11-16 bits)",
            "agreeing parents' name tokens uncommon (7-11 bits)",
            "agreeing parents' name tokens common (< 7 bits)",
            "no parent's name token agrees",
        ),
    ),
    Comparison(Field.SEX, "sex", ("missing", "same sex", "different sex")),
    Comparison(
        Field.AGE,
        "age",
        (
            "missing",
            "within a year of expected",
            f"within {AGE_NEAR:g} years of expected",
            "within tolerance",
            "within 2× tolerance",
            "within 3× tolerance",
            "far from expected",
        ),
    ),
    Comparison(
        Field.PLACE,
        "place",
        (
            "missing or unknown",
            "same upazila",
            "same district",
            "neighbouring district",
            "same division",
            "far apart",
        ),
    ),
    Comparison(
        Field.PHONE,
        "guardian phone",
        ("missing", "same number", "one digit off", "different numbers"),
    ),
    Comparison(
        Field.DATE_ORDER,
        "dates",
        (
            "missing",
            "interception after report",
            "interception within 30 days before report",
            "interception long before report (implausible)",
        ),
    ),
    Comparison(
        Field.FAMILY,
        "family",
        (
            "missing or no shared family to read",
            "same family and the child's given name agrees",
            "same family, another given name, age as expected (nickname?)",
            "same family, another given name, age off (sibling pattern)",
        ),
    ),
)
FIELDS: tuple[Field, ...] = tuple(c.field for c in COMPARISONS)
N_FIELDS = len(COMPARISONS)
COMPARISON_BY_FIELD: Mapping[Field, Comparison] = {c.field: c for c in COMPARISONS}
_F = {f: i for i, f in enumerate(FIELDS)}

_PLACE_LEVEL = {
    PlaceRelation.SAME_UPAZILA: 1,
    PlaceRelation.SAME_DISTRICT: 2,
    PlaceRelation.NEIGHBOUR: 3,
    PlaceRelation.SAME_DIVISION: 4,
    PlaceRelation.FAR: 5,
    PlaceRelation.UNKNOWN: 0,
}
_SEX_CODE = {Sex.MALE: 1, Sex.FEMALE: 2}


# --------------------------------------------------------------------------- field preparation


@lru_cache(maxsize=500_000)
def _normalized_tokens(raw: str) -> tuple[str, ...]:
    """Normalised tokens of one whitespace-separated raw token (cached)."""
    try:
        norm = normalize_text(raw)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return ()
    return tuple(norm.split()) if norm else ()


@lru_cache(maxsize=500_000)
def _token_key(token: str) -> tuple[str, ...]:
    """Key(s) of one normalised token (cached)."""
    try:
        return tuple(k for k in token_keys(token) if k)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return ()


@lru_cache(maxsize=100_000)
def _is_prefix(token: str) -> bool:
    """Whether a normalised token is an honorific prefix when it leads a longer name."""
    try:
        return bool(parse_name(token + " x").prefixes)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return False


def name_tokens(text: str | None) -> tuple[str, ...]:
    """Token keys of a name (see :func:`_name_tokens`); whole names are cached too."""
    if not text or not isinstance(text, str):
        return ()
    return _name_tokens(text)


@lru_cache(maxsize=1 << 18)
def _name_tokens(text: str) -> tuple[str, ...]:
    """Token keys of a name (prefixes such as Md/Mst dropped), at most :data:`MAX_TOKENS`.

    Same keys as :func:`matcher.normalize.token_keys` (leading prefixes dropped, never the last
    token), but computed per distinct raw token through caches: keying is the expensive part of
    indexing a million reports, and name tokens repeat a lot. Never raises; ``()`` if nothing.
    """
    if not text or not isinstance(text, str):
        return ()
    infos: list[tuple[bool, tuple[str, ...]]] = []
    for raw in text[:MAX_TEXT_CHARS].split():
        infos.extend(_raw_token_info(raw))
    i = 0
    while i < len(infos) - 1 and infos[i][0]:
        i += 1
    keys: list[str] = []
    for _, token_keys_ in infos[i:]:
        keys.extend(token_keys_)
        if len(keys) >= MAX_TOKENS:
            break
    return tuple(keys[:MAX_TOKENS])


@lru_cache(maxsize=500_000)
def _raw_token_info(raw: str) -> tuple[tuple[bool, tuple[str, ...]], ...]:
    """(is a prefix, keys) of each normalised token of one raw token: one cache hit per token.

    Whole names rarely repeat (the full-name cache mostly misses on a million children), raw
    tokens do; this folds the three per-token caches into one look-up.
    """
    return tuple((_is_prefix(t), _token_key(t)) for t in _normalized_tokens(raw))


_NON_DIGITS = re.compile(r"\D+")
_DIGIT_TABLE = {ord(c): str(i) for i, c in enumerate("০১২৩৪৫৬৭৮৯")}


def normalize_phone(text: str | None) -> str | None:
    """The last 10 digits of a phone number, zero-padded, or None if fewer than 7 digits.

    Bangladeshi mobiles are written 01XXXXXXXXX, +8801XXXXXXXXX or 8801…: the last 10 digits are
    the same in every form. Bangla digits count; other scripts' digits are ignored.
    """
    if not text or not isinstance(text, str):
        return None
    digits = _NON_DIGITS.sub("", text[:MAX_TEXT_CHARS].translate(_DIGIT_TABLE))
    if not digits.isascii():
        digits = "".join(ch for ch in digits if "0" <= ch <= "9")
    if len(digits) < 7:
        return None
    return digits[-10:].zfill(10)


def home_place(district: str | None, upazila: str | None) -> Place | None:
    """The most specific place the two fields agree on (:func:`matcher.geo.resolve_home`).

    Reading district and upazila together settles shared upazila names ("Kaliganj" lies in four
    districts) and hand-romanised ones, which resolving each field on its own cannot; people also
    write an upazila in the district box and vice versa, which ``resolve_home`` handles. Non-text
    fields count as missing. Cached per (district, upazila) pair inside the geo layer. Never raises.
    """
    try:
        return resolve_home(
            district if isinstance(district, str) else None,
            upazila if isinstance(upazila, str) else None,
        )
    except Exception:  # pragma: no cover - the geo layer promises not to raise
        return None


class Prepared(NamedTuple):
    """One record's comparable fields, computed once (report or interception alike).

    ``day`` is the report date or the interception date. A NamedTuple because a million are
    built while indexing and tuple construction is several times cheaper than a dataclass.
    """

    name: tuple[str, ...] = ()
    father: tuple[str, ...] = ()
    mother: tuple[str, ...] = ()
    sex: Sex | None = None
    age: float | None = None
    day: date | None = None
    place: Place | None = None
    phone: str | None = None


def _age(value: float | None) -> float | None:
    if value is None or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0 <= value < 120 else None


def prepare_report(report: Report) -> Prepared:
    """Comparable fields of a report.

    Run once per indexed report (a million times in a batch), hence positional arguments and
    the cached name keying called directly: same result as :func:`prepare_interception`'s shape.
    """
    name, father, mother = report.name, report.father_name, report.mother_name
    return Prepared(
        _name_tokens(name) if name and isinstance(name, str) else (),
        _name_tokens(father) if father and isinstance(father, str) else (),
        _name_tokens(mother) if mother and isinstance(mother, str) else (),
        report.sex if isinstance(report.sex, Sex) else None,
        _age(report.age),
        report.report_date if isinstance(report.report_date, date) else None,
        home_place(report.district, report.upazila),
        normalize_phone(report.guardian_phone),
    )


def prepare_interception(interception: Interception) -> Prepared:
    """Comparable fields of an interception (home district/upazila, not the border post)."""
    return Prepared(
        name=name_tokens(interception.name),
        father=name_tokens(interception.father_name),
        mother=name_tokens(interception.mother_name),
        sex=interception.sex if isinstance(interception.sex, Sex) else None,
        age=_age(interception.age),
        day=(
            interception.interception_date
            if isinstance(interception.interception_date, date)
            else None
        ),
        place=home_place(interception.home_district, interception.home_upazila),
        phone=normalize_phone(interception.guardian_phone),
    )


# --------------------------------------------------------------------------- shared level rules


def token_similarity(a: str, b: str) -> float:
    """Similarity of two token keys, 0-1 (Jaro-Winkler); the scorer both paths use."""
    return float(JaroWinkler.normalized_similarity(a, b))


_VOWELS = "aeiou"


def is_short_form(a: str, b: str) -> bool:
    """Whether one token key is a short form (daak-naam style truncation) of the other.

    "Hani" for "Hannan", "Rafi" for "Rafiqul": with the final vowel dropped (romanisers disagree
    on it), the shorter key is a prefix of the longer one. Equal keys are not a short form.
    """
    if not a or not b or a == b:
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


def _name_level(sim: float, all_agree: bool) -> int:
    if all_agree:
        return 1
    for i, thr in enumerate(NAME_SIM_LEVELS):
        if sim >= thr - _EPS:
            return 2 + i
    return 5


def _parent_level(sim: float, all_agree: bool, first_same: bool, first_similar: bool) -> int:
    """A child often gives only the parent's first name, sometimes misheard ("Bkohteyar" for
    "Bokhtiyar Islam"): the first names are compared on their own before the whole names."""
    if all_agree:
        return 1
    if sim >= PARENT_SIM_LEVELS[0] - _EPS:
        return 2
    if first_same:
        return 3
    if first_similar:
        return 4
    if sim >= PARENT_SIM_LEVELS[1] - _EPS:
        return 5
    return 6


def _rarity_level(bits: float, agreeing: int, thresholds: Sequence[float] = RARITY_LEVELS) -> int:
    if agreeing == 0:
        return 5
    for i, thr in enumerate(thresholds):
        if bits >= thr - _EPS:
            return 1 + i
    return 4


def age_tolerance(elapsed_years: float | None, *, heaped: bool) -> float:
    """Half-width (years) of the "within tolerance" age band.

    Widens with elapsed time (|years|) and for heaped ages (10, 12, 15 …); unknown elapsed time
    (a date missing) widens it too.
    """
    tol = AGE_BASE_TOLERANCE + (AGE_HEAPED_EXTRA if heaped else 0.0)
    if elapsed_years is None:
        return tol + AGE_UNKNOWN_ELAPSED_EXTRA
    return tol + AGE_TOLERANCE_PER_YEAR * min(abs(elapsed_years), 10.0)


def _age_level(diff: float, tol: float) -> int:
    d = abs(diff)
    if d <= AGE_CLOSE + _EPS:
        return 1
    if d <= AGE_NEAR + _EPS:
        return 2
    if d <= tol + _EPS:
        return 3
    if d <= 2 * tol + _EPS:
        return 4
    if d <= 3 * tol + _EPS:
        return 5
    return 6


def heaped_age(age: float | None) -> bool:
    """Whether a (known) age is heaped; False for unknown. Stored per report by the index."""
    return age is not None and not math.isnan(age) and _heaped(age)


def _heaped(age: float) -> bool:
    try:
        return bool(is_heaped_age(age))
    except Exception:  # pragma: no cover - defensive
        return False


def _date_level(elapsed_days: int) -> int:
    if elapsed_days >= 0:
        return 1
    if elapsed_days >= -30:
        return 2
    return 3


def _family_level(given: int, father: int, mother: int, phone: int, age: int) -> int:
    """Sibling-aware family level from the other fields' levels.

    Siblings share parents, phone and place but not the given name: agreeing family details
    mean something different depending on whether the child's given name agrees too. When it
    does not, the age tells a child who gave only a nickname (age as expected, within
    :data:`AGE_NEAR`) from a brother or sister (age off, or unknown).

    Level 0 ("no family pattern", weight 0) when there is no shared family to read: a parent's
    name or the phone that differs is already counted by its own field, and a family level of
    its own for it read as a paradox to officers ("family details differ (+2.4)": the weight only
    undid that double count).
    """
    if given == 0 or (father == 0 and mother == 0 and phone == 0):
        return 0
    # a shared first name ("Abdul", "Md") is not a shared family: whole-name agreement only
    same_family = 1 <= father <= 2 or 1 <= mother <= 2 or phone == 1
    if not same_family:
        return 0
    if given <= 4:
        return 1
    return 2 if 1 <= age <= 2 else 3


# --------------------------------------------------------------------------- per-pair reference


@dataclass(frozen=True, slots=True)
class PairDetails:
    """What a pair's levels were computed from, for explanations (never a phone number)."""

    name_similarity: float | None = None
    agreeing_tokens: int = 0
    rarity_bits: float | None = None
    parent_agreeing_tokens: int = 0
    parent_rarity_bits: float | None = None
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
    """A pair's level per field (in :data:`FIELDS` order) and the details behind them."""

    levels: tuple[int, ...]
    details: PairDetails = field(default_factory=PairDetails)

    def level(self, f: Field) -> int:
        """The level index of one field."""
        return self.levels[_F[f]]


TokenBits = Callable[[str], float]


def compare_pair(
    report: Prepared,
    interception: Prepared,
    *,
    bits: TokenBits,
    parent_bits: TokenBits | None = None,
) -> PairComparison:
    """Reference comparison of one pair; ``bits(token_key)`` is the token's rarity in bits.

    ``parent_bits`` is the rarity among parents' names (``None``: use ``bits``). Readable and
    slow; :func:`compare_many` must produce the same levels.
    """
    lv = [0] * N_FIELDS
    q, c = interception.name, report.name
    name_sim: float | None = None
    agreeing = 0
    rarity: float | None = None
    if q and c:
        name_sim = alignment_similarity(q, c)
        lv[_F[Field.NAME]] = _name_level(name_sim, set(q) == set(c))
        if q[0] == c[0]:
            lv[_F[Field.GIVEN_NAME]] = 1 if bits(q[0]) >= GIVEN_RARE_BITS - _EPS else 2
        elif token_similarity(q[0], c[0]) >= TOKEN_SIMILAR - _EPS:
            lv[_F[Field.GIVEN_NAME]] = 3
        elif is_short_form(q[0], c[0]):
            lv[_F[Field.GIVEN_NAME]] = 4
        elif q[0] in c or c[0] in q:
            lv[_F[Field.GIVEN_NAME]] = 5
        else:
            lv[_F[Field.GIVEN_NAME]] = 6
        if len(q) >= 2 and len(c) >= 2:
            if q[-1] == c[-1]:
                lv[_F[Field.SURNAME]] = 1
            elif token_similarity(q[-1], c[-1]) >= TOKEN_SIMILAR - _EPS:
                lv[_F[Field.SURNAME]] = 2
            else:
                lv[_F[Field.SURNAME]] = 3
        shared = [t for t in dict.fromkeys(q) if t in set(c)]
        agreeing = len(shared)
        rarity = float(sum(bits(t) for t in shared))
        lv[_F[Field.NAME_RARITY]] = _rarity_level(rarity, agreeing)
    parent_sims: list[float | None] = []
    pbits = bits if parent_bits is None else parent_bits
    parent_agreeing = 0
    parent_rarity: float | None = None
    for f, a, b in (
        (Field.FATHER_NAME, interception.father, report.father),
        (Field.MOTHER_NAME, interception.mother, report.mother),
    ):
        if a and b:
            s = alignment_similarity(a, b)
            lv[_F[f]] = _parent_level(
                s,
                set(a) == set(b),
                a[0] == b[0],
                token_similarity(a[0], b[0]) >= TOKEN_SIMILAR - _EPS,
            )
            parent_sims.append(s)
            shared_parent = [t for t in dict.fromkeys(a) if t in set(b)]
            parent_agreeing += len(shared_parent)
            parent_rarity = (parent_rarity or 0.0) + float(sum(pbits(t) for t in shared_parent))
        else:
            parent_sims.append(None)
    if parent_rarity is not None:
        lv[_F[Field.PARENT_RARITY]] = _rarity_level(
            parent_rarity, parent_agreeing, PARENT_RARITY_LEVELS
        )
    if interception.sex is not None and report.sex is not None:
        lv[_F[Field.SEX]] = 1 if interception.sex == report.sex else 2
    elapsed: float | None = None
    if interception.day is not None and report.day is not None:
        days = interception.day.toordinal() - report.day.toordinal()
        elapsed = days / _DAYS_PER_YEAR
        lv[_F[Field.DATE_ORDER]] = _date_level(days)
    exp_age: float | None = None
    tol: float | None = None
    if interception.age is not None and report.age is not None:
        if report.day is not None and interception.day is not None:
            exp_age = report.age + (elapsed or 0.0)  # = dates.expected_age, vectorisable
        else:
            exp_age = report.age
        tol = age_tolerance(elapsed, heaped=_heaped(report.age) or _heaped(interception.age))
        lv[_F[Field.AGE]] = _age_level(interception.age - exp_age, tol)
    distance = place_distance(report.place, interception.place)
    if interception.place is not None and report.place is not None:
        rel = _relation(report.place, interception.place)
        lv[_F[Field.PLACE]] = _PLACE_LEVEL[rel]
    if interception.phone is not None and report.phone is not None:
        if interception.phone == report.phone:
            lv[_F[Field.PHONE]] = 1
        elif Levenshtein.distance(interception.phone, report.phone) <= 1:
            lv[_F[Field.PHONE]] = 2
        else:
            lv[_F[Field.PHONE]] = 3
    lv[_F[Field.FAMILY]] = _family_level(
        lv[_F[Field.GIVEN_NAME]],
        lv[_F[Field.FATHER_NAME]],
        lv[_F[Field.MOTHER_NAME]],
        lv[_F[Field.PHONE]],
        lv[_F[Field.AGE]],
    )
    details = PairDetails(
        name_similarity=name_sim,
        agreeing_tokens=agreeing,
        rarity_bits=rarity,
        parent_agreeing_tokens=parent_agreeing,
        parent_rarity_bits=parent_rarity,
        father_similarity=parent_sims[0],
        mother_similarity=parent_sims[1],
        expected_age=exp_age,
        observed_age=interception.age if exp_age is not None else None,
        age_tolerance=tol,
        elapsed_years=elapsed,
        report_place=report.place,
        interception_place=interception.place,
        distance_km=distance,
    )
    return PairComparison(tuple(lv), details)


def place_distance(a: Place | None, b: Place | None) -> float | None:
    """Kilometres between the two places' districts (None if either is unknown)."""
    if a is None or b is None or not a.district_code or not b.district_code:
        return None
    return _distance(a.district_code, b.district_code)


_PLACE_KEYS: dict[Place, int] = {}


def _place_key(place: Place) -> int:
    """A small stable integer per distinct place (the gazetteer is finite)."""
    key = _PLACE_KEYS.get(place)
    if key is None:
        key = _PLACE_KEYS.setdefault(place, len(_PLACE_KEYS))
    return key


@lru_cache(maxsize=100_000)
def _relation(a: Place, b: Place) -> PlaceRelation:
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


# --------------------------------------------------------------------------- vectorised path


@dataclass(frozen=True, slots=True)
class CandidateColumns:
    """Many candidate reports as columns (what :class:`matcher.index.MatchIndex` stores).

    Token columns hold ids into ``vocab`` (``-1`` = no token), shape ``(n, MAX_TOKENS)``, tokens
    packed to the left. ``sex``: 0 unknown, 1 M, 2 F. ``age``: NaN unknown. ``day``: date
    ordinal, 0 unknown. ``place``: id into ``places``, -1 unknown. ``phone``: 10-digit number as
    an integer, -1 unknown. ``heaped``: the age is a rounded one (:func:`heaped_age`).
    ``relation_cache`` memoises place levels by (place id, query place key) across queries.
    ``token_bits[id]`` is the rarity (bits) of vocab token ``id`` among children's names,
    ``parent_bits[id]`` among parents' names.
    """

    name: IntArray
    father: IntArray
    mother: IntArray
    sex: npt.NDArray[np.int8]
    age: FloatArray
    day: IntArray
    place: IntArray
    phone: npt.NDArray[np.int64]
    heaped: npt.NDArray[np.bool_]
    vocab: Sequence[str]
    token_bits: FloatArray
    parent_bits: FloatArray
    places: Sequence[Place]
    relation_cache: dict[tuple[int, int], int] = field(default_factory=dict)


def _token_sims(query: Sequence[str], ids: IntArray, vocab: Sequence[str]) -> FloatArray:
    """``(n, T, q)`` similarities of each candidate token to each query token (NaN for pads)."""
    n, t = ids.shape
    out = np.full((n, t, len(query)), np.nan)
    present = ids >= 0
    if not query or not present.any():
        return out
    uniq, inverse = np.unique(ids[present], return_inverse=True)
    sims = cdist(
        list(query),
        [vocab[i] for i in uniq.tolist()],
        scorer=JaroWinkler.normalized_similarity,
        dtype=np.float64,
    )  # (q, u)
    out[present] = sims.T[inverse]
    return out


def _alignment_many(query: Sequence[str], ids: IntArray, sims: FloatArray) -> FloatArray:
    """Vectorised :func:`alignment_similarity` for each candidate row (0.0 where empty)."""
    counts = (ids >= 0).sum(axis=1)
    res = np.zeros(ids.shape[0])
    ok = counts > 0
    if not query or not ok.any():
        return res
    s = sims[ok]  # (m, T, q)
    left = np.nanmax(s, axis=1).sum(axis=1)  # best candidate token per query token
    right = np.nan_to_num(np.nanmax(np.where(np.isnan(s), -np.inf, s), axis=2), neginf=0.0)
    right = right.sum(axis=1)
    res[ok] = (left + right) / (len(query) + counts[ok])
    return res


def _set_equal(query_ids: IntArray, ids: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each row's token set equals the query's (ids; unknown query tokens are -2)."""
    present = ids >= 0
    in_query = np.isin(ids, query_ids) | ~present
    has_all = np.ones(ids.shape[0], dtype=bool)
    for qi in np.unique(query_ids):
        has_all &= (ids == qi).any(axis=1)
    return in_query.all(axis=1) & has_all & present.any(axis=1)


def _query_ids(tokens: Sequence[str], vocab_index: Mapping[str, int]) -> IntArray:
    return np.array([vocab_index.get(t, -2) for t in tokens], dtype=np.int32)


def _parent_levels(
    query: Sequence[str],
    ids: IntArray,
    vocab: Sequence[str],
    vocab_index: Mapping[str, int],
    parent_bits: FloatArray,
) -> tuple[IntArray, npt.NDArray[np.bool_], IntArray, FloatArray, FloatArray]:
    """Per row: the parent field's level, whether both sides have the name, the number and
    summed rarity of the distinct query tokens the row's name shares (for parent rarity), and
    the name similarity (for explanations)."""
    n = ids.shape[0]
    lv = np.zeros(n, dtype=np.int32)
    agreeing = np.zeros(n, dtype=np.int32)
    bits = np.zeros(n)
    has = ids[:, 0] >= 0
    if not query or not has.any():
        return lv, np.zeros(n, dtype=bool), agreeing, bits, np.zeros(n)
    sims = _token_sims(query, ids, vocab)
    sim = _alignment_many(query, ids, sims)
    qids = _query_ids(query, vocab_index)
    all_agree = _set_equal(qids, ids)
    first_same = ids[:, 0] == qids[0]
    level = np.full(n, 6, dtype=np.int32)
    level[sim >= PARENT_SIM_LEVELS[1] - _EPS] = 5
    level[sims[:, 0, 0] >= TOKEN_SIMILAR - _EPS] = 4
    level[first_same] = 3
    level[sim >= PARENT_SIM_LEVELS[0] - _EPS] = 2
    level[all_agree] = 1
    lv[has] = level[has]
    for qi in dict.fromkeys(qids.tolist()):
        if qi < 0:
            continue
        hit = (ids == qi).any(axis=1)
        agreeing += hit
        bits += hit * parent_bits[qi]
    return lv, has, agreeing, bits, sim


@dataclass(frozen=True, slots=True)
class DetailColumns:
    """:class:`PairDetails` of many rows as columns (NaN = None): :func:`compare_many_detailed`.

    The vectorised pass computes these numbers anyway; keeping them spares the explanation of
    the top candidates a second, per-pair comparison.
    """

    name_similarity: FloatArray
    agreeing_tokens: IntArray
    rarity_bits: FloatArray
    parent_agreeing_tokens: IntArray
    parent_rarity_bits: FloatArray
    father_similarity: FloatArray
    mother_similarity: FloatArray
    expected_age: FloatArray
    age_tolerance: FloatArray
    elapsed_years: FloatArray

    def take(self, order: npt.NDArray[np.intp]) -> DetailColumns:
        """The same columns with rows in ``order`` (as the scores sort them)."""
        return DetailColumns(*(getattr(self, f.name)[order] for f in fields(self)))

    def row(self, i: int, report_place: Place | None, interception: Prepared) -> PairDetails:
        """Row ``i`` as :class:`PairDetails` (equal to :func:`compare_pair`'s, tested)."""

        def opt(x: FloatArray) -> float | None:
            v = float(x[i])
            return None if math.isnan(v) else v

        expected = opt(self.expected_age)
        return PairDetails(
            name_similarity=opt(self.name_similarity),
            agreeing_tokens=int(self.agreeing_tokens[i]),
            rarity_bits=opt(self.rarity_bits),
            parent_agreeing_tokens=int(self.parent_agreeing_tokens[i]),
            parent_rarity_bits=opt(self.parent_rarity_bits),
            father_similarity=opt(self.father_similarity),
            mother_similarity=opt(self.mother_similarity),
            expected_age=expected,
            observed_age=interception.age if expected is not None else None,
            age_tolerance=opt(self.age_tolerance),
            elapsed_years=opt(self.elapsed_years),
            report_place=report_place,
            interception_place=interception.place,
            distance_km=place_distance(report_place, interception.place),
        )


def compare_many(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> npt.NDArray[np.int8]:
    """Levels of one interception against every candidate row: ``(n, N_FIELDS)`` int8.

    ``vocab_index`` maps token key → id in ``cols.vocab``. Same result as
    :func:`compare_pair` row by row (tested).
    """
    return compare_many_detailed(interception, cols, vocab_index=vocab_index)[0]


def compare_many_detailed(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> tuple[npt.NDArray[np.int8], DetailColumns]:
    """:func:`compare_many`'s levels and, per row, the details an explanation shows."""
    n = cols.name.shape[0]
    out = np.zeros((n, N_FIELDS), dtype=np.int8)
    nan = np.full(n, np.nan)
    name_sim, rarity_bits, agree_count = nan, nan, np.zeros(n, dtype=np.int32)
    f_sim, m_sim = nan, nan
    exp_age, age_tol, elapsed_years = nan, nan, nan

    def details(p_agree: IntArray, p_bits: FloatArray) -> DetailColumns:
        return DetailColumns(
            name_similarity=name_sim,
            agreeing_tokens=agree_count,
            rarity_bits=rarity_bits,
            parent_agreeing_tokens=p_agree,
            parent_rarity_bits=p_bits,
            father_similarity=f_sim,
            mother_similarity=m_sim,
            expected_age=exp_age,
            age_tolerance=age_tol,
            elapsed_years=elapsed_years,
        )

    if n == 0:
        return out, details(agree_count, nan)
    q = interception.name
    has_name = cols.name[:, 0] >= 0
    if q and has_name.any():
        qids = _query_ids(q, vocab_index)
        sims = _token_sims(q, cols.name, cols.vocab)
        sim = _alignment_many(q, cols.name, sims)
        all_agree = _set_equal(qids, cols.name)
        level = np.full(n, 5, dtype=np.int8)
        for i, thr in reversed(list(enumerate(NAME_SIM_LEVELS))):
            level[sim >= thr - _EPS] = 2 + i
        level[all_agree] = 1
        out[:, _F[Field.NAME]] = np.where(has_name, level, 0)
        # given name: first tokens
        g = np.full(n, 6, dtype=np.int8)
        elsewhere = (cols.name == qids[0]).any(axis=1) | np.isin(cols.name[:, 0], qids)
        g[elsewhere] = 5
        uniq, inverse = np.unique(cols.name[:, 0], return_inverse=True)
        short_u = np.array(
            [tid >= 0 and is_short_form(q[0], cols.vocab[int(tid)]) for tid in uniq], dtype=bool
        )
        g[short_u[inverse.ravel()]] = 4
        g[sims[:, 0, 0] >= TOKEN_SIMILAR - _EPS] = 3
        # the query's given name is one token: its rarity is one number for every row
        given_rare = qids[0] >= 0 and cols.token_bits[qids[0]] >= GIVEN_RARE_BITS - _EPS
        g[cols.name[:, 0] == qids[0]] = 1 if given_rare else 2
        out[:, _F[Field.GIVEN_NAME]] = np.where(has_name, g, 0)
        # surname: last tokens when both have two or more
        counts = (cols.name >= 0).sum(axis=1)
        if len(q) >= 2:
            rows = np.arange(n)
            last = np.maximum(counts - 1, 0)
            last_ids = cols.name[rows, last]
            last_sim = sims[rows, last, len(q) - 1]
            s = np.full(n, 3, dtype=np.int8)
            s[last_sim >= TOKEN_SIMILAR - _EPS] = 2
            s[last_ids == qids[-1]] = 1
            out[:, _F[Field.SURNAME]] = np.where(counts >= 2, s, 0)
        # rarity: distinct agreeing query tokens and their bits
        uq = list(dict.fromkeys(q))
        uq_ids = _query_ids(uq, vocab_index)
        agree = np.stack([(cols.name == i).any(axis=1) for i in uq_ids], axis=1)  # (n, uq)
        uq_bits = np.array(
            [cols.token_bits[i] if i >= 0 else 0.0 for i in uq_ids], dtype=np.float64
        )
        bits = (agree * uq_bits).sum(axis=1)
        n_agree = agree.sum(axis=1)
        r = np.full(n, 4, dtype=np.int8)
        for i, thr in reversed(list(enumerate(RARITY_LEVELS))):
            r[bits >= thr - _EPS] = 1 + i
        r[n_agree == 0] = 5
        out[:, _F[Field.NAME_RARITY]] = np.where(has_name, r, 0)
        name_sim = np.where(has_name, sim, np.nan)
        rarity_bits = np.where(has_name, bits, np.nan)
        agree_count = np.where(has_name, n_agree, 0).astype(np.int32)
    f_lv, f_has, f_agree, f_bits, f_s = _parent_levels(
        interception.father, cols.father, cols.vocab, vocab_index, cols.parent_bits
    )
    m_lv, m_has, m_agree, m_bits, m_s = _parent_levels(
        interception.mother, cols.mother, cols.vocab, vocab_index, cols.parent_bits
    )
    f_sim = np.where(f_has, f_s, np.nan)
    m_sim = np.where(m_has, m_s, np.nan)
    out[:, _F[Field.FATHER_NAME]] = f_lv
    out[:, _F[Field.MOTHER_NAME]] = m_lv
    p_bits = f_bits + m_bits
    p_agree = f_agree + m_agree
    pr = np.full(n, 4, dtype=np.int8)
    for i, thr in reversed(list(enumerate(PARENT_RARITY_LEVELS))):
        pr[p_bits >= thr - _EPS] = 1 + i
    pr[p_agree == 0] = 5
    out[:, _F[Field.PARENT_RARITY]] = np.where(f_has | m_has, pr, 0)
    if interception.sex is not None:
        code = _SEX_CODE[interception.sex]
        out[:, _F[Field.SEX]] = np.where(cols.sex == 0, 0, np.where(cols.sex == code, 1, 2))
    has_day = cols.day > 0
    elapsed_days = np.zeros(n, dtype=np.int64)
    if interception.day is not None:
        elapsed_days = interception.day.toordinal() - cols.day.astype(np.int64)
        d = np.where(elapsed_days >= 0, 1, np.where(elapsed_days >= -30, 2, 3))
        out[:, _F[Field.DATE_ORDER]] = np.where(has_day, d, 0)
        elapsed_years = np.where(has_day, elapsed_days / _DAYS_PER_YEAR, np.nan)
    if interception.age is not None:
        has_age = ~np.isnan(cols.age)
        both_days = has_day & (interception.day is not None)
        elapsed = np.where(both_days, elapsed_days / _DAYS_PER_YEAR, 0.0)
        exp = np.where(both_days, cols.age + elapsed, cols.age)
        heaped = _heaped(interception.age) | cols.heaped
        tol = AGE_BASE_TOLERANCE + np.where(heaped, AGE_HEAPED_EXTRA, 0.0)
        tol = tol + np.where(
            both_days,
            AGE_TOLERANCE_PER_YEAR * np.minimum(np.abs(elapsed), 10.0),
            AGE_UNKNOWN_ELAPSED_EXTRA,
        )
        diff = np.abs(interception.age - exp)
        a = np.full(n, 6, dtype=np.int8)
        a[diff <= 3 * tol + _EPS] = 5
        a[diff <= 2 * tol + _EPS] = 4
        a[diff <= tol + _EPS] = 3
        a[diff <= AGE_NEAR + _EPS] = 2
        a[diff <= AGE_CLOSE + _EPS] = 1
        out[:, _F[Field.AGE]] = np.where(has_age, a, 0)
        exp_age = np.where(has_age, exp, np.nan)
        age_tol = np.where(has_age, tol, np.nan)
    if interception.place is not None:
        uniq, inverse = np.unique(cols.place, return_inverse=True)
        qkey = _place_key(interception.place)
        cache = cols.relation_cache
        rel_list: list[int] = []
        for pid in uniq.tolist():
            rel = cache.get((pid, qkey))
            if rel is None:
                rel = (
                    _PLACE_LEVEL[_relation(cols.places[pid], interception.place)] if pid >= 0 else 0
                )
                cache[(pid, qkey)] = rel
            rel_list.append(rel)
        rel_u = np.array(rel_list, dtype=np.int8)
        out[:, _F[Field.PLACE]] = rel_u[inverse.ravel()]
    if interception.phone is not None:
        has_phone = cols.phone >= 0
        if has_phone.any():
            qp = int(interception.phone)
            p = np.full(n, 3, dtype=np.int8)
            idx = np.flatnonzero(has_phone & (cols.phone != qp))
            if idx.size:
                cand = [f"{int(x):010d}" for x in cols.phone[idx]]
                dist = cdist([interception.phone.zfill(10)], cand, scorer=Levenshtein.distance)
                p[idx[dist[0] <= 1]] = 2
            p[cols.phone == qp] = 1
            out[:, _F[Field.PHONE]] = np.where(has_phone, p, 0)
    given = out[:, _F[Field.GIVEN_NAME]]
    father = out[:, _F[Field.FATHER_NAME]]
    mother = out[:, _F[Field.MOTHER_NAME]]
    phone_lv = out[:, _F[Field.PHONE]]
    same_family = (
        ((father >= 1) & (father <= 2)) | ((mother >= 1) & (mother <= 2)) | (phone_lv == 1)
    )
    age_lv = out[:, _F[Field.AGE]]
    age_as_expected = (age_lv >= 1) & (age_lv <= 2)
    family = np.where(same_family, np.where(given <= 4, 1, np.where(age_as_expected, 2, 3)), 0)
    missing = (given == 0) | ((father == 0) & (mother == 0) & (phone_lv == 0))
    out[:, _F[Field.FAMILY]] = np.where(missing, 0, family)
    return out, details(p_agree.astype(np.int32), np.where(f_has | m_has, p_bits, np.nan))


def phone_number(phone: str | None) -> int:
    """A normalised phone (see :func:`normalize_phone`) as an integer column value, -1 if none."""
    return int(phone) if phone else -1


def sex_code(sex: Sex | None) -> int:
    """Column code of a sex: 0 unknown, 1 M, 2 F."""
    return _SEX_CODE.get(sex, 0) if sex is not None else 0
