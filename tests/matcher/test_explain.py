"""Explanations: one account per record field, verdicts that never argue against their weights,
sentences in English and Bangla from the same data, and an officer's view without report values."""

from __future__ import annotations

import math
import re
from datetime import date

import numpy as np
import pytest

from matcher.compare import TokenBits, compare_pair
from matcher.explain import (
    contributions,
    describe,
    score_text,
    sentence,
    starting_odds_phrase,
    weight_phrase,
)
from matcher.index import MatchIndex
from matcher.levels import RecordField
from matcher.model import MatchModel
from matcher.names import common_token_keys
from matcher.places import resolve_place
from matcher.prepare import Prepared, normalize_phone
from matcher.records import Contribution, Interception, Language, Report, Sex, Verdict
from training_data.generate import Split, generate


def bits(_: str) -> float:
    return 10.0


REPORT = Prepared(
    name=("rahima", "khatun"),
    father=("abdul", "karim"),
    sex=Sex.FEMALE,
    age=10.0,
    day=date(2022, 1, 1),
    phone=normalize_phone("01712345678"),
)
INTERCEPTION = Prepared(
    name=("rahima",),
    father=("abdul", "karim"),
    sex=Sex.FEMALE,
    age=12.0,
    day=date(2023, 7, 1),
    phone=normalize_phone("01712345678"),
)


def realistic_bits(token: str) -> float:
    """Common surname-like tokens (Khatun, Begum …) are common; every other token rare."""
    return 2.0 if token in common_token_keys() else 10.0


def _explained(
    report: Prepared, interception: Prepared, token_bits: TokenBits = bits
) -> dict[str, Contribution]:
    model = MatchModel.default()
    pair = compare_pair(report, interception, bits=token_bits)
    out = contributions(pair, model.contribution_bits([pair.levels])[0].tolist())
    return {c.field: c for c in out}


def test_one_contribution_per_record_field_strongest_first_missing_last() -> None:
    model = MatchModel.hand_set()
    pair = compare_pair(REPORT, INTERCEPTION, bits=bits)
    weights = model.contribution_bits([pair.levels])[0]
    out = contributions(pair, weights.tolist())
    assert sorted(c.field for c in out) == sorted(str(f) for f in RecordField)
    present = [c for c in out if c.verdict is not Verdict.MISSING]
    missing = [c for c in out if c.verdict is Verdict.MISSING]
    assert out == (*present, *missing)
    assert [abs(c.weight) for c in present] == sorted(
        (abs(c.weight) for c in present), reverse=True
    )
    assert {c.field for c in missing} == {"mother_name", "place"}
    assert all(c.weight == 0 and not c.facts and not c.parts for c in missing)
    # every comparison folds into exactly one field: the fields add up to the pair's weight
    assert sum(c.weight for c in out) == pytest.approx(float(weights.sum()), abs=0.01)


def test_sub_features_fold_into_the_field_they_describe() -> None:
    name = _explained(REPORT, INTERCEPTION)["name"]
    comparisons = [part[0] for part in name.parts]
    assert comparisons[0] == "name"
    assert {"given_name", "name_rarity"} <= set(comparisons)
    assert name.weight == pytest.approx(sum(part[2] for part in name.parts), abs=0.002)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("age", "12 given, 11.5 expected"),
        ("father_name", "the same name"),
        ("guardian_phone", "the same number"),
        ("dates", "1.5 years apart"),
    ],
    ids=["age", "father", "phone", "dates"],
)
def test_sentences_carry_checkable_numbers(field: str, expected: str) -> None:
    assert expected in _explained(REPORT, INTERCEPTION)[field].label


def test_place_sentence_names_both_places_and_distance() -> None:
    a, b = resolve_place("Jashore"), resolve_place("Jhenaidah")
    assert a is not None
    assert b is not None
    place = _explained(Prepared(place=a), Prepared(place=b))["place"]
    assert place.verdict is Verdict.PARTIAL
    assert a.name in place.label
    assert b.name in place.label
    assert "km apart" in place.label
    assert place.facts["report_district_code"] == a.district_code
    bn = describe(place, language=Language.BN)
    assert a.name_bn in bn
    assert "কিমি" in bn
    assert "বাড়ি" in bn


def test_candidate_explanation_never_contains_the_phone_number() -> None:
    index = MatchIndex(MatchModel.hand_set())
    index.add(Report("r1", name="Rahima Khatun", guardian_phone="01712345678", age=10))
    it = Interception("i1", name="Rahima Khatun", guardian_phone="+8801712345679", age=11)
    (cand,) = index.query(it)
    text = cand.explanation
    assert "one digit different" in text
    for digits in ("1712345678", "1712345679", "01712"):
        assert digits not in text
        assert all(digits not in str(c.facts) for c in cand.contributions)


def test_gendered_forms_of_one_name_are_not_the_same_given_name() -> None:
    """Rohima Khatoon (a girl) against a report of Md Raahim (a boy): the default key forgets
    the final vowel, so Rahima = Rahim by key; the engine must not call it the same name."""
    index = MatchIndex()
    index.add(Report("r1", name="Md Raahim", sex=Sex.MALE, age=12))
    (cand,) = index.query(Interception("i1", name="Rohima Khatoon", sex=Sex.FEMALE, age=12))
    by_field = {c.field: c for c in cand.contributions}
    name = by_field["name"]
    assert name.parts[1][:2] == ("given_name", "gendered_form")
    assert name.verdict is Verdict.PARTIAL
    assert "the boy's and the girl's form of one name" in name.label
    assert by_field["sex"].verdict is Verdict.DISAGREE
    assert by_field["sex"].weight < 0


def test_a_shared_common_surname_does_not_make_two_mothers_nearly_the_same() -> None:
    """The shared "Khatun" adds nothing: the mothers compare as "Reema" and "Sharomeno" do."""

    def mother_of(report_mother: str, interception_mother: str) -> Contribution:
        index = MatchIndex()
        index.add(Report("r1", name="Rahima", mother_name=report_mother))
        (cand,) = index.query(Interception("i1", name="Rahima", mother_name=interception_mother))
        return next(c for c in cand.contributions if c.field == "mother_name")

    with_surname = mother_of("REEMA KHATUN", "SHAROMENO KHATUN")
    without = mother_of("REEMA", "SHAROMENO")
    assert with_surname.parts[0][1] not in ("same", "nearly_same")
    assert with_surname.parts[0] == without.parts[0]  # the similarity part
    assert with_surname.verdict in (Verdict.DISAGREE, Verdict.PARTIAL)
    assert "nearly" not in with_surname.label


def test_interchangeable_female_surnames_leave_the_given_name_to_decide() -> None:
    """Khatun, Begum, Akter are used interchangeably: "Rahima Khatun" and "Rahima Begum" are
    nearly the same name, "Rahima Khatun" and "Fatema Khatun" are not."""
    rahima_khatun = Prepared(name=("rhm", "ktn"))
    same = _explained(rahima_khatun, Prepared(name=("rhm", "bgm")), realistic_bits)["name"]
    other = _explained(rahima_khatun, Prepared(name=("ftm", "ktn")), realistic_bits)["name"]
    assert same.parts[0][1] == "nearly_same"
    assert other.parts[0][1] == "different"
    assert other.verdict is Verdict.DISAGREE
    assert other.weight < 0


@pytest.fixture(scope="module")
def generated_candidates() -> list[tuple[Interception, list]]:  # type: ignore[type-arg]
    data = generate(n_reports=1500, n_interceptions=200, seed=21, split=Split.TEST)
    index = MatchIndex()
    index.add_many(data.reports)
    return [(it, index.query(it)) for it in data.interceptions]


def test_no_generated_candidate_argues_against_itself(
    generated_candidates: list[tuple[Interception, list]],  # type: ignore[type-arg]
) -> None:
    """Over real candidates of a generated set: every verdict agrees with its weight, exactly
    one contribution per field, and the score's log-odds are baseline + pool + fields."""
    seen = 0
    for _, candidates in generated_candidates:
        for cand in candidates:
            assert sorted(c.field for c in cand.contributions) == sorted(map(str, RecordField))
            for c in cand.contributions:
                seen += 1
                if c.verdict is Verdict.AGREE:
                    assert c.weight >= 0, (cand.report_id, c)
                elif c.verdict is Verdict.DISAGREE:
                    assert c.weight <= 0, (cand.report_id, c)
                elif c.verdict is Verdict.MISSING:
                    assert c.weight == 0, (cand.report_id, c)
            logit = cand.baseline_bits + cand.pool_bits + sum(c.weight for c in cand.contributions)
            expected = 1 / (1 + 2 ** -np.clip(logit, -60, 60))
            assert cand.score == pytest.approx(expected, abs=1e-3)
    assert seen > 1000


def test_officer_view_carries_no_report_values(
    generated_candidates: list[tuple[Interception, list]],  # type: ignore[type-arg]
) -> None:
    """An officer reads the field and its verdict only: no ages, places, dates, similarities,
    distances or phone agreement; in both languages."""
    verdicts = "|".join(
        re.escape(w)
        for pair in __import__("matcher.explain").explain.VERDICT_WORDS.values()
        for w in pair
    )
    allowed = re.compile(rf"^[^:]+: ({verdicts})$")
    for _, candidates in generated_candidates:
        for cand in candidates:
            for c in cand.contributions:
                for lang in Language:
                    text = describe(c, language=lang, reveal_report=False)
                    assert allowed.match(text), text
                    assert not re.search(r"[0-9০-৯]", text), text


def test_bangla_sentences_come_from_the_same_levels() -> None:
    father = _explained(REPORT, INTERCEPTION)["father_name"]
    assert describe(father, language=Language.BN).startswith("বাবার নাম: মেলে — একই নাম")
    assert sentence(father, language=Language.BN) != sentence(father, language=Language.EN)


@pytest.mark.parametrize(
    ("bits_", "en", "bn"),
    [
        (3.0, "makes a match 8.0× more likely", "মিলের সম্ভাবনা ৮.০ গুণ বাড়ায়"),
        (-4.0, "makes a match 16× less likely", "মিলের সম্ভাবনা ১৬ গুণ কমায়"),
        (0.05, "hardly changes the odds", "সম্ভাবনায় প্রায় প্রভাব নেই"),
        (25.0, "makes a match 1,000+× more likely", "মিলের সম্ভাবনা ১০০০+ গুণ বাড়ায়"),
        (math.nan, "hardly changes the odds", "সম্ভাবনায় প্রায় প্রভাব নেই"),
    ],
    ids=["for", "against", "nothing", "huge", "nan"],
)
def test_weights_read_as_how_much_more_likely(bits_: float, en: str, bn: str) -> None:
    assert weight_phrase(bits_) == en
    assert weight_phrase(bits_, Language.BN) == bn


@pytest.mark.parametrize(
    ("score", "shown"),
    [(0.0024, "< 0.01"), (0.004, "< 0.01"), (0.006, "0.01"), (0.53, "0.53"), (0.9998, "> 0.99")],
)
def test_scores_never_read_as_zero_or_certainty(score: float, shown: str) -> None:
    assert score_text(score) == shown


@pytest.mark.parametrize(
    ("baseline", "pool", "language", "wanted", "absent"),
    [
        (-15.4, 0.0, Language.EN, "1 in 43,000", "bits"),
        (-15.4, -1.3, Language.EN, "2.5× less likely", "bits"),
        (-15.4, -1.3, Language.BN, "৪৩,০০০-এ ১", "বিট"),
        (-15.4, -0.1, Language.EN, "1 in 43,000.", "reports on file"),
    ],
    ids=["starting-odds", "pool", "bangla", "small-pool-unsaid"],
)
def test_the_terms_about_no_field_read_as_odds_not_bits(
    baseline: float, pool: float, language: Language, wanted: str, absent: str
) -> None:
    text = starting_odds_phrase(baseline, pool, language)
    assert wanted in text
    assert absent not in text
