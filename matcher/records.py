"""The record types the engine reads and writes.

A *report* is a police missing-person report; an *interception* is a BGB interception of a child
at the border; a *candidate* is one report proposed for one interception, with a calibrated score,
a band and the per-field contributions that explain it.

Contract:
- Records are plain frozen dataclasses: no I/O, no validation beyond types. Parsing text into them
  (CSV, JSON) happens at the edges (``matcher.csvio``, the API schemas).
- Every field except the id may be ``None`` (unknown). Missing is never a mismatch.
- Free-text fields keep what the user wrote (either script); normalisation happens in
  ``matcher.names`` when comparing, never by rewriting the record.
- Field names are the CSV column names of the data contract, so a CSV header, a record and an API
  body all use one vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from enum import StrEnum
from typing import Any


class Sex(StrEnum):
    """Sex as recorded on the form (CSV value ``M`` or ``F``)."""

    MALE = "M"
    FEMALE = "F"


class Band(StrEnum):
    """Decision band of a candidate; thresholds live with the fitted model."""

    MATCH = "match"
    REVIEW = "review"
    NO_MATCH = "no_match"


class Verdict(StrEnum):
    """What one record field of a pair says about the match, as a reviewer reads it."""

    AGREE = "agree"
    PARTIAL = "partial"
    DISAGREE = "disagree"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Report:
    """A police missing-person report. ``age`` is in years at ``report_date``."""

    report_id: str
    name: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    sex: Sex | None = None
    age: float | None = None
    report_date: date | None = None
    district: str | None = None
    upazila: str | None = None
    police_station: str | None = None
    guardian_phone: str | None = None


@dataclass(frozen=True, slots=True)
class Interception:
    """A BGB interception. ``age`` is the officer's estimate at ``interception_date``."""

    interception_id: str
    name: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    sex: Sex | None = None
    age: float | None = None
    interception_date: date | None = None
    home_district: str | None = None
    home_upazila: str | None = None
    border_post: str | None = None
    guardian_phone: str | None = None


class Language(StrEnum):
    """Languages explanations are written in."""

    EN = "en"
    BN = "bn"


@dataclass(frozen=True, slots=True)
class Contribution:
    """One record field's share of a candidate's score: the engine's account of that field.

    ``field`` — a record field (``name``, ``father_name``, ``mother_name``, ``sex``, ``age``,
    ``place``, ``guardian_phone``, ``dates``); ``verdict`` — what the field says about the
    match; ``weight`` — its total match weight in bits (log2 of a likelihood ratio: +1 makes a
    match twice as likely, −1 half as likely, 0 no evidence), every comparison that describes
    the field summed. A verdict never argues against its weight: ``agree`` ⇒ weight ≥ 0,
    ``disagree`` ⇒ weight ≤ 0, ``missing`` ⇒ 0 (the fit guarantees it).

    ``label`` — the reviewer's English sentence ("the same name (a common name)"); ``parts`` —
    (comparison, level key, bits) of what was added up, for people checking the engine;
    ``facts`` — the engine's numbers and resolved places behind the sentence (expected age,
    distance, similarity …), JSON-ready, never a phone number. :func:`matcher.explain.describe`
    renders a contribution in either language, with or without the report's side.
    """

    field: str
    verdict: Verdict
    weight: float
    label: str = ""
    parts: tuple[tuple[str, str, float], ...] = ()
    facts: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.field}: {self.verdict.value}"
        if self.label:
            text += f", {self.label}"
        return f"{text} ({self.weight:+.1f})"

    @property
    def times_more_likely(self) -> float:
        """The weight as a likelihood ratio, for sentences like "4 times more likely"."""
        return math.pow(2.0, self.weight)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A report proposed for an interception.

    ``score`` is a calibrated match probability in 0-1; ``rank`` is 1 for the best candidate of
    its interception. ``contributions``: exactly one per record field, strongest first (missing
    fields last). The score's log-odds are ``baseline_bits`` (the model's prior) +
    ``pool_bits`` (≤ 0: a larger index holds more look-alikes, see
    :meth:`matcher.model.MatchModel.prior_bits`) + the contributions' weights.
    """

    interception_id: str
    report_id: str
    rank: int
    score: float
    band: Band
    contributions: tuple[Contribution, ...] = dataclass_field(default_factory=tuple)
    baseline_bits: float = 0.0
    pool_bits: float = 0.0

    @property
    def explanation(self) -> str:
        """The contributions as one short line, strongest first."""
        return "; ".join(str(c) for c in self.contributions)


REPORT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "name",
    "father_name",
    "mother_name",
    "sex",
    "age",
    "report_date",
    "district",
    "upazila",
    "police_station",
    "guardian_phone",
)
INTERCEPTION_COLUMNS: tuple[str, ...] = (
    "interception_id",
    "name",
    "father_name",
    "mother_name",
    "sex",
    "age",
    "interception_date",
    "home_district",
    "home_upazila",
    "border_post",
    "guardian_phone",
)
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "interception_id",
    "report_id",
    "rank",
    "score",
    "band",
    "explanation",
)
