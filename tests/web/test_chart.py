"""Unit tests for api.web.chart: the inline-SVG chart of the engine's per-field account."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.chart import CENTRE, HALF, chart_bars, contribution_chart
from matcher.records import Contribution, Verdict

SVG = "{http://www.w3.org/2000/svg}"
FIELDS = ["name", "father_name", "age", "sex", "place", "guardian_phone", "dates"]


def _c(field: str, weight: float, verdict: Verdict | None = None) -> Contribution:
    if verdict is None:
        verdict = Verdict.AGREE if weight > 0 else Verdict.DISAGREE
    return Contribution(field, verdict, weight, "a finding")


def test_empty_list_draws_nothing() -> None:
    assert str(contribution_chart([])) == ""


@pytest.mark.parametrize(
    ("weights", "right", "left"),
    [
        ([3.0, -1.5, 0.0], [True, False, True], [False, True, False]),
        ([0.2], [True], [False]),
        ([-4.0, -2.0], [False, False], [True, True]),
    ],
    ids=["mixed", "small-positive", "all-negative"],
)
def test_bars_grow_from_the_centre(
    weights: list[float], right: list[bool], left: list[bool]
) -> None:
    bars = chart_bars([_c(f, w, Verdict.PARTIAL) for f, w in zip(FIELDS, weights, strict=False)])
    for bar, goes_right, goes_left in zip(bars, right, left, strict=True):
        assert (bar.x == CENTRE) is goes_right
        assert (bar.x + bar.width == pytest.approx(CENTRE) and bar.width > 0) is goes_left


def test_largest_weight_fills_half_and_scale_is_shared() -> None:
    bars = chart_bars([_c("name", 4.0), _c("age", -2.0)])
    assert bars[0].width == pytest.approx(HALF)
    assert bars[1].width == pytest.approx(HALF / 2)


def test_small_weights_are_not_blown_up() -> None:
    bars = chart_bars([_c("sex", 0.5)])
    assert bars[0].width == pytest.approx(HALF * 0.5)


def test_missing_fields_are_left_out() -> None:
    bars = chart_bars([_c("name", 2.0), Contribution("mother_name", Verdict.MISSING, 0.0)])
    assert [b.text.split(":")[0] for b in bars] == ["Name"]


def test_rows_read_field_verdict_and_odds_and_escape_labels() -> None:
    svg = str(
        contribution_chart(
            [
                Contribution("father_name", Verdict.AGREE, 3.0, "<script>alert(1)</script> & co"),
                _c("age", -1.0),
            ]
        )
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert texts[0] == "Father's name: agrees (8.0× more likely)"
    assert texts[1] == "Age: disagrees (2.0× less likely)"
    assert "<script>" not in svg


def test_bangla_chart_uses_bangla_words_and_digits() -> None:
    svg = str(contribution_chart([_c("name", 2.5)], "bn"))
    assert "নাম: মেলে (৫.৭ গুণ বেশি সম্ভাব্য)" in svg


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*FIELDS, "not_a_field"]),
            st.sampled_from(list(Verdict)),
            st.text(max_size=500),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=12,
    )
)
def test_chart_never_raises_and_stays_in_the_box(
    rows: list[tuple[str, Verdict, str, float]],
) -> None:
    contributions = [Contribution(f, v, w, label) for f, v, label, w in rows]
    svg = str(contribution_chart(contributions))
    if any(v is not Verdict.MISSING for _, v, _, _ in rows):
        ET.fromstring(svg)
    for bar in chart_bars(contributions):
        assert math.isfinite(bar.width)
        assert 0 <= bar.x <= CENTRE + HALF
        assert bar.x + bar.width <= CENTRE + HALF + 1e-6
