"""MatchIndex: add / remove / replace, ranking contract, exclusions, explanations."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.compare import RELATION_CODE
from matcher.index import PARENT_PRESCORE_FACTOR, MatchIndex
from matcher.levels import Field, RecordField
from matcher.model import MatchModel
from matcher.places import place_relation
from matcher.prepare import Prepared, name_tokens, prepare_interception, sex_code
from matcher.records import Band, Interception, Report, Sex
from training_data.generate import Split, generate

REPORTS = (
    Report(
        "r1",
        name="Rahima Khatun",
        father_name="Abdul Karim",
        mother_name="Salma Begum",
        sex=Sex.FEMALE,
        age=10,
        report_date=date(2023, 1, 5),
        district="Jashore",
        guardian_phone="01712345678",
    ),
    Report(
        "r2",
        name="Rahima Akter",
        father_name="Rafiqul Islam",
        sex=Sex.FEMALE,
        age=12,
        report_date=date(2022, 3, 1),
        district="Dhaka",
    ),
    Report(
        "r3",
        name="Karim Mia",
        father_name="Jamal Uddin",
        sex=Sex.MALE,
        age=9,
        report_date=date(2021, 3, 1),
        district="Khulna",
    ),
)
QUERY = Interception(
    "i1",
    name="Rahima Khatun",
    father_name="Abdul Karim",
    sex=Sex.FEMALE,
    age=11,
    interception_date=date(2024, 2, 1),
    home_district="Jashore",
    guardian_phone="+8801712345678",
)


@pytest.fixture
def index() -> MatchIndex:
    ix = MatchIndex(MatchModel.hand_set())
    ix.add_many(REPORTS)
    return ix


def test_len_counts_alive_reports(index: MatchIndex) -> None:
    assert len(index) == 3
    index.remove("r2")
    assert len(index) == 2
    index.remove("r2")  # idempotent
    assert len(index) == 2
    assert index.get("r2") is None


def test_query_ranks_the_true_report_first_with_explanation(index: MatchIndex) -> None:
    cands = index.query(QUERY, top_k=10)
    assert cands[0].report_id == "r1"
    assert [c.rank for c in cands] == list(range(1, len(cands) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(cands))
    assert all(0.0 <= c.score <= 1.0 for c in cands)
    assert cands[0].band is Band.MATCH
    fields = {c.field for c in cands[0].contributions}
    assert {"name", "father_name", "guardian_phone", "age", "place"} <= fields
    assert "1712345678" not in cands[0].explanation


def test_top_k_and_exclude(index: MatchIndex) -> None:
    assert len(index.query(QUERY, top_k=1)) == 1
    ids = [c.report_id for c in index.query(QUERY, exclude={"r1"})]
    assert "r1" not in ids
    assert index.query(QUERY, top_k=0) == []


def test_replace_by_id_uses_new_content(index: MatchIndex) -> None:
    index.add(Report("r1", name="Sumon Das", sex=Sex.MALE, age=7, district="Sylhet"))
    assert len(index) == 3
    got = index.get("r1")
    assert got is not None
    assert got.name == "Sumon Das"
    cands = index.query(QUERY)
    assert all(c.report_id != "r1" or c.score < 0.5 for c in cands)


def test_removed_report_is_never_returned(index: MatchIndex) -> None:
    index.remove("r1")
    assert all(c.report_id != "r1" for c in index.query(QUERY))


def test_empty_index_and_empty_interception() -> None:
    ix = MatchIndex(MatchModel.hand_set())
    assert ix.query(QUERY) == []
    ix.add_many(REPORTS)
    assert isinstance(ix.query(Interception("empty")), list)


def test_get_round_trips_the_report(index: MatchIndex) -> None:
    assert index.get("r1") == REPORTS[0]


def test_siblings_scoring_alike_are_sent_to_review_not_match() -> None:
    family = {
        "father_name": "Abdul Karim",
        "mother_name": "Salma Begum",
        "district": "Jashore",
        "guardian_phone": "01712345678",
        "report_date": date(2023, 1, 5),
    }
    model = MatchModel.default()
    index = MatchIndex(model)
    index.add(Report("s1", name="Rahima Khatun", sex=Sex.FEMALE, age=10, **family))  # type: ignore[arg-type]
    index.add(Report("s2", name="Sumaiya Khatun", sex=Sex.FEMALE, age=11, **family))  # type: ignore[arg-type]
    nickname_only = Interception(
        "i2",
        name="Khuki",
        father_name="Abdul Karim",
        mother_name="Salma Begum",
        sex=Sex.FEMALE,
        age=11,
        interception_date=date(2023, 6, 1),
        home_district="Jashore",
        guardian_phone="01712345678",
    )
    cands = index.query(nickname_only)
    assert {c.report_id for c in cands} == {"s1", "s2"}
    # thresholds placed so that both siblings score into the match band and rival each other
    lowest = min(c.score for c in cands)
    model.match_threshold_ = model.rival_threshold_ = lowest - 1e-9
    assert all(c.band is Band.REVIEW for c in index.query(nickname_only))
    index.remove("s2")  # without the rival, the same score is a match
    assert [c.band for c in index.query(nickname_only)] == [Band.MATCH]


def test_explain_pair_scores_a_given_pair(index: MatchIndex) -> None:
    cand = index.explain_pair("r3", QUERY)
    assert cand is not None
    assert cand.report_id == "r3"
    assert cand.score < 0.5
    assert index.explain_pair("nope", QUERY) is None


def test_duplicate_ids_within_one_batch_keep_the_last() -> None:
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(
        [
            Report("x", name="Mandakranta Sen"),
            Report("y", name="Rahima Khatun"),
            Report("x", name="Sumon Das"),
        ]
    )
    assert len(index) == 2
    got = index.get("x")
    assert got is not None
    assert got.name == "Sumon Das"
    # the replaced name no longer counts towards token frequencies
    (key,) = name_tokens("Mandakranta")
    (kept,) = name_tokens("Sumon")
    assert index.token_bits(key) == index.token_bits("never-seen-key")
    assert index.token_bits(kept) < index.token_bits("never-seen-key")
    for cand in index.query(Interception("q", name="Mandakranta Sen")):
        report = index.get(cand.report_id)
        assert report is not None
        assert report.name != "Mandakranta Sen"


def _reference_cheap_evidence(index: MatchIndex, p: Prepared, rows: np.ndarray) -> np.ndarray:
    """The pre-score adjustments written plainly in float bits (what the int8 path must equal)."""
    adj = np.zeros(rows.shape[0])
    store = index._store
    if p.sex is not None:
        sx = store.sex[rows]
        adj -= np.where((sx != 0) & (sx != sex_code(p.sex)), 3.0, 0.0)
    day = store.day[rows]
    if p.day is not None:
        elapsed = (p.day.toordinal() - day.astype(np.int64)) / 365.25
        adj -= np.where((day > 0) & (elapsed < -0.1), 3.0, 0.0)
        if p.age is not None:
            diff = np.abs(p.age - (store.age[rows] + np.where(day > 0, elapsed, 0.0)))
            adj += np.where(np.isnan(diff), 0.0, np.where(diff <= 2.0, 1.0, 0.0))
            adj -= np.where(diff > 6.0, 3.0, 0.0)
    if p.place is not None:
        for i, pid in enumerate(store.place[rows].tolist()):
            if pid >= 0:
                code = RELATION_CODE[place_relation(store.places[pid], p.place)]
                adj[i] += index.model.weight(Field.PLACE, code)
    return adj


def _reference_parent_evidence(index: MatchIndex, p: Prepared, rows: np.ndarray) -> np.ndarray:
    """The parents' pre-score term written plainly: rarity of each shared token, halved."""
    store = index._store
    adj = np.zeros(rows.shape[0])
    for i, row in enumerate(rows.tolist()):
        for query_tokens, column in ((p.father, store.father), (p.mother, store.mother)):
            theirs = {store.vocab_list[t] for t in column[row].tolist() if t >= 0}
            for token in set(query_tokens) & theirs:
                adj[i] += PARENT_PRESCORE_FACTOR * index.parent_token_bits(token)
    return adj


@pytest.fixture(scope="module")
def generated_index() -> tuple[MatchIndex, list[Interception]]:
    data = generate(n_reports=600, n_interceptions=80, seed=11, split=Split.TEST)
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(data.reports)
    return index, data.interceptions


@settings(max_examples=60, deadline=None)
@given(pick=st.integers(0, 79), blank=st.sets(st.sampled_from(["sex", "age", "day", "place"])))
def test_cheap_evidence_equals_the_plain_float_reference(
    generated_index: tuple[MatchIndex, list[Interception]], pick: int, blank: set[str]
) -> None:
    index, interceptions = generated_index
    p = prepare_interception(interceptions[pick])._replace(**dict.fromkeys(blank))
    rows = np.arange(len(index), dtype=np.int32)
    expected = _reference_cheap_evidence(index, p, rows)
    assert np.allclose(index._cheap_evidence(p, rows), expected)
    if not blank:
        assert expected.min() < expected.max()  # the sample exercises several terms


@settings(max_examples=30, deadline=None)
@given(pick=st.integers(0, 79), blank=st.sets(st.sampled_from(["father", "mother"])))
def test_parent_evidence_equals_the_plain_reference(
    generated_index: tuple[MatchIndex, list[Interception]], pick: int, blank: set[str]
) -> None:
    index, interceptions = generated_index
    p = prepare_interception(interceptions[pick])._replace(**dict.fromkeys(blank, ()))
    rows = np.arange(len(index), dtype=np.int32)
    expected = _reference_parent_evidence(index, p, rows)
    assert np.allclose(index._parent_evidence(p, rows), expected)


@pytest.mark.parametrize(
    ("reference", "expected_bits"),
    [(None, 0.0), (3, 0.0), (10, 0.0), (1, -np.log2(3))],
    ids=["no-reference", "same-size", "smaller-index", "three-times-larger"],
)
def test_larger_index_than_the_bands_were_set_on_lowers_scores_not_ranks(
    reference: int | None, expected_bits: float
) -> None:
    """More reports mean more look-alikes by chance: every score drops by log2(N / reference)
    bits, the order stays, and the explanation says so (contributions still sum to the score)."""
    plain, pooled = MatchModel.hand_set(), MatchModel.hand_set()
    pooled.reference_reports_ = reference
    a, b = MatchIndex(plain), MatchIndex(pooled)
    a.add_many(REPORTS)
    b.add_many(REPORTS)
    ca, cb = a.query(QUERY), b.query(QUERY)
    assert [c.report_id for c in cb] == [c.report_id for c in ca]

    def logit_bits(p: float) -> float:
        return float(np.log2(p / (1 - p)))

    for x, y in zip(ca, cb, strict=True):
        assert logit_bits(y.score) - logit_bits(x.score) == pytest.approx(expected_bits, abs=1e-6)
        total = sum(k.weight for k in y.contributions) + y.baseline_bits + y.pool_bits
        assert total == pytest.approx(logit_bits(y.score), abs=0.01)
        assert y.baseline_bits == pytest.approx(pooled.intercept_)
        assert y.pool_bits == pytest.approx(expected_bits, abs=1e-6)  # a number, not a field
        assert {k.field for k in y.contributions} == {str(f) for f in RecordField}
    explained = b.explain_pair("r1", QUERY)
    assert explained is not None
    assert explained.score == pytest.approx(next(c.score for c in cb if c.report_id == "r1"))
