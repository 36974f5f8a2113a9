# TEMPORARY re-export shim (issue 10): the lead removes it after merging; import from matcher.names / matcher.places.  # noqa: E501
"""Old path of :mod:`matcher.names.transliterate`; re-exports only."""

from matcher.names.transliterate import (
    _romanise_word,
    clean_bangla,
    has_bangla,
    short_text_cache,
    transliterate,
)

__all__ = ["_romanise_word", "clean_bangla", "has_bangla", "short_text_cache", "transliterate"]
