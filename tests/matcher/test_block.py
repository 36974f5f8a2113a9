"""Blocking: keys, postings, the deletion neighbourhood, caps, and recall on generated data."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.block import (
    CAP_SHARE,
    BlockIndex,
    deletes,
    key_hash,
    query_keys,
    report_key_hashes,
    report_key_list,
    report_keys,
)
from matcher.blocking_analysis import blocking_stats
from matcher.index import MatchIndex
from matcher.model import MatchModel
from matcher.places import resolve_place
from matcher.prepare import Prepared
from matcher.records import Sex
from training_data.generate import Split, generate


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", set()), ("a", {""}), ("ab", {"a", "b"}), ("aab", {"ab", "aa"})],
    ids=["empty", "one", "two", "repeat"],
)
def test_deletes(token: str, expected: set[str]) -> None:
    assert deletes(token) == expected


def test_report_keys_cover_name_pairs_father_mother_phone_and_band() -> None:
    place = resolve_place("Jashore")
    p = Prepared(
        name=("rhma", "ktn"),
        father=("abdl", "krm"),
        mother=("slma",),
        sex=Sex.FEMALE,
        age=10.0,
        day=date(2022, 5, 1),
        place=place,
        phone="1712345678",
    )
    keys = set(report_keys(p))
    expected = {
        ("n", "rhma"),
        ("n", "ktn"),
        ("nn", "ktn", "rhma"),
        ("f", "abdl"),
        ("f", "krm"),
        ("ff", "abdl", "krm"),
        ("nf", "rhma", "abdl"),
        ("nf", "rhma", "krm"),
        ("m", "slma"),
        ("p", "1712345678"),
    }
    assert expected <= keys
    bands = [k for k in keys if k[0] == "g"]
    assert len(bands) == (1 if place is not None else 0)


def test_query_looks_up_neighbouring_birth_bands_and_unknown_sex() -> None:
    place = resolve_place("Jashore")
    if place is None:
        pytest.skip("gazetteer cannot resolve the place yet")
    p = Prepared(age=10.0, day=date(2022, 5, 1), place=place)
    bands = [k for k in query_keys(p) if k[0] == "g"]
    assert len(bands) == 9  # 3 sexes (M, F, unknown) x 3 bands


_TOKENS = st.sampled_from(["rhma", "ktn", "abdl", "krm", "slma", "a", "akter"])
_PLACES = st.sampled_from([None, resolve_place("Jashore"), resolve_place("Dhaka")])


@settings(max_examples=200, deadline=None)
@given(
    name=st.lists(_TOKENS, max_size=5).map(tuple),
    father=st.lists(_TOKENS, max_size=5).map(tuple),
    mother=st.lists(_TOKENS, max_size=2).map(tuple),
    sex=st.sampled_from([None, Sex.MALE, Sex.FEMALE]),
    age=st.one_of(st.none(), st.floats(0, 20)),
    day=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2030, 1, 1))),
    place=_PLACES,
    phone=st.one_of(st.none(), st.just("1712345678")),
)
def test_fast_key_hashes_are_the_hashes_of_the_reference_keys(
    name: tuple[str, ...],
    father: tuple[str, ...],
    mother: tuple[str, ...],
    sex: Sex | None,
    age: float | None,
    day: date | None,
    place: object,
    phone: str | None,
) -> None:
    p = Prepared(name, father, mother, sex, age, day, place, phone)  # type: ignore[arg-type]
    assert report_key_hashes(p) == {key_hash(k) for k in report_key_list(p)}


def test_empty_record_has_no_keys() -> None:
    assert list(report_keys(Prepared())) == []


def test_postings_grow_from_singleton_and_score_by_idf() -> None:
    b = BlockIndex()
    b.add(0, [("n", "rare"), ("n", "common")])
    for row in range(1, 5):
        b.add(row, [("n", "common")])
    assert b.size(("n", "rare")) == 1
    assert b.size(("n", "common")) == 5
    rows, scores = b.retrieve([(("n", "rare"), 1.0), (("n", "common"), 1.0)], n_total=5)
    assert rows.tolist() == [0, 1, 2, 3, 4]
    assert scores[0] == pytest.approx(scores[1:].max() + np.log2(6 / 2))


def test_keys_above_cap_are_used_only_when_selective_keys_find_too_little() -> None:
    b = BlockIndex(cap=3)
    for row in range(10):
        b.add(row, [("n", "akter")])
    b.add(10, [("n", "akter"), ("n", "mandakranta")])
    rows, _ = b.retrieve([(("n", "akter"), 1.0)], n_total=11, min_rows=1)
    assert rows.size == 11  # nothing selective: the common key is used
    rows, _ = b.retrieve(
        [(("n", "akter"), 1.0), (("n", "mandakranta"), 1.0)], n_total=11, min_rows=1
    )
    assert rows.tolist() == [10]


def test_the_cap_grows_with_the_archive_as_a_share_of_it() -> None:
    """A key shared by 1 in 100 reports is selective at any size: above ``cap`` rows only when
    the archive is large, and then it must still be used (1 in CAP_SHARE is the line)."""
    b = BlockIndex(cap=3)
    for row in range(10):
        b.add(row, [("n", "rahima")])
    b.add(10, [("n", "rahima"), ("n", "mandakranta")])
    keys = [(("n", "rahima"), 1.0), (("n", "mandakranta"), 1.0)]
    rows, _ = b.retrieve(keys, n_total=11, min_rows=1)
    assert rows.tolist() == [10]  # 11 of 11 reports: too common
    rows, _ = b.retrieve(keys, n_total=11 * CAP_SHARE, min_rows=1)
    assert rows.size == 11  # 11 of 550: 1 in CAP_SHARE, selective enough


_KEYS = [("n", t) for t in ("akter", "rahima", "karim", "mandakranta", "islam")]


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.lists(st.sampled_from(_KEYS), max_size=4), min_size=1, max_size=6),
        min_size=1,
        max_size=6,
    ),
    bulk=st.sampled_from([1, 3, 1000]),
    merge_every=st.sampled_from([2, 5, 1000]),
)
def test_postings_tiers_agree_with_a_plain_dict(
    batches: list[list[list[tuple[str, str]]]], bulk: int, merge_every: int
) -> None:
    """Staged, recent and frozen postings together hold exactly what a plain dict would."""
    b = BlockIndex()
    b.BULK, b.MERGE_EVERY = bulk, merge_every
    plain: dict[tuple[str, str], list[int]] = {}
    row = 0
    for batch in batches:
        for keys in batch:
            b.add(row, keys)
            for k in dict.fromkeys(keys):
                plain.setdefault(k, []).append(row)
            row += 1
        b.flush()
        for k in _KEYS:
            assert b.size(k) == len(plain.get(k, []))
            rows, _ = b.retrieve([(k, 1.0)], n_total=row, min_rows=0)
            assert rows.tolist() == sorted(plain.get(k, []))


@settings(max_examples=40, deadline=None)
@given(
    first=st.lists(st.lists(st.sampled_from(_KEYS), max_size=4), max_size=8),
    second=st.lists(st.lists(st.sampled_from(_KEYS), max_size=4), max_size=8),
    bulk=st.sampled_from([1, 1000]),
)
def test_postings_moved_to_another_index_hold_the_same_rows(
    first: list[list[tuple[str, str]]], second: list[list[tuple[str, str]]], bulk: int
) -> None:
    """``postings`` of an index over later rows, renumbered and added to another index, give
    what adding every row to one index gives (the parallel build relies on it)."""
    one, head, tail = BlockIndex(), BlockIndex(), BlockIndex()
    for b in (one, head, tail):
        b.BULK = bulk
    for row, keys in enumerate(first):
        one.add(row, keys)
        head.add(row, keys)
    for row, keys in enumerate(second):
        one.add(len(first) + row, keys)
        tail.add(row, keys)
    hashes, rows = tail.postings()
    head.flush()
    head.add_postings(hashes, rows + len(first))
    head.flush()
    for k in _KEYS:
        assert head.size(k) == one.size(k)
        assert (head._rows(k) is None and one._rows(k) is None) or (
            head._rows(k).tolist() == one._rows(k).tolist()  # type: ignore[union-attr]
        )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(st.sampled_from(_KEYS), max_size=4), min_size=1, max_size=30),
    query=st.lists(st.tuples(st.sampled_from(_KEYS), st.floats(0.1, 2.0)), max_size=6),
)
def test_retrieve_sums_idf_weights_per_row_like_a_plain_loop(
    rows: list[list[tuple[str, str]]], query: list[tuple[tuple[str, str], float]]
) -> None:
    """Reference: per row, add ``factor * bits`` of every chosen key it is filed under, in key
    order (so the float sums must be bit-identical)."""
    b = BlockIndex()
    for row, keys in enumerate(rows):
        b.add(row, keys)
    got_rows, got_scores = b.retrieve(query, n_total=len(rows), min_rows=0)
    expected: dict[int, float] = {}
    for key, factor in query:
        filed = [r for r, keys in enumerate(rows) if key in keys]
        if 0 < len(filed) <= max(b.cap, len(rows) // CAP_SHARE):
            bits = max(factor * math.log2((len(rows) + 1) / (len(filed) + 1)), 0.05)
            for r in filed:
                expected[r] = expected.get(r, 0.0) + bits
    assert got_rows.tolist() == sorted(expected)
    assert got_scores.tolist() == [expected[r] for r in sorted(expected)]


def test_add_postings_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="length"):
        BlockIndex().add_postings(np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int32))


def test_report_key_list_is_report_keys() -> None:
    p = Prepared(
        name=("rahima", "khatun", "akter"),
        father=("abdul", "karim", "abdul"),
        mother=("jahanara",),
        phone="1712345678",
    )
    assert report_key_list(p) == list(report_keys(p))
    assert ("nn", "khatun", "rahima") in report_key_list(p)
    assert ("ff", "abdul", "karim") in report_key_list(p)


@pytest.mark.parametrize(
    ("query", "found"),
    [("rahima", True), ("rahma", True), ("rahimaa", True), ("rohima", True), ("karim", False)],
    ids=["same", "deletion", "insertion", "substitution", "far"],
)
def test_one_edit_neighbours(query: str, found: bool) -> None:
    b = BlockIndex()
    b.add_vocab_token(7, "rahima")
    assert (7 in b.neighbours(query)) is found


@pytest.fixture(scope="module")
def generated() -> tuple[MatchIndex, list, dict]:
    data = generate(n_reports=1500, n_interceptions=300, seed=4, split=Split.TEST)
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(data.reports)
    truth = {
        t.interception_id: {t.report_id, *t.duplicate_report_ids} for t in data.truth if t.report_id
    }
    return index, data.interceptions, truth


def test_blocking_recall_on_generated_data(generated: tuple[MatchIndex, list, dict]) -> None:
    index, interceptions, truth = generated
    stats = blocking_stats(index, interceptions, truth)
    assert stats.queries == len(interceptions)
    assert stats.true_pairs > 100
    assert stats.pair_completeness >= 0.95
    assert stats.retrieved_completeness >= stats.pair_completeness
    assert stats.mean_kept <= index.keep
    assert stats.mean_kept < len(index) / 3  # blocking actually reduces the comparisons
