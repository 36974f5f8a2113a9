"""matcher.fields: the one reading of sex, age, date and "says something about the child"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fields import (
    AGE_REASON,
    DATE_REASON,
    FUTURE_REASON,
    SEX_REASON,
    describes_child,
    parse_sex,
    read_age,
    read_date,
    read_sex,
    today,
)
from matcher.records import Interception, Report, Sex

SEX_WORDS = [
    ("M", Sex.MALE),
    ("F", Sex.FEMALE),
    ("f", Sex.FEMALE),
    (" Female ", Sex.FEMALE),
    ("BOY", Sex.MALE),
    ("girl", Sex.FEMALE),
    ("ছেলে", Sex.MALE),
    ("পুরুষ", Sex.MALE),
    ("\u09ae\u09c7\u09af\u09bc\u09c7", Sex.FEMALE),  # মেয়ে with ya + nukta
    ("\u09ae\u09c7\u09df\u09c7", Sex.FEMALE),  # মেয়ে with the one-letter yya
    ("মহিলা", Sex.FEMALE),
    ("X", None),
    ("", None),
    ("femalex", None),
]


@pytest.mark.parametrize(("text", "sex"), SEX_WORDS, ids=[repr(t) for t, _ in SEX_WORDS])
def test_parse_sex_reads_english_and_bangla_words(text: str, sex: Sex | None) -> None:
    assert parse_sex(text) is sex


@given(st.text(max_size=50))
def test_parse_sex_never_raises(text: str) -> None:
    assert parse_sex(text) in (None, Sex.MALE, Sex.FEMALE)


@pytest.mark.parametrize(
    ("value", "years"),
    [(12, 12.0), (12.5, 12.5), ("১২", 12.0), ("about 12", 12.0), ("10-12", 11.0), ("", None)],
    ids=["int", "float", "bangla", "about", "range", "blank"],
)
def test_read_age_accepts_numbers_and_text(value: object, years: float | None) -> None:
    assert read_age(value) == years


@pytest.mark.parametrize(
    "value",
    [True, -1, 121, float("nan"), float("inf"), "twelve", "999", [12]],
    ids=["bool", "negative", "too-old", "nan", "inf", "words", "year-typed", "list"],
)
def test_read_age_refuses_with_the_accepted_forms(value: object) -> None:
    with pytest.raises(ValueError, match="about 12") as caught:
        read_age(value)
    assert str(caught.value) == AGE_REASON


def test_read_sex_refuses_with_the_accepted_words() -> None:
    assert read_sex(Sex.MALE) is Sex.MALE
    assert read_sex(None) is None
    with pytest.raises(ValueError, match="not M or F") as caught:
        read_sex("unknown")
    assert str(caught.value) == SEX_REASON


def test_read_date_is_day_first_and_quotes_the_format() -> None:
    assert read_date("14/03/2025") == date(2025, 3, 14)
    assert read_date("১৪/০৩/২০২৫") == date(2025, 3, 14)
    assert read_date(datetime(2025, 3, 14, 10, 30)) == date(2025, 3, 14)
    with pytest.raises(ValueError, match="day-first") as caught:
        read_date("03/14/2025")
    assert str(caught.value) == DATE_REASON
    assert "14/03/2025" in DATE_REASON


def test_read_date_refuses_the_future_and_keeps_today() -> None:
    latest = date(2026, 12, 7)
    assert read_date("07/12/2026", latest=latest) == latest
    with pytest.raises(ValueError, match="after today") as caught:
        read_date("08/12/2026", latest=latest)
    assert str(caught.value) == FUTURE_REASON
    with pytest.raises(ValueError, match="after today"):
        read_date(date.today() + timedelta(days=2))


def test_today_is_never_before_the_local_date() -> None:
    # UTC+14 is the earliest zone to reach a date: no server's local today is after it.
    assert today() >= date.today()
    assert today() - date.today() <= timedelta(days=1)


@pytest.mark.parametrize(
    ("record", "describes"),
    [
        (Interception("I1"), False),
        (Interception("I1", interception_date=date(2025, 1, 1), border_post="Benapole"), False),
        (Interception("I1", name="  "), False),
        (Interception("I1", sex=Sex.FEMALE), True),
        (Interception("I1", home_upazila="Sharsha"), True),
        (Report("R1", police_station="Sharsha"), False),
        (Report("R1", guardian_phone="01700000000"), True),
        (Report("R1", age=0.0), True),
    ],
    ids=[
        "empty",
        "only-the-event",
        "blank-name",
        "sex",
        "home-upazila",
        "only-the-station",
        "phone",
        "age-zero",
    ],
)
def test_describes_child(record: object, describes: bool) -> None:
    assert describes_child(record) is describes
