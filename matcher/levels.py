"""The comparison catalogue: every compared aspect of a pair as an ordered list of levels.

Splink-style. A :class:`Comparison` looks at one aspect of a report/interception pair (the whole
name, the given name, the father's name, the age after elapsed time …) through a few
*measurements* (a similarity, whether the keys agree, the age difference …) and sorts the pair
into one of its :class:`Level` objects. Each level owns, in one place:

- its **condition** over the measurements (``when``); the first level whose condition holds wins,
  level 0 is always the null level (the aspect is missing on either side: weight 0, because
  missing is not a mismatch) and the last level is "else";
- its **order** among the comparison's levels (``Comparison.order``: pairs of level keys whose
  weights may never invert — a stronger agreement never weighs less than a weaker one);
- its **labels**, in English and Bangla, and its **verdict** about the record field it
  describes (``agree`` / ``partial`` / ``disagree``, or no say of its own for qualifiers such as
  rarity).

Both comparison paths — the readable per-pair reference (:func:`matcher.compare.compare_pair`)
and the vectorised hot path (:func:`matcher.compare_many.compare_many`) — measure the pair in
their own way and then choose levels with the same :meth:`Comparison.choose`, so a threshold or a
precedence is written exactly once. Conditions use ``&``, ``|`` and comparisons only, which mean
the same on Python scalars and numpy arrays.

Comparisons are internal features of the model. Several may describe one record field (given
name, surname and name rarity all describe ``name``); :attr:`Comparison.describes` says which,
so explanations can speak once per field.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.records import Verdict

IntArray = npt.NDArray[np.int8]

#: Tolerance of every threshold comparison (floating-point similarities).
EPS = 1e-9

# Thresholds of the graded levels (similarities 0-1 on token keys, rarity in bits).
NAME_SIM_LEVELS = (0.9, 0.8, 0.65)
PARENT_SIM_LEVELS = (0.9, 0.75)
TOKEN_SIMILAR = 0.88
RARITY_LEVELS = (13.0, 9.0, 5.0)  # bits, strongest first
#: Summed rarity (bits, counted over the reports' parents' names) of the agreeing tokens of one
#: parent's name, strongest first.
PARENT_RARITY_LEVELS = (12.0, 8.0, 5.0)
#: An agreeing given name this rare (bits) is stronger evidence than a common one ("Rahima").
GIVEN_RARE_BITS = 8.0
AGE_CLOSE = 1.0  # years: siblings are rarely this close, the same child usually is
AGE_NEAR = 1.5  # years: beyond this (after elapsed time) a sibling is as likely as the child
#: How long after an interception a family's report may come (days): within a month (a family
#: that searched first, or reached a police station late), within half a year, within a year.
#: Later than that, a report hardly describes a child already in a shelter.
LATE_REPORT_DAYS = (31, 183, 366)


class Field(StrEnum):
    """The compared aspects (the model's features), in the order of a level vector."""

    NAME = "name"
    GIVEN_NAME = "given_name"
    SURNAME = "surname"
    NAME_RARITY = "name_rarity"
    FATHER_NAME = "father_name"
    FATHER_RARITY = "father_rarity"
    MOTHER_NAME = "mother_name"
    MOTHER_RARITY = "mother_rarity"
    SEX = "sex"
    AGE = "age"
    PLACE = "place"
    PHONE = "phone"
    DATE_ORDER = "date_order"
    FAMILY = "family"


class RecordField(StrEnum):
    """The record fields a reviewer reads, one explanation line each."""

    NAME = "name"
    FATHER_NAME = "father_name"
    MOTHER_NAME = "mother_name"
    SEX = "sex"
    AGE = "age"
    PLACE = "place"
    GUARDIAN_PHONE = "guardian_phone"
    DATES = "dates"


class Measures(dict[str, Any]):
    """One comparison's measurements of a pair (scalars) or of many pairs (arrays), by name.

    ``present`` is always among them: whether the aspect can be compared at all.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


Condition = Callable[[Measures], Any]


def _always(_: Measures) -> bool:
    return True


def at_least(value: Any, threshold: float) -> Any:
    """``value >= threshold`` up to :data:`EPS` (scalars or arrays)."""
    return value >= threshold - EPS


def at_most(value: Any, threshold: float) -> Any:
    """``value <= threshold`` up to :data:`EPS` (scalars or arrays)."""
    return value <= threshold + EPS


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a comparison. ``key`` is stable (model files store weights by it).

    ``label`` / ``label_bn``: what the level says, in English and Bangla, short enough for a
    chart ("nearly the same name"); ``criterion``: the rule behind it for people checking the
    engine ("similarity ≥ 0.90"), or "". ``verdict``: what this level on its own says about the
    record field (None: no say of its own — a qualifier such as rarity).
    """

    key: str
    label: str
    label_bn: str
    verdict: Verdict | None
    when: Condition = _always
    criterion: str = ""

    @property
    def title(self) -> str:
        """Label and criterion together, as model files and the catalogue print them."""
        return f"{self.label} ({self.criterion})" if self.criterion else self.label


def null_level(label: str = "missing", label_bn: str = "তথ্য নেই") -> Level:
    """The level of a pair where the aspect is missing on either side (weight 0)."""
    return Level("missing", label, label_bn, Verdict.MISSING)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One aspect's ordered levels; see the module docstring.

    ``describes``: the record field this comparison is evidence about; the first comparison
    of a field is its *primary* (present exactly when the field can be compared at all), the
    others refine it. ``optional``: a refining comparison that may be missing while the primary
    is present (a surname needs two tokens on both sides). ``order``: (stronger key, weaker key)
    pairs whose weights may never invert; by default the non-null levels form a chain, strongest
    first.
    """

    field: Field
    describes: RecordField
    title: str
    levels: tuple[Level, ...]
    order: tuple[tuple[str, str], ...] = ()
    optional: bool = False
    index: Mapping[str, int] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.levels) < 3 or self.levels[0].verdict is not Verdict.MISSING:
            raise ValueError(f"{self.field}: need a null level, at least one level and an else")
        keys = [lv.key for lv in self.levels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.field}: level keys must be unique")
        object.__setattr__(self, "index", {k: i for i, k in enumerate(keys)})
        if not self.order:
            chain = tuple(itertools.pairwise(keys[1:]))
            object.__setattr__(self, "order", chain)
        for a, b in self.order:
            if a not in self.index or b not in self.index:
                raise ValueError(f"{self.field}: order names an unknown level ({a!r}, {b!r})")

    def __len__(self) -> int:
        return len(self.levels)

    def level(self, key: str) -> int:
        """The position of a level (what a level vector holds)."""
        return self.index[key]

    def levels_of(self, *keys: str) -> list[int]:
        """Positions of several levels."""
        return [self.index[k] for k in keys]

    def order_pairs(self) -> list[tuple[int, int]]:
        """:attr:`order` as (stronger, weaker) positions."""
        return [(self.index[a], self.index[b]) for a, b in self.order]

    def choose(self, m: Measures) -> Any:
        """The level of a pair (scalar measurements) or of many pairs (arrays: int8 array).

        Level 0 where ``m.present`` is false; otherwise the first level whose condition holds,
        the last ("else") when none does.
        """
        present = m["present"]
        last = len(self.levels) - 1
        if np.ndim(present) == 0:
            if not present:
                return 0
            for i in range(1, last):
                if self.levels[i].when(m):
                    return i
            return last
        shape = np.shape(present)
        if not np.any(present):
            return np.zeros(shape, dtype=np.int8)
        # np.select's result, written weakest level first so that the first condition that
        # holds is the last one written (a third of np.select's time on a few hundred rows)
        out = np.full(shape, last, dtype=np.int8)
        for i in range(last - 1, 0, -1):
            cond = self.levels[i].when(m)
            if np.ndim(cond) == 0:
                if cond:
                    out.fill(i)
            else:
                np.copyto(out, np.int8(i), where=np.asarray(cond, dtype=bool))
        np.copyto(out, np.int8(0), where=~np.asarray(present, dtype=bool))
        return out


def is_level(comparison: Comparison, chosen: Any, *keys: str) -> Any:
    """Whether a chosen level (scalar or array) is one of ``keys``."""
    wanted = comparison.levels_of(*keys)
    if np.ndim(chosen) == 0:
        return int(chosen) in wanted
    table = np.zeros(len(comparison.levels), dtype=bool)
    table[wanted] = True
    return table[chosen]  # a lookup: np.isin sorts on every call


# --------------------------------------------------------------------------- the catalogue

A, P, D = Verdict.AGREE, Verdict.PARTIAL, Verdict.DISAGREE


def _name_levels() -> tuple[Level, ...]:
    t0, t1, t2 = NAME_SIM_LEVELS
    return (
        null_level(),
        Level("same", "the same name", "একই নাম", A, lambda m: m.same, "all token keys agree"),
        Level(
            "nearly_same",
            "nearly the same name",
            "প্রায় একই নাম",
            P,
            lambda m: at_least(m.similarity, t0),
            f"similarity ≥ {t0:.2f}",
        ),
        Level(
            "similar",
            "a similar name",
            "কাছাকাছি নাম",
            P,
            lambda m: at_least(m.similarity, t1),
            f"similarity ≥ {t1:.2f}",
        ),
        Level(
            "partly_similar",
            "partly similar names",
            "নাম আংশিক মেলে",
            P,
            lambda m: at_least(m.similarity, t2),
            f"similarity ≥ {t2:.2f}",
        ),
        Level("different", "different names", "ভিন্ন নাম", D, criterion="similarity < 0.65"),
    )


def _given_levels() -> tuple[Level, ...]:
    return (
        null_level(),
        Level(
            "same_rare",
            "the same given name, a rare one",
            "একই নাম, বিরল নাম",
            A,
            lambda m: m.same_form & m.rare,
            f"≥ {GIVEN_RARE_BITS:g} bits",
        ),
        Level(
            "same_common",
            "the same given name, a common one",
            "একই নাম, প্রচলিত নাম",
            A,
            lambda m: m.same_form,
        ),
        # Rahim / Rahima, Karim / Karima: one key once the final vowel is forgotten, but a boy's
        # and a girl's name — not the same given name
        Level(
            "gendered_form",
            "the boy's and the girl's form of one name",
            "একই নামের ছেলে ও মেয়ের রূপ",
            P,
            lambda m: m.same,
        ),
        Level(
            "similar",
            "similar given names",
            "কাছাকাছি নাম",
            P,
            lambda m: m.similar,
            f"token similarity ≥ {TOKEN_SIMILAR:.2f}",
        ),
        Level(
            "short_form",
            "one given name is a short form of the other",
            "একটি নাম অন্যটির সংক্ষিপ্ত রূপ",
            P,
            lambda m: m.short_form,
        ),
        Level(
            "elsewhere",
            "the given name appears elsewhere in the other name",
            "নামটি অন্য নামের অন্য জায়গায় আছে",
            P,
            lambda m: m.elsewhere,
        ),
        Level("different", "different given names", "ভিন্ন নাম", D),
    )


def _parent_levels() -> tuple[Level, ...]:
    """A child often gives only the parent's first name, sometimes misheard ("Bkohteyar" for
    "Bokhtiyar Islam"): the first names are compared on their own before the whole names. The
    similarity leaves out common surname-like tokens (Khatun, Begum, Islam …) when both names
    have others, so a shared "Khatun" never makes two mothers' names "nearly the same"."""
    t0, t1 = PARENT_SIM_LEVELS
    return (
        null_level(),
        Level("same", "the same name", "একই নাম", A, lambda m: m.same, "all token keys agree"),
        Level(
            "nearly_same",
            "nearly the same name",
            "প্রায় একই নাম",
            P,
            lambda m: at_least(m.similarity, t0),
            f"similarity ≥ {t0:.2f}",
        ),
        Level(
            "same_first",
            "the same first name",
            "নামের প্রথম অংশ একই",
            P,
            lambda m: m.first_same,
        ),
        Level(
            "similar_first",
            "a similar first name",
            "নামের প্রথম অংশ কাছাকাছি",
            P,
            lambda m: m.first_similar,
            f"token similarity ≥ {TOKEN_SIMILAR:.2f}",
        ),
        Level(
            "similar",
            "a similar name",
            "কাছাকাছি নাম",
            P,
            lambda m: at_least(m.similarity, t1),
            f"similarity ≥ {t1:.2f}",
        ),
        Level("different", "different names", "ভিন্ন নাম", D),
    )


#: "nearly the same name (≥ 0.90)" and "same first name" are not comparable ("Abdul Karim" vs
#: "Abdul Rahim" is nearly the same but another man; "Abdul" vs "Abdul Karim" is a dropped part
#: of the same man's name); both sit between "same name" and "similar name".
_PARENT_ORDER = (
    ("same", "nearly_same"),
    ("same", "same_first"),
    ("same_first", "similar_first"),
    ("nearly_same", "similar"),
    ("similar_first", "different"),
    ("similar", "different"),
)


def _rarity_levels(thresholds: Sequence[float]) -> tuple[Level, ...]:
    """Rarity (bits) of the agreeing tokens, strongest first. A shared rare or uncommon token
    is agreement in its own right (a father who gave only his surname); a shared common one
    ("Khatun", "Islam") has no say of its own; nothing shared is disagreement."""
    t0, t1, t2 = thresholds

    def agreeing(m: Measures) -> Any:
        return m.agreeing > 0

    return (
        null_level(),
        Level(
            "very_rare",
            "a very rare name",
            "খুব বিরল নাম",
            A,
            lambda m: agreeing(m) & at_least(m.bits, t0),
            f"agreeing tokens ≥ {t0:g} bits",
        ),
        Level(
            "rare",
            "a rare name",
            "বিরল নাম",
            A,
            lambda m: agreeing(m) & at_least(m.bits, t1),
            f"agreeing tokens {t1:g}-{t0:g} bits",
        ),
        Level(
            "uncommon",
            "an uncommon name",
            "অপ্রচলিত নাম",
            A,
            lambda m: agreeing(m) & at_least(m.bits, t2),
            f"agreeing tokens {t2:g}-{t1:g} bits",
        ),
        Level(
            "common",
            "a common name",
            "প্রচলিত নাম",
            None,
            agreeing,
            f"agreeing tokens < {t2:g} bits",
        ),
        Level("none", "no part of the name agrees", "নামের কোনো অংশ মেলে না", D),
    )


def _age_levels() -> tuple[Level, ...]:
    return (
        null_level(),
        Level(
            "within_year",
            "within a year of the expected age",
            "প্রত্যাশিত বয়সের এক বছরের মধ্যে",
            A,
            lambda m: at_most(abs(m.difference), AGE_CLOSE),
        ),
        Level(
            "within_near",
            f"within {AGE_NEAR:g} years of the expected age",
            f"প্রত্যাশিত বয়সের {AGE_NEAR:g} বছরের মধ্যে",
            A,
            lambda m: at_most(abs(m.difference), AGE_NEAR),
        ),
        Level(
            "within_tolerance",
            "a little off the expected age",
            "প্রত্যাশিত বয়স থেকে সামান্য আলাদা",
            P,
            lambda m: at_most(abs(m.difference), m.tolerance),
            "within tolerance",
        ),
        Level(
            "within_2_tolerance",
            "off the expected age",
            "প্রত্যাশিত বয়স থেকে আলাদা",
            P,
            lambda m: at_most(abs(m.difference), 2 * m.tolerance),
            "within 2× tolerance",
        ),
        Level(
            "within_3_tolerance",
            "far off the expected age",
            "প্রত্যাশিত বয়স থেকে অনেক আলাদা",
            D,
            lambda m: at_most(abs(m.difference), 3 * m.tolerance),
            "within 3× tolerance",
        ),
        Level("far", "very far from the expected age", "প্রত্যাশিত বয়স থেকে বহু দূরে", D),
    )


class PlaceCode:
    """Relations of two home places as small integers (the ``relation`` measurement)."""

    UNKNOWN, SAME_UPAZILA, SAME_DISTRICT, NEIGHBOUR, SAME_DIVISION, FAR = range(6)


def _place_levels() -> tuple[Level, ...]:
    def rel(code: int) -> Condition:
        return lambda m: m.relation == code

    return (
        null_level("missing or not recognised", "তথ্য নেই বা জায়গা চেনা যায়নি"),
        Level("same_upazila", "the same upazila", "একই উপজেলা", A, rel(PlaceCode.SAME_UPAZILA)),
        Level("same_district", "the same district", "একই জেলা", A, rel(PlaceCode.SAME_DISTRICT)),
        Level("neighbour", "a neighbouring district", "পাশের জেলা", P, rel(PlaceCode.NEIGHBOUR)),
        Level(
            "same_division",
            "another district of the same division",
            "একই বিভাগের অন্য জেলা",
            P,
            rel(PlaceCode.SAME_DIVISION),
        ),
        Level("far", "far apart", "অনেক দূরে", D),
    )


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(Field.NAME, RecordField.NAME, "name", _name_levels()),
    Comparison(
        Field.GIVEN_NAME,
        RecordField.NAME,
        "given name",
        _given_levels(),
        order=(
            ("same_rare", "same_common"),
            ("same_common", "gendered_form"),
            ("same_common", "similar"),
            ("gendered_form", "different"),
            ("similar", "short_form"),
            ("short_form", "elsewhere"),
            ("elsewhere", "different"),
        ),
    ),
    Comparison(
        Field.SURNAME,
        RecordField.NAME,
        "surname",
        (
            null_level(),
            Level("same", "the same surname", "একই পদবি", None, lambda m: m.same),
            Level("similar", "similar surnames", "কাছাকাছি পদবি", None, lambda m: m.similar),
            Level("different", "different surnames", "ভিন্ন পদবি", None),
        ),
        optional=True,
    ),
    Comparison(Field.NAME_RARITY, RecordField.NAME, "name rarity", _rarity_levels(RARITY_LEVELS)),
    Comparison(
        Field.FATHER_NAME,
        RecordField.FATHER_NAME,
        "father's name",
        _parent_levels(),
        order=_PARENT_ORDER,
    ),
    Comparison(
        Field.FATHER_RARITY,
        RecordField.FATHER_NAME,
        "father's name rarity",
        _rarity_levels(PARENT_RARITY_LEVELS),
    ),
    Comparison(
        Field.MOTHER_NAME,
        RecordField.MOTHER_NAME,
        "mother's name",
        _parent_levels(),
        order=_PARENT_ORDER,
    ),
    Comparison(
        Field.MOTHER_RARITY,
        RecordField.MOTHER_NAME,
        "mother's name rarity",
        _rarity_levels(PARENT_RARITY_LEVELS),
    ),
    Comparison(
        Field.SEX,
        RecordField.SEX,
        "sex",
        (
            null_level(),
            Level("same", "the same sex", "একই লিঙ্গ", A, lambda m: m.same),
            Level("different", "different sexes", "ভিন্ন লিঙ্গ", D),
        ),
    ),
    Comparison(Field.AGE, RecordField.AGE, "age", _age_levels()),
    Comparison(Field.PLACE, RecordField.PLACE, "home", _place_levels()),
    Comparison(
        Field.PHONE,
        RecordField.GUARDIAN_PHONE,
        "guardian's phone",
        (
            null_level(),
            Level("same", "the same number", "একই নম্বর", A, lambda m: m.same),
            Level(
                "one_digit_off", "one digit different", "এক অঙ্ক আলাদা", P, lambda m: m.one_digit_off
            ),
            Level("different", "different numbers", "ভিন্ন নম্বর", D),
        ),
    ),
    Comparison(
        Field.DATE_ORDER,
        RecordField.DATES,
        "dates",
        (
            null_level(),
            Level(
                "after_report",
                "intercepted after the report was filed",
                "অভিযোগের পরে আটক",
                A,
                lambda m: m.elapsed_days >= 0,
            ),
            Level(
                "report_within_month",
                "the report was filed within a month after the interception (a family that "
                "came late)",
                "আটকের এক মাসের মধ্যে অভিযোগ (দেরিতে আসা পরিবার)",
                A,
                lambda m: m.elapsed_days >= -LATE_REPORT_DAYS[0],
                f"at most {LATE_REPORT_DAYS[0]} days after",
            ),
            Level(
                "report_within_half_year",
                "the report was filed one to six months after the interception",
                "আটকের এক থেকে ছয় মাস পরে অভিযোগ",
                P,
                lambda m: m.elapsed_days >= -LATE_REPORT_DAYS[1],
                f"at most {LATE_REPORT_DAYS[1]} days after",
            ),
            Level(
                "report_within_year",
                "the report was filed six months to a year after the interception",
                "আটকের ছয় মাস থেকে এক বছর পরে অভিযোগ",
                P,
                lambda m: m.elapsed_days >= -LATE_REPORT_DAYS[2],
                f"at most {LATE_REPORT_DAYS[2]} days after",
            ),
            Level(
                "report_years_after",
                "the report was filed more than a year after the interception",
                "আটকের এক বছরেরও বেশি পরে অভিযোগ",
                D,
            ),
        ),
        # a family may reach a police station days or months after the child was caught: a
        # report soon after the interception is as plausible as one before it, so the order
        # only says that later is weaker, not that "after the report" beats "a month before"
        order=(
            ("report_within_month", "report_within_half_year"),
            ("report_within_half_year", "report_within_year"),
            ("report_within_year", "report_years_after"),
            ("after_report", "report_years_after"),
        ),
    ),
    Comparison(
        Field.FAMILY,
        RecordField.NAME,
        "family",
        (
            null_level("no shared family to read", "পরিবারের মিল নেই বা তথ্য নেই"),
            Level(
                "given_agrees",
                "the same family",
                "একই পরিবার",
                A,
                lambda m: m.given_agrees,
            ),
            Level(
                "nickname",
                "the same parents and another given name, the age fits (a pet name?)",
                "একই মা-বাবা, অন্য নাম, বয়স মেলে (ডাকনাম?)",
                P,
                lambda m: m.nickname,
            ),
            Level(
                "sibling",
                "the same parents and another given name, the age does not fit "
                "(a brother or sister?)",
                "একই মা-বাবা, অন্য নাম, বয়স মেলে না (ভাই বা বোন?)",
                D,
                lambda m: m.same_sex,
            ),
            Level(
                "other_sex",
                "the same parents, another given name and the other sex (a brother or sister)",
                "একই মা-বাবা, অন্য নাম, অন্য লিঙ্গ (ভাই বা বোন)",
                D,
            ),
        ),
        # the sibling patterns are evidence for the family but *against* this child: they are
        # only kept below "given name agrees" and "age as expected", never ordered against
        # missing nor against each other (the sex field already says the sexes differ)
        order=(("given_agrees", "nickname"), ("nickname", "sibling"), ("nickname", "other_sex")),
        optional=True,
    ),
)

FIELDS: tuple[Field, ...] = tuple(c.field for c in COMPARISONS)
N_FIELDS = len(COMPARISONS)
COMPARISON_BY_FIELD: Mapping[Field, Comparison] = {c.field: c for c in COMPARISONS}
#: Position of each comparison in a level vector.
POSITION: Mapping[Field, int] = {f: i for i, f in enumerate(FIELDS)}
#: The comparisons describing each record field, primary first, in level-vector order.
FIELD_COMPARISONS: Mapping[RecordField, tuple[Comparison, ...]] = {
    rf: tuple(c for c in COMPARISONS if c.describes is rf) for rf in RecordField
}

_GIVEN = COMPARISON_BY_FIELD[Field.GIVEN_NAME]
_PARENT = COMPARISON_BY_FIELD[Field.FATHER_NAME]
_PHONE = COMPARISON_BY_FIELD[Field.PHONE]
_AGE = COMPARISON_BY_FIELD[Field.AGE]
_SEX = COMPARISON_BY_FIELD[Field.SEX]


def family_measures(
    given: Any, father: Any, mother: Any, phone: Any, age: Any, sex: Any
) -> Measures:
    """The family comparison's measurements, from the levels other comparisons chose.

    Siblings share parents, phone and place but not the given name: agreeing family details
    mean something different depending on whether the child's given name agrees too. When it
    does not (the boy's and girl's forms of one name do not agree: siblings are often named so),
    the other sex says a brother or sister, and otherwise the age tells a child who gave only a
    nickname (age as expected) from a brother or sister (age off, or unknown). Nothing to read
    (level 0, weight 0) without a *shared* family: a parent's name or phone that differs is
    already counted by its own comparison, and a shared first name ("Abdul", "Md") is not a
    shared family — whole-name agreement only.
    """
    same_family = (
        is_level(_PARENT, father, "same", "nearly_same")
        | is_level(_PARENT, mother, "same", "nearly_same")
        | is_level(_PHONE, phone, "same")
    )
    family_known = (np.asarray(father) != 0) | (np.asarray(mother) != 0) | (np.asarray(phone) != 0)
    present = (np.asarray(given) != 0) & family_known & same_family
    if np.ndim(present) == 0:
        present = bool(present)
    same_sex = np.logical_not(is_level(_SEX, sex, "different"))
    return Measures(
        present=present,
        given_agrees=is_level(_GIVEN, given, "same_rare", "same_common", "similar", "short_form"),
        nickname=np.logical_and(is_level(_AGE, age, "within_year", "within_near"), same_sex),
        same_sex=same_sex,
    )


def field_verdict(levels: Sequence[tuple[Comparison, int]]) -> Verdict:
    """The verdict of a record field from the levels of the comparisons describing it.

    Missing when its primary comparison is; otherwise each level with a say of its own counts
    (qualifiers such as rarity have none): all of them agree → agree, all disagree → disagree,
    any mixture → partial.
    """
    if not levels or levels[0][1] == 0:
        return Verdict.MISSING
    said = {c.levels[lv].verdict for c, lv in levels if lv != 0} - {None, Verdict.MISSING}
    if said == {Verdict.AGREE}:
        return Verdict.AGREE
    if said == {Verdict.DISAGREE}:
        return Verdict.DISAGREE
    return Verdict.PARTIAL


def field_level_combinations(record_field: RecordField) -> list[tuple[int, ...]]:
    """Every level combination the comparisons of a field can produce while the field is
    present (the primary non-null, required refiners non-null, optional ones anything), in
    :data:`FIELD_COMPARISONS` order. What the fit constrains and the property test checks."""
    comps = FIELD_COMPARISONS[record_field]
    ranges = [range(1, len(comps[0]))]
    ranges += [range(0 if c.optional else 1, len(c)) for c in comps[1:]]
    return list(itertools.product(*ranges))


def catalogue_lines() -> list[str]:
    """The catalogue as text (one line per level), for documentation and reviews."""
    out = []
    for c in COMPARISONS:
        out.append(f"{c.field} ({c.title}) -> {c.describes}{' (optional)' if c.optional else ''}")
        for i, lv in enumerate(c.levels):
            verdict = lv.verdict.value if lv.verdict is not None else "-"
            out.append(f"  {i}. {lv.key}: {lv.title} [{verdict}] / {lv.label_bn}")
    return out
