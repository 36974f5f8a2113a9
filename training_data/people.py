"""The synthetic population: families (parents, home, phone) and their children.

Why: what makes matching hard is who the children are before anyone writes anything down:
siblings who share parents, a district and a phone; a father's surname a son may or may not
carry; a dak nam beside the given name. This module samples those people; how they are written
on a police report or at a border post is :mod:`training_data.forms`.

Contract:
- :class:`People` draws families and children for one split from one ``random.Random``, using
  that split's vocabulary (:func:`training_data.names.vocabulary`) and the gazetteer; the draws
  follow the population model of DATA_CARD.md (10% Hindu families, a triangular age on 5-18
  with its mode at 13, 8% two-part given names ...).
- Names are Bangla tokens without prefixes; places are indexes into
  :func:`training_data.places.gazetteer`; dates are ordinal days, between :data:`REPORT_START`
  and :data:`REPORT_END` for reports and never after :data:`LAST_INTERCEPTION`.
- A :class:`Child` collects the ids and dates of its reports as the split is assembled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from matcher.records import Sex
from training_data.names import reserved_tokens, vocabulary
from training_data.noise import NOISE
from training_data.places import gazetteer
from training_data.sampling import Split, pick

REPORT_START = date(2018, 1, 1).toordinal()
REPORT_END = date(2025, 12, 31).toordinal()
LAST_INTERCEPTION = date(2026, 10, 31).toordinal()
DAYS_PER_YEAR = 365.25


@dataclass(slots=True)
class Family:
    """Parents (Bangla tokens without prefix), home (district and upazila index) and phone."""

    religion: str
    father: tuple[str, ...]  # Bangla tokens without prefix
    father_prefix: bool
    mother: tuple[str, ...]
    district: int
    upazila: int
    phone: str
    uses_prefix: bool


@dataclass(slots=True)
class Child:
    """One child: sex, names, date of birth, and the reports made of it so far."""

    family: Family
    sex: Sex
    given: tuple[str, ...]
    surname: str | None
    dak: str
    birth: int  # ordinal day
    report_ids: list[str] = field(default_factory=list)
    report_dates: list[int] = field(default_factory=list)
    report_bangla: bool = False
    has_reported_sibling: bool = False


class People:
    """Samples families and children for one split."""

    def __init__(self, split: Split, rng: random.Random) -> None:
        self.vocab = vocabulary(split)
        self.geo = gazetteer()
        self.rng = rng

    def family(self) -> Family:
        """A new family: religion, parents' names, home district and upazila, phone."""
        rng, v = self.rng, self.vocab
        religion = "hindu" if rng.random() < NOISE.hindu_share else "muslim"
        if religion == "muslim":
            first = pick(v.given[("M", religion)], rng)
            if rng.random() < 0.15:
                father: tuple[str, ...] = (pick(v.particles, rng), first)
            else:
                father = (first, pick(v.surname_male_muslim, rng))
            mother: tuple[str, ...] = (
                pick(v.given[("F", religion)], rng),
                pick(v.mother_surname_muslim, rng),
            )
        else:
            surname = pick(v.surname_hindu, rng)
            father = (pick(v.given[("M", religion)], rng), surname)
            mother_given = pick(v.given[("F", religion)], rng)
            if rng.random() < 0.6:
                mother = (mother_given, pick(v.mother_middle_hindu, rng), surname)
            else:
                mother = (mother_given, surname)
        district = int(pick(self.geo.weights, rng))
        n_upazilas = len(self.geo.districts[district].upazilas)
        return Family(
            religion=religion,
            father=father,
            father_prefix=religion == "muslim" and rng.random() < 0.75,
            mother=mother,
            district=district,
            upazila=int(rng.random() * n_upazilas),
            phone=f"01{3 + int(rng.random() * 7)}{int(rng.random() * 10**8):08d}",
            uses_prefix=religion == "muslim" and rng.random() < NOISE.muslim_prefix_share,
        )

    def child(self, family: Family, *, reported_on: int | None = None) -> Child:
        """A child of ``family``, aged 5-18 on ``reported_on`` (or on a random report day)."""
        rng, v = self.rng, self.vocab
        sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        s = sex.value
        given = pick(v.given[(s, family.religion)], rng)
        names: tuple[str, ...] = (given,)
        surname: str | None
        if family.religion == "hindu":
            surname = family.father[-1] if rng.random() < 0.9 else None
        elif sex is Sex.MALE:
            if rng.random() < 0.75:
                same = rng.random() < 0.4 and family.father[0] not in reserved_tokens()
                surname = family.father[-1] if same else pick(v.surname_male_muslim, rng)
            else:
                surname = None
        else:
            surname = pick(v.surname_female_muslim, rng) if rng.random() < 0.8 else None
        if rng.random() < 0.08:  # two-part given names (Nusrat Jahan Mim style)
            second = pick(v.given[(s, family.religion)], rng)
            if second != given:
                names = (given, second)
        age_years = rng.triangular(5.0, 17.99, 13.0)
        at = reported_on if reported_on is not None else rng.randint(REPORT_START, REPORT_END)
        return Child(
            family=family,
            sex=sex,
            given=names,
            surname=surname,
            dak=pick(v.dak[s], rng),
            birth=at - int(age_years * DAYS_PER_YEAR),
        )
