"""The phonetic key of one name token: what its spelling alone says about its sound.

Bangla tokens are transliterated first (:mod:`matcher.names.transliterate`), so "রহিমা" and
"Rohima" reach the same letters. The key folds what romanisers of one Bangla sound disagree on
(aspirates kh/k, sh/s, z/j, v/b, q/k, c/ch/k, ks/ksh, w/y glides, doubled letters, silent h) and
drops medial vowels, where romanisations differ most (Rahman/Rohoman, Akter/Aktar). Rules live in
``matcher/data/names/key_rules.json``. Keys are short lower-case a-z strings, readable by a person
("rhm" for Rahima); a token with no Latin letters even after transliteration (digits, another
script) keys to its normalised self.

The default key forgets the final vowel and keeps only the presence of an initial vowel; the
strict key keeps the class (a, i, u) of the first and last vowel (the trade-off is described in
:mod:`matcher.names.keys`, which adds the common-token clusters on top of this key).

Speed: every per-token result is cached (bounded ``lru_cache``), the default and the strict key
share the costly rewrite step, and rewrite rules whose letters are absent are not run (a test
checks the shortcut agrees with running every rule).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from matcher.names.text import _read_data, normalize_text
from matcher.names.transliterate import has_bangla, short_text_cache, transliterate


@dataclass(frozen=True, slots=True)
class _KeyRules:
    rewrites: tuple[tuple[re.Pattern[str], str, str | None], ...]
    vowels: frozenset[str]
    vowel_class: dict[str, str]
    run_class: dict[str, str]
    optional_final_after_consonant: frozenset[str]
    optional_final_after_cluster: frozenset[str]


_LOOKBEHIND = re.compile(r"^\^?\(\?<[=!][^()]*\)")


def _needles(pattern: str) -> str | None:
    """Letters one of which must be in a string for ``pattern`` to match it; None if unknown.

    The rewrite rules are short patterns whose match starts with a literal letter or a plain
    character class, maybe after ``^`` and a lookbehind (``(?<=r)y(?=[aeiou])`` needs a "y").
    Checking ``in`` first skips most of the 32 regex calls per token. Anything not of that
    simple shape (alternation, a quantified or escaped first element, a negated class) gives
    None, meaning "always run the pattern", so the shortcut never changes a result.
    """
    if "|" in pattern:
        return None
    rest = _LOOKBEHIND.sub("", pattern, count=1).removeprefix("^")
    if rest[:1].isalpha():
        first, after = rest[0], rest[1:]
    elif rest.startswith("[") and not rest.startswith("[^") and "]" in rest:
        first, after = rest[1 : rest.index("]")], rest[rest.index("]") + 1 :]
        if not first.isalpha():  # ranges, escapes: not worth reading
            return None
    else:
        return None
    if after[:1] in ("?", "*", "{"):  # the first element may match nothing
        return None
    return first


@cache
def _key_rules() -> _KeyRules:
    raw = json.loads(_read_data("key_rules.json"))
    return _KeyRules(
        rewrites=tuple((re.compile(p), str(r), _needles(p)) for p, r in raw["rewrites"]),
        vowels=frozenset(raw["vowels"]),
        vowel_class={str(k): str(v) for k, v in raw["vowel_class"].items()},
        run_class={str(k): str(v) for k, v in raw["run_class"].items()},
        optional_final_after_consonant=frozenset(raw["optional_final_after_consonant"]),
        optional_final_after_cluster=frozenset(raw["optional_final_after_cluster"]),
    )


@short_text_cache(maxsize=262144)
def _latin_letters(token: str) -> str:
    """Romanised, accent-free a-z letters of one token ("" if it has none); cached per token."""
    if token.isascii():
        return "".join(ch for ch in token.lower() if "a" <= ch <= "z")
    latin = transliterate(token) if has_bangla(token) else token
    if not latin:
        return ""
    decomposed = unicodedata.normalize("NFKD", latin.casefold())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


@short_text_cache(maxsize=262144)
def _rewritten(letters: str) -> str:
    """``letters`` after the ordered rewrite rules of ``key_rules.json`` (cached: the default
    and the strict key of a token share this, the costly part of a key)."""
    s = letters
    for pattern, repl, needles in _key_rules().rewrites:
        if needles is not None:
            for ch in needles:  # a plain loop: any() over a generator costs more than the test
                if ch in s:
                    break
            else:
                continue
        s = pattern.sub(repl, s)
    return s


def _vowel_run_class(run: str, *, at_end: bool, rules: _KeyRules) -> str:
    pair = run[-2:] if at_end else run[:2]
    if pair in rules.run_class:
        return rules.run_class[pair]
    return rules.vowel_class[run[-1] if at_end else run[0]]


def _latin_key(letters: str, *, strict: bool = False) -> str:
    """Key of an a-z token: folded consonant skeleton plus vowel classes (see the module docstring).

    The default key keeps only the presence of an initial vowel (Airin/Irin, Amir/Emir), leaves
    out the last vowel and a consonant h left at the end by it (Abdullah/Abdullaho);
    ``strict`` keeps the class of the first and the last vowel.
    """
    rules = _key_rules()
    s = _rewritten(letters)
    if not s:
        return ""
    runs: list[str] = []
    for ch in s:  # group into vowel runs and single consonants, collapsing doubled consonants
        is_v = ch in rules.vowels
        if runs and is_v and runs[-1][-1] in rules.vowels:
            runs[-1] += ch
        elif runs and not is_v and runs[-1] == ch:
            continue
        else:
            runs.append(ch)
    if len(runs) >= 2 and runs[-1][0] in rules.vowels:  # an optional final inherent vowel
        cluster = len(runs) >= 3 and runs[-3][0] not in rules.vowels
        if runs[-1] in rules.optional_final_after_consonant or (
            cluster and runs[-1] in rules.optional_final_after_cluster
        ):
            runs.pop()
    head = (
        _vowel_run_class(runs[0], at_end=False, rules=rules) if runs[0][0] in rules.vowels else ""
    )
    consonants = "".join(r for r in runs if r[0] not in rules.vowels)
    tail = ""
    if (strict or not consonants) and runs[-1][0] in rules.vowels and (len(runs) > 1 or not head):
        tail = _vowel_run_class(runs[-1], at_end=True, rules=rules)
    if not strict:
        if head:
            head = "a"
        if len(consonants) > 1 and consonants.endswith("h"):
            consonants = consonants[:-1]
    return (head + consonants + tail).lower()


def _phonetic_key(token: str, *, strict: bool) -> str:
    """Key from the spelling alone (no cluster table); cached per token."""
    return _phonetic_strict(token) if strict else _phonetic_default(token)


@short_text_cache(maxsize=262144)
def _phonetic_strict(token: str) -> str:
    return _phonetic_key_uncached(token, strict=True)


@short_text_cache(maxsize=262144)
def _phonetic_default(token: str) -> str:
    return _phonetic_key_uncached(token, strict=False)


def _phonetic_key_uncached(token: str, *, strict: bool) -> str:
    letters = _latin_letters(token)
    if not letters:
        return normalize_text(token) or ""
    return _latin_key(letters, strict=strict)
