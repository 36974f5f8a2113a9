"""The record types the engine reads and writes.

A *report* is a police missing-person report; an *interception* is a BGB interception of a child
at the border; a *candidate* is one report proposed for one interception, with a calibrated score,
a band and the per-field contributions that explain it.

Contract:
- Records are plain frozen dataclasses: no I/O, no validation beyond types. Parsing text into them
  (CSV, JSON) happens at the edges (``matcher.csvio``, the API schemas).
- Every field except the id may be ``None`` (unknown). Missing is never a mismatch.
- Free-text fields keep what the user wrote (either script); normalisation happens in
  ``matcher.normalize`` when comparing, never by rewriting the record.
- Field names are the CSV column names of the data contract, so a CSV header, a record and an API
  body all use one vocabulary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Contribution:
    """One field's share of a candidate's score.

    ``weight`` is a match weight in bits (log2 of a likelihood ratio): +1 means the evidence makes
    a match twice as likely, -1 half as likely, 0 no evidence (e.g. the field was missing).
    ``label`` is a short human phrase a police officer can check ("same phonetic key",
    "expected 13.6, observed 12").
    """

    field: str
    label: str
    weight: float

    def __str__(self) -> str:
        return f"{self.field.replace('_', ' ')}: {self.label} ({self.weight:+.1f})"

    @property
    def times_more_likely(self) -> float:
        """The weight as a likelihood ratio, for sentences like "4 times more likely"."""
        return math.pow(2.0, self.weight)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A report proposed for an interception.

    ``score`` is a calibrated match probability in 0-1; ``rank`` is 1 for the best candidate of
    its interception. ``contributions`` are ordered by decreasing absolute weight, except a
    final "reports_on_file" line when the index is larger than the model's reference size.
    """

    interception_id: str
    report_id: str
    rank: int
    score: float
    band: Band
    contributions: tuple[Contribution, ...] = field(default_factory=tuple)

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
