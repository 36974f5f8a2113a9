"""Unicode clean-up of free text (names, places), the first step of every comparison.

Spec: :func:`normalize_text` ``str | None -> str | None`` - NFC; Bangla digits -> ASCII; one form
for the nukta letters ড় ঢ় য়; ZWJ/ZWNJ removed; a stray hasanta at the end of a word removed;
apostrophes removed, every other character that is not a letter, mark or digit (punctuation,
dots of abbreviations, emoji, symbols) becomes a space; spaces collapsed; case-folded; a
visarga-abbreviated honorific glued to the next word is split off (মোঃরহিম -> মোঃ রহিম).
Idempotent. ``None`` when nothing is left (None, empty, whitespace, emoji only). Never raises.

ASCII text skips the Unicode machinery (one ``str.translate``; a test checks it agrees with the
full pipeline); other text is cleaned once per distinct string (bounded ``lru_cache``).

The names data files (``matcher/data/names/``) are read through :func:`_read_data`, here because
clean-up itself needs one of them (the visarga-final honorifics of ``prefixes.csv``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import cache
from importlib import resources

from matcher.names.transliterate import clean_bangla, short_text_cache

__all__ = ["normalize_text"]

_APOSTROPHES = frozenset("'’ʼ`´")
_TRAILING_HASANTA = re.compile(r"\u09cd+(?=\s|$)")


class _CharMap(dict[int, str]):
    """``str.translate`` table, filled on demand: apostrophes vanish, every character that is
    not a letter, mark or digit becomes a space, the rest stays. A character's entry is computed
    once, so the per-character work of clean-up runs in C. Only code points below
    :data:`_CHAR_MAP_LIMIT` (Latin, Bangla, punctuation: what names are written in) are kept,
    so text in other scripts or emoji cannot grow the table beyond a few thousand entries."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kept = ch if unicodedata.category(ch)[0] in "LMN" else " "
        out = "" if ch in _APOSTROPHES else kept
        if code < _CHAR_MAP_LIMIT:
            self[code] = out
        return out


_CHAR_MAP_LIMIT = 0x3000


_CHAR_MAP = _CharMap()


def _normalize_once(text: str) -> str:
    s = clean_bangla(text).casefold().translate(_CHAR_MAP)
    s = clean_bangla(s)
    s = _TRAILING_HASANTA.sub("", s)
    return " ".join(s.split())


def normalize_text(text: str | None) -> str | None:
    """Clean free text for comparison (see the module spec); idempotent.

    ASCII text takes a fast path (:func:`_normalize_ascii`, one ``str.translate``) that gives
    exactly what the full pipeline gives (a Hypothesis test checks it); other text goes through
    the full pipeline, cached per string.

    >>> normalize_text("  Md. RAHIM\u200c  ১২ ")
    'md rahim 12'
    """
    if not text or not isinstance(text, str):
        return None
    if text.isascii():
        return _normalize_ascii(text)
    return _normalize_cached(text)


def _ascii_table() -> dict[int, str | None]:
    """What the full pipeline does to each ASCII character, as a ``str.translate`` table.

    Letters are lower-cased (NFC and case-folding of ASCII are plain lower-casing), digits kept,
    the ASCII apostrophes dropped, everything else (punctuation, symbols, controls) a space.
    """
    table: dict[int, str | None] = {}
    for code in range(128):
        ch = chr(code)
        if ch in _APOSTROPHES:
            table[code] = None
        elif ch.isalnum():
            table[code] = ch.lower()
        else:
            table[code] = " "
    return table


_ASCII_TABLE = _ascii_table()


def _normalize_ascii(text: str) -> str | None:
    """:func:`normalize_text` of ASCII-only text, without the Unicode machinery.

    No Bangla means no nukta, hasanta, digits or visarga prefixes to handle, and one pass is
    already idempotent. Only letters and digits survive the table, so a non-empty result always
    has a letter or digit.
    """
    return " ".join(text.translate(_ASCII_TABLE).split()) or None


@short_text_cache(maxsize=131072)
def _normalize_cached(text: str) -> str | None:
    return _normalize_full(text)


def _normalize_full(text: str) -> str | None:
    """The full clean-up pipeline (uncached; the reference the ASCII fast path must agree with)."""
    s = _normalize_once(text)
    for _ in range(4):  # NFC/case-folding interactions settle in one or two rounds
        again = _normalize_once(s)
        if again == s:
            break
        s = again
    if not any(ch.isalnum() for ch in s):
        return None
    return _split_glued_prefixes(s)


def _split_glued_prefixes(s: str) -> str:
    """ "মোঃরহিম" -> "মোঃ রহিম": a visarga-abbreviated honorific typed without its space.

    Only the honorific forms of ``prefixes.csv`` that end in a visarga (মোঃ, মোছাঃ, ডাঃ ...);
    a visarga inside an ordinary word (দুঃখ) is left alone.
    """
    if "ঃ" not in s:
        return s
    out: list[str] = []
    for token in s.split(" "):
        rest = token
        while True:
            form = next(
                (f for f in _glued_prefix_forms() if rest.startswith(f) and len(rest) > len(f)),
                None,
            )
            if form is None:
                break
            out.append(form)
            rest = rest[len(form) :]
        out.append(rest)
    return " ".join(out)


@cache
def _glued_prefix_forms() -> tuple[str, ...]:
    """Visarga-final prefix forms (cleaned like normalised text), longest first."""
    forms = {
        clean_bangla(row["form"]).casefold()
        for row in csv.DictReader(io.StringIO(_read_data("prefixes.csv")))
    }
    return tuple(sorted((f for f in forms if f.endswith("ঃ")), key=len, reverse=True))


def _read_data(name: str) -> str:
    return resources.files("matcher").joinpath(f"data/names/{name}").read_text("utf-8")
