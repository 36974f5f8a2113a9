"""PLACEHOLDER until the names issue lands: same signatures as docs/ARCHITECTURE.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import JaroWinkler


@dataclass(frozen=True, slots=True)
class ParsedName:
    tokens: tuple[str, ...] = field(default_factory=tuple)
    prefixes: tuple[str, ...] = field(default_factory=tuple)
    core: tuple[str, ...] = field(default_factory=tuple)
    common: tuple[str, ...] = field(default_factory=tuple)


def normalize_text(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    return " ".join(text.casefold().split())


def parse_name(text: str | None) -> ParsedName:
    norm = normalize_text(text)
    toks = tuple(norm.split()) if norm else ()
    return ParsedName(tokens=toks, core=toks)


def token_keys(text: str | None) -> list[str]:
    return list(parse_name(text).core)


def name_key(text: str | None) -> str:
    return " ".join(token_keys(text))


def name_similarity(a: str | None, b: str | None) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    return float(JaroWinkler.normalized_similarity(ka, kb))
