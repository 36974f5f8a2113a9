"""Bengali person names: Unicode clean-up, transliteration, parsing, variant-proof keys, similarity.

Spec (the contract other modules rely on; every function accepts Bangla script, Latin script or
a mix of both, and never raises):

Pipeline, each step a module that uses only the ones before it:

1. :mod:`~matcher.names.text` - :func:`normalize_text` ``str | None -> str | None``: NFC, Bangla
   digits -> ASCII, one form for the nukta letters, ZWJ/ZWNJ and a stray final hasanta removed,
   apostrophes removed, other punctuation and symbols -> spaces, spaces collapsed, case-folded,
   a glued visarga honorific split off (মোঃরহিম -> মোঃ রহিম). Idempotent.
2. :mod:`~matcher.names.transliterate` - :func:`transliterate` ``str | None -> str | None``:
   Bangla script -> Latin the way Bangladeshi names are romanised; Latin (and any other script)
   passes through case-folded.
3. :mod:`~matcher.names.phonetic` - the phonetic key of one token from its spelling (rules in
   ``matcher/data/names/key_rules.json``), on the transliterated letters.
4. :mod:`~matcher.names.parse` - :func:`parse_name` -> :class:`ParsedName`: tokens, leading
   honorific ``prefixes`` (canonical "md", "mst" ...; only in front of another token), ``core``,
   ``common`` surname-like tokens and a weak ``sex_hint``; :func:`is_prefix` for one token.
5. :mod:`~matcher.names.keys` - :func:`token_key`, :func:`token_keys`, :func:`name_key`: one
   variant-proof key per core token (common-token clusters first, else the phonetic key), so
   "মোছাঃ রহিমা খাতুন" and "Rohima Khatoon" get the same keys. The default key forgets the
   final vowel (Rahim = Rahima); ``strict=True`` keeps its class.
6. :mod:`~matcher.names.similarity` - :func:`name_similarity` ``(a, b) -> float``: graded,
   symmetric, 0-1 (higher is more alike), on strict keys and romanised spellings.

None policy: ``None``, empty, whitespace-only, emoji-only or otherwise letterless input gives
``None`` from :func:`normalize_text` and :func:`transliterate`, an empty :class:`ParsedName`
from :func:`parse_name`, ``[]`` from :func:`token_keys`, ``""`` from :func:`name_key` and
:func:`token_key`, ``False`` from :func:`is_prefix` and ``0.0`` from :func:`name_similarity`.

Scripts: Bangla and Latin are supported (accented Latin letters lose their accents in keys). A
token in any other script, or of digits only, has no Latin letters even after transliteration
and keys to its normalised self, so it can still match itself.

Reference data lives in ``matcher/data/names/`` (see its PROVENANCE.md) and is read lazily, on
first use; nothing is read at import.

Speed (indexing a million reports keys every distinct name token once): every per-string
result is cached in a bounded ``lru_cache`` (strings up to 256 characters, see
:func:`matcher.names.transliterate.short_text_cache`) and cached results are immutable (tuples,
frozen dataclasses; :func:`token_keys` returns a fresh list). ASCII text skips the Unicode
machinery, rewrite rules whose letters are absent are not run, and :func:`is_prefix` answers
the one question token-by-token keying asks of a parse. Each shortcut has a test that it agrees
with the plain computation.
"""

from matcher.names.keys import name_key, token_key, token_keys
from matcher.names.parse import ParsedName, common_token_keys, is_prefix, parse_name
from matcher.names.similarity import name_similarity
from matcher.names.text import normalize_text
from matcher.names.transliterate import clean_bangla, has_bangla, transliterate

__all__ = [
    "ParsedName",
    "clean_bangla",
    "common_token_keys",
    "has_bangla",
    "is_prefix",
    "name_key",
    "name_similarity",
    "normalize_text",
    "parse_name",
    "token_key",
    "token_keys",
    "transliterate",
]
