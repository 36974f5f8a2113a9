"""The Splink baseline's generic keys and its end-to-end contract (benchmarks/splink_baseline.py).

The keys are plain functions (no Splink needed); the end-to-end tests need the optional ``bench``
extra and are skipped without it.
"""

from __future__ import annotations

import csv
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.splink_baseline import _clean, prepare, skeleton, sound

TEXT = st.one_of(st.none(), st.text(max_size=60), st.just("x" * 10_000))
TOKENS = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=20)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("rasedul", "rsdl"),
        ("rasedol", "rsdl"),
        ("rashedul", "rsdl"),
        ("tusshar", "tsr"),
        ("aaa", "a"),
        (None, None),
        ("", None),
    ],
    ids=["vowel-u", "vowel-o", "aspirated", "doubled", "only-vowels", "none", "empty"],
)
def test_skeleton(token: str | None, expected: str | None) -> None:
    assert skeleton(token) == expected


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("phatema", "fatema", True),
        ("cndrani", "chondrani", True),
        ("bizayaa", "vizoya", True),
        ("rahim", "karim", False),
        ("fatema", "nusrat", False),
    ],
    ids=["ph-f", "dropped-vowel", "b-v", "different-first", "different-names"],
)
def test_sound_codes_agree_on_romanisation_variants(left: str, right: str, same: bool) -> None:
    assert (sound(left) == sound(right)) is same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Md. Rahim Uddin", "rahim uddin"),
        ("মোছাঃ রহিমা খাতুন", "rhima khatun"),
        ("আরিয়া", "ariya"),
        ("  ", None),
        (None, None),
        (42, None),
    ],
    ids=["latin-honorific", "bangla-honorific", "anyascii-apostrophe", "blank", "none", "not-text"],
)
def test_clean(text: object, expected: str | None) -> None:
    assert _clean(text) == expected


@given(TEXT)
def test_text_functions_never_raise(text: str | None) -> None:
    cleaned = _clean(text)
    assert cleaned is None or (cleaned and set(cleaned) <= set(string.ascii_lowercase + " "))
    for token in (cleaned or "").split():
        assert skeleton(token)
        assert sound(token)


@given(TOKENS)
def test_skeleton_is_idempotent(token: str) -> None:
    assert skeleton(skeleton(token)) == skeleton(token)


@given(TOKENS, TOKENS)
def test_same_skeleton_implies_same_sound(left: str, right: str) -> None:
    """Blocking on the sound code never loses a pair that blocking on the skeleton keeps."""
    assert sound(skeleton(left)) == sound(left)
    if skeleton(left) == skeleton(right):
        assert sound(left) == sound(right)


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_prepare_derives_keys_and_birth_year(tmp_path: Path) -> None:
    base = {"report_id": "", "name": "", "father_name": "", "mother_name": "", "sex": ""}
    base |= {"age": "", "report_date": "", "district": "", "upazila": "", "guardian_phone": ""}
    rows = [
        base
        | {
            "report_id": "R1",
            "name": "মোছাঃ রহিমা খাতুন",
            "father_name": "মোঃ আব্দুল করিম",
            "sex": "f",
            "age": "১০",
            "report_date": "২০২০-০৩-০১",
            "district": "যশোর",
            "upazila": "Jhikargachha",
            "guardian_phone": "+880 1712-345678",
        },
        base | {"report_id": "R2", "name": "Rohima", "age": "abc", "report_date": "soon"},
    ]
    df = prepare(
        _write(tmp_path / "r.csv", rows),
        id_col="report_id",
        date_col="report_date",
        district_col="district",
    )
    first, second = df.iloc[0], df.iloc[1]
    assert (first["given"], first["given_sk"], first["surname"]) == ("rhima", "rm", "khatun")
    assert first["father_given"] == "abdul"
    assert list(first["father_sk"]) == ["bdl", "krm"]
    assert (first["sex"], first["birth_year"], first["phone"]) == ("F", 2010, "1712345678")
    assert first["district_sk"] == "sr"  # anyascii "ysor": y is dropped like h and w
    assert first["upazila_sk"] == "jkrgc"
    assert df["upazila_sk"].isna().iloc[1]
    assert second["given_sk"] == skeleton("rohima")
    assert first["report_day"] == (date(2020, 3, 1) - date(1970, 1, 1)).days
    assert df["interception_day"].isna().all()
    assert df["birth_year"].isna().iloc[1]
    assert df["surname"].isna().iloc[1]
    assert df["phone"].isna().iloc[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-10", date(2021, 1, 10)),
        ("10/01/2021", date(2021, 1, 10)),
        ("১০/০১/২০২১", date(2021, 1, 10)),
        ("soon", None),
    ],
    ids=["iso-is-not-day-first", "day-first", "bangla-digits", "unparseable"],
)
def test_prepare_dates(tmp_path: Path, text: str, expected: date | None) -> None:
    row = {"interception_id": "I1", "name": "Rohima", "father_name": "", "mother_name": ""}
    row |= {"sex": "F", "age": "12", "interception_date": text, "home_district": ""}
    row |= {"guardian_phone": ""}
    df = prepare(
        _write(tmp_path / "i.csv", [row]),
        id_col="interception_id",
        date_col="interception_date",
        district_col="home_district",
    )
    day = df["interception_day"].iloc[0]
    if expected is None:
        assert df["interception_day"].isna().iloc[0]
    else:
        assert day == (expected - date(1970, 1, 1)).days
        assert df["birth_year"].iloc[0] == expected.year - 12
    assert df["report_day"].isna().all()


@pytest.mark.parametrize("tight", [False, True], ids=["full-rules", "tight-rules"])
def test_run_writes_valid_candidates(tmp_path: Path, tight: bool) -> None:
    pytest.importorskip("splink")
    from benchmarks.common import ACCURACY_SEED, test_split
    from benchmarks.splink_baseline import MATCH_PROBABILITY, REVIEW_PROBABILITY, run

    folder = test_split(2_000, 200, ACCURACY_SEED)
    out = tmp_path / "c.csv"
    run(folder / "reports.csv", folder / "interceptions.csv", out, top_k=3, tight=tight)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    by_interception: dict[str, list[int]] = {}
    for row in rows:
        score = float(row["score"])
        assert 0.0 <= score <= 1.0
        expected = (
            "match"
            if score >= MATCH_PROBABILITY
            else "review"
            if score >= REVIEW_PROBABILITY
            else "no_match"
        )
        assert row["band"] == expected
        by_interception.setdefault(row["interception_id"], []).append(int(row["rank"]))
    for ranks in by_interception.values():
        assert ranks == list(range(1, len(ranks) + 1))
        assert len(ranks) <= 3
