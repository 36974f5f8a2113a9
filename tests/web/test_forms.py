"""Unit tests for api.web.forms: form strings -> the service's input schemas."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from api.schemas import InterceptionIn, ReportIn
from api.web.forms import parse_record_form
from matcher.csvio import RejectCounter, iter_interceptions, read_text_source
from matcher.fields import NO_DETAIL_REASON
from matcher.records import INTERCEPTION_COLUMNS


def _interception(**form: Any) -> Any:
    return parse_record_form(form, InterceptionIn, id_field="interception_id")


@pytest.mark.parametrize(
    ("form", "field", "value"),
    [
        ({"age": "১২"}, "age", 12.0),
        ({"age": "~12"}, "age", 12.0),
        ({"age": "about 12"}, "age", 12.0),
        ({"age": "10-12"}, "age", 11.0),
        ({"interception_date": "2026-09-02"}, "interception_date", date(2026, 9, 2)),
        ({"interception_date": "14/03/2025"}, "interception_date", date(2025, 3, 14)),
        ({"name": "  মোছাঃ রহিমা খাতুন  "}, "name", "মোছাঃ রহিমা খাতুন"),
        ({"father_name": ""}, "father_name", None),
        ({"sex": "F"}, "sex", "F"),
        ({"sex": "female"}, "sex", "F"),
        ({"sex": "মেয়ে"}, "sex", "F"),
        ({"sex": "ছেলে"}, "sex", "M"),
    ],
    ids=[
        "bangla-digits",
        "tilde",
        "about",
        "range",
        "iso-date",
        "day-first-date",
        "strip",
        "empty-is-unknown",
        "sex",
        "sex-english-word",
        "sex-bangla-girl",
        "sex-bangla-boy",
    ],
)
def test_values_are_parsed_leniently(form: dict[str, str], field: str, value: object) -> None:
    result = _interception(**{"name": "Rohima", **form})
    assert result.errors == []
    assert getattr(result.model, field) == value


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"age": "twelve"}, "age"),
        ({"age": "500"}, "age"),
        ({"interception_date": "yesterday"}, "interception_date"),
        ({"interception_date": "01/01/2099"}, "interception_date"),
        ({"sex": "X"}, "sex"),
        ({"interception_id": "has spaces/and slashes"}, "interception_id"),
        ({"name": "x" * 300}, "name"),
    ],
    ids=[
        "age-words",
        "age-too-big",
        "bad-date",
        "future-date",
        "bad-sex",
        "bad-id",
        "name-too-long",
    ],
)
def test_bad_values_become_field_errors(form: dict[str, str], field: str) -> None:
    result = _interception(**{"father_name": "Abdul Karim", **form})
    assert result.model is None
    assert field in {f for f, _ in result.errors}


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"name": "   ", "age": "", "sex": ""},
        {"interception_date": "2025-03-14", "border_post": "Benapole"},
    ],
    ids=["blank", "spaces", "only-the-event"],
)
def test_a_form_that_says_nothing_about_the_child_is_refused_at_the_name(
    form: dict[str, str],
) -> None:
    result = _interception(**form)
    assert result.model is None
    assert result.errors == [("name", NO_DETAIL_REASON)]


# What every door is given, and whether it accepts it (the value it reads is checked above).
DOOR_VALUES = [
    ("age", "১২", True),
    ("age", "about 12", True),
    ("age", "10-12", True),
    ("age", "twelve", False),
    ("age", "130", False),
    ("sex", "female", True),
    ("sex", "মেয়ে", True),
    ("sex", "F", True),
    ("sex", "X", False),
    ("interception_date", "14/03/2025", True),
    ("interception_date", "১৪/০৩/২০২৫", True),
    ("interception_date", "03/14/2025", False),
    ("interception_date", "14/03/2099", False),
]


@pytest.mark.parametrize(
    ("field", "text", "accepted"), DOOR_VALUES, ids=[f"{f}-{t}" for f, t, _ in DOOR_VALUES]
)
def test_form_json_api_and_csv_accept_and_refuse_the_same_values(
    field: str, text: str, accepted: bool
) -> None:
    form = _interception(name="Rohima", **{field: text})
    try:
        InterceptionIn.model_validate_json(json.dumps({"name": "Rohima", field: text}))
        api_ok, api_msg = True, ""
    except ValidationError as exc:
        api_ok, api_msg = False, exc.errors()[0]["msg"]
    counter = RejectCounter()
    row = {c: "" for c in INTERCEPTION_COLUMNS} | {"interception_id": "I1", "name": "Rohima"}
    row[field] = text
    csv_text = ",".join(INTERCEPTION_COLUMNS) + "\n" + ",".join(row.values()) + "\n"
    records = list(iter_interceptions(read_text_source(csv_text), on_reject=counter))
    assert (form.model is not None, api_ok, len(records) == 1) == (accepted,) * 3
    if not accepted:  # the same words at every door
        assert [msg for _, msg in form.errors] == [api_msg] == [r.reason for r in counter.rejects]


def test_report_form_uses_report_fields() -> None:
    result = parse_record_form(
        {"report_id": "R-9", "district": "যশোর", "report_date": "2025-03-14", "extra": "ignored"},
        ReportIn,
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
