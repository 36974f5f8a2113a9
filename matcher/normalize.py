# TEMPORARY re-export shim (issue 10): the lead removes it after merging; import from matcher.names / matcher.places.  # noqa: E501
"""Old path of :mod:`matcher.names` (clean-up, parsing, keys, similarity); re-exports only."""

from matcher.names.keys import name_key, token_key, token_keys
from matcher.names.parse import ParsedName, _squeeze, is_prefix, parse_name
from matcher.names.phonetic import _key_rules, _needles, _rewritten
from matcher.names.similarity import name_similarity
from matcher.names.text import (
    _CHAR_MAP,
    _CHAR_MAP_LIMIT,
    _normalize_ascii,
    _normalize_full,
    normalize_text,
)

__all__ = [
    "_CHAR_MAP",
    "_CHAR_MAP_LIMIT",
    "ParsedName",
    "_key_rules",
    "_needles",
    "_normalize_ascii",
    "_normalize_full",
    "_rewritten",
    "_squeeze",
    "is_prefix",
    "name_key",
    "name_similarity",
    "normalize_text",
    "parse_name",
    "token_key",
    "token_keys",
]
