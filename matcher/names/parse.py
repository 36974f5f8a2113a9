"""Parsing a person name: honorific prefixes, the core, common surname-like tokens, alias words.

Spec: :func:`parse_name` -> :class:`ParsedName` - ``tokens`` (normalised), leading honorific
``prefixes`` in canonical form ("md", "mst", "sk", "syed", "kazi", "sri", "smt", "dr", "late"
...), ``core`` (tokens after the prefixes) and ``common`` (core tokens that are very common
surname-like tokens: Akter, Khatun, Begum, Islam, Hossain ...). A prefix is only recognised
in front of at least one other token, so "Mohammad" alone stays a given name. Prefixes and a
gendered last token (Akter, Khatun / Uddin) are weak evidence (``sex_hint``), never identity.
Empty or unparseable input gives an empty :class:`ParsedName`; never raises.
:func:`is_prefix` answers, for one token, the one question token-by-token keying asks of a parse.

Tables (``matcher/data/names/``): ``prefixes.csv`` (honorifics, both scripts, literal forms),
``common_tokens.csv`` (the common-token clusters: every listed spelling of a cluster,
Hossain/Hosen/Hussain/হোসেন, gets one key, used by :mod:`matcher.names.keys`) and
``alias_words.csv`` (the words that join a name to an alias: "Karim orfe Babu").
Each is read once, on first use.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache

from matcher.names.phonetic import _phonetic_key
from matcher.names.text import _read_data, normalize_text
from matcher.names.transliterate import short_text_cache
from matcher.records import Sex

__all__ = ["ParsedName", "is_prefix", "parse_name"]


@dataclass(frozen=True, slots=True)
class _Prefix:
    canonical: str
    sex: Sex | None


@cache
def _prefixes() -> dict[str, _Prefix]:
    """Normalised prefix spelling -> canonical prefix (both scripts, literal forms only).

    Literal, not key-based: the key of "Mohammad" equals that of the given name "Mahmud".
    """
    table: dict[str, _Prefix] = {}
    for row in csv.DictReader(io.StringIO(_read_data("prefixes.csv"))):
        form = normalize_text(row["form"])
        if form:
            sex = Sex(row["sex_hint"]) if row["sex_hint"] else None
            table[form] = _Prefix(row["canonical"], sex)
    return table


@dataclass(frozen=True, slots=True)
class _Clusters:
    """The common-token clusters of ``common_tokens.csv``.

    ``default`` / ``strict``: normalised spelling (either script) -> the cluster's key;
    ``sex_by_strict_key``: phonetic strict key of every listed spelling -> the sex hint of its
    cluster (None when clusters sharing that key disagree), so that an unlisted spelling of a
    common token (Akhtaar) is still recognised as common.
    """

    default: dict[str, str]
    strict: dict[str, str]
    sex_by_strict_key: dict[str, Sex | None]


@cache
def _clusters() -> _Clusters:
    """Read ``common_tokens.csv``: every spelling of a cluster gets one key.

    The key is the ``key`` column when given (used where two different names share a phonetic
    key: Hasan vs Hossain, Mahmud vs Mohammad), else the phonetic key of the canonical spelling.
    A ``key`` is the phonetic key with the class of the vowel that tells the names apart put
    back in the middle ("hsin" Hossain, "hsan" Hasan, "mhmud" Mahmud, "hwldr" Howlader): no
    phonetic key has a vowel there, so none can equal it, yet an unlisted spelling ("hsn") stays
    one edit away for graded similarity.
    """
    default: dict[str, str] = {}
    strict: dict[str, str] = {}
    sexes: dict[str, set[Sex | None]] = {}
    for row in csv.DictReader(io.StringIO(_read_data("common_tokens.csv"))):
        sex = Sex(row["sex_hint"]) if row["sex_hint"] else None
        fixed = (row.get("key") or "").strip()
        key_default = fixed or _phonetic_key(row["canonical"], strict=False)
        key_strict = fixed or _phonetic_key(row["canonical"], strict=True)
        forms = [row["canonical"], *row["latin_forms"].split("|"), *row["bangla_forms"].split("|")]
        for form in forms:
            norm = normalize_text(form)
            if not norm or " " in norm:
                continue
            for spelling in (norm, _squeeze(norm)):
                default.setdefault(spelling, key_default)
                strict.setdefault(spelling, key_strict)
            sexes.setdefault(_phonetic_key(norm, strict=True), set()).add(sex)
    sex_by_key = {k: (next(iter(v)) if len(v) == 1 else None) for k, v in sexes.items() if k}
    return _Clusters(default, strict, sex_by_key)


@cache
def common_token_keys() -> frozenset[str]:
    """The (default) keys of the common surname-like tokens of ``common_tokens.csv`` (Khatun,
    Begum, Akter, Islam, Hossain, Uddin …): a shared one says little about whether two names are
    the same person's, so name similarities can leave them out."""
    return frozenset(_clusters().default.values())


@short_text_cache(maxsize=131072)
def _common_sex(token: str) -> tuple[bool, Sex | None]:
    """Whether a normalised token is a common surname-like token, and the sex it hints at.

    Cached per token: parsing a name asks this of every core token, and tokens repeat far more
    than names do.
    """
    clusters = _clusters()
    key = _phonetic_key(token, strict=True)
    if token in clusters.strict or key in clusters.sex_by_strict_key:
        return True, clusters.sex_by_strict_key.get(key)
    return False, None


_DOUBLED = re.compile(r"(.)\1+")


def _squeeze(norm: str) -> str:
    """A spelling with every run of one letter written once (Haasan -> Hasan, Hossain -> Hosain).

    Cluster spellings are looked up squeezed, so doubling a letter, which changes nothing in
    how a name sounds, cannot take a spelling out of its cluster.
    """
    if _DOUBLED.search(norm) is None:  # most spellings: skip sub()'s template expansion
        return norm
    return _DOUBLED.sub(r"\1", norm)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name split into tokens, with its honorific prefixes and common tokens recognised.

    ``tokens`` are all normalised tokens in order; ``prefixes`` the canonical forms of the
    leading honorifics ("md", "mst" ...); ``core`` the tokens after them (the identity);
    ``common`` the core tokens that are very common surname-like tokens (weak evidence);
    ``sex_hint`` the sex a prefix suggests (Md -> male, Mst -> female) or, failing that, a
    gendered surname-like last token (Akter, Khatun, Begum -> female; Uddin, Mia -> male);
    None when neither says anything. A hint, never a fact: the record's own sex field wins.
    """

    tokens: tuple[str, ...] = field(default_factory=tuple)
    prefixes: tuple[str, ...] = field(default_factory=tuple)
    core: tuple[str, ...] = field(default_factory=tuple)
    common: tuple[str, ...] = field(default_factory=tuple)
    sex_hint: Sex | None = None


_EMPTY = ParsedName()


@short_text_cache(maxsize=131072)
def _parse_normalized(norm: str) -> ParsedName:
    tokens = tuple(norm.split())
    table = _prefixes()
    core = _core(tokens)
    leading = [table[t] for t in tokens[: len(tokens) - len(core)]]
    prefixes = [p.canonical for p in leading]
    sex = next((p.sex for p in leading if p.sex is not None), None)
    common = tuple(t for t in core if _common_sex(t)[0])
    if sex is None and len(core) > 1:  # "Rahima Akter": the last token hints, the first not
        sex = _common_sex(core[-1])[1]
    return ParsedName(tokens, tuple(prefixes), core, common, sex)


def _core(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens after the leading honorific prefixes (never dropping the last token)."""
    table = _prefixes()
    i = 0
    while i < len(tokens) - 1 and tokens[i] in table:
        i += 1
    return tokens[i:]


def is_prefix(token: str | None) -> bool:
    """Whether ``token`` (one word, either script) is an honorific prefix ("Md.", "মোছাঃ", "Mst").

    Exactly ``bool(parse_name(f"{token} x").prefixes)`` (the first word of ``token`` would be
    taken as a prefix in front of a name), without parsing: a cached clean-up and one table
    lookup, for callers that key names token by token.
    """
    if not token or not isinstance(token, str):
        return False
    norm = normalize_text(token)
    return norm is not None and norm.split(" ", 1)[0] in _prefixes()


def parse_name(text: str | None) -> ParsedName:
    """Split a free-text name (either script) into prefixes, core and common tokens."""
    norm = normalize_text(text)
    if norm is None:
        return _EMPTY
    return _parse_normalized(norm)


@cache
def _alias_words() -> frozenset[str]:
    """Words that join a name to an alias ("Karim orfe Babu", "করিম ওরফে বাবু"), as police
    records in Bangladesh write them: never part of a name, so they get no key.

    ``alias_words.csv`` holds them in normalised form (a test checks it), so a normalised token
    is compared with them as it is.
    """
    return frozenset(
        row["form"] for row in csv.DictReader(io.StringIO(_read_data("alias_words.csv")))
    )
