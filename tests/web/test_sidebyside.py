"""Unit tests for api.web.sidebyside: per-field marks on the candidate page."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.sidebyside import Mark, age_now, field_rows
from matcher.records import Contribution, Interception, Report, Sex

CHILD = Interception(
    "i-1",
    name="Rahima Khatun",
    father_name="Abdul Karim",
    mother_name=None,
    sex=Sex.FEMALE,
    age=12.0,
    interception_date=date(2025, 3, 12),
    home_district="Jashore",
    home_upazila="Manirampur",
    guardian_phone="01712-345678",
)
REPORT = Report(
    "r-1",
    name="Rahima Khatun",
    father_name="Habibur Rahman",
    mother_name="Salma Begum",
    sex=Sex.FEMALE,
    age=11.0,
    report_date=date(2024, 3, 12),
    district="Jashore",
    upazila=None,
    guardian_phone="+8801712345678",
)


def _marks(contributions: list[Contribution] | None = None) -> dict[str, Mark]:
    return {r.field: r.mark for r in field_rows(CHILD, REPORT, contributions or [])}


@pytest.mark.parametrize(
    ("field", "mark"),
    [
        ("name", Mark.AGREE),
        ("father_name", Mark.DISAGREE),
        ("mother_name", Mark.MISSING),
        ("sex", Mark.AGREE),
        ("age", Mark.AGREE),
        ("district", Mark.AGREE),
        ("upazila", Mark.MISSING),
        ("guardian_phone", Mark.AGREE),
    ],
    ids=[
        "same-name",
        "other-father",
        "mother-missing-one-side",
        "sex",
        "age-carried-forward",
        "district",
        "upazila-missing",
        "phone-formats",
    ],
)
def test_marks_without_engine_explanation(field: str, mark: Mark) -> None:
    assert _marks()[field] is mark


@pytest.mark.parametrize(
    ("contribution", "field", "mark"),
    [
        (Contribution("age", "within a year", 2.0), "age", Mark.AGREE),
        (Contribution("age", "a bit off", 0.3), "age", Mark.PARTIAL),
        (Contribution("age", "far off", -3.0), "age", Mark.DISAGREE),
        (Contribution("home_district", "far", -2.0), "district", Mark.DISAGREE),
        (Contribution("place", "neighbour", 0.5), "district", Mark.PARTIAL),
        (Contribution("mother_name", "match", 3.0), "mother_name", Mark.MISSING),
        (Contribution("sex", "same sex", 0.4), "sex", Mark.AGREE),
        (Contribution("name", "one part agrees", 0.4), "name", Mark.AGREE),
        (Contribution("father_name", "surname differs", 3.0), "father_name", Mark.DISAGREE),
        (Contribution("phone", "different", -2.0), "guardian_phone", Mark.AGREE),
    ],
    ids=[
        "engine-agrees",
        "engine-weak",
        "engine-disagrees",
        "interception-field-name",
        "place-alias",
        "missing-beats-weight",
        "sex-by-value-not-weak-weight",
        "name-by-value",
        "father-by-value",
        "phone-by-value",
    ],
)
def test_engine_weight_decides_the_mark(contribution: Contribution, field: str, mark: Mark) -> None:
    assert _marks([contribution])[field] is mark


def test_age_is_carried_forward_to_the_interception_date() -> None:
    assert age_now(CHILD, REPORT) == pytest.approx(12.0, abs=0.01)
    assert age_now(CHILD, Report("r", age=None)) is None
    assert age_now(Interception("i"), Report("r", age=9.0)) == 9.0


def test_far_age_is_a_disagreement() -> None:
    older = Report("r-2", age=3.0, report_date=date(2024, 3, 12))
    rows = {r.field: r.mark for r in field_rows(CHILD, older)}
    assert rows["age"] is Mark.DISAGREE


def test_rows_come_in_form_order_with_shown_values() -> None:
    rows = field_rows(CHILD, REPORT)
    assert [r.field for r in rows][:3] == ["name", "father_name", "mother_name"]
    assert rows[3].interception_value == "F"
    assert rows[4].interception_value == "12"


texts = st.one_of(st.none(), st.text(max_size=200))


@given(texts, texts, texts, texts, st.one_of(st.none(), st.floats()))
def test_field_rows_never_raise_and_missing_is_never_disagree(
    name: str | None, other: str | None, district: str | None, phone: str | None, age: float | None
) -> None:
    child = Interception("i", name=name, home_district=district, guardian_phone=phone, age=age)
    report = Report("r", name=other, district=district, guardian_phone=None, age=age)
    for row in field_rows(child, report):
        if not row.interception_value.strip() or not row.report_value.strip():
            assert row.mark is Mark.MISSING
