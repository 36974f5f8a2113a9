"""Bangla -> Latin transliteration: examples per rule, pass-through, and robustness properties."""

from __future__ import annotations

import importlib
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.names.transliterate import clean_bangla, has_bangla, transliterate

# The package re-exports a function of the same name, which hides the module from
# `from matcher.names import transliterate`.
transliterate_module = importlib.import_module("matcher.names.transliterate")

BANGLA = st.characters(min_codepoint=0x0980, max_codepoint=0x09FF)


@pytest.mark.parametrize(
    ("bangla", "latin"),
    [
        ("রহিম", "rahim"),
        ("কবির", "kabir"),
        ("কমল", "kamal"),
        ("রহমান", "rahman"),
        ("আকবর", "akbar"),
        ("ইসলাম", "islam"),
        ("ময়মনসিংহ", "maymansingh"),
        ("মোহাম্মদ", "mohammad"),
        ("চৌধুরী", "choudhuri"),
        ("বিশ্বাস", "bishwas"),
        ("আক্তার", "aktar"),
        ("খাতুন", "khatun"),
        ("প্রান্ত", "pranto"),
        ("আদিত্য", "adityo"),
        ("নারায়ণগঞ্জ", "narayanganj"),
        ("সংগ্রাম", "sangram"),
        ("মোঃ", "mo"),
        ("বড়ুয়া", "baruya"),
        ("ওয়াহাব", "wahab"),
        ("জয়", "jay"),
        ("শরৎ", "sharat"),
        ("চাঁদ", "chand"),
        ("ক", "ka"),
        ("১২৩", "123"),
        ("সামছুদ্দীন", "samsuddin"),
        ("ছবি", "chabi"),
        ("মিঞা", "miya"),
        ("নাদিযা", "nadiya"),
        ("অ্যালান", "alan"),
        ("আযহার", "ajhar"),
        ("সাফওয়ান", "safwan"),
        ("মনিরউদ্দীন", "maniruddin"),
        ("রাব্বানী", "rabbani"),
        ("বিজয়া", "bijaya"),
        ("স্নেহ", "sneho"),
        ("শাহ", "shah"),
        ("আছে", "ache"),
        ("সূর্য", "surjo"),
        ("প্রিয়", "priyo"),
        ("অভয", "abhay"),
        ("ফাইয়ায", "faiyaj"),
    ],
    ids=[
        "final-schwa-dropped",
        "vowel-sign-i",
        "medial-schwa-kept-before-final",
        "medial-schwa-deleted",
        "schwa-deleted-after-independent-vowel",
        "schwa-deleted-islam",
        "anusvara-ya-mymensingh",
        "gemination-conjunct",
        "au-sign-and-long-i",
        "ba-phala-w",
        "conjunct-kt",
        "aspirate-kh",
        "final-vowel-after-conjunct",
        "ya-phala-final",
        "bare-final-nj",
        "anusvara-before-g",
        "visarga-silent",
        "nukta-r",
        "initial-wa",
        "final-ya",
        "khanda-ta",
        "chandrabindu",
        "single-consonant-keeps-vowel",
        "bangla-digits",
        "word-internal-chha-is-s",
        "initial-chha-is-ch",
        "lone-nya-is-y",
        "ya-without-nukta",
        "a-ya-phala-is-a-vowel",
        "ya-after-a-is-z",
        "medial-wa-glide",
        "no-schwa-before-independent-vowel",
        "double-b",
        "schwa-kept-before-ya-glide",
        "final-ha-keeps-vowel",
        "final-ha-after-aa-is-bare",
        "verb-ending-chhe-stays-ch",
        "reph-ya-is-rj",
        "final-ya-after-i-keeps-vowel",
        "final-ya-without-nukta",
        "final-ya-after-aa-is-z",
    ],
)
def test_transliterate_examples(bangla: str, latin: str) -> None:
    assert transliterate(bangla) == latin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rahim", "rahim"),
        ("  Mst.   Rahima ", "mst. rahima"),
        ("মোছাঃ Rahima", "mosa rahima"),
        (None, None),
        ("", None),
        ("   ", None),
        ("😀🙂", None),
    ],
    ids=["latin", "latin-spaces", "mixed-script", "none", "empty", "blank", "emoji-only"],
)
def test_transliterate_pass_through_and_empty(text: str | None, expected: str | None) -> None:
    assert transliterate(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("\u09a1\u09bc", "\u09dc"),  # ড় decomposed vs composed
        ("\u09af\u09bc", "\u09df"),  # য়
        ("\u09a4\u09cd\u200d", "\u09ce"),  # ত্‍ -> ৎ
        ("ক\u200cখ", "কখ"),
    ],
    ids=["nukta-rra", "nukta-ya", "khanda-ta-zwj", "zwnj"],
)
def test_clean_bangla_unifies_forms(a: str, b: str) -> None:
    assert clean_bangla(a) == clean_bangla(b)
    assert transliterate(a) == transliterate(b)


@settings(deadline=None)  # first calls load data tables; timing is not the test
@given(st.text(alphabet=BANGLA, min_size=1, max_size=30))
def test_bangla_output_has_no_bangla_left(text: str) -> None:
    out = transliterate(text)
    assert out is None or not has_bangla(out)


@settings(deadline=None)  # first calls load data tables; timing is not the test
@given(st.text(max_size=200))
def test_never_raises_and_is_lower_case(text: str) -> None:
    out = transliterate(text)
    assert out is None or (out == out.strip() and "  " not in out and out == out.casefold())


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet=st.sampled_from("কখরহিমা ্ং😀a"), min_size=10_000, max_size=10_000))
def test_long_input(text: str) -> None:
    out = transliterate(text)
    assert out is None or isinstance(out, str)


# --------------------------------------------------------------------------- caches and fast paths


def _reference_clean(text: str) -> str:
    """clean_bangla without its ASCII shortcut."""
    text = unicodedata.normalize("NFC", text)
    if not has_bangla(text):
        return text
    return clean_bangla(text + "ক")[:-1]  # a Bangla letter forces the full path


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=100))
def test_clean_bangla_ascii_shortcut_changes_nothing(text: str) -> None:
    assert clean_bangla(text) == _reference_clean(text)


@settings(deadline=None)
@given(st.lists(st.text(alphabet=BANGLA, min_size=1, max_size=12), min_size=1, max_size=4))
def test_cached_words_equal_uncached_romanisation(words: list[str]) -> None:
    """Per-word caching: a word romanises the same alone, inside any name, and uncached."""
    uncached = transliterate_module._romanise_word.__wrapped__
    text = " ".join(words)
    romanised = re.sub(
        r"[\u0980-\u09ff]+", lambda m: uncached(m.group(0)), clean_bangla(text)
    ).casefold()
    expected: str | None = " ".join(romanised.split())
    if not any(ch.isalnum() for ch in expected or ""):
        expected = None
    for _ in range(2):  # the second call is served from the caches
        assert transliterate(text) == expected
