"""Explanations: content, ordering, no personal data, and weights that match the model."""

from __future__ import annotations

from datetime import date

import pytest

from matcher.compare import compare_pair
from matcher.explain import contributions, level_label
from matcher.geo import resolve_place
from matcher.index import MatchIndex
from matcher.levels import Field
from matcher.model import MatchModel
from matcher.prepare import Prepared, normalize_phone
from matcher.records import Interception, Report, Sex


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


def test_contributions_are_ordered_strongest_first_and_skip_missing() -> None:
    model = MatchModel.hand_set()
    pair = compare_pair(REPORT, INTERCEPTION, bits=bits)
    weights = model.contribution_bits([pair.levels])[0]
    out = contributions(pair, weights.tolist())
    assert [abs(c.weight) for c in out] == sorted((abs(c.weight) for c in out), reverse=True)
    fields = {c.field for c in out}
    assert "mother_name" not in fields  # missing on both sides: no evidence, not shown
    assert {"name", "father_name", "age", "phone", "sex"} <= fields
    assert sum(c.weight for c in out) == pytest.approx(float(weights.sum()), abs=0.01)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (Field.AGE, "expected 11.5, observed 12"),
        (Field.FATHER_NAME, "same name"),
        (Field.NAME_RARITY, "1 agreeing token, 10.0 bits"),
        (Field.PHONE, "same number"),
        (Field.DATE_ORDER, "1.5 years"),
    ],
    ids=["age", "father", "rarity", "phone", "dates"],
)
def test_labels_carry_checkable_numbers(field: Field, expected: str) -> None:
    pair = compare_pair(REPORT, INTERCEPTION, bits=bits)
    assert expected in level_label(field, pair.level(field), pair.details)


def test_place_label_names_both_places_and_distance() -> None:
    a, b = resolve_place("Jashore"), resolve_place("Jhenaidah")
    if a is None or b is None:
        pytest.skip("gazetteer cannot resolve the places yet")
    pair = compare_pair(Prepared(place=a), Prepared(place=b), bits=bits)
    label = level_label(Field.PLACE, pair.level(Field.PLACE), pair.details)
    assert a.name in label
    assert b.name in label
    assert "km" in label


def test_candidate_explanation_never_contains_the_phone_number() -> None:
    index = MatchIndex(MatchModel.hand_set())
    index.add(Report("r1", name="Rahima Khatun", guardian_phone="01712345678", age=10))
    it = Interception("i1", name="Rahima Khatun", guardian_phone="+8801712345679", age=11)
    (cand,) = index.query(it)
    text = cand.explanation
    assert "one digit off" in text
    for digits in ("1712345678", "1712345679", "01712"):
        assert digits not in text


@pytest.mark.parametrize(
    "drop",
    ["nothing", "name", "father", "mother", "place", "phone"],
    ids=lambda d: f"without-{d}",
)
def test_shipped_model_never_explains_an_agreement_as_evidence_against(drop: str) -> None:
    """A record compared with itself (minus one field) agrees everywhere it can: with the
    monotone shipped model no line of its explanation may count against the match (the old
    model printed "surname: same surname key (−0.8)")."""
    place = resolve_place("Jashore")
    full = Prepared(
        name=("rahima", "khatun"),
        father=("abdul", "karim"),
        mother=("salma", "begum"),
        sex=Sex.FEMALE,
        age=10.0,
        day=date(2022, 1, 1),
        place=place,
        phone=normalize_phone("01712345678"),
    )
    other = (
        full
        if drop == "nothing"
        else full._replace(**{drop: () if drop in {"name", "father", "mother"} else None})
    )
    pair = compare_pair(full, other, bits=bits)
    weights = MatchModel.default().contribution_bits([pair.levels])[0]
    out = contributions(pair, weights.tolist())
    assert out, "an identical pair must be explained"
    assert [c for c in out if c.weight < 0] == []
