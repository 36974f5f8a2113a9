"""Bangla script -> Latin, the way Bangladeshi names are actually romanised.

Spec (the contract other modules rely on):

- ``transliterate(text: str | None) -> str | None``. Bangla-script runs are romanised, everything
  else (Latin, digits, other scripts) passes through case-folded. The result is lower case with
  single spaces. ``None``, empty, whitespace-only or emoji-only input gives ``None``; the function
  never raises.
- Pipeline: Unicode clean-up (:func:`clean_bangla`: NFC, one nukta form, ZWJ/ZWNJ, khanda ta,
  Bangla digits) -> split each Bangla word into *aksharas* (consonant cluster + vowel + marks) ->
  decide the inherent vowel of each akshara (schwa deletion, below) -> spell each piece with the
  table in ``matcher/data/names/bn_latin.json``.
- Inherent vowel: every consonant cluster without a vowel sign or hasanta carries the inherent
  vowel, spelled ``a`` (Rahim, Kamal, Mymensingh-style ``maymansingh``). It is dropped
  * word-finally (রহিম -> rahim, কবির -> kabir), except on a one-akshara word or before a mark
    (ং ঃ ঁ), and except after a conjunct or on a final হ, where Bengali pronounces it and
    romanisers write ``o`` (প্রান্ত -> pranto, আদিত্য -> adityo, স্নেহ -> sneho, প্রিয় -> priyo;
    but শাহ -> shah, সিংহ -> singh, জয় -> jay);
  * before an independent vowel (মনিরউদ্দীন -> maniruddin);
  * word-medially in the context V C_a C V, where both consonants are single and the second is
    not the glide য় (রহমান -> rahman, আকবর -> akbar, ইসলাম -> islam, but বিজয়া -> bijaya): the
    classic Indo-Aryan schwa-deletion rule, applied right to left so that a deleted vowel
    protects its left neighbour (ময়মনসিংহ -> maymansingh).
- Conjunct members: ya-phala (্য) is ``y``, ba-phala (্ব) is ``w`` (বিশ্বাস -> bishwas) except
  after ম, র and ব where it is a real ``b`` (রাব্বানী -> rabbani); ra-phala and reph are plain
  ``r``; a few clusters with a conventional spelling (ক্ষ -> kkh, ঙ্গ -> ng ...) come from the table.
- Spelling habits: an independent ও before য়া/য়ে is the glide w (ওয়াহাব -> wahab,
  সাফওয়ান -> safwan); অ্যা / এ্যা is the vowel "a" (অ্যালান -> alan); a lone য right after an
  i/e vowel, or ending a word after any vowel but আ, is য় typed without its nukta (নাদিযা ->
  nadiya, অভয -> abhay); elsewhere it stays the z/j of Muslim names (আযহার -> ajhar, i.e.
  Azhar); a lone ছ inside a word is the old spelling of an Arabic/Persian s in Muslim names
  (মোছাম্মৎ, সামছুদ্দীন -> samsuddin, ইলিয়াছ -> iliyas), while word-initial ছ and the verb
  endings -ছে/-ছি/-ছো stay ch (ছবি -> chabi, আছে -> ache); র্য is rj (সূর্য -> surjo); a lone
  ঞ is y (মিঞা -> miya).
- Marks: anusvara ং -> ng, visarga ঃ -> nothing (মোঃ -> mo), chandrabindu ঁ -> n (চাঁদ -> chand),
  khanda ta ৎ -> t, য় -> y, ড়/ঢ় -> r.

The spelling is one plausible romanisation, not the only one: :func:`matcher.names.keys.name_key`
is what makes "Rohima", "Rahima" and this module's output meet.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from importlib import resources
from typing import Any, TypeVar

__all__ = ["clean_bangla", "has_bangla", "transliterate"]

_HASANTA = "\u09cd"
_NUKTA = "\u09bc"
_ZW = ("\u200c", "\u200d")
_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# NFC decomposes these three (they are composition exclusions); we keep one composed form.
_NUKTA_FORMS = (("\u09a1\u09bc", "\u09dc"), ("\u09a2\u09bc", "\u09dd"), ("\u09af\u09bc", "\u09df"))
_BANGLA_RE = re.compile(r"[\u0980-\u09ff]+")
_T = TypeVar("_T")
#: Only strings up to this length are cached (by every cache of the names layer), so a stream of
#: 10 kB inputs cannot fill memory; longer strings are simply recomputed.
CACHE_MAX_CHARS = 256


def short_text_cache(maxsize: int) -> Callable[[Callable[[str], _T]], Callable[[str], _T]]:
    """``lru_cache`` for a function of one string that bypasses the cache for long strings."""

    def decorate(fn: Callable[[str], _T]) -> Callable[[str], _T]:
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def wrapper(text: str) -> _T:
            return fn(text) if len(text) > CACHE_MAX_CHARS else cached(text)

        return wrapper

    return decorate


_YA = "\u09df"  # য়
_INHERENT = "\x00"  # sentinel vowel: decided by the schwa rules
_NONE = ""


@dataclass(frozen=True, slots=True)
class _Table:
    """The romanisation table, loaded once from JSON."""

    inherent: str
    final_after_conjunct: str
    bare: frozenset[str]
    consonants: dict[str, str]
    independent_vowels: dict[str, str]
    vowel_signs: dict[str, str]
    marks: dict[str, str]
    after_hasanta: dict[str, str]
    word_internal: dict[str, str]
    conjuncts: dict[str, str]


def _strip_doc(d: dict[str, Any]) -> dict[str, str]:
    """Drop ``_doc`` entries and bring keys to the same Unicode form as cleaned input."""
    return {clean_bangla(k): str(v) for k, v in d.items() if not k.startswith("_")}


@cache
def _table() -> _Table:
    raw = json.loads(
        resources.files("matcher").joinpath("data/names/bn_latin.json").read_text("utf-8")
    )
    return _Table(
        inherent=str(raw["inherent"]),
        final_after_conjunct=str(raw["final_after_conjunct"]),
        bare=frozenset(clean_bangla(c) for c in raw["bare_final_conjuncts"]),
        consonants=_strip_doc(raw["consonants"]),
        independent_vowels=_strip_doc(raw["independent_vowels"]),
        vowel_signs=_strip_doc(raw["vowel_signs"]),
        marks=_strip_doc(raw["marks"]),
        after_hasanta=_strip_doc(raw["after_hasanta"]),
        word_internal=_strip_doc(raw["word_internal"]),
        conjuncts=_strip_doc(raw["conjuncts"]),
    )


def has_bangla(text: str | None) -> bool:
    """True when ``text`` contains at least one character of the Bangla Unicode block."""
    return bool(text) and _BANGLA_RE.search(text or "") is not None


def clean_bangla(text: str) -> str:
    """Unicode clean-up of Bangla script; idempotent, never raises.

    NFC; ড় ঢ় য় in their composed code points whatever the input used; ত + hasanta + ZWJ (the old
    way to type khanda ta) -> ৎ; ZWJ/ZWNJ removed; Bangla digits -> ASCII digits. Other scripts
    are left alone (apart from NFC).
    """
    if text.isascii():  # ASCII is already NFC and holds no Bangla: nothing to do
        return text
    text = unicodedata.normalize("NFC", text)
    if not _BANGLA_RE.search(text):
        return text
    text = text.replace("\u09a4\u09cd\u200d", "\u09ce")
    for z in _ZW:
        text = text.replace(z, "")
    for decomposed, composed in _NUKTA_FORMS:
        text = text.replace(decomposed, composed)
    return text.translate(_BANGLA_DIGITS)


@dataclass(slots=True)
class _Akshara:
    cluster: list[str]  # consonant letters; empty for an independent vowel
    vowel: str  # romanised vowel, _INHERENT or _NONE (hasanta)
    marks: str  # romanised trailing marks (ং ঃ ঁ)


def _spell_cluster(cluster: list[str], t: _Table) -> str:
    out: list[str] = []
    i = 0
    while i < len(cluster):
        if i + 1 < len(cluster):
            pair = cluster[i] + _HASANTA + cluster[i + 1]
            if pair in t.conjuncts:
                out.append(t.conjuncts[pair])
                i += 2
                continue
        letter = cluster[i]
        if i > 0 and letter in t.after_hasanta and not (letter == "ব" and cluster[i - 1] in "মরব"):
            out.append(t.after_hasanta[letter])
        else:
            out.append(t.consonants.get(letter, ""))
        i += 1
    return "".join(out)


def _is_ya_without_nukta(prev_vowel: str, word_final: bool) -> bool:
    """Whether a lone য is really য় typed without its nukta.

    After i/e always (নাদিযা = নাদিয়া); at the end of a word after any vowel but আ (অভয =
    অভয়). After আ/ও/উ inside a word it is the z/j of Muslim names (আযহার, নাযমা), and at the
    end after আ too (ফাইয়ায = Faiyaz).
    """
    if prev_vowel in ("i", "e", "oi"):
        return True
    return word_final and prev_vowel not in (_NONE, "a")


def _parse_word(word: str, t: _Table) -> list[_Akshara]:
    aksharas: list[_Akshara] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if ch == "য" and aksharas and _is_ya_without_nukta(aksharas[-1].vowel, i == n - 1):
            ch = _YA
        if ch in "অএ" and word[i + 1 : i + 3] == _HASANTA + "য":
            # অ্যা / এ্যা spell the vowel of "Alan", "Andrew": one vowel, not a consonant
            i += 4 if word[i + 3 : i + 4] == "া" else 3
            aksharas.append(_Akshara([], "a", ""))
            continue
        if ch in t.consonants:
            cluster = [ch]
            j = i + 1
            while j + 1 < n and word[j] == _HASANTA and word[j + 1] in t.consonants:
                cluster.append(word[j + 1])
                j += 2
            if j < n and word[j] == _HASANTA:
                vowel, j = _NONE, j + 1
            elif j < n and word[j] in t.vowel_signs:
                vowel, j = t.vowel_signs[word[j]], j + 1
            else:
                vowel = _INHERENT
            aksharas.append(_Akshara(cluster, vowel, ""))
            i = j
        elif ch in t.independent_vowels:
            aksharas.append(_Akshara([], t.independent_vowels[ch], ""))
            i += 1
        elif ch in t.marks:
            if aksharas:
                aksharas[-1].marks += t.marks[ch]
            else:
                aksharas.append(_Akshara([], _NONE, t.marks[ch]))
            i += 1
        elif ch in t.vowel_signs:  # a stray sign with no consonant: spell it as a vowel
            aksharas.append(_Akshara([], t.vowel_signs[ch], ""))
            i += 1
        else:  # hasanta without consonant, nukta, unassigned code points: silent
            i += 1
    return aksharas


def _apply_schwa_rules(aks: list[_Akshara], t: _Table) -> None:
    """Decide every inherent vowel in place, right to left (see the module docstring)."""
    inherent, final_after_conjunct, bare_conjuncts = t.inherent, t.final_after_conjunct, t.bare
    last = len(aks) - 1
    for k in range(last, -1, -1):
        a = aks[k]
        if a.vowel != _INHERENT:
            continue
        if a.marks or k == 0:
            a.vowel = inherent
        elif k == last:
            # Bengali keeps the final vowel, as "o", after a conjunct (প্রান্ত -> pranto) and on
            # a final হ (স্নেহ -> sneho), but not after আ or ং (শাহ -> shah, সিংহ -> singh).
            prev = aks[k - 1]
            if len(a.cluster) > 1:
                bare = _HASANTA.join(a.cluster) in bare_conjuncts
            elif a.cluster == [_YA]:  # য় after i/e carries its vowel: প্রিয় -> priyo
                bare = prev.vowel not in ("i", "e")
            else:
                bare = a.cluster != ["হ"] or prev.vowel == "a" or bool(prev.marks)
            a.vowel = _NONE if bare else final_after_conjunct
        else:
            prev, nxt = aks[k - 1], aks[k + 1]
            # before an independent vowel there is no inherent vowel (মনিরউদ্দীন -> maniruddin)
            delete = not nxt.cluster or (
                nxt.cluster != [_YA]  # য় is a glide that needs the vowel (বিজয়া -> bijaya)
                and len(a.cluster) == 1
                and prev.vowel != _NONE
                and not prev.marks
                and len(nxt.cluster) == 1
                and nxt.vowel != _NONE
            )
            a.vowel = _NONE if delete else inherent


@short_text_cache(maxsize=65536)
def _romanise_word(word: str) -> str:
    """Romanise one run of Bangla letters (cached: words recur in many different names)."""
    t = _table()
    aks = _parse_word(word, t)
    _apply_schwa_rules(aks, t)
    parts: list[str] = []
    glide = False  # the previous akshara was an independent ও written as the w of ওয়া
    for k, a in enumerate(aks):
        if glide and a.cluster == [_YA]:
            spelled = ""  # ওয়া -> wa, not oya
        elif (
            k > 0
            and len(a.cluster) == 1
            and a.cluster[0] in t.word_internal
            and a.vowel not in ("e", "i", "o")  # -ছে/-ছি/-ছো are verb endings: ch
        ):
            spelled = t.word_internal[a.cluster[0]]
        else:
            spelled = _spell_cluster(a.cluster, t)
        nxt = aks[k + 1] if k + 1 < len(aks) else None
        glide = (
            not a.cluster
            and a.vowel == "o"
            and nxt is not None
            and nxt.cluster == [_YA]
            and nxt.vowel in ("a", "e")
        )
        parts.append("w" if glide else spelled + a.vowel + a.marks)
    # ং before গ already sounds the g (সংগ্রাম -> sangram, not sanggram).
    return "".join(parts).replace("ngg", "ng")


@short_text_cache(maxsize=65536)
def _transliterate_cached(text: str) -> str | None:
    cleaned = clean_bangla(text)
    romanised = _BANGLA_RE.sub(lambda m: _romanise_word(m.group(0)), cleaned).casefold()
    out = " ".join(romanised.split())
    if not any(ch.isalnum() for ch in out):
        return None
    return out


def transliterate(text: str | None) -> str | None:
    """Romanise the Bangla-script parts of ``text``; Latin passes through case-folded.

    Returns lower-case text with single spaces, or ``None`` for None/empty/emoji-only input.
    Examples: ``"মোঃ রহিম" -> "mo rahim"``, ``"ময়মনসিংহ" -> "maymansingh"``,
    ``"Rahim"`` -> ``"rahim"``.
    """
    if not text or not isinstance(text, str):
        return None
    return _transliterate_cached(text)
