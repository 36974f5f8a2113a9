"""Tests for matcher.dates: ages and dates in either digit set, elapsed-time arithmetic."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.dates import (
    DAYS_PER_YEAR,
    MAX_AGE_YEARS,
    expected_age,
    expected_age_on,
    is_heaped_age,
    parse_age,
    parse_date,
)

BN = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        ("১২", 12.0),
        ("12.5", 12.5),
        ("১২.৫", 12.5),
        ("~12", 12.0),
        ("about 12", 12.0),
        ("About 12", 12.0),
        ("approx 12", 12.0),
        ("approx. 12", 12.0),
        ("approximately 12", 12.0),
        ("around 12", 12.0),
        ("c. 12", 12.0),
        ("12+", 12.0),
        ("12 yrs", 12.0),
        ("12 years", 12.0),
        ("12 Years Old", 12.0),
        ("12y", 12.0),
        ("12yr", 12.0),
        ("১২ বছর", 12.0),
        ("প্রায় ১২ বছর", 12.0),
        ("আনুমানিক ১২", 12.0),
        ("10-12", 11.0),
        ("10 - 12", 11.0),
        ("10–12", 11.0),
        ("10 to 12", 11.0),
        ("১০-১২", 11.0),
        ("10-12 years", 11.0),
        ("6 months", 0.5),
        ("6 mo", 0.5),
        ("৬ মাস", 0.5),
        ("18 months", 1.5),
        ("2 years 6 months", 2.5),
        ("2 yrs, 6 mo", 2.5),
        ("0.5", 0.5),
        ("0", 0.0),
        ("120", 120.0),
        ("  12  ", 12.0),
        ("age 12", 12.0),
        ("Aged 12", 12.0),
        ("বয়স ১২", 12.0),
        ("বয়স: ১২ বছর", 12.0),
        ("12 (approx)", 12.0),
        ("১২ বছর (আনুমানিক)", 12.0),
        ("২ বছর ৬ মাস", 2.5),
        ("12 years and 6 months", 12.5),
        ("12 yr 6 mo", 12.5),
        ("৫-৬ বছর", 5.5),
        ("১২ বছর বয়সী", 12.0),
        ("১২ বছর বয়স", 12.0),
        ("12 years (est.)", 12.0),
        ("12 (about)", 12.0),
    ],
    ids=lambda v: str(v),
)
def test_parse_age_accepts(text: str, expected: float) -> None:
    assert parse_age(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "abc",
        "-5",
        "-1 years",
        "121",
        "200 years",
        "12-10",  # reversed range
        "twelve",
        "12 kg",
        "12 12",
        "😀",
        "1" * 10_000,
        "12/01/2024",
        "nan",
        "inf",
    ],
    ids=lambda v: repr(v)[:20],
)
def test_parse_age_rejects(text: str | None) -> None:
    assert parse_age(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_age_never_raises_and_stays_in_range(text: str) -> None:
    age = parse_age(text)
    assert age is None or 0.0 <= age <= MAX_AGE_YEARS


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=120))
def test_parse_age_same_in_both_digit_sets(n: int) -> None:
    assert parse_age(str(n)) == parse_age(str(n).translate(BN)) == float(n)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-12", date(2024, 1, 12)),
        ("2024/01/12", date(2024, 1, 12)),
        ("2024-1-2", date(2024, 1, 2)),
        ("2024-01-12T10:30:00", date(2024, 1, 12)),
        ("12/01/2024", date(2024, 1, 12)),
        ("12-01-2024", date(2024, 1, 12)),
        ("12.01.2024", date(2024, 1, 12)),
        ("1/2/2024", date(2024, 2, 1)),
        ("03/04/2024", date(2024, 4, 3)),  # day first, never month first
        ("12/01/24", date(2024, 1, 12)),
        ("12-01-24", date(2024, 1, 12)),
        ("12-01-69", date(2069, 1, 12)),  # pivot: 00-69 -> 2000s
        ("12-01-70", date(1970, 1, 12)),  # 70-99 -> 1900s
        ("12-01-99", date(1999, 1, 12)),
        ("12 Jan 2024", date(2024, 1, 12)),
        ("12 January 2024", date(2024, 1, 12)),
        ("12-Jan-24", date(2024, 1, 12)),
        ("12th Jan, 2024", date(2024, 1, 12)),
        ("Jan 12, 2024", date(2024, 1, 12)),
        ("SEPT 3 2023", date(2023, 9, 3)),
        ("১২/০১/২০২৪", date(2024, 1, 12)),
        ("২০২৪-০১-১২", date(2024, 1, 12)),
        ("১২ জানুয়ারি ২০২৪", date(2024, 1, 12)),
        ("৫ মে ২০২৩", date(2023, 5, 5)),
        ("29/02/2024", date(2024, 2, 29)),
        (" 12/01/2024 ", date(2024, 1, 12)),
        ("১২/০১/২০২৪ ইং", date(2024, 1, 12)),
        ("12/01/2024 খ্রি.", date(2024, 1, 12)),
        ("১২-০১-২০২৪ খ্রিস্টাব্দ", date(2024, 1, 12)),
        ("12 Jan 2024 AD", date(2024, 1, 12)),
        ("12 01 2024", date(2024, 1, 12)),
        ("12-01-2024 10:30", date(2024, 1, 12)),
        ("12/01/2024 10:30 AM", date(2024, 1, 12)),
        # Bangla calendar (2019 revision): the national days it was aligned to.
        ("৮ ফাল্গুন ১৪৩০", date(2024, 2, 21)),
        ("১২ চৈত্র ১৪৩০ বঙ্গাব্দ", date(2024, 3, 26)),
        ("১ পৌষ ১৪৩০", date(2023, 12, 16)),
        ("১ বৈশাখ ১৪৩১", date(2024, 4, 14)),
        ("৩০ ফাল্গুন ১৪৩০", date(2024, 3, 14)),  # Falgun has 30 days in a leap year
        ("৩০ চৈত্র ১৪৩০", date(2024, 4, 13)),  # last day of the year
    ],
    ids=lambda v: str(v),
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "abc",
        "31/02/2024",
        "29/02/2023",
        "12/13/2024",  # would be 13 Dec month-first: rejected, Bangladesh writes day first
        "00/01/2024",
        "2024-13-01",
        "12/01-2024",  # mixed separators
        "12 Foo 2024",
        "12/01/1850",
        "12/01",
        "2024",
        "😀",
        "1" * 10_000,
        "৩০ ফাল্গুন ১৪৩১",  # 2025 is not a leap year: Falgun has 29 days
        "৩২ বৈশাখ ১৪৩১",
        "১ বৈশাখ ৩১",  # Bangla calendar needs a four-digit year
    ],
    ids=lambda v: repr(v)[:20],
)
def test_parse_date_rejects(text: str | None) -> None:
    assert parse_date(text) is None


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_date_round_trips_iso_and_day_first(d: date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    assert parse_date(d.strftime("%d-%m-%Y").translate(BN)) == d


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_date_never_raises(text: str) -> None:
    result = parse_date(text)
    assert result is None or isinstance(result, date)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1310, max_value=1500))
def test_bangla_calendar_years_are_contiguous(year: int) -> None:
    """Each Bangla year starts the day after the previous one ends, on 14 April."""
    first = parse_date(f"1 বৈশাখ {year}".translate(BN))
    last_of_previous = parse_date(f"30 চৈত্র {year - 1}".translate(BN))
    assert first == date(year + 593, 4, 14)
    assert last_of_previous is not None
    assert first - last_of_previous == timedelta(days=1)


@pytest.mark.parametrize(
    ("age", "at", "on", "expected"),
    [
        (12.0, date(2024, 1, 1), date(2024, 1, 1), 12.0),
        (12.0, date(2024, 1, 1), date(2025, 1, 1), 12.0 + 366 / DAYS_PER_YEAR),
        (12.0, date(2024, 1, 1), date(2025, 7, 2), 13.5),
        (12.0, date(2024, 1, 1), date(2023, 1, 1), 12.0 - 365 / DAYS_PER_YEAR),
        (0.5, date(2020, 1, 1), date(2030, 1, 1), 10.5),
    ],
    ids=["same-day", "one-leap-year", "eighteen-months", "backwards", "ten-years"],
)
def test_expected_age(age: float, at: date, on: date, expected: float) -> None:
    assert expected_age(age, at, on) == pytest.approx(expected, abs=0.01)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0, max_value=100),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2050, 1, 1)),
    st.integers(min_value=-20_000, max_value=20_000),
)
def test_expected_age_round_trip(age: float, at: date, days: int) -> None:
    on = at + timedelta(days=days)
    there = expected_age(age, at, on)
    assert expected_age(there, on, at) == pytest.approx(age, abs=1e-9)
    assert (there >= age) == (days >= 0)


@pytest.mark.parametrize(
    ("age", "heaped"),
    [
        (5.0, True),
        (10.0, True),
        (15.0, True),
        (12.0, True),
        (18.0, True),
        (40.0, True),
        (11.0, False),
        (13.0, False),
        (7.0, False),
        (10.5, False),
        (0.0, False),
        (-5.0, False),
        (math.nan, False),
        (math.inf, False),
    ],
    ids=lambda v: str(v),
)
def test_is_heaped_age(age: float, heaped: bool) -> None:
    assert is_heaped_age(age) is heaped


@pytest.mark.parametrize(
    ("age", "at", "want"),
    [
        (12.0, date(2024, 1, 1), expected_age(12.0, date(2024, 1, 1), date(2025, 7, 2))),
        (None, date(2024, 1, 1), None),
        (12.0, None, 12.0),
        (0.5, date(2026, 1, 1), 0.0),
    ],
    ids=["carried-forward", "no-age", "no-date-keeps-the-recorded-age", "never-below-zero"],
)
def test_expected_age_on_a_record_with_gaps(
    age: float | None, at: date | None, want: float | None
) -> None:
    assert expected_age_on(age, at, date(2025, 7, 2)) == want
