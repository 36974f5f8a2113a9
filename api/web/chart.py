"""The per-field contribution chart as inline SVG (no JavaScript, no chart library).

A diverging horizontal bar chart: one row per record field the engine compared (its
``Contribution``); bars grow right of the centre line for evidence *for* a match (positive
weight) and left for evidence *against*. The bar scale is shared by all rows (the largest
absolute weight, at least 1 bit) so rows compare. Every row carries the field, the engine's
verdict and how much the field changes the odds ("8.0× more likely") as text, so the chart reads
without colour and works in a screen reader (``role="img"`` with a ``<title>``); the full
sentence is the row's tooltip. Fields missing on either record are left out (they weigh 0).

Contract: ``contribution_chart`` never raises (NaN/inf weights draw as 0, labels of any length
and script are escaped and clipped); an empty list gives an empty string.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from api.web.i18n import Lang, translate
from matcher.explain import describe, odds_phrase
from matcher.records import Contribution, Language, Verdict

WIDTH = 360
ROW_HEIGHT = 34
BAR_HEIGHT = 12
CENTRE = WIDTH / 2
HALF = WIDTH / 2 - 8
MAX_TEXT = 54
"""Characters of a row's text (field: label (weight)) that fit the width at 12 px."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One drawn row: geometry in SVG units, the (clipped) text shown and the full text
    (a tooltip, and what a screen reader reads)."""

    x: float
    width: float
    y: float
    positive: bool
    text: str
    full_text: str


def _clean(text: str) -> str:
    """Drop control characters and lone surrogates (not allowed in XML/SVG text)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs"))


def _finite(weight: float) -> float:
    try:
        value = float(weight)
    except (TypeError, ValueError):
        return 0.0
    return max(-1e6, min(1e6, value)) if math.isfinite(value) else 0.0


def chart_bars(contributions: Sequence[Contribution], lang: Lang | str = Lang.EN) -> list[Bar]:
    """Lay out the bars (pure geometry; tested without parsing SVG)."""
    language = Language(Lang(lang).value)
    contributions = [c for c in contributions if c.verdict is not Verdict.MISSING]
    weights = [_finite(c.weight) for c in contributions]
    scale = max([1.0, *(abs(w) for w in weights)])
    bars: list[Bar] = []
    for row, (item, weight) in enumerate(zip(contributions, weights, strict=True)):
        length = HALF * (abs(weight) / scale)
        title = describe(item, language=language, reveal_report=False)
        full_text = _clean(describe(item, language=language))[:500]
        shown_weight = f" ({odds_phrase(weight, language)})"
        room = max(8, MAX_TEXT - len(shown_weight))
        if len(title) > room:
            title = title[: room - 1] + "…"
        text = f"{title}{shown_weight}"
        bars.append(
            Bar(
                x=CENTRE if weight >= 0 else CENTRE - length,
                width=length,
                y=row * ROW_HEIGHT + 18,
                positive=weight >= 0,
                text=text,
                full_text=full_text,
            )
        )
    return bars


def contribution_chart(contributions: Sequence[Contribution], lang: Lang | str = Lang.EN) -> Markup:
    """Inline SVG markup for ``contributions`` (strongest first, as the engine orders them)."""
    if not contributions:
        return Markup("")
    bars = chart_bars(contributions, lang)
    height = len(bars) * ROW_HEIGHT + 6
    title = escape(translate("contributions", lang))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{title}</title>",
    ]
    for bar in bars:
        kind = "for" if bar.positive else "against"
        parts.append(
            f'<g class="row {kind}"><title>{escape(bar.full_text)}</title>'
            f'<text x="4" y="{bar.y - 4:.0f}">{escape(bar.text)}</text>'
            f'<line class="axis" x1="{CENTRE}" y1="{bar.y - 2:.0f}" x2="{CENTRE}" '
            f'y2="{bar.y + BAR_HEIGHT + 2:.0f}"/>'
            f'<rect x="{bar.x:.1f}" y="{bar.y:.0f}" width="{bar.width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="2"/></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()
