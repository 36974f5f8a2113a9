"""Unit tests for api.web.forms: form strings -> the service's input schemas."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.schemas import InterceptionIn, ReportIn
from api.web.forms import parse_record_form


def _interception(**form: Any) -> Any:
    return parse_record_form(
        form, InterceptionIn, date_field="interception_date", id_field="interception_id"
    )


@pytest.mark.parametrize(
    ("form", "field", "value"),
    [
        ({"age": "১২"}, "age", 12.0),
        ({"age": "~12"}, "age", 12.0),
        ({"age": "10-12"}, "age", 11.0),
        ({"interception_date": "2026-09-02"}, "interception_date", date(2026, 9, 2)),
        ({"name": "  মোছাঃ রহিমা খাতুন  "}, "name", "মোছাঃ রহিমা খাতুন"),
        ({"name": ""}, "name", None),
        ({"sex": "F"}, "sex", "F"),
        ({"sex": "X"}, "sex", None),
    ],
    ids=[
        "bangla-digits",
        "about",
        "range",
        "iso-date",
        "strip",
        "empty-is-unknown",
        "sex",
        "bad-sex",
    ],
)
def test_values_are_parsed_leniently(form: dict[str, str], field: str, value: object) -> None:
    result = _interception(**form)
    assert result.errors == []
    assert getattr(result.model, field) == value


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"age": "twelve"}, "age"),
        ({"age": "500"}, "age"),
        ({"interception_date": "yesterday"}, "interception_date"),
        ({"interception_id": "has spaces/and slashes"}, "interception_id"),
        ({"name": "x" * 300}, "name"),
    ],
    ids=["age-words", "age-too-big", "bad-date", "bad-id", "name-too-long"],
)
def test_bad_values_become_field_errors(form: dict[str, str], field: str) -> None:
    result = _interception(**form)
    assert result.model is None
    assert field in {f for f, _ in result.errors}


def test_report_form_uses_report_fields() -> None:
    result = parse_record_form(
        {"report_id": "R-9", "district": "যশোর", "report_date": "2025-03-14", "extra": "ignored"},
        ReportIn,
        date_field="report_date",
        id_field="report_id",
    )
    assert result.model is not None
    assert result.model.report_id == "R-9"
    assert result.model.report_date == date(2025, 3, 14)


@given(
    st.dictionaries(
        st.sampled_from(list(InterceptionIn.model_fields)),
        st.one_of(st.text(max_size=300), st.none(), st.integers()),
        max_size=11,
    )
)
def test_parse_never_raises(form: dict[str, Any]) -> None:
    result = _interception(**form)
    assert (result.model is None) == bool(result.errors)
