"""Variant-proof name keys: one key per core token, the same for every spelling of a name.

Spec: :func:`token_keys` / :func:`name_key` - one variant-proof key per core token (the tokens
after the honorific prefixes, see :mod:`matcher.names.parse`; alias words such as "orfe" get no
key). A token's key is its common-token cluster's key when the spelling is listed
(``common_tokens.csv``: Hossain/Hosen/Hussain/হোসেন), else its phonetic key
(:mod:`matcher.names.phonetic`), so "রহিমা" and "Rohima" share a key. ``name_key`` joins token
keys with single spaces in the original order; ``""`` when there is no core token (``[]`` from
``token_keys``). Common tokens stay in the key (the engine down-weights them by frequency);
clusters whose phonetic keys would meet get their own (Hasan != Hossain, Mahmud != Mohammad).

**Trade-off: the default key forgets the final vowel** (and keeps only the presence of an
initial vowel, not its class). Typists disagree most on the final inherent vowel
(Ankit/Ankito/Ankita, Subrata/Subrat, Pranto/Pranta) and on initial vowel quality
(Amir/Emir), and a key that keeps them misses about one pair of attested romanisations in
four; forgetting them merges a masculine and a feminine name (Rahim/Rahima, Habib/Habiba)
and a few short names (Salma/Salim), which costs far less (false collisions between random
distinct name tokens stay near 0.001, the target is 0.02): the record's sex and the graded
:func:`matcher.names.similarity.name_similarity` carry that distinction. ``strict=True`` keeps
the class (a, i, u) of the first and last vowel, so Rahim/Rahima keep different strict keys;
``name_similarity`` uses the strict key. ``loose=`` is the older name of the switch
(``loose=False`` = strict).

Speed: keys are cached per token and per full string (bounded ``lru_cache``; cached results are
tuples, :func:`token_keys` returns a fresh list).
"""

from __future__ import annotations

import re

from matcher.names.parse import _alias_words, _clusters, _core, _squeeze
from matcher.names.phonetic import _phonetic_key
from matcher.names.text import normalize_text
from matcher.names.transliterate import short_text_cache

__all__ = ["name_key", "token_key", "token_keys"]


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


def _keys_uncached(text: str, *, strict: bool) -> tuple[str, ...]:
    """Keys of the core tokens (alias words skipped); the core as
    :func:`~matcher.names.parse.parse_name` finds it, but without the common-token analysis a
    full parse does, which keys do not need."""
    norm = normalize_text(text)
    if norm is None:
        return ()
    core = _core(tuple(norm.split()))
    aliases = _alias_words()
    return tuple(k for k in (token_key(t, strict=strict) for t in core if t not in aliases) if k)


@short_text_cache(maxsize=262144)
def _strict_keys(text: str) -> tuple[str, ...]:
    return _keys_uncached(text, strict=True)


@short_text_cache(maxsize=262144)
def _default_keys(text: str) -> tuple[str, ...]:
    return _keys_uncached(text, strict=False)
