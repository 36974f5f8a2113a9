"""Record preparation: a report or an interception becomes the comparable fields the engine reads.

Every stage downstream (blocking keys, the level comparisons, the columnar index) reads a record
only through :class:`Prepared`, computed once per record: name token keys (prefixes such as
Md/Mst dropped, at most :data:`MAX_TOKENS`), sex, age, the report or interception date, the home
place resolved from district and upazila *together* (:func:`home_place`), and the guardian phone
reduced to its last 10 digits (:func:`normalize_phone`). A shell that needs one of these facts
about a record (the candidate page's resolved place, say) asks this module; it never re-derives it.

Contract: nothing here raises on bad text (None, empty, emoji, huge strings); a field that cannot
be read is missing (``()`` or ``None``). Keying is cached per distinct raw token, because names
repeat massively across a million reports.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from matcher.names import normalize_text, parse_name, token_keys
from matcher.places import Place, resolve_home
from matcher.records import Interception, Report, Sex

#: Name tokens kept per name (more is vanishingly rare; the rest are ignored for comparison).
MAX_TOKENS = 4
#: Text longer than this is cut before keying so 10 kB inputs stay cheap.
MAX_TEXT_CHARS = 200


@lru_cache(maxsize=500_000)
def _normalized_tokens(raw: str) -> tuple[str, ...]:
    """Normalised tokens of one whitespace-separated raw token (cached)."""
    try:
        norm = normalize_text(raw)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return ()
    return tuple(norm.split()) if norm else ()


@lru_cache(maxsize=500_000)
def _token_key(token: str) -> tuple[str, ...]:
    """Key(s) of one normalised token (cached)."""
    try:
        return tuple(k for k in token_keys(token) if k)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return ()


@lru_cache(maxsize=100_000)
def _is_prefix(token: str) -> bool:
    """Whether a normalised token is an honorific prefix when it leads a longer name."""
    try:
        return bool(parse_name(token + " x").prefixes)
    except Exception:  # pragma: no cover - the names layer promises not to raise
        return False


def name_tokens(text: str | None) -> tuple[str, ...]:
    """Token keys of a name (see :func:`_name_tokens`); whole names are cached too."""
    if not text or not isinstance(text, str):
        return ()
    return _name_tokens(text)


@lru_cache(maxsize=1 << 18)
def _name_tokens(text: str) -> tuple[str, ...]:
    """Token keys of a name (prefixes such as Md/Mst dropped), at most :data:`MAX_TOKENS`.

    Same keys as :func:`matcher.names.token_keys` (leading prefixes dropped, never the last
    token), but computed per distinct raw token through caches: keying is the expensive part of
    indexing a million reports, and name tokens repeat a lot. Never raises; ``()`` if nothing.
    """
    if not text or not isinstance(text, str):
        return ()
    return _core_keys(_infos(text))


def _core_keys(infos: list[_Info]) -> tuple[str, ...]:
    keys: list[str] = []
    for _, token_keys_, _ending in infos[_first_core(infos) :]:
        keys.extend(token_keys_)
        if len(keys) >= MAX_TOKENS:
            break
    return tuple(keys[:MAX_TOKENS])


def name_keys_and_ending(text: str) -> tuple[tuple[str, ...], int]:
    """``(name_tokens(text), given_ending(text))`` in one pass over the text, uncached: for a
    bulk index build, which meets each distinct name once (its own memo)."""
    if not text or not isinstance(text, str):
        return (), Ending.UNKNOWN
    infos = _infos(text)
    return _core_keys(infos), _given_ending(infos)


_Info = tuple[bool, tuple[str, ...], int]


def _infos(text: str) -> list[_Info]:
    infos: list[_Info] = []
    for raw in text[:MAX_TEXT_CHARS].split():
        infos.extend(_raw_token_info(raw))
    return infos


def _first_core(infos: list[_Info]) -> int:
    """Index of the first token after leading prefixes (never past the last token)."""
    i = 0
    while i < len(infos) - 1 and infos[i][0]:
        i += 1
    return i


@lru_cache(maxsize=500_000)
def _raw_token_info(raw: str) -> tuple[_Info, ...]:
    """(is a prefix, keys, ending) of each normalised token of one raw token: one cache hit per
    token.

    Whole names rarely repeat (the full-name cache mostly misses on a million children), raw
    tokens do; this folds the per-token caches into one look-up.
    """
    return tuple((_is_prefix(t), _token_key(t), word_ending(t)) for t in _normalized_tokens(raw))


class Ending:
    """How a name word ends, which in Bangla names often tells a girl's form from a boy's
    (রহিমা / রহিম, Rahima / Rahim): the values of :func:`word_ending`."""

    UNKNOWN, LONG_A, CONSONANT, OTHER_VOWEL = range(4)


_BANGLA_CONSONANTS = frozenset(
    [chr(c) for c in range(0x0995, 0x09BA)] + ["\u09ce", "\u09dc", "\u09dd", "\u09df"]
)
_BANGLA_AA = "\u09be"  # া
_BANGLA_INDEPENDENT_AA = "\u0986"  # আ
_HASANTA = "\u09cd"
_SIGNS_AFTER = frozenset("\u0981\u0982\u0983\u200c\u200d")  # ঁ ং ঃ and zero-width joiners


def word_ending(token: str) -> int:
    """The :class:`Ending` of one normalised word, in either script.

    Latin: a final "a" (also "ah", "aa") is the long a; e/i/o/u/y another vowel; any other letter
    a consonant. Bangla: আ-kar (া) is the long a; a consonant or a hasanta (the inherent vowel,
    silent at the end of most names) a consonant; any other vowel sign another vowel.
    """
    t = token.rstrip("".join(_SIGNS_AFTER))
    if not t:
        return Ending.UNKNOWN
    last = t[-1]
    if last.isascii():
        word = t.lower()
        if len(word) > 1 and word[-1] == "h" and word[-2] in "aeiou":
            word = word[:-1]
        last = word[-1]
        if last == "a":
            return Ending.LONG_A
        if last in "eiouy":
            return Ending.OTHER_VOWEL
        return Ending.CONSONANT if last.isalpha() else Ending.UNKNOWN
    if last in (_BANGLA_AA, _BANGLA_INDEPENDENT_AA):
        return Ending.LONG_A
    if last in _BANGLA_CONSONANTS or last == _HASANTA:
        return Ending.CONSONANT
    if "\u0980" <= last <= "\u09ff":
        return Ending.OTHER_VOWEL
    return Ending.UNKNOWN


def given_ending(text: str | None) -> int:
    """The :class:`Ending` of a name's given name (its first token after prefixes)."""
    if not text or not isinstance(text, str):
        return Ending.UNKNOWN
    return _given_ending(_infos(text))


def _given_ending(infos: list[_Info]) -> int:
    keyed = [info for info in infos if info[1]]
    return keyed[_first_core(keyed)][2] if keyed else Ending.UNKNOWN


_NON_DIGITS = re.compile(r"\D+")
_DIGIT_TABLE = {ord(c): str(i) for i, c in enumerate("০১২৩৪৫৬৭৮৯")}


def normalize_phone(text: str | None) -> str | None:
    """The last 10 digits of a phone number, zero-padded, or None if fewer than 7 digits.

    Bangladeshi mobiles are written 01XXXXXXXXX, +8801XXXXXXXXX or 8801…: the last 10 digits are
    the same in every form. Bangla digits count; other scripts' digits are ignored.
    """
    if not text or not isinstance(text, str):
        return None
    text = text[:MAX_TEXT_CHARS]
    if text.isascii() and text.isdigit():
        digits = text  # as most are written: nothing to translate or drop
    else:
        digits = _NON_DIGITS.sub("", text.translate(_DIGIT_TABLE))
    if not digits.isascii():
        digits = "".join(ch for ch in digits if "0" <= ch <= "9")
    if len(digits) < 7:
        return None
    return digits[-10:].zfill(10)


def home_place(district: str | None, upazila: str | None) -> Place | None:
    """The most specific place the two fields agree on (:func:`matcher.places.resolve_home`).

    Reading district and upazila together settles shared upazila names ("Kaliganj" lies in four
    districts) and hand-romanised ones, which resolving each field on its own cannot; people also
    write an upazila in the district box and vice versa, which ``resolve_home`` handles. Non-text
    fields count as missing. Cached per (district, upazila) pair inside the geo layer. Never raises.
    """
    try:
        return resolve_home(
            district if isinstance(district, str) else None,
            upazila if isinstance(upazila, str) else None,
        )
    except Exception:  # pragma: no cover - the geo layer promises not to raise
        return None


class Prepared(NamedTuple):
    """One record's comparable fields, computed once (report or interception alike).

    ``day`` is the report date or the interception date. A NamedTuple because a million are
    built while indexing and tuple construction is several times cheaper than a dataclass.
    """

    name: tuple[str, ...] = ()
    father: tuple[str, ...] = ()
    mother: tuple[str, ...] = ()
    sex: Sex | None = None
    age: float | None = None
    day: date | None = None
    place: Place | None = None
    phone: str | None = None
    ending: int = 0  # Ending of the given name


def age_years(value: object) -> float | None:
    """A record's age as the engine reads it: a finite number in 0-120, else None."""
    if value is None or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0 <= value < 120 else None


def prepare_report(report: Report) -> Prepared:
    """Comparable fields of a report.

    Run once per indexed report (a million times in a batch), hence positional arguments and
    the cached name keying called directly: same result as :func:`prepare_interception`'s shape.
    """
    name, father, mother = report.name, report.father_name, report.mother_name
    return Prepared(
        _name_tokens(name) if name and isinstance(name, str) else (),
        _name_tokens(father) if father and isinstance(father, str) else (),
        _name_tokens(mother) if mother and isinstance(mother, str) else (),
        report.sex if isinstance(report.sex, Sex) else None,
        age_years(report.age),
        report.report_date if isinstance(report.report_date, date) else None,
        home_place(report.district, report.upazila),
        normalize_phone(report.guardian_phone),
        given_ending(name),
    )


def prepare_interception(interception: Interception) -> Prepared:
    """Comparable fields of an interception (home district/upazila, not the border post)."""
    return Prepared(
        name=name_tokens(interception.name),
        father=name_tokens(interception.father_name),
        mother=name_tokens(interception.mother_name),
        sex=interception.sex if isinstance(interception.sex, Sex) else None,
        age=age_years(interception.age),
        day=(
            interception.interception_date
            if isinstance(interception.interception_date, date)
            else None
        ),
        place=home_place(interception.home_district, interception.home_upazila),
        phone=normalize_phone(interception.guardian_phone),
        ending=given_ending(interception.name),
    )


_SEX_CODE = {Sex.MALE: 1, Sex.FEMALE: 2}


def sex_code(sex: Sex | None) -> int:
    """Column code of a sex: 0 unknown, 1 M, 2 F."""
    return _SEX_CODE.get(sex, 0) if sex is not None else 0


def phone_number(phone: str | None) -> int:
    """A normalised phone (see :func:`normalize_phone`) as an integer column value, -1 if none."""
    return int(phone) if phone else -1
