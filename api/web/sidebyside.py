"""The candidate page's side-by-side view: each record field's two values and the engine's verdict.

Presentation only. Every verdict, the expected age, the resolved places and the distance are the
engine's own (each :class:`~matcher.records.Contribution`'s verdict and facts, stored when the
candidate was scored); this module lays them beside the values as the two records hold them and
renders the engine's sentences (:func:`matcher.explain.describe`) in the page's language. It
computes no fact about the pair itself, so the table, the chart and the reasons cannot disagree.

Contract: never raises on odd values (None, NaN ages, unknown fields); a field the engine did not
account for reads as missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matcher.explain import describe
from matcher.levels import RecordField
from matcher.records import Contribution, Interception, Language, Report, Verdict

# (row label, interception attribute, report attribute, the record field whose verdict it shows)
_ROWS: tuple[tuple[str, str, str, RecordField], ...] = (
    ("name", "name", "name", RecordField.NAME),
    ("father_name", "father_name", "father_name", RecordField.FATHER_NAME),
    ("mother_name", "mother_name", "mother_name", RecordField.MOTHER_NAME),
    ("sex", "sex", "sex", RecordField.SEX),
    ("age", "age", "age", RecordField.AGE),
    ("district", "home_district", "district", RecordField.PLACE),
    ("upazila", "home_upazila", "upazila", RecordField.PLACE),
    ("guardian_phone", "guardian_phone", "guardian_phone", RecordField.GUARDIAN_PHONE),
    ("dates", "interception_date", "report_date", RecordField.DATES),
)


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One row of the side-by-side table. ``field`` is an i18n key suffix (``field_<field>``)."""

    field: str
    interception_value: str
    report_value: str
    verdict: Verdict


def shown(value: object) -> str:
    """A record value as a table cell ("" for unknown)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else ""
    return str(getattr(value, "value", value))


def by_field(contributions: Sequence[Contribution]) -> dict[str, Contribution]:
    """The engine's contribution of each record field."""
    return {c.field: c for c in contributions}


def field_rows(
    interception: Interception, report: Report, contributions: Sequence[Contribution]
) -> list[FieldRow]:
    """The rows of the side-by-side table, in form order, each marked with the engine's verdict
    for the field it shows (district and upazila both show the home's)."""
    accounts = by_field(contributions)
    rows = []
    for label, left, right, field in _ROWS:
        account = accounts.get(str(field))
        verdict = account.verdict if account is not None else Verdict.MISSING
        rows.append(
            FieldRow(
                label, shown(getattr(interception, left)), shown(getattr(report, right)), verdict
            )
        )
    return rows


def reasons(
    contributions: Sequence[Contribution],
    interception: Interception,
    report: Report,
    language: Language,
) -> list[str]:
    """The engine's sentence for every field, with both records' values quoted where the page
    shows them anyway (names), strongest first as the engine orders them."""
    quoted = {"name": "name", "father_name": "father_name", "mother_name": "mother_name"}
    out = []
    for c in contributions:
        values = None
        if c.field in quoted:
            values = (shown(getattr(interception, c.field)), shown(getattr(report, c.field)))
        out.append(describe(c, language=language, values=values))
    return out


def fact_line(contributions: Sequence[Contribution], field: RecordField, language: Language) -> str:
    """The engine's finding for one field without its weight ("" when it did not compare it)."""
    account = by_field(contributions).get(str(field))
    if account is None or account.verdict is Verdict.MISSING:
        return ""
    return describe(account, language=language, with_weight=False)
