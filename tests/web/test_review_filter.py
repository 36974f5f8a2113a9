"""Unit tests for the review queue filters (api.web.review_pages.QueueFilter)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from api.web.review_pages import QueueFilter
from matcher.records import Band


def _pair(band: Band, district: str | None, day: date | None) -> tuple[Any, Any]:
    return (
        SimpleNamespace(band=band),
        SimpleNamespace(home_district=district, interception_date=day),
    )


MATCH_JASHORE = _pair(Band.MATCH, "Jashore", date(2026, 9, 2))
REVIEW_KHULNA = _pair(Band.REVIEW, "Khulna", date(2026, 1, 5))
REVIEW_UNKNOWN = _pair(Band.REVIEW, None, None)


@pytest.mark.parametrize(
    ("args", "pair", "kept"),
    [
        (("", "", "", ""), MATCH_JASHORE, True),
        (("match", "", "", ""), MATCH_JASHORE, True),
        (("match", "", "", ""), REVIEW_KHULNA, False),
        (("nonsense", "", "", ""), REVIEW_KHULNA, True),
        (("", "Jessore", "", ""), MATCH_JASHORE, True),
        (("", "যশোর", "", ""), MATCH_JASHORE, True),
        (("", "Jashore", "", ""), REVIEW_KHULNA, False),
        (("", "Jashore", "", ""), REVIEW_UNKNOWN, False),
        (("", "", "2026-09-01", ""), MATCH_JASHORE, True),
        (("", "", "2026-09-03", ""), MATCH_JASHORE, False),
        (("", "", "", "2026-02-01"), REVIEW_KHULNA, True),
        (("", "", "", "2026-02-01"), MATCH_JASHORE, False),
        (("", "", "2026-01-01", ""), REVIEW_UNKNOWN, False),
        (("", "", "garbage", "also garbage"), REVIEW_UNKNOWN, True),
    ],
    ids=[
        "no-filter",
        "band-match",
        "band-excludes",
        "bad-band-ignored",
        "old-spelling",
        "bangla-district",
        "other-district",
        "unknown-district-excluded",
        "from-inclusive",
        "from-excludes",
        "to-keeps",
        "to-excludes",
        "unknown-date-excluded",
        "bad-dates-ignored",
    ],
)
def test_queue_filter(args: tuple[str, str, str, str], pair: tuple[Any, Any], kept: bool) -> None:
    candidate, interception = pair
    assert QueueFilter.parse(*args).keeps(candidate, interception) is kept


def test_missing_interception_only_passes_without_place_or_date_filters() -> None:
    candidate = SimpleNamespace(band=Band.MATCH)
    assert QueueFilter.parse("match", "", "", "").keeps(candidate, None)
    assert not QueueFilter.parse("", "Jashore", "", "").keeps(candidate, None)
