"""Comparison levels: each level of each field, bad input, and reference vs vectorised agreement."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.compare import age_tolerance, alignment_similarity, compare_pair
from matcher.index import MatchIndex
from matcher.levels import COMPARISON_BY_FIELD, COMPARISONS, FIELDS, Field
from matcher.model import MatchModel
from matcher.places import resolve_place
from matcher.prepare import (
    Prepared,
    home_place,
    name_tokens,
    normalize_phone,
    prepare_interception,
    prepare_report,
)
from matcher.records import Interception, Report, Sex


def bits(_: str) -> float:
    return 8.0


def level(report: Prepared, interception: Prepared, f: Field) -> str:
    """The key of the level a pair gets for one comparison."""
    comparison = COMPARISON_BY_FIELD[f]
    return comparison.levels[compare_pair(report, interception, bits=bits).level(f)].key


def test_every_comparison_starts_with_a_null_level_and_ends_with_else() -> None:
    for c in COMPARISONS:
        assert c.levels[0].key == "missing"
        assert len(c.levels) >= 3
    assert len(FIELDS) == len(set(FIELDS))


@pytest.mark.parametrize(
    ("report", "interception", "expected"),
    [
        ((), ("rahima",), "missing"),
        (("rahima", "khatun"), ("rahima", "khatun"), "same"),
        (("rahima", "khatun"), ("khatun", "rahima"), "same"),
        (("rahima", "khatun"), ("rahima", "khatum"), "nearly_same"),
        (("rahima", "khatun"), ("rahima",), "partly_similar"),
        (("rahima", "khatun"), ("rehana", "khatun"), "similar"),
        (("rahima", "khatun"), ("sumon", "das"), "different"),
    ],
    ids=["missing", "same", "reordered", "typo", "surname-dropped", "similar", "different"],
)
def test_name_levels(report: tuple[str, ...], interception: tuple[str, ...], expected: str) -> None:
    assert level(Prepared(name=report), Prepared(name=interception), Field.NAME) == expected


@pytest.mark.parametrize(
    ("report", "interception", "expected"),
    [
        ((), ("rahima",), "missing"),
        (("rahima", "khatun"), ("rahima", "begum"), "same_rare"),
        (("rahima", "khatun"), ("rahema", "begum"), "similar"),
        (("rafiqul", "islam"), ("ra", "begum"), "short_form"),
        (("khatun", "rahima"), ("rahima", "begum"), "elsewhere"),
        (("sumon", "das"), ("rahima", "begum"), "different"),
    ],
    ids=["missing", "same-rare", "similar", "short-form", "elsewhere", "different"],
)
def test_given_name_levels(
    report: tuple[str, ...], interception: tuple[str, ...], expected: str
) -> None:
    assert level(Prepared(name=report), Prepared(name=interception), Field.GIVEN_NAME) == expected


@pytest.mark.parametrize(
    ("report", "interception", "expected"),
    [
        (("rahima",), ("rahima", "khatun"), "missing"),
        (("rahima", "khatun"), ("sumaiya", "khatun"), "same"),
        (("rahima", "khatun"), ("rahima", "khatune"), "similar"),
        (("rahima", "khatun"), ("rahima", "das"), "different"),
    ],
    ids=["one-token-missing", "same", "similar", "different"],
)
def test_surname_levels(
    report: tuple[str, ...], interception: tuple[str, ...], expected: str
) -> None:
    assert level(Prepared(name=report), Prepared(name=interception), Field.SURNAME) == expected


@pytest.mark.parametrize(
    ("token_bits", "report", "interception", "expected"),
    [
        (20.0, (), ("a",), "missing"),
        (14.0, ("mandakranta",), ("mandakranta",), "very_rare"),
        (10.0, ("rahima",), ("rahima",), "rare"),
        (6.0, ("rahima",), ("rahima",), "uncommon"),
        (2.0, ("akter",), ("akter",), "common"),
        (2.0, ("rahima", "akter"), ("sumon", "das"), "none"),
        (3.0, ("rahima", "akter"), ("rahima", "akter"), "uncommon"),
    ],
    ids=["missing", "very-rare", "rare", "uncommon", "common", "none-agree", "bits-add-up"],
)
def test_rarity_levels(
    token_bits: float, report: tuple[str, ...], interception: tuple[str, ...], expected: str
) -> None:
    pair = compare_pair(
        Prepared(name=report), Prepared(name=interception), bits=lambda _: token_bits
    )
    rarity = COMPARISON_BY_FIELD[Field.NAME_RARITY]
    assert rarity.levels[pair.level(Field.NAME_RARITY)].key == expected


@pytest.mark.parametrize(
    ("parent_bits", "report", "interception", "expected"),
    [
        (20.0, Prepared(father=("krivi",)), Prepared(), ("missing", "missing")),
        (
            13.0,
            Prepared(father=("krivi", "roy")),
            Prepared(father=("krivi",)),
            ("very_rare", "missing"),
        ),
        (9.0, Prepared(father=("krivi", "roy")), Prepared(father=("krivi",)), ("rare", "missing")),
        (
            2.0,
            Prepared(father=("abdul", "karim")),
            Prepared(father=("abdul", "rahim")),
            ("common", "missing"),
        ),
        (
            3.0,
            Prepared(father=("abdul", "karim"), mother=("hepi",)),
            Prepared(father=("abdul", "karim"), mother=("hepi", "akter")),
            ("uncommon", "common"),
        ),
        (
            20.0,
            Prepared(father=("sumon", "das")),
            Prepared(father=("abdul", "karim")),
            ("none", "missing"),
        ),
        (20.0, Prepared(mother=("hepi",)), Prepared(mother=("rina",)), ("missing", "none")),
    ],
    ids=[
        "missing",
        "very-rare",
        "rare",
        "common-first-name",
        "father-and-mother-each-their-own",
        "none-agree",
        "mother-only-none-agree",
    ],
)
def test_parent_rarity_levels(
    parent_bits: float, report: Prepared, interception: Prepared, expected: tuple[str, str]
) -> None:
    """Each parent's name is rated with the parents' rarity (not the children's), on its own."""
    pair = compare_pair(report, interception, bits=lambda _: 0.0, parent_bits=lambda _: parent_bits)
    got = tuple(
        COMPARISON_BY_FIELD[f].levels[pair.level(f)].key
        for f in (Field.FATHER_RARITY, Field.MOTHER_RARITY)
    )
    assert got == expected


@pytest.mark.parametrize(
    ("report", "interception", "expected"),
    [
        (("abdul", "karim"), (), "missing"),
        (("abdul", "karim"), ("abdul", "karim"), "same"),
        (("abdul", "karim"), ("abdul", "karin"), "nearly_same"),
        (("abdul", "karim"), ("abdul", "jabbar"), "same_first"),
        (("bokhtiyar", "islam"), ("bkohteyar",), "similar_first"),
        (("rafiqul", "islam"), ("rahim", "islam"), "similar"),
        (("abdul", "karim"), ("sumon", "das"), "different"),
    ],
    ids=["missing", "same", "nearly", "first-name", "similar-first-name", "similar", "different"],
)
@pytest.mark.parametrize("parent", [Field.FATHER_NAME, Field.MOTHER_NAME], ids=["father", "mother"])
def test_parent_levels(
    report: tuple[str, ...], interception: tuple[str, ...], expected: str, parent: Field
) -> None:
    key = "father" if parent is Field.FATHER_NAME else "mother"
    r = Prepared(**{key: report})  # type: ignore[arg-type]
    i = Prepared(**{key: interception})  # type: ignore[arg-type]
    assert level(r, i, parent) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, Sex.FEMALE, "missing"),
        (Sex.FEMALE, Sex.FEMALE, "same"),
        (Sex.MALE, Sex.FEMALE, "different"),
    ],
    ids=["missing", "same", "different"],
)
def test_sex_levels(a: Sex | None, b: Sex | None, expected: str) -> None:
    assert level(Prepared(sex=a), Prepared(sex=b), Field.SEX) == expected


D0 = date(2021, 6, 1)


@pytest.mark.parametrize(
    ("report_age", "report_day", "age", "day", "expected"),
    [
        (None, D0, 12.0, date(2023, 6, 1), "missing"),
        (11.0, D0, 13.0, date(2023, 6, 1), "within_year"),  # expected 13.0: exact
        (11.0, D0, 14.25, date(2023, 6, 1), "within_near"),  # 1.25 off: within AGE_NEAR
        (11.0, D0, 15.0, date(2023, 6, 1), "within_tolerance"),  # 2 off, tol 2.5 (sibling-like gap)
        (11.0, D0, 16.0, date(2023, 6, 1), "within_2_tolerance"),  # 3 years off, 2 × tol = 5
        (11.0, D0, 19.0, date(2023, 6, 1), "within_3_tolerance"),  # 6 off, 3 × tol = 7.5
        (11.0, D0, 25.0, date(2023, 6, 1), "far"),
        (11.0, None, 14.0, None, "within_tolerance"),  # unknown elapsed: tolerance 3.5
        (10.0, D0, 13.0, D0, "within_tolerance"),  # heaped 10: tolerance 3.0
        (11.0, D0, 14.0, D0, "within_2_tolerance"),  # not heaped: 3 > 2.0
    ],
    ids=[
        "missing",
        "close",
        "near",
        "tolerance",
        "2x",
        "3x",
        "far",
        "no-dates",
        "heaped",
        "not-heaped",
    ],
)
def test_age_levels_follow_elapsed_time_and_heaping(
    report_age: float | None, report_day: date | None, age: float, day: date | None, expected: str
) -> None:
    r = Prepared(age=report_age, day=report_day)
    i = Prepared(age=age, day=day)
    assert level(r, i, Field.AGE) == expected


@pytest.mark.parametrize(
    ("report", "interception", "expected"),
    [
        (Prepared(father=("abdul",)), Prepared(), "missing"),
        (Prepared(name=("rahima",)), Prepared(name=("rahima",)), "missing"),
        (
            Prepared(name=("rahima",), father=("abdul", "karim")),
            Prepared(name=("rahima",), father=("abdul", "karim")),
            "given_agrees",
        ),
        (
            Prepared(name=("sumaiya",), father=("abdul", "karim"), age=12.0),
            Prepared(name=("rahima",), father=("abdul", "karim"), age=12.0),
            "nickname",
        ),
        (
            Prepared(name=("sumaiya",), father=("abdul", "karim"), age=9.0),
            Prepared(name=("rahima",), father=("abdul", "karim"), age=12.0),
            "sibling",
        ),
        (
            Prepared(name=("sumaiya",), father=("abdul", "karim")),
            Prepared(name=("rahima",), father=("abdul", "karim")),
            "sibling",
        ),
        (
            Prepared(name=("sumaiya",), phone="1712345678", age=14.0),
            Prepared(name=("rahima",), phone="1712345678", age=10.0),
            "sibling",
        ),
        (
            Prepared(name=("rahima",), father=("sumon", "das")),
            Prepared(name=("rahima",), father=("abdul", "karim")),
            "missing",
        ),
        (
            Prepared(name=("rahima",), father=("abdul", "jabbar")),
            Prepared(name=("rahima",), father=("abdul", "karim")),
            "missing",
        ),
    ],
    ids=[
        "no-name",
        "no-family-info",
        "same-child",
        "other-name-age-as-expected",
        "sibling-age-off",
        "sibling-age-unknown",
        "sibling-by-phone",
        "other-family-no-pattern",
        "shared-first-name-only-no-pattern",
    ],
)
def test_family_levels(report: Prepared, interception: Prepared, expected: str) -> None:
    assert level(report, interception, Field.FAMILY) == expected


def test_age_tolerance_widens_with_elapsed_time_and_heaping() -> None:
    assert age_tolerance(0.0, heaped=False) < age_tolerance(4.0, heaped=False)
    assert age_tolerance(2.0, heaped=False) < age_tolerance(2.0, heaped=True)
    assert age_tolerance(None, heaped=False) > age_tolerance(0.0, heaped=False)


@pytest.mark.parametrize(
    ("report_day", "day", "expected"),
    [
        (None, D0, "missing"),
        (D0, date(2022, 1, 1), "after_report"),
        (D0, D0, "after_report"),
        (D0, D0 - timedelta(days=31), "report_within_month"),
        (D0, D0 - timedelta(days=32), "report_within_half_year"),
        (D0, D0 - timedelta(days=183), "report_within_half_year"),
        (D0, D0 - timedelta(days=300), "report_within_year"),
        (D0, D0 - timedelta(days=366), "report_within_year"),
        (D0, D0 - timedelta(days=367), "report_years_after"),
        (D0, date(2018, 1, 1), "report_years_after"),
    ],
    ids=[
        "missing",
        "after",
        "same-day",
        "report-31-days-after",
        "report-32-days-after",
        "report-half-year-after",
        "report-300-days-after",
        "report-366-days-after",
        "report-367-days-after",
        "report-years-after",
    ],
)
def test_date_order_levels(report_day: date | None, day: date, expected: str) -> None:
    assert level(Prepared(day=report_day), Prepared(day=day), Field.DATE_ORDER) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, "01712345678", "missing"),
        ("01712345678", "+8801712345678", "same"),
        ("01712345678", "01712345679", "one_digit_off"),
        ("01712345678", "01898765432", "different"),
    ],
    ids=["missing", "same-other-format", "one-digit", "different"],
)
def test_phone_levels(a: str | None, b: str, expected: str) -> None:
    r = Prepared(phone=normalize_phone(a))
    i = Prepared(phone=normalize_phone(b))
    assert level(r, i, Field.PHONE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01712345678", "1712345678"),
        ("+880 1712-345678", "1712345678"),
        ("০১৭১২৩৪৫৬৭৮", "1712345678"),
        ("12345", None),
        ("", None),
        (None, None),
        ("📞📞", None),
    ],
    ids=["local", "international", "bangla-digits", "too-short", "empty", "none", "emoji"],
)
def test_normalize_phone(text: str | None, expected: str | None) -> None:
    assert normalize_phone(text) == expected


def _place(text: str) -> Prepared:
    place = resolve_place(text)
    if place is None:
        pytest.skip("gazetteer cannot resolve the place yet")
    return Prepared(place=place)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Jashore", "Jessore", "same_district"),
        ("Jashore", "Jhenaidah", "neighbour"),
        ("Jashore", "Sylhet", "far"),
    ],
    ids=["same-district-old-spelling", "neighbour", "far"],
)
def test_place_levels(a: str, b: str, expected: str) -> None:
    assert level(_place(a), _place(b), Field.PLACE) == expected


def test_place_missing_is_null_level() -> None:
    assert level(Prepared(), _place("Jashore"), Field.PLACE) == "missing"


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "😀😀", "x" * 10_000, "Rahima রহিমা 😀", "\u200b\u200c"],
    ids=["none", "empty", "blank", "emoji", "10kB", "mixed", "zero-width"],
)
def test_bad_text_never_raises(text: str | None) -> None:
    report = Report("r", name=text, father_name=text, district=text, guardian_phone=text)
    interception = Interception("i", name=text, home_district=text, guardian_phone=text)
    pair = compare_pair(prepare_report(report), prepare_interception(interception), bits=bits)
    assert len(pair.levels) == len(FIELDS)
    assert len(name_tokens(text)) <= 4


TOKENS = ["rahima", "rohima", "khatun", "akter", "karim", "abdul", "sumon", "das", "begum"]
names = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=4).map(" ".join)
dates = st.one_of(st.none(), st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 1, 1)))
ages = st.one_of(st.none(), st.integers(min_value=3, max_value=18).map(float))
sexes = st.one_of(st.none(), st.sampled_from(list(Sex)))
districts = st.one_of(st.none(), st.sampled_from(["Jashore", "Jhenaidah", "Dhaka", "Sylhet"]))
phones = st.one_of(st.none(), st.sampled_from(["01712345678", "01712345679", "01898765432"]))


@st.composite
def reports(draw: st.DrawFn, i: int) -> Report:
    return Report(
        f"r{i}",
        name=draw(names),
        father_name=draw(names),
        mother_name=draw(names),
        sex=draw(sexes),
        age=draw(ages),
        report_date=draw(dates),
        district=draw(districts),
        guardian_phone=draw(phones),
    )


@st.composite
def interceptions(draw: st.DrawFn) -> Interception:
    return Interception(
        "i",
        name=draw(names),
        father_name=draw(names),
        mother_name=draw(names),
        sex=draw(sexes),
        age=draw(ages),
        interception_date=draw(dates),
        home_district=draw(districts),
        guardian_phone=draw(phones),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rs=st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(*[reports(i) for i in range(n)])
    ),
    it=interceptions(),
)
def test_vectorised_levels_agree_with_reference(rs: tuple[Report, ...], it: Interception) -> None:
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(rs)
    fast = index.levels_for(list(range(len(rs))), it)
    slow = np.array(
        [
            compare_pair(
                prepare_report(r),
                prepare_interception(it),
                bits=index.token_bits,
                parent_bits=index.parent_token_bits,
            ).levels
            for r in rs
        ]
    )
    assert fast.tolist() == slow.tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rs=st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(*[reports(i) for i in range(n)])
    ),
    it=interceptions(),
)
def test_vectorised_details_equal_the_reference(rs: tuple[Report, ...], it: Interception) -> None:
    """The details the index explains its top candidates with come from the vectorised pass;
    they must be exactly what the per-pair reference computes."""
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(rs)
    rows = np.arange(len(rs), dtype=np.int32)
    p = prepare_interception(it)
    compared = index.compare(index.given_rows(it, rows), details=True)
    levels, details = compared.levels, compared.details
    assert details is not None
    for i, r in enumerate(rs):
        ref = compare_pair(
            prepare_report(r), p, bits=index.token_bits, parent_bits=index.parent_token_bits
        )
        assert tuple(levels[i].tolist()) == ref.levels
        assert details.row(i, prepare_report(r).place, p) == ref.details


@st.composite
def many_interceptions(draw: st.DrawFn) -> Interception:
    it = draw(interceptions())
    return Interception(
        f"i{draw(st.integers(0, 10**6))}",
        name=it.name,
        father_name=it.father_name,
        mother_name=it.mother_name,
        sex=it.sex,
        age=it.age,
        interception_date=it.interception_date,
        home_district=it.home_district,
        guardian_phone=it.guardian_phone,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rs=st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(*[reports(i) for i in range(n)])
    ),
    queries=st.lists(
        st.tuples(many_interceptions(), st.lists(st.integers(0, 7), max_size=6)),
        min_size=1,
        max_size=6,
    ),
)
def test_comparing_many_queries_at_once_equals_comparing_each(
    rs: tuple[Report, ...], queries: list[tuple[Interception, list[int]]]
) -> None:
    """Choosing the levels of many queries' stacked measurements in one pass (what new reports
    looking for their children use) gives each query exactly its own levels and details — also
    for a query with no rows, or whose interception lacks a field the others have."""
    index = MatchIndex(MatchModel.hand_set())
    index.add_many(rs)
    asked = [index.given_rows(it, [r % len(rs) for r in rows]) for it, rows in queries]
    together = index.compare_all(asked, details=True)
    assert len(together) == len(asked)
    for one, batch in zip(asked, together, strict=True):
        alone = index.compare(one, details=True)
        assert batch.interception_id == alone.interception_id
        assert batch.rows.tolist() == alone.rows.tolist()
        assert batch.levels.dtype == alone.levels.dtype
        assert batch.levels.tolist() == alone.levels.tolist()
        assert batch.details is not None
        assert alone.details is not None
        for i, row in enumerate(alone.rows.tolist()):
            place = prepare_report(rs[row]).place
            assert batch.details.row(i, place, one.query) == alone.details.row(i, place, one.query)


@given(a=st.lists(st.sampled_from(TOKENS), max_size=4), b=st.lists(st.sampled_from(TOKENS)))
def test_alignment_similarity_is_symmetric_and_bounded(a: list[str], b: list[str]) -> None:
    s = alignment_similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(alignment_similarity(b, a))


@pytest.mark.parametrize(
    ("district", "upazila", "expected"),
    [
        ("Jhenaidah", "Kaliganj", ("Kaliganj", "BD-23")),
        ("Gazipur", "Kaliganj", ("Kaliganj", "BD-18")),
        ("Jashore", None, ("Jashore", "BD-22")),
        (None, None, None),
        (12, ["Kaliganj"], None),
    ],
    ids=["shared-upazila-jhenaidah", "shared-upazila-gazipur", "district-only", "none", "non-text"],
)
def test_home_place_reads_district_and_upazila_together(
    district: object, upazila: object, expected: tuple[str, str] | None
) -> None:
    # "Kaliganj" lies in several districts: only the two fields read together say which one
    place = home_place(district, upazila)  # type: ignore[arg-type]
    assert (None if place is None else (place.name, place.district_code)) == expected


@pytest.mark.parametrize(
    ("given_bits", "expected"),
    [(12.0, "same_rare"), (8.0, "same_rare"), (7.9, "same_common"), (1.0, "same_common")],
    ids=["rare", "at-threshold", "just-below", "common"],
)
def test_same_given_name_is_graded_by_its_rarity(given_bits: float, expected: str) -> None:
    # agreeing on "Mandakranta" is stronger evidence than agreeing on "Rahima"
    pair = compare_pair(
        Prepared(name=("rahima", "khatun")),
        Prepared(name=("rahima", "begum")),
        bits=lambda _: given_bits,
    )
    given = COMPARISON_BY_FIELD[Field.GIVEN_NAME]
    assert given.levels[pair.level(Field.GIVEN_NAME)].key == expected


def test_relation_codes_are_kept_per_place_list() -> None:
    """Two indexes (the reports' and the open interceptions') asked about one place in turn:
    each list's codes stay cached — the second round recomputes nothing — and every code is
    the place relation itself, for lists that also grow between calls."""
    from matcher.compare import RELATION_CODE, relation
    from matcher.compare_many import relation_codes
    from matcher.levels import PlaceCode

    names = ["Jashore", "Sharsha", "Khulna", "Dhaka", "Benapole", "Satkhira", "Rangpur"]
    resolved = [resolve_place(n) for n in names]
    places = [p for p in resolved if p is not None]
    query = places[0]
    a, b = places[:4], places[2:]
    first = (relation_codes(a, query), relation_codes(b, query))
    again = (relation_codes(a, query), relation_codes(b, query))
    assert again[0] is first[0]
    assert again[1] is first[1]
    a.append(places[-1])  # a list only grows: the new place's code is added
    grown = relation_codes(a, query)
    for lst, codes in ((a, grown), (b, again[1])):
        assert codes.tolist() == [RELATION_CODE[relation(o, query)] for o in lst] + [
            PlaceCode.UNKNOWN
        ]
