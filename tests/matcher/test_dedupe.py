"""matcher.dedupe: records of one child within one file, grouped; synthetic records only.

Tables for the engine's reading of a pair (duplicate / sibling / stranger, reports and
interceptions), the grouping rule (threshold, coherence against chaining, size cap), and
properties: the grouping is deterministic, independent of the input order, and every record is
in exactly one group.
"""

from __future__ import annotations

import csv
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.dedupe import (
    DEFAULT_KEEP,
    FLAG_THRESHOLD,
    GROUP_COLUMNS,
    Deduper,
    DuplicateFlag,
    DuplicatePair,
    Membership,
    as_report,
    case_partner,
    dedupe,
    group_pairs,
    likely_duplicates,
    write_groups,
)
from matcher.index import MatchIndex
from matcher.records import Band, Interception, Report, Sex
from matcher.reverse import InterceptionIndex

RAHIMA = Report(
    "R-1",
    name="Rohima Khatoon",
    father_name="Abdul Karim",
    mother_name="Salma Begum",
    sex=Sex.FEMALE,
    age=12,
    report_date=date(2024, 3, 1),
    district="Jessore",
    upazila="Jhikargacha",
    police_station="Jhikargacha",
    guardian_phone="01711223344",
)
# the same child reported again, in Bangla script, at another station three weeks later
RAHIMA_AGAIN = Report(
    "R-2",
    name="মোছাঃ রহিমা খাতুন",
    father_name="মোঃ আব্দুল করিম",
    mother_name="সালমা বেগম",
    sex=Sex.FEMALE,
    age=12,
    report_date=date(2024, 3, 22),
    district="যশোর",
    upazila=None,
    police_station="Kotwali",
    guardian_phone="+8801711223344",
)
# her brother, reported by the same family on the same day
BROTHER = replace(RAHIMA, report_id="R-3", name="Jamal Hossain", sex=Sex.MALE, age=10)
# her sister: same parents, phone, place, day; another given name
SISTER = replace(RAHIMA, report_id="R-4", name="Fatema Khatoon", age=12)
STRANGER = Report(
    "R-5",
    name="Sumon Mia",
    father_name="Rafiqul Islam",
    mother_name="Nasrin Akter",
    sex=Sex.MALE,
    age=15,
    report_date=date(2023, 7, 9),
    district="Rangpur",
    upazila="Pirgachha",
    police_station="Pirgachha",
    guardian_phone="01999888777",
)
FILLER = [
    Report(
        f"F-{i:03d}",
        name=name,
        father_name=father,
        sex=Sex.MALE if i % 2 else Sex.FEMALE,
        age=8 + i % 9,
        report_date=date(2023, 1 + i % 12, 1 + i % 27),
        district=district,
    )
    for i, (name, father, district) in enumerate(
        (n, f, d)
        for n in ("Nusrat Jahan", "Arif Hasan", "Mim Akter", "Rakib Hossain", "Sadia Islam")
        for f in ("Kamal Uddin", "Jalal Ahmed", "Nurul Amin")
        for d in ("Khulna", "Sylhet")
    )
]


def _interception(r: Report) -> Interception:
    return Interception(
        r.report_id.replace("R-", "I-"),
        name=r.name,
        father_name=r.father_name,
        mother_name=r.mother_name,
        sex=r.sex,
        age=r.age,
        interception_date=r.report_date,
        home_district=r.district,
        home_upazila=r.upazila,
        border_post="Benapole",
        guardian_phone=r.guardian_phone,
    )


@pytest.fixture(scope="module")
def deduper() -> Deduper:
    return Deduper([RAHIMA, RAHIMA_AGAIN, BROTHER, SISTER, STRANGER, *FILLER])


@pytest.mark.parametrize(
    ("first", "second", "same_child"),
    [
        ("R-1", "R-2", True),
        ("R-1", "R-3", False),
        ("R-1", "R-4", False),
        ("R-1", "R-5", False),
        ("R-2", "R-4", False),
    ],
    ids=[
        "reported-twice-across-scripts",
        "brother-same-family-same-day",
        "sister-same-family-same-day",
        "stranger",
        "sister-against-the-second-report",
    ],
)
def test_pair_reading(deduper: Deduper, first: str, second: str, same_child: bool) -> None:
    score = deduper.score(first, second)
    assert 0.0 <= score <= 1.0
    assert (score >= deduper.model.match_threshold_) is same_child
    assert deduper.score(second, first) == score  # one direction, whichever is asked


def test_groups_put_the_child_together_and_her_siblings_apart(deduper: Deduper) -> None:
    by_record = {m.record_id: m for m in deduper.groups()}
    assert by_record["R-1"].group_id == by_record["R-2"].group_id == "R-1"
    assert by_record["R-2"].score_to_group == pytest.approx(deduper.score("R-1", "R-2"))
    for other in ("R-3", "R-4", "R-5"):
        assert by_record[other].group_id == other
        assert by_record[other].score_to_group is None
    assert len(by_record) == len(deduper.ids)


def test_interceptions_of_one_child_are_grouped() -> None:
    again = replace(_interception(RAHIMA_AGAIN), interception_id="I-9")
    records = [_interception(r) for r in (RAHIMA, STRANGER, *FILLER)] + [again]
    groups = {m.record_id: m.group_id for m in dedupe(records)}
    assert groups["I-1"] == groups["I-9"] == "I-1"
    assert groups["I-5"] == "I-5"


def test_the_date_order_comparison_does_not_count() -> None:
    # a pair's score does not depend on which record came first
    later = replace(RAHIMA_AGAIN, report_date=date(2023, 3, 22), age=11)
    a = Deduper([RAHIMA, RAHIMA_AGAIN, STRANGER, *FILLER]).score("R-1", "R-2")
    b = Deduper([RAHIMA, later, STRANGER, *FILLER]).score("R-1", "R-2")
    assert a == pytest.approx(b)


@pytest.mark.parametrize(
    ("pairs", "threshold", "coherence", "max_group", "expected"),
    [
        ([("a", "b", 0.99)], 0.9, 0.5, 20, {"a": "a", "b": "a", "c": "c"}),
        ([("a", "b", 0.8)], 0.9, 0.5, 20, {"a": "a", "b": "b", "c": "c"}),
        # chaining: a~b and b~c, but a and c are unlike: c stays out
        (
            [("a", "b", 0.99), ("b", "c", 0.98), ("a", "c", 0.1)],
            0.9,
            0.5,
            20,
            {"a": "a", "b": "a", "c": "c"},
        ),
        # ... unless a and c clear the coherence bar
        (
            [("a", "b", 0.99), ("b", "c", 0.98), ("a", "c", 0.6)],
            0.9,
            0.5,
            20,
            {"a": "a", "b": "a", "c": "a"},
        ),
        # an unscored pair across counts as 0 without a scorer
        ([("a", "b", 0.99), ("b", "c", 0.98)], 0.9, 0.5, 20, {"a": "a", "b": "a", "c": "c"}),
        # the best pair wins the contested record
        ([("b", "c", 0.999), ("a", "b", 0.99)], 0.9, 0.5, 20, {"a": "a", "b": "b", "c": "b"}),
        ([("a", "b", 0.99), ("b", "c", 0.98), ("a", "c", 0.97)], 0.9, 0.5, 2, None),
    ],
    ids=[
        "above-threshold",
        "below-threshold",
        "chain-refused",
        "coherent-chain-kept",
        "unscored-pair-is-not-coherent",
        "best-pair-first",
        "size-cap",
    ],
)
def test_group_pairs(
    pairs: list[tuple[str, str, float]],
    threshold: float,
    coherence: float,
    max_group: int,
    expected: dict[str, str] | None,
) -> None:
    out = group_pairs(
        ["c", "b", "a"],
        [DuplicatePair(a, b, s) for a, b, s in pairs],
        threshold=threshold,
        coherence=coherence,
        max_group=max_group,
    )
    groups = {m.record_id: m.group_id for m in out}
    if expected is None:  # size cap: nobody in a group of three
        assert max(list(groups.values()).count(g) for g in groups.values()) == 2
    else:
        assert groups == expected


@pytest.mark.parametrize(
    "case",
    [
        ({"threshold": 1.5}, "within 0-1"),
        ({"coherence": -0.1}, "within 0-1"),
        ({"max_group": 0}, "positive"),
    ],
    ids=["threshold-above-1", "coherence-below-0", "max-group-0"],
)
def test_group_pairs_rejects_bad_options(case: tuple[dict[str, float], str]) -> None:
    kwargs, message = case
    options = {"threshold": 0.9, **kwargs}
    with pytest.raises(ValueError, match=message):
        group_pairs(["a"], [], **options)  # type: ignore[arg-type]


def test_group_pairs_rejects_a_pair_of_an_unknown_record() -> None:
    with pytest.raises(ValueError, match="'zz'"):
        group_pairs(["a"], [DuplicatePair("a", "zz", 0.99)], threshold=0.9)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([RAHIMA, replace(STRANGER, report_id="R-1")], "repeated record id"),
        ([RAHIMA, _interception(STRANGER)], "not both"),
    ],
    ids=["repeated-id", "mixed-kinds"],
)
def test_deduper_rejects_bad_input(records: list[Report | Interception], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Deduper(records)


def test_as_report_keeps_the_fields() -> None:
    i = _interception(RAHIMA)
    r = as_report(i)
    assert (r.report_id, r.district, r.report_date, r.police_station) == (
        "I-1",
        RAHIMA.district,
        RAHIMA.report_date,
        "Benapole",
    )
    assert as_report(RAHIMA) is RAHIMA


_RECORDS = [RAHIMA, RAHIMA_AGAIN, BROTHER, SISTER, STRANGER, *FILLER]
_EXPECTED = dedupe(_RECORDS)


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_grouping_is_deterministic_and_order_independent(rng: random.Random) -> None:
    shuffled = list(_RECORDS)
    rng.shuffle(shuffled)
    out = dedupe(shuffled)
    assert out == _EXPECTED
    assert sorted(m.record_id for m in out) == sorted(r.report_id for r in _RECORDS)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcdefg"),
            st.sampled_from("abcdefg"),
            st.floats(0, 1, allow_nan=False),
        ),
        max_size=20,
    ),
    st.randoms(use_true_random=False),
)
def test_group_pairs_is_order_independent_and_partitions(
    raw: list[tuple[str, str, float]], rng: random.Random
) -> None:
    pairs = {tuple(sorted((a, b))): s for a, b, s in raw if a != b}
    listed = [DuplicatePair(a, b, s) for (a, b), s in pairs.items()]
    ids = list("abcdefg")
    first = group_pairs(ids, listed, threshold=0.7)
    rng.shuffle(listed)
    rng.shuffle(ids)
    assert group_pairs(ids, listed, threshold=0.7) == first
    assert sorted(m.record_id for m in first) == list("abcdefg")
    for m in first:
        assert m.group_id <= m.record_id  # the group's smallest id names it


def test_write_groups(tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    rows = [Membership("=R-1", "=R-1", 0.99), Membership("=R-1", "R-2", 0.99123)]
    rows.append(Membership("R-3", "R-3", None))
    assert write_groups(rows, out) == 3
    with out.open(newline="", encoding="utf-8") as fh:
        read = list(csv.reader(fh))
    assert read[0] == list(GROUP_COLUMNS)
    assert read[1] == ["'=R-1", "'=R-1", "0.9900"]  # formula-safe
    assert read[3] == ["R-3", "R-3", ""]


def test_likely_duplicates_names_the_earlier_interception_only() -> None:
    index = MatchIndex()
    index.add_many(as_report(_interception(r)) for r in (RAHIMA, BROTHER, STRANGER, *FILLER))
    again = replace(_interception(RAHIMA_AGAIN), interception_id="I-9")
    found = likely_duplicates(index, again)
    assert [(p.first, p.second) for p in found] == [("I-9", "I-1")]
    assert found[0].score >= index.model.match_threshold_
    # already indexed itself: never its own duplicate
    index.add(as_report(again))
    assert [p.second for p in likely_duplicates(index, again)] == ["I-1"]
    assert likely_duplicates(index, _interception(STRANGER)) == []


# -- at submission: flags and the case a new record joins ------------------------------------
def _open_interceptions() -> InterceptionIndex:
    index = InterceptionIndex()
    index.add_many(_interception(r) for r in (RAHIMA, BROTHER, STRANGER, *FILLER))
    return index


AGAIN = replace(_interception(RAHIMA_AGAIN), interception_id="I-9")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (AGAIN, [("I-1", Band.MATCH)]),
        # fewer details: still worth a look, not enough to be one case
        (replace(AGAIN, guardian_phone=None, mother_name=None), [("I-1", Band.REVIEW)]),
        # her sister, intercepted with her: another name, so flagged but never the same case
        (replace(_interception(SISTER), interception_id="I-8"), [("I-1", Band.REVIEW)]),
        (replace(_interception(STRANGER), interception_id="I-7"), [("I-5", Band.MATCH)]),
        (replace(AGAIN, name="Sumon Mia", sex=Sex.MALE, father_name="Rafiqul Islam"), []),
    ],
    ids=["same-child", "fewer-details", "sister", "stranger-again", "nobody"],
)
def test_flags_at_submission(record: Interception, expected: list[tuple[str, Band]]) -> None:
    flags = _open_interceptions().duplicates(record)
    assert [(f.record_id, f.band) for f in flags] == expected
    assert all(FLAG_THRESHOLD <= f.score <= 1.0 for f in flags)
    partner = next((rid for rid, band in expected if band is Band.MATCH), None)
    assert case_partner(flags) == partner


@pytest.mark.parametrize(
    ("flags", "partner"),
    [
        ([], None),
        ([DuplicateFlag("I-1", 0.9, Band.REVIEW)], None),
        ([DuplicateFlag("I-1", 0.99, Band.REVIEW), DuplicateFlag("I-2", 0.98, Band.MATCH)], "I-2"),
        ([DuplicateFlag("I-3", 0.999, Band.MATCH), DuplicateFlag("I-2", 0.98, Band.MATCH)], "I-3"),
    ],
    ids=["none", "review-only", "first-match-band", "best-of-two"],
)
def test_case_partner(flags: list[DuplicateFlag], partner: str | None) -> None:
    assert case_partner(flags) == partner


def test_flags_follow_the_open_interceptions() -> None:
    """Matched (removed) interceptions are no longer flagged; an edit replaces one; the flag
    scores what likely_duplicates scores."""
    index = _open_interceptions()
    engine = MatchIndex(keep=DEFAULT_KEEP, keep_reports=False)
    engine.add_many(as_report(_interception(r)) for r in (RAHIMA, BROTHER, STRANGER, *FILLER))
    [flag] = index.duplicates(AGAIN)
    [pair] = likely_duplicates(engine, AGAIN, threshold=FLAG_THRESHOLD)
    assert (flag.record_id, flag.score) == (pair.second, pytest.approx(pair.score))
    index.remove("I-1")
    assert index.duplicates(AGAIN) == []
    index.add(replace(_interception(RAHIMA), interception_id="I-1", guardian_phone=None))
    assert [f.record_id for f in index.duplicates(AGAIN)] == ["I-1"]
    index.add(replace(_interception(STRANGER), interception_id="I-1"))  # edited into another
    assert index.duplicates(AGAIN) == []
    assert "I-1" in index
    assert len(index) == 3 + len(FILLER)
