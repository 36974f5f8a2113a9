"""api.web.sidebyside: the candidate page shows the engine's verdicts and facts, computes none."""

from __future__ import annotations

import ast
import inspect
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web import sidebyside
from api.web.sidebyside import fact_line, field_rows, reasons
from matcher.index import MatchIndex
from matcher.levels import RecordField
from matcher.records import Contribution, Interception, Language, Report, Sex, Verdict

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


@pytest.fixture(scope="module")
def explained() -> list[Contribution]:
    index = MatchIndex()
    index.add(REPORT)
    candidate = index.explain_pair("r-1", CHILD)
    assert candidate is not None
    return list(candidate.contributions)


def test_every_row_shows_the_engines_verdict_for_its_field(explained: list[Contribution]) -> None:
    engine = {c.field: c.verdict for c in explained}
    shown = {r.field: r.verdict for r in field_rows(CHILD, REPORT, explained)}
    expected_field = {
        "name": "name",
        "father_name": "father_name",
        "mother_name": "mother_name",
        "sex": "sex",
        "age": "age",
        "district": "place",
        "upazila": "place",
        "guardian_phone": "guardian_phone",
        "dates": "dates",
    }
    assert shown == {row: engine[field] for row, field in expected_field.items()}
    assert shown["father_name"] is Verdict.DISAGREE
    assert shown["mother_name"] is Verdict.MISSING
    assert shown["guardian_phone"] is Verdict.AGREE  # formats differ, the engine's digits agree


def test_rows_come_in_form_order_with_the_records_values(explained: list[Contribution]) -> None:
    rows = field_rows(CHILD, REPORT, explained)
    assert [r.field for r in rows][:5] == ["name", "father_name", "mother_name", "sex", "age"]
    by_field = {r.field: r for r in rows}
    assert by_field["age"].interception_value == "12"
    assert by_field["guardian_phone"].report_value == "+8801712345678"


def test_age_and_place_lines_are_the_engines_facts(explained: list[Contribution]) -> None:
    age = fact_line(explained, RecordField.AGE, Language.EN)
    assert age.startswith("Age: ")
    assert "12 given, 12 expected" in age  # 11 a year before: the engine carried it forward
    place = fact_line(explained, RecordField.PLACE, Language.BN)
    assert place.startswith("বাড়ি: ")


def test_reasons_are_one_line_per_field_in_the_engines_order(
    explained: list[Contribution],
) -> None:
    lines = reasons(explained, CHILD, REPORT, Language.EN)
    assert len(lines) == len(explained) == len(RecordField)
    assert lines[0].split(":")[0] in {"Name", "Home", "Guardian's phone", "Father's name"}
    father = next(line for line in lines if line.startswith("Father's name"))
    assert "(Abdul Karim / Habibur Rahman)" in father


def test_the_page_module_computes_no_fact_about_the_pair() -> None:
    """The engine decides: the page imports nothing that compares names, places or ages."""
    tree = ast.parse(inspect.getsource(sidebyside))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert not imported & {"matcher.places", "matcher.names", "matcher.dates", "matcher.compare"}


@given(
    name=st.one_of(st.none(), st.text(max_size=30)),
    age=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_rows_never_raise_on_odd_values(name: str | None, age: float | None) -> None:
    child = Interception("i", name=name, age=age)
    rows = field_rows(child, Report("r", name=name, age=age), [])
    assert all(r.verdict is Verdict.MISSING for r in rows)
