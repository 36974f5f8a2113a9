"""Unit tests for api.web.chart: the inline-SVG contribution chart."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.chart import CENTRE, HALF, chart_bars, contribution_chart
from matcher.records import Contribution

SVG = "{http://www.w3.org/2000/svg}"


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
    bars = chart_bars([Contribution(f"f{i}", "x", w) for i, w in enumerate(weights)])
    for bar, goes_right, goes_left in zip(bars, right, left, strict=True):
        assert (bar.x == CENTRE) is goes_right
        assert (bar.x + bar.width == pytest.approx(CENTRE) and bar.width > 0) is goes_left


def test_largest_weight_fills_half_and_scale_is_shared() -> None:
    bars = chart_bars([Contribution("name", "same key", 4.0), Contribution("age", "off", -2.0)])
    assert bars[0].width == pytest.approx(HALF)
    assert bars[1].width == pytest.approx(HALF / 2)


def test_small_weights_are_not_blown_up() -> None:
    bars = chart_bars([Contribution("sex", "same", 0.5)])
    assert bars[0].width == pytest.approx(HALF * 0.5)


def test_svg_is_well_formed_and_escapes_labels() -> None:
    svg = str(
        contribution_chart(
            [
                Contribution("father_name", "<script>alert(1)</script> & co", 2.5),
                Contribution("age", "expected 13.6, observed 12", -1.0),
            ]
        )
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert texts[0].startswith("Father's name: <script>")
    assert "(+2.5)" in texts[0]
    assert "(-1.0)" in texts[1]
    assert "<script>" not in svg


def test_bangla_chart_uses_bangla_labels_and_digits() -> None:
    svg = str(contribution_chart([Contribution("name", "মিল", 2.5)], "bn"))
    assert "নাম: মিল (+২.৫)" in svg


@given(
    st.lists(
        st.tuples(
            st.text(max_size=30),
            st.text(max_size=500),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=12,
    )
)
def test_chart_never_raises_and_stays_in_the_box(rows: list[tuple[str, str, float]]) -> None:
    contributions = [Contribution(f, label, w) for f, label, w in rows]
    svg = str(contribution_chart(contributions))
    if rows:
        ET.fromstring(svg)
    for bar in chart_bars(contributions):
        assert math.isfinite(bar.width)
        assert 0 <= bar.x <= CENTRE + HALF
        assert bar.x + bar.width <= CENTRE + HALF + 1e-6
