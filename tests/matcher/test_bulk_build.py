"""The bulk index build (column by column, per distinct value) equals the one-report-at-a-time
reference: same rows, token and place numbers, columns, rarities and postings."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from matcher import index as index_module
from matcher.index import MatchIndex
from matcher.model import MatchModel
from matcher.records import Report, Sex
from training_data.generate import Split, generate


def _bulk(reports: list[Report], *, keep_reports: bool = True) -> MatchIndex:
    index = MatchIndex(MatchModel.hand_set(), keep_reports=keep_reports)
    index.add_many(reports)
    return index


def _one_by_one(reports: list[Report], *, keep_reports: bool = True) -> MatchIndex:
    index = MatchIndex(MatchModel.hand_set(), keep_reports=keep_reports)
    index._add_each(reports)
    index._block.flush()
    return index


def _assert_same(got: MatchIndex, want: MatchIndex) -> None:
    a, b = got.to_part(), want.to_part()
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name.startswith("posting_"):  # same rows in the same order for every key
            x = x[np.argsort(a.posting_hashes, kind="stable")]
            y = y[np.argsort(b.posting_hashes, kind="stable")]
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, field.name
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name
    assert got._store.row_of == want._store.row_of
    assert got._store.alive_count == want._store.alive_count
    np.testing.assert_array_equal(got._store.name_bits(), want._store.name_bits())
    np.testing.assert_array_equal(got._store.parent_bits(), want._store.parent_bits())
    np.testing.assert_array_equal(got._store._common, want._store._common)
    assert got._block._deletes == want._block._deletes


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    return list(generate(n_reports=3000, n_interceptions=10, seed=21, split=Split.TEST).reports)


@pytest.mark.parametrize("keep_reports", [True, False])
def test_bulk_build_equals_one_by_one_on_generated_reports(
    reports: list[Report], keep_reports: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_BLOCK", 700)  # several blocks, names met again later
    monkeypatch.setattr(index_module, "_SMALL_BLOCK", 2)
    _assert_same(
        _bulk(reports, keep_reports=keep_reports), _one_by_one(reports, keep_reports=keep_reports)
    )


def test_bulk_build_equals_one_by_one_with_replacements_and_odd_values(
    reports: list[Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_BLOCK", 50)
    monkeypatch.setattr(index_module, "_SMALL_BLOCK", 2)  # the odd values go column-wise too
    odd = [
        Report("odd-1", name="  ", father_name="", sex=None, age=float("nan")),
        Report("odd-2", name="Md", father_name="Abdul Abdul Karim Karim", age=-3),
        Report("odd-3", name="রহিমা খাতুন", guardian_phone="০১৭১২৩৪৫৬৭৮", age=7.5, sex=Sex.FEMALE),
        Report(
            "odd-4", name="Rahim", guardian_phone="+880 1712-345678", report_date=date(2020, 1, 1)
        ),
        Report("odd-5", name="Rahim", age=130, district="Dhaka", upazila="Savar"),
        Report("odd-6", name=None, father_name="Karim", mother_name="Jahanara", district="nowhere"),
    ]
    again = [dataclasses.replace(r, name="Sumon Das") for r in reports[:40:3]]
    stream = [*reports[:200], *odd, *again, reports[5], *odd[:2], *reports[200:400]]
    _assert_same(_bulk(stream), _one_by_one(stream))
    # a second call meets names the first one interned, and replaces across calls
    first, second = _bulk(stream[:250]), _one_by_one(stream[:250])
    first.add_many(stream[250:])
    second._add_each(stream[250:])
    second._block.flush()
    _assert_same(first, second)


def test_a_value_no_report_should_hold_falls_back_to_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "_SMALL_BLOCK", 1)
    weird = [Report("a", name="Rahima"), Report("b", name=["not", "text"])]  # type: ignore[arg-type]
    index = _bulk(weird, keep_reports=False)
    assert len(index) == 2
    assert index.names_of([0, 1]) == [index.names_of([0])[0], ()]
