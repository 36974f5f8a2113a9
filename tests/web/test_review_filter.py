"""Unit tests for the review page's filter parsing (api.web.review_pages.QueueFilter): bad
input means "no filter", never an error. The filtering itself is the service's (SQL), tested in
tests/api/test_review_queue.py; the page's use of it in tests/web/test_review_page.py."""

from __future__ import annotations

from datetime import date

import pytest

from api.web.review_pages import QueueFilter
from matcher.records import Band


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (("", "", "", ""), QueueFilter()),
        (("match", "", "", ""), QueueFilter(band=Band.MATCH)),
        (("review", "", "", ""), QueueFilter(band=Band.REVIEW)),
        (("nonsense", "", "", ""), QueueFilter()),
        (("no_match", "", "", ""), QueueFilter()),
        (("", "  Jessore ", "", ""), QueueFilter(district="Jessore")),
        (("", "x" * 500, "", ""), QueueFilter(district="x" * 100)),
        (("", "", "2026-09-01", ""), QueueFilter(date_from=date(2026, 9, 1))),
        (("", "", "", "০১/০২/২০২৬"), QueueFilter(date_to=date(2026, 2, 1))),
        (("", "", "garbage", "9" * 500), QueueFilter()),
    ],
    ids=[
        "no-filter",
        "band-match",
        "band-review",
        "bad-band-ignored",
        "no-match-band-ignored",
        "district-stripped",
        "district-cut",
        "date-from",
        "date-to-bangla-digits",
        "bad-dates-ignored",
    ],
)
def test_parse(args: tuple[str, str, str, str], want: QueueFilter) -> None:
    assert QueueFilter.parse(*args) == want


@pytest.mark.parametrize(
    ("args", "active"),
    [
        (("", "", "", ""), False),
        (("bad", "", "bad", "bad"), False),
        (("review", "", "", ""), True),
        (("", "Khulna", "", ""), True),
        (("", "", "", "2026-01-01"), True),
    ],
    ids=["empty", "all-bad", "band", "district", "date"],
)
def test_active(args: tuple[str, str, str, str], active: bool) -> None:
    assert QueueFilter.parse(*args).active is active
