"""PLACEHOLDER until the names issue lands: same signatures as docs/ARCHITECTURE.md."""

from __future__ import annotations


def transliterate(text: str | None) -> str | None:
    return text.casefold() if text else None
