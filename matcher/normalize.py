"""Bengali person names: Unicode clean-up, parsing, variant-proof keys and graded similarity.

Spec (the contract other modules rely on; every function accepts either script and never raises):

1. :func:`normalize_text` ``str | None -> str | None`` - NFC; Bangla digits -> ASCII; one form
   for the nukta letters ড় ঢ় য়; ZWJ/ZWNJ removed; a stray hasanta at the end of a word removed;
   apostrophes removed, every other character that is not a letter, mark or digit (punctuation,
   dots of abbreviations, emoji, symbols) becomes a space; spaces collapsed; case-folded; a
   visarga-abbreviated honorific glued to the next word is split off (মোঃরহিম -> মোঃ রহিম).
   Idempotent. ``None`` when nothing is left (None, empty, whitespace, emoji only).
2. :func:`parse_name` -> :class:`ParsedName` - ``tokens`` (normalised), leading honorific
   ``prefixes`` in canonical form ("md", "mst", "sk", "syed", "kazi", "sri", "smt", "dr", "late"
   ...), ``core`` (tokens after the prefixes) and ``common`` (core tokens that are very common
   surname-like tokens: Akter, Khatun, Begum, Islam, Hossain ...). A prefix is only recognised
   in front of at least one other token, so "Mohammad" alone stays a given name. Prefixes and a
   gendered last token (Akter, Khatun / Uddin) are weak evidence (``sex_hint``), never identity.
3. :func:`token_keys` / :func:`name_key` - one variant-proof key per core token. Bangla tokens
   are transliterated first (:mod:`matcher.transliterate`), so "রহিমা" and "Rohima" share a key.
   The key folds what romanisers of one Bangla sound disagree on (aspirates kh/k, sh/s, z/j, v/b,
   q/k, c/ch/k, ks/ksh, w/y glides, doubled letters, silent h) and drops medial vowels, where
   romanisations differ most (Rahman/Rohoman, Akter/Aktar). Rules live in
   ``matcher/data/names/key_rules.json``. ``name_key`` joins token keys with single spaces in
   the original order; ``""`` when there is no core token. Common tokens stay in the key (the
   engine down-weights them by frequency); every listed spelling of a common-token cluster
   (``common_tokens.csv``: Hossain/Hosen/Hussain/হোসেন) gets its cluster's key, and clusters
   whose phonetic keys would meet get their own (Hasan != Hossain, Mahmud != Mohammad).
   Keys are short lower-case a-z strings, readable by a person ("rhm" for Rahima); a token
   with no Latin letters even after transliteration (digits, another script) keys to itself.

   **Trade-off: the default key forgets the final vowel** (and keeps only the presence of an
   initial vowel, not its class). Typists disagree most on the final inherent vowel
   (Ankit/Ankito/Ankita, Subrata/Subrat, Pranto/Pranta) and on initial vowel quality
   (Amir/Emir), and a key that keeps them misses about one pair of attested romanisations in
   four; forgetting them merges a masculine and a feminine name (Rahim/Rahima, Habib/Habiba)
   and a few short names (Salma/Salim), which costs far less (false collisions between random
   distinct name tokens stay near 0.001, the target is 0.02): the record's sex and the graded
   :func:`name_similarity` carry that distinction. ``strict=True`` keeps the class (a, i, u)
   of the first and last vowel, so Rahim/Rahima keep different strict keys; ``name_similarity``
   uses the strict key. ``loose=`` is the older name of the switch (``loose=False`` = strict).
4. :func:`name_similarity` ``(a, b) -> float`` in 0-1, symmetric, 0.0 when either side has no
   core token. Tokens are compared on strict keys and aligned one-to-one (best of two greedy
   passes, so the score does not depend on argument order); a token scores 1.0 on equal keys,
   otherwise at most 0.9 from normalised Levenshtein similarity on keys and on romanised
   spellings; an initial ("A.") scores 0.7 against a token with that first letter. Common
   tokens weigh half, and the score averages a Dice-like and an overlap-like normalisation, so
   a missing surname costs a little and a different given name costs a lot. Per-string work
   is cached.

Speed (indexing a million reports keys every distinct name token once): every per-string
result is cached in a bounded ``lru_cache`` (strings up to 256 characters, see
:func:`matcher.transliterate.short_text_cache`) and cached results are immutable (tuples,
frozen dataclasses; :func:`token_keys` returns a fresh list). ASCII text skips the Unicode
machinery, rewrite rules whose letters are absent are not run, and :func:`is_prefix` answers
the one question token-by-token keying asks of a parse. Each shortcut has a test that it agrees
with the plain computation.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from rapidfuzz.distance import JaroWinkler, Levenshtein

from matcher.records import Sex
from matcher.transliterate import clean_bangla, has_bangla, short_text_cache, transliterate

__all__ = [
    "ParsedName",
    "is_prefix",
    "name_key",
    "name_similarity",
    "normalize_text",
    "parse_name",
    "token_key",
    "token_keys",
]

_APOSTROPHES = frozenset("'’ʼ`´")
_TRAILING_HASANTA = re.compile(r"\u09cd+(?=\s|$)")
# A name has a handful of tokens; beyond this many, extra tokens are ignored when comparing so a
# 10 kB string cannot make the alignment slow.
_MAX_TOKENS = 8


# --------------------------------------------------------------------------- normalisation


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
    """Clean free text for comparison (see the module spec, item 1); idempotent.

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


# --------------------------------------------------------------------------- data tables


def _read_data(name: str) -> str:
    return resources.files("matcher").joinpath(f"data/names/{name}").read_text("utf-8")


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


# --------------------------------------------------------------------------- keys


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
    """Key of an a-z token: folded consonant skeleton plus vowel classes (see :func:`token_key`).

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


def token_key(token: str, *, strict: bool = False, loose: bool | None = None) -> str:
    """Variant-proof key of one token (either script); ``""`` for an empty token.

    A token with no Latin letters even after transliteration (another script, digits) is its
    own key, so it can still match itself. A spelling of a common-token cluster
    (``common_tokens.csv``: Hossain/Hosen/Hussain/হোসেন ...) keys to its cluster's key.

    The default key forgets the final vowel, which romanisers of the inherent vowel disagree
    on (Ankit/Ankito/Ankita, Subrata/Subrat), and so also merges Rahim/Rahima (see the module
    docstring for the trade-off). ``strict=True`` keeps the final vowel's class: for graded
    comparison and anyone who must tell Rahim from Rahima by the key alone.
    ``loose`` is the older spelling of the same switch (``loose=True`` is the default key,
    ``loose=False`` the strict one); when given it wins over ``strict``.
    """
    if not token or not isinstance(token, str):
        return ""
    if loose is not None:
        strict = not loose
    return _strict_key(token) if strict else _default_key(token)


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


_DOUBLED = re.compile(r"(.)\1+")


def _squeeze(norm: str) -> str:
    """A spelling with every run of one letter written once (Haasan -> Hasan, Hossain -> Hosain).

    Cluster spellings are looked up squeezed, so doubling a letter, which changes nothing in
    how a name sounds, cannot take a spelling out of its cluster.
    """
    if _DOUBLED.search(norm) is None:  # most spellings: skip sub()'s template expansion
        return norm
    return _DOUBLED.sub(r"\1", norm)


#: A final Latin vowel or Bangla vowel sign: what the default key forgets (Mahmuda -> Mahmud).
_FINAL_VOWEL = re.compile("[aeiouy\u09be-\u09cc]$")


def _token_key(token: str, *, strict: bool) -> str:
    """Cluster key of a listed spelling, else the phonetic key.

    The default key also looks the spelling up without its final vowel, as it forgets that
    vowel everywhere else: Mahmuda gets Mahmud's cluster key, not the phonetic key it would
    share with Mohammad.
    """
    clusters = _clusters()
    norm = normalize_text(token)
    table = clusters.strict if strict else clusters.default
    if norm is not None:
        found = table.get(norm) or table.get(_squeeze(norm))
        if not found and not strict and len(norm) > 3:
            found = table.get(_FINAL_VOWEL.sub("", _squeeze(norm)))
        if found:
            return found
    return _phonetic_key(token, strict=strict)


@short_text_cache(maxsize=262144)
def _strict_key(token: str) -> str:
    return _token_key(token, strict=True)


@short_text_cache(maxsize=262144)
def _default_key(token: str) -> str:
    return _token_key(token, strict=False)


# --------------------------------------------------------------------------- parsing


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


def token_keys(text: str | None, *, strict: bool = False, loose: bool | None = None) -> list[str]:
    """One variant-proof key per core (non-prefix) token, in order; ``[]`` if none.

    ``strict`` / ``loose``: see :func:`token_key`. Cached per full string (as a tuple; every
    call gets a new list, so a caller may change it freely).
    """
    return list(_keys_of(text, strict=strict, loose=loose))


def name_key(text: str | None, *, strict: bool = False, loose: bool | None = None) -> str:
    """Keys of the core tokens joined by single spaces; ``""`` if there is no core token."""
    return " ".join(_keys_of(text, strict=strict, loose=loose))


def _keys_of(text: str | None, *, strict: bool, loose: bool | None) -> tuple[str, ...]:
    if not text or not isinstance(text, str):
        return ()
    if loose is not None:
        strict = not loose
    return _strict_keys(text) if strict else _default_keys(text)


#: Words that join a name to an alias ("Karim orfe Babu", "করিম ওরফে বাবু"), as police records
#: in Bangladesh write them: never part of a name, so they get no key (normalised forms).
ALIAS_WORDS = frozenset({"orfe", "urfe", "orofe", "ourfe", "alias", "ওরফে", "উরফে"})


def _keys_uncached(text: str, *, strict: bool) -> tuple[str, ...]:
    """Keys of the core tokens (alias words skipped); the core as :func:`parse_name` finds it,
    but without the common-token analysis a full parse does, which keys do not need."""
    norm = normalize_text(text)
    if norm is None:
        return ()
    core = _core(tuple(norm.split()))
    return tuple(
        k for k in (token_key(t, strict=strict) for t in core if t not in ALIAS_WORDS) if k
    )


@short_text_cache(maxsize=262144)
def _strict_keys(text: str) -> tuple[str, ...]:
    return _keys_uncached(text, strict=True)


@short_text_cache(maxsize=262144)
def _default_keys(text: str) -> tuple[str, ...]:
    return _keys_uncached(text, strict=False)


# --------------------------------------------------------------------------- similarity


@dataclass(frozen=True, slots=True)
class _Prepared:
    keys: tuple[str, ...]
    latin: tuple[str, ...]
    weights: tuple[float, ...]
    joined: str


_COMMON_WEIGHT = 0.5


@short_text_cache(maxsize=131072)
def _prepare_normalized(norm: str) -> _Prepared | None:
    parsed = _parse_normalized(norm)
    core = parsed.core[:_MAX_TOKENS]
    if not core:
        return None
    common = set(parsed.common)
    keys = tuple(token_key(t, strict=True) for t in core)
    latin = tuple(_latin_letters(t) or t for t in core)
    weights = tuple(_COMMON_WEIGHT if t in common else 1.0 for t in core)
    return _Prepared(keys, latin, weights, "".join(latin))


#: Similarity of two tokens whose keys differ never exceeds this: equal keys are the only way to
#: "the same name"; everything below is graded spelling distance.
_DIFFERENT_KEY_CAP = 0.9
#: An initial ("A." of "A. Rahim") against a token starting with that letter.
_INITIAL_SIM = 0.7


def _token_similarity(ka: str, la: str, kb: str, lb: str) -> float:
    """Similarity of two tokens given their keys ``k`` and romanised spellings ``l``; 0-1.

    Equal keys score 1.0. Otherwise the mean of normalised Levenshtein similarity on the keys
    (the sounds) and on the spellings (the letters), scaled by :data:`_DIFFERENT_KEY_CAP`.
    Levenshtein rather than Jaro-Winkler: on 4-6 letter names Jaro-Winkler rates Rina/Mina or
    Rahim/Rahima above 0.9, which says "same" too loudly.
    """
    if ka == kb:
        return 1.0
    if len(la) == 1 or len(lb) == 1:
        return _INITIAL_SIM if la[:1] == lb[:1] else 0.0
    key_sim = float(Levenshtein.normalized_similarity(ka, kb))
    spelling_sim = float(Levenshtein.normalized_similarity(la, lb))
    return _DIFFERENT_KEY_CAP * (0.5 * key_sim + 0.5 * spelling_sim)


def _greedy_total(a: _Prepared, b: _Prepared) -> float:
    """Best of two greedy one-to-one token alignments (ties broken by a's then by b's order).

    Taking the better of the two tie-break orders makes the total independent of which name
    is ``a``, hence a symmetric similarity; without tied similarities both orders agree and
    one pass is enough.
    """
    cells = [
        (-_token_similarity(a.keys[i], a.latin[i], b.keys[j], b.latin[j]), i, j)
        for i in range(len(a.keys))
        for j in range(len(b.keys))
    ]
    orders = [sorted(cells)]
    if len({c[0] for c in cells}) < len(cells):
        orders.append(sorted(cells, key=lambda c: (c[0], c[2], c[1])))
    best = 0.0
    for order in orders:
        used_a: set[int] = set()
        used_b: set[int] = set()
        total = 0.0
        for neg_sim, i, j in order:
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            total -= neg_sim * (a.weights[i] + b.weights[j]) / 2.0
        best = max(best, total)
    return best


@short_text_cache(maxsize=131072)
def _prepare(text: str) -> _Prepared | None:
    norm = normalize_text(text)
    return None if norm is None else _prepare_normalized(norm)


def name_similarity(a: str | None, b: str | None) -> float:
    """Graded, symmetric, cross-script similarity of two names in 0-1 (see module spec, item 4).

    0.0 when either side has no core token; 1.0 for the same name in any romanisation or
    script ("মোছাঃ রহিমা খাতুন" vs "Rohima Khatoon").
    """
    if not a or not b or not isinstance(a, str) or not isinstance(b, str):
        return 0.0
    pa, pb = _prepare(a), _prepare(b)
    if pa is None or pb is None:
        return 0.0
    if pa.keys == pb.keys:  # same keys imply same weights: the same name
        return 1.0
    matched = _greedy_total(pa, pb)
    wa, wb = sum(pa.weights), sum(pb.weights)
    dice = 2.0 * matched / (wa + wb)
    overlap = matched / min(wa, wb)
    score = 0.5 * (dice + min(1.0, overlap))
    if len(pa.keys) != len(pb.keys):  # "Abdur Rahman" vs "Abdurrahman"
        joined = float(JaroWinkler.normalized_similarity(pa.joined, pb.joined))
        score = max(score, 0.95 * joined if joined >= 0.9 else 0.0)
    return max(0.0, min(1.0, score))
