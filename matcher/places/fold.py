"""Folding place names into lookup keys: the same clean-up for the gazetteer and for queries.

Spec:

1. Clean-up (:func:`_clean`): :func:`matcher.names.normalize_text`, then NFC; text longer than
   :data:`MAX_PLACE_CHARS` is not a place name and gives ``None``. :func:`_fold_tokens` then
   folds Latin to ASCII letters (``Bāzār`` -> ``bazar``, ``Cox's`` -> ``coxs``), and Bangla
   keeps Bangla letters only.
2. Generic words (the tables below) are dropped by resolution and remembered as a *level
   hint*: district/dist/zila/zilla/jela/জেলা (district), upazila/thana/ps/উপজেলা/থানা
   (upazila), division/bibhag/বিভাগ (division); sadar/kotwali/সদর is remembered as "the
   district's headquarters upazila"; noise such as village/post office/city/town/municipality/
   pourashava, Bangladesh gives no hint.
   A reference name is keyed with and without its generic words other than sadar/kotwali
   (:func:`_keys`; "Sadar" is part of upazila names).
3. :func:`place_key`: a romanisation *skeleton* (sh/s, kh/k, ch/c, z/j, w/u, y/i, o/e/a,
   doubled letters, silent h; in Bangla ড়/র, ী/ি, ণ/ন, শ/ষ/স, ঙ/ং), and :func:`_consonants`,
   the skeleton without vowels (safe only among the few places of one district).

The clean-up never raises; nothing is read at import.
"""

from __future__ import annotations

import re
import unicodedata

from matcher.names import normalize_text

__all__ = ["MAX_PLACE_CHARS", "place_key"]

MAX_PLACE_CHARS = 200
"""Longer text is not a place name (the longest real one, with context, is far shorter)."""

_BANGLA = re.compile(r"[\u0980-\u09FF]")
_NOT_BANGLA_LETTER = re.compile(r"[^\u0980-\u09E5\u09F0-\u09FF]+")
_NOT_ASCII_LETTER = re.compile(r"[^a-z]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`´]")

_DISTRICT_WORDS = frozenset(
    {"district", "dist", "distt", "zila", "zilla", "zela", "jila", "jilla", "jela", "জেলা"}
)
_UPAZILA_WORDS = frozenset(
    {
        "upazila",
        "upazilla",
        "upozila",
        "upojela",
        "upazela",
        "thana",
        "ps",
        "উপজেলা",
        "থানা",
    }
)
_DIVISION_WORDS = frozenset({"division", "div", "bibhag", "বিভাগ"})
_NOISE_WORDS = frozenset(
    {
        "village",
        "vill",
        "vil",
        "post",
        "office",
        "po",
        "gram",
        "house",
        "road",
        "holding",
        "ward",
        "গ্রাম",
        "সাং",
        "সাকিন",
        "পোঃ",
        "পো",
        "ডাকঘর",
        "পোস্ট",
        "city",
        "town",
        "municipality",
        "pourashava",
        "paurashava",
        "pourasava",
        "bangladesh",
        "bd",
        "সিটি",
        "শহর",
        "পৌরসভা",
        "বাংলাদেশ",
    }
)
_SADAR_WORDS = frozenset(
    {"sadar", "shadar", "sador", "kotwali", "kotowali", "kotoali", "সদর", "কোতোয়ালী", "কোতয়ালী"}
)
"""The district's headquarters upazila; Kotwali is the name of its police station (thana)."""

_GENERIC = _DISTRICT_WORDS | _UPAZILA_WORDS | _DIVISION_WORDS | _NOISE_WORDS

# Romanisation variants folded by the skeleton, applied in order on ASCII letters.
_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("chh", "C"),
    ("ch", "C"),
    ("c", "k"),
    ("C", "c"),
    ("sh", "s"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "b"),
    ("jh", "j"),
    ("dzh", "j"),
    ("zh", "j"),
    ("z", "j"),
    ("q", "k"),
    ("x", "k"),
    ("v", "b"),
    ("ee", "i"),
    ("oo", "u"),
    ("w", "u"),
    ("y", "i"),
    ("h", ""),
    ("o", "a"),
    ("e", "a"),
)
_BANGLA_SKELETON_RULES: tuple[tuple[str, str], ...] = tuple(
    (unicodedata.normalize("NFC", a), b)
    for a, b in (
        ("ড\u09bc", "র"),  # ড় (NFC keeps it decomposed)
        ("ঢ\u09bc", "র"),  # ঢ়
        ("\u09bc", ""),  # any other nukta (য় -> য)
        ("\u0981", ""),  # chandrabindu
        ("\u09cd", ""),  # hasanta
        ("\u0983", ""),  # visarga
        ("ী", "ি"),
        ("ূ", "ু"),
        ("ঈ", "ই"),
        ("ঊ", "উ"),
        ("ণ", "ন"),
        ("ষ", "স"),
        ("শ", "স"),
        ("ঙ", "ং"),
        ("ৎ", "ত"),
    )
)
_DOUBLE = re.compile(r"(.)\1+")


def _clean(text: object) -> str | None:
    """Unicode clean-up shared by the reference side and the query side; never raises."""
    if not isinstance(text, str) or not text or len(text) > MAX_PLACE_CHARS:
        return None
    try:
        norm = normalize_text(text)
    except Exception:  # a concurrent normaliser must never break place resolution
        norm = text.casefold()
    if not norm:
        return None
    return unicodedata.normalize("NFC", norm).casefold()


def _fold_tokens(text: str) -> list[str]:
    """Split cleaned text into folded tokens: ASCII letters for Latin, Bangla letters for Bangla."""
    out: list[str] = []
    for raw in _APOSTROPHES.sub("", text).split():
        if _BANGLA.search(raw):
            out.extend(t for t in _NOT_BANGLA_LETTER.split(raw) if t)
        else:
            ascii_ = (
                unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii").lower()
            )
            out.extend(t for t in _NOT_ASCII_LETTER.split(ascii_) if t)
    return out


def place_key(text: str) -> str:
    """Variant-proof skeleton of a folded place name (no spaces), used for matching only.

    Latin: digraphs and letters that Bangladeshi romanisations swap are merged (sh/s, kh/k,
    ch/c, z/j, w/u, y/i, ee/i, oo/u, o/e/a), silent ``h`` and doubled letters are dropped:
    ``Jessore``, ``Jashore`` -> ``jasar``. Bangla: the spellings people mix up are merged
    (ড়/ঢ়/র, long/short i and u, ণ/ন, শ/ষ/স, ঙ/ং, ৎ/ত; nukta, chandrabindu, hasanta and visarga
    dropped): ``বগুরা`` meets ``বগুড়া``, ``ঝিকড়গাছা`` meets ``ঝিকরগাছা``.
    """
    s = "".join(text.split())
    rules = _BANGLA_SKELETON_RULES if _BANGLA.search(s) else _SKELETON_RULES
    for old, new in rules:
        s = s.replace(old, new)
    return _DOUBLE.sub(r"\1", s)


def _keys(text: str) -> list[str]:
    """Folded lookup keys for one reference name (joined tokens, with and without generic words)."""
    cleaned = _clean(text)
    if cleaned is None:
        return []
    tokens = _fold_tokens(cleaned)
    keys = {"".join(tokens)}
    core = [t for t in tokens if t not in _GENERIC]
    if core:
        keys.add("".join(core))
    return [k for k in keys if k]


_VOWELS = re.compile(r"[aiu]+")


def _consonants(skel: str) -> str:
    """The consonants of a Latin skeleton (vowels differ most between romanisations)."""
    if _BANGLA.search(skel):
        return ""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", skel).replace("c", "k"))
