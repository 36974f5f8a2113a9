"""ask_next: which empty interception field would best separate the candidates."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ask import ASKABLE_FIELDS, field_value, information_gain, question_label
from matcher.index import MatchIndex
from matcher.prepare import name_tokens, prepare_report
from matcher.records import Band, Interception, Language, Report, Sex

FATHERS = ("Abdul Karim", "Rafiqul Islam", "Jamal Uddin", "Shahidul Haque", "Nurul Amin")
DISTRICTS = ("Jashore", "Dhaka", "Khulna", "Rajshahi", "Sylhet")

#: Five girls called Rahima Khatun, same age, same mother's name (blank), same report day:
#: only the father's name, the district and the phone tell them apart.
LOOKALIKES = tuple(
    Report(
        f"r{i}",
        name="Rahima Khatun",
        father_name=father,
        sex=Sex.FEMALE,
        age=10,
        report_date=date(2023, 1, 5),
        district=district,
        guardian_phone=f"0171234567{i}",
    )
    for i, (father, district) in enumerate(zip(FATHERS, DISTRICTS, strict=True))
)
THIN = Interception(
    "i1", name="Rahima Khatun", sex=Sex.FEMALE, age=11, interception_date=date(2024, 2, 1)
)


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    idx = MatchIndex()
    idx.add_many(LOOKALIKES)
    return idx


@pytest.mark.parametrize(
    ("prior", "values", "expected"),
    [
        ([1, 1, 1, 1], ["a", "b", "c", "d"], 2.0),
        ([1, 1, 1, 1], ["a", "a", "a", "a"], 0.0),
        ([1, 1, 1, 1], [None, None, None, None], 0.0),
        ([1, 1, 1, 1], ["a", "a", "b", "b"], 1.0),
        ([1, 1], ["a", None], 0.0),
        ([0, 0], ["a", "b"], 1.0),
        ([1, 0], ["a", "b"], 0.0),
    ],
    ids=["all-differ", "all-share", "none-known", "two-pairs", "one-known", "zero-scores", "sure"],
)
def test_information_gain(prior: list[float], values: list[str | None], expected: float) -> None:
    assert information_gain(prior, values) == pytest.approx(expected)


def test_unknown_values_dilute_but_do_not_cancel_the_gain() -> None:
    full = information_gain([1, 1, 1, 1], ["a", "b", "c", "d"])
    partial = information_gain([1, 1, 1, 1], ["a", "b", None, None])
    assert 0.0 < partial < full


def test_a_thin_interception_is_asked_what_separates_the_lookalikes(index: MatchIndex) -> None:
    candidates = index.query(THIN)
    assert len(candidates) == len(LOOKALIKES)
    assert candidates[0].band is not Band.MATCH
    asked = index.ask_next(THIN)
    # father, district and phone all split the five; the parents come first on a tie; the name,
    # the age and the mother's name (blank everywhere) would tell nothing
    assert asked[:1] == ["father_name"]
    assert set(asked) == {"father_name", "home_district", "guardian_phone"}
    assert index.ask_next(THIN, candidates=candidates) == asked


def test_answering_the_question_brings_the_child_to_the_top(index: MatchIndex) -> None:
    answered = dataclasses.replace(THIN, father_name="Md. Jamal Uddin")
    top = index.query(answered)[0]
    assert top.report_id == "r2"
    assert "father_name" not in index.ask_next(answered)


def test_nothing_is_asked_when_the_best_candidate_is_a_clear_match(index: MatchIndex) -> None:
    decisive = dataclasses.replace(
        THIN,
        father_name="Abdul Karim",
        home_district="Jashore",
        guardian_phone="01712345670",
    )
    candidates = index.query(decisive)
    assert candidates[0].band is Band.MATCH
    assert index.ask_next(decisive, candidates=candidates) == []


def test_the_district_is_not_asked_when_the_upazila_names_it() -> None:
    idx = MatchIndex()
    idx.add_many(LOOKALIKES)
    with_upazila = dataclasses.replace(THIN, home_upazila="Sharsha")  # in Jashore
    assert "home_district" not in idx.ask_next(with_upazila)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(ASKABLE_FIELDS)))
def test_never_suggests_a_field_the_interception_has(present: set[str]) -> None:
    values = {
        "father_name": "Karim",
        "mother_name": "Salma",
        "home_district": "Jashore",
        "home_upazila": "Sharsha",
        "guardian_phone": "01700000000",
        "age": 11.0,
        "name": "Rahima",
    }
    interception = dataclasses.replace(
        Interception("i2", sex=Sex.FEMALE, interception_date=date(2024, 2, 1)),
        **{f: values[f] for f in present},
    )
    idx = _shared_index()
    assert not set(idx.ask_next(interception)) & present


@functools.cache
def _shared_index() -> MatchIndex:
    """The look-alikes' index for Hypothesis (which cannot take a function-scoped fixture)."""
    idx = MatchIndex()
    idx.add_many(LOOKALIKES)
    return idx


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_blank_text_counts_as_empty(index: MatchIndex, blank: str) -> None:
    assert index.ask_next(dataclasses.replace(THIN, father_name=blank))[:1] == ["father_name"]


def test_deterministic(index: MatchIndex) -> None:
    runs = {tuple(index.ask_next(THIN)) for _ in range(5)}
    assert len(runs) == 1


def test_candidates_whose_report_left_the_index_are_skipped() -> None:
    idx = MatchIndex()
    idx.add_many(LOOKALIKES)
    candidates = idx.query(THIN)
    for report in LOOKALIKES[1:]:
        idx.remove(report.report_id)
    assert idx.ask_next(THIN, candidates=candidates) == []  # one candidate left: nothing to split


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("father_name", name_tokens("Abdul Karim")),
        ("home_district", "BD-22"),
        ("home_upazila", None),
        ("guardian_phone", "1712345670"),
        ("mother_name", None),
        ("age", 3),  # 10 in Jan 2023 -> 11.1 on 2024-02-01 -> bin 9-12
    ],
    ids=lambda v: str(v),
)
def test_field_value_reads_the_report_as_the_engine_compares_it(
    field: str, expected: object
) -> None:
    value = field_value(field, prepare_report(LOOKALIKES[0]), date(2024, 2, 1))
    assert value == expected


@pytest.mark.parametrize(
    ("field", "language", "label"),
    [
        ("father_name", Language.EN, "father's name"),
        ("father_name", Language.BN, "পিতার নাম"),
        ("home_district", Language.EN, "home district"),
    ],
    ids=["en", "bn", "district"],
)
def test_question_labels(field: str, language: Language, label: str) -> None:
    assert question_label(field, language) == label


def test_every_askable_field_is_an_interception_field_with_a_label() -> None:
    names = {f.name for f in dataclasses.fields(Interception)}
    for field, language in itertools.product(ASKABLE_FIELDS, Language):
        assert field in names
        assert question_label(field, language)
