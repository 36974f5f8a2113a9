"""PLACEHOLDER until the names issue lands: same signatures as docs/ARCHITECTURE.md."""

from __future__ import annotations

from datetime import date


def parse_age(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def expected_age(age: float, at: date, on: date) -> float:
    return age + (on - at).days / 365.25


def is_heaped_age(age: float) -> bool:
    return age % 5 == 0
