"""Unit tests for api.web.places: gazetteer suggestions in both scripts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.places import district_names, upazila_names


@pytest.mark.parametrize(
    "name",
    ["Jashore", "যশোর", "Jessore", "Cumilla", "কুমিল্লা", "Comilla"],
    ids=["new-spelling", "bangla", "pre-2018", "cumilla", "cumilla-bn", "comilla-old"],
)
def test_district_suggestions_cover_both_scripts_and_old_spellings(name: str) -> None:
    assert name in district_names()


def test_district_suggestions_are_bounded_and_latin_first() -> None:
    names = district_names()
    assert 128 <= len(names) < 160  # 64 districts x 2 scripts + a few old spellings
    assert names[0].isascii()
    assert not names[-1].isascii()


@pytest.mark.parametrize(
    "district",
    ["Jashore", "jessore", "যশোর", "  JASHORE "],
    ids=["canonical", "old-spelling", "bangla", "case-and-space"],
)
def test_upazilas_by_any_spelling_of_the_district(district: str) -> None:
    found = upazila_names(district)
    assert "Manirampur" in found
    assert "মণিরামপুর" in found
    assert len(found) == 16  # 8 upazilas x 2 scripts in the gazetteer


@pytest.mark.parametrize(
    "district",
    [None, "", "Atlantis", "😀", "x" * 10_000],
    ids=["none", "empty", "unknown", "emoji", "huge"],
)
def test_unknown_district_gives_no_upazilas(district: str | None) -> None:
    assert upazila_names(district) == ()


@given(st.one_of(st.none(), st.text(max_size=300)))
def test_upazila_names_never_raises(district: str | None) -> None:
    assert isinstance(upazila_names(district), tuple)
