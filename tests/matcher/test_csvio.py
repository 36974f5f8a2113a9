"""CSV readers (rejects, headers, scripts) and atomic writers. All data here is synthetic."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.csvio import (
    CANDIDATE_EXTRA_COLUMNS,
    REJECT_COLUMNS,
    EncodingError,
    MissingColumnError,
    Reject,
    RejectCounter,
    atomic_write,
    format_candidates,
    iter_candidates,
    iter_interceptions,
    iter_reports,
    open_csv_bytes,
    read_text_source,
    read_truth,
    safe_cell,
    sniff_encoding,
    split_csv,
    write_candidate_text,
    write_candidates,
    write_rejects,
)
from matcher.csvio import split as csvio_split
from matcher.fields import (
    AGE_REASON,
    DATE_REASON,
    FUTURE_REASON,
    NO_DETAIL_REASON,
    SEX_REASON,
)
from matcher.records import (
    CANDIDATE_COLUMNS,
    INTERCEPTION_COLUMNS,
    REPORT_COLUMNS,
    Band,
    Candidate,
    Contribution,
    Interception,
    Report,
    Sex,
    Verdict,
)

HEADER = ",".join(REPORT_COLUMNS)
GOOD = "R1,Rahima Khatun,Abdul Karim,,F,12,2024-03-01,Jashore,Sadar,Kotwali,01700000000"


def reports_from(text: str) -> tuple[list[str], list[Reject]]:
    counter = RejectCounter()
    ids = [r.report_id for r in iter_reports(read_text_source(text), on_reject=counter)]
    return ids, counter.rejects


def test_good_row_is_parsed_into_typed_fields() -> None:
    [rep] = list(iter_reports(read_text_source(f"{HEADER}\n{GOOD}\n")))
    assert rep.report_id == "R1"
    assert rep.sex is Sex.FEMALE
    assert rep.age == 12.0
    assert rep.report_date == date(2024, 3, 1)
    assert rep.mother_name is None  # blank is unknown
    assert rep.guardian_phone == "01700000000"


def test_bangla_script_values_and_bom_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    header = "Extra," + HEADER.replace("report_id", " Report_ID ")
    row = "x,R7,মোছাঃ রহিমা খাতুন,মোঃ আব্দুল করিম,,মেয়ে,12,2024-03-01,যশোর,,,"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8-sig")
    [rep] = list(iter_reports(path))
    assert rep.report_id == "R7"
    assert rep.name == "মোছাঃ রহিমা খাতুন"
    assert rep.sex is Sex.FEMALE
    assert rep.district == "যশোর"


BAD_ROWS = [
    (",Name,,,F,12,2024-01-01,,,,", "report_id", "id is empty"),
    ("R1,Name,,,F,12,2024-01-01,,,,", "report_id", "duplicate id (first seen at row 2)"),
    ("R2,Name,,,X,12,2024-01-01,,,,", "sex", SEX_REASON),
    ("R3,Name,,,F,abc,2024-01-01,,,,", "age", AGE_REASON),
    ("R4,Name,,,F,999,2024-01-01,,,,", "age", AGE_REASON),
    ("R5,Name,,,F,12,not a date,,,,", "report_date", DATE_REASON),
    ("R6,Name,,,F,12", "row", "row has 6 fields, header has 11"),
    ("R7,Name,,,F,12,14/03/2099,,,,", "report_date", FUTURE_REASON),
    ("R8,,,,,,14/03/2025,,,Sharsha PS,", "row", NO_DETAIL_REASON),
]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    BAD_ROWS,
    ids=[
        "empty-id",
        "duplicate-id",
        "bad-sex",
        "age-abc",
        "age-999",
        "bad-date",
        "short-row",
        "future-date",
        "nothing-about-the-child",
    ],
)
def test_bad_row_is_rejected_and_good_rows_still_flow(row: str, field: str, reason: str) -> None:
    ids, rejects = reports_from(f"{HEADER}\n{GOOD}\n{row}\nR9,Other,,,M,8,,,,,\n")
    assert ids == ["R1", "R9"]
    assert len(rejects) == 1
    assert (rejects[0].row_number, rejects[0].field, rejects[0].reason) == (3, field, reason)


def test_reason_never_quotes_the_value() -> None:
    _, rejects = reports_from(f"{HEADER}\nR1,Name,,,F,secret-age,secret-date,,,,\n")
    assert {r.field for r in rejects} == {"age", "report_date"}
    assert all("secret" not in r.reason for r in rejects)


def test_row_with_two_bad_fields_yields_two_rejects_one_row() -> None:
    counter = RejectCounter()
    list(iter_reports(read_text_source(f"{HEADER}\nR1,N,,,Q,abc,,,,,\n"), on_reject=counter))
    assert len(counter) == 2
    assert counter.rows == 1


def test_blank_lines_are_skipped_and_row_numbers_count_them() -> None:
    ids, rejects = reports_from(f"{HEADER}\n\n{GOOD}\nR2,N,,,F,zz,,,,,\n")
    assert ids == ["R1"]
    assert rejects[0].row_number == 4


def test_invalid_utf8_bytes_reject_the_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(f"{HEADER}\n".encode() + b"R1,Ra\xffhima,,,F,12,,,,,\n" + GOOD.encode())
    counter = RejectCounter()
    ids = [r.report_id for r in iter_reports(path, on_reject=counter)]
    # GOOD re-uses id R1 but the first R1 row was rejected before its id was recorded
    assert ids == ["R1"]
    assert [(r.field, r.reason) for r in counter.rejects] == [("name", "text is not valid UTF-8")]
    assert counter.rejects[0].source == "r.csv"


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        (("age",), "age"),
        (("report_id", "sex"), "report_id"),
        (("guardian_phone",), "guardian_phone"),
    ],
    ids=["age", "id-and-sex", "phone"],
)
def test_missing_column_is_a_clear_error_before_any_row(
    drop: tuple[str, ...], expected: str
) -> None:
    header = ",".join(c for c in REPORT_COLUMNS if c not in drop)
    with pytest.raises(MissingColumnError, match=expected) as info:
        iter_reports(read_text_source(f"{header}\n"), label="reports.csv")  # no next(): eager
    assert info.value.column == expected
    assert set(info.value.columns) == set(drop)
    assert "reports.csv" in str(info.value)


def test_empty_file_is_a_missing_column_error() -> None:
    with pytest.raises(MissingColumnError):
        iter_interceptions(read_text_source(""))


def test_interceptions_reader_uses_its_own_columns() -> None:
    header = ",".join(INTERCEPTION_COLUMNS)
    text = f"{header}\nI1,Rohima,Abdul,,F,12,2025-01-02,Jessore,,Benapole,\n"
    counter = RejectCounter()
    recs = list(iter_interceptions(read_text_source(text), on_reject=counter))
    assert [r.interception_id for r in recs] == ["I1"]
    assert counter.rejects == []
    assert recs[0].interception_date == date(2025, 1, 2)
    assert recs[0].home_district == "Jessore"
    assert recs[0].border_post == "Benapole"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_reader_never_raises_on_arbitrary_cell_text(cell: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(REPORT_COLUMNS)
    writer.writerow(["R1", cell, cell, cell, cell, cell, cell, cell, cell, cell, cell])
    buf.seek(0)
    counter = RejectCounter()
    got = list(iter_reports(buf, on_reject=counter))
    assert len(got) + counter.rows <= 1


def candidate(iid: str, rid: str, rank: int, score: float, band: Band) -> Candidate:
    return Candidate(
        iid, rid, rank, score, band, (Contribution("father_name", Verdict.AGREE, 2.5, "same key"),)
    )


def test_write_candidates_then_read_back(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    cands = [
        candidate("I1", "R1", 1, 0.98765, Band.MATCH),
        candidate("I1", "R2", 2, 0.1, Band.NO_MATCH),
    ]
    assert write_candidates(cands, out) == 2
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == (*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS)
    assert rows[1] == [
        "I1",
        "R1",
        "1",
        "0.9877",
        "match",
        "father_name: agree, same key (+2.5)",
        "father_name",
        "2.50",
    ]
    back = list(iter_candidates(out))
    assert [(c.report_id, c.rank, c.band) for c in back] == [
        ("R1", 1, Band.MATCH),
        ("R2", 2, Band.NO_MATCH),
    ]


def test_write_rejects_columns_and_content(tmp_path: Path) -> None:
    out = tmp_path / "bad.csv"
    write_rejects([Reject("r.csv", 3, None, "report_id", "id is empty")], out)
    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert tuple(rows[0]) == REJECT_COLUMNS
    assert rows[1] == ["r.csv", "3", "", "report_id", "id is empty"]


def test_atomic_write_leaves_old_file_and_no_temp_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    out.write_text("old\n")

    def exploding() -> object:
        yield candidate("I1", "R1", 1, 0.5, Band.REVIEW)
        raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError, match="crash"):
        write_candidates(exploding(), out)  # type: ignore[arg-type]
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_atomic_write_creates_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "new.csv"

    def write_then_fail() -> None:
        with atomic_write(out) as fh:
            fh.write("partial")
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        write_then_fail()
    assert list(tmp_path.iterdir()) == []


def test_read_truth_with_slices_and_unreported(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text(
        "interception_id,report_id,duplicate_report_ids,cross_script,nickname_only,note\n"
        "I1,R1,R1b|R1c,1,0,x\nI2,,,0,true,\nI3,R3,,0,0,\n",
        encoding="utf-8",
    )
    truth = read_truth(path)
    assert truth.matches == {
        "I1": frozenset({"R1", "R1b", "R1c"}),
        "I2": frozenset(),
        "I3": frozenset({"R3"}),
    }
    assert truth.slices == {"cross_script": frozenset({"I1"}), "nickname_only": frozenset({"I2"})}


def test_read_truth_missing_report_id_column(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text("interception_id,x\nI1,1\n", encoding="utf-8")
    with pytest.raises(MissingColumnError) as info:
        read_truth(path)
    assert info.value.column == "report_id"


@pytest.mark.parametrize(
    ("record_type", "columns"),
    [(Report, REPORT_COLUMNS), (Interception, INTERCEPTION_COLUMNS)],
    ids=["report", "interception"],
)
def test_record_fields_follow_csv_column_order(record_type: type, columns: tuple[str, ...]) -> None:
    # the readers build records positionally in CSV column order, for speed
    assert tuple(f.name for f in dataclasses.fields(record_type)) == columns


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s and "\ufffd" not in s),
            st.integers(1, 50),
            st.floats(0, 1),
            st.sampled_from(list(Band)),
        ),
        max_size=8,
    )
)
def test_candidates_round_trip_through_csv(rows: list[tuple[str, int, float, Band]]) -> None:
    import tempfile

    cands = [Candidate(rid, rid, rank, score, band) for rid, rank, score, band in rows]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "c.csv"
        write_candidates(cands, out)
        back = list(iter_candidates(out))
    assert [(c.interception_id, c.report_id, c.rank, c.band) for c in back] == [
        (c.interception_id, c.report_id, c.rank, c.band) for c in cands
    ]
    assert [c.score for c in back] == pytest.approx([c.score for c in cands], abs=5e-5)


# --------------------------------------------------------------------------- slices


def _row(i: int) -> str:
    return f"R{i},Name {i},Father {i},,F,{i % 15},2024-03-01,Jashore,Sadar,Kotwali,017{i:08d}"


def _read_by_slices(path: Path, parts: int) -> tuple[list[str], list[Reject]]:
    ids: list[str] = []
    counter = RejectCounter()
    for part in split_csv(path, parts):
        ids += [r.report_id for r in iter_reports(path, part=part, on_reject=counter)]
    return ids, counter.rejects


def _read_whole(path: Path) -> tuple[list[str], list[Reject]]:
    counter = RejectCounter()
    return [r.report_id for r in iter_reports(path, on_reject=counter)], counter.rejects


SLICE_CASES = {
    "plain": [_row(i) for i in range(60)],
    "bad rows and blank lines": [
        _row(i) if i % 7 else ("" if i % 2 else f"R{i},x,,,Q,abc,not a date,,,,") for i in range(60)
    ],
    "duplicate id inside a slice": [_row(i if i != 5 else 4) for i in range(60)],
    "short rows": [_row(i) if i % 5 else f"R{i},only,three" for i in range(60)],
}


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("parts", [2, 3, 7], ids=["2", "3", "7"])
@pytest.mark.parametrize("lines", list(SLICE_CASES.values()), ids=list(SLICE_CASES))
def test_slices_read_exactly_like_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str], parts: int, newline: str
) -> None:
    monkeypatch.setattr(csvio_split, "_SPLIT_MIN_BYTES", 0)
    path = tmp_path / "r.csv"
    path.write_bytes(newline.join([HEADER, *lines, ""]).encode())
    slices = split_csv(path, parts)
    assert 2 <= len(slices) <= parts
    assert [s.start for s in slices[1:]] == [s.stop for s in slices[:-1]]  # contiguous
    assert slices[-1].stop == path.stat().st_size
    assert _read_by_slices(path, parts) == _read_whole(path)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (f'{_row(1)}\nR2,"Name, with comma",,,F,9,,,,,\n' * 30, "quote"),
        (f"{_row(1)}\rR2,a,,,F,9,,,,,\n" * 30, "bare CR"),
    ],
    ids=["quoted field", "bare carriage return"],
)
def test_files_that_cannot_be_cut_safely_are_one_slice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, why: str
) -> None:
    monkeypatch.setattr(csvio_split, "_SPLIT_MIN_BYTES", 0)
    path = tmp_path / "r.csv"
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8", newline="")
    assert len(split_csv(path, 2)) == 1, why


def test_small_files_are_one_slice(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("\n".join([HEADER, *(_row(i) for i in range(50))]) + "\n")
    assert len(split_csv(path, 2)) == 1


def test_ids_seen_lists_every_accepted_id_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("\n".join([HEADER, _row(1), "R2,x,,,F,abc,,,,,", _row(3)]) + "\n")
    seen: dict[str, int] = {}
    list(iter_reports(path, ids_seen=seen))
    assert seen == {"R1": 2, "R3": 4}  # R2 was rejected (age): its id is not taken


def test_a_rejected_rows_id_is_not_remembered(tmp_path: Path) -> None:
    """Issue 15: remembering every rejected row's id made a file of millions of bad rows cost
    hundreds of megabytes. Only good rows take their id; a later good row with the id of a
    rejected one is the first of that id to be kept, so it is accepted."""
    path = tmp_path / "r.csv"
    path.write_text("\n".join([HEADER, "R2,x,,,F,abc,,,,,", _row(2), _row(2)]) + "\n")
    rejects = RejectCounter()
    kept = [r.report_id for r in iter_reports(path, on_reject=rejects)]
    assert kept == ["R2"]
    assert [(r.row_number, r.field) for r in rejects.rejects] == [(2, "age"), (4, "report_id")]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_characters='",\r\n', blacklist_categories=("Cs",))),
        min_size=1,
        max_size=40,
    ),
    st.integers(2, 5),
)
def test_slices_agree_with_whole_file_on_arbitrary_names(names: list[str], parts: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        rows = [f"R{i},{n},,,,,,,,," for i, n in enumerate(names)]
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        old = csvio_split._SPLIT_MIN_BYTES
        csvio_split._SPLIT_MIN_BYTES = 0
        try:
            assert _read_by_slices(path, parts) == _read_whole(path)
        finally:
            csvio_split._SPLIT_MIN_BYTES = old


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=8),
            st.text(max_size=60),
            st.floats(0, 1),
            st.sampled_from(list(Band)),
        ),
        max_size=6,
    )
)
def test_formatted_text_writes_the_same_file_as_write_candidates(
    rows: list[tuple[str, str, float, Band]],
) -> None:
    import tempfile

    cands = [
        Candidate(
            iid, "R1", rank, score, band, (Contribution("name", Verdict.DISAGREE, -0.25, label),)
        )
        for rank, (iid, label, score, band) in enumerate(rows, start=1)
    ]
    with tempfile.TemporaryDirectory() as folder:
        a, b = Path(folder) / "a.csv", Path(folder) / "b.csv"
        write_candidates(cands, a)
        write_candidate_text([format_candidates(cands[:2]), format_candidates(cands[2:])], b)
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-2.40", "-2.40"),
        ("+880", "+880"),
        ("R-1", "R-1"),
        (3, 3),
    ],
    ids=[
        "equals",
        "plus",
        "minus-formula",
        "at",
        "tab",
        "cr",
        "neg-number",
        "plus-digits",
        "id",
        "int",
    ],
)
def test_exported_cells_never_start_a_formula(cell: object, written: object) -> None:
    assert safe_cell(cell) == written


def test_candidates_and_rejects_files_neutralise_formula_ids(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://example.invalid","x")'
    cand = Candidate(evil, "@SUM(A1)", 1, 0.5, Band.REVIEW)
    write_candidates([cand], tmp_path / "c.csv")
    rows = list(csv.reader((tmp_path / "c.csv").open(encoding="utf-8", newline="")))
    assert rows[1][:2] == ["'" + evil, "'@SUM(A1)"]
    written = (tmp_path / "c.csv").read_bytes().decode("utf-8")
    assert format_candidates([cand]) == written.split("\r\n", 1)[1]
    assert [(c.interception_id, c.report_id) for c in iter_candidates(tmp_path / "c.csv")] == [
        (evil, "@SUM(A1)")
    ]
    write_rejects([Reject("reports.csv", 2, "+cmd|x", "age", "bad age")], tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert rows[1][2] == "'+cmd|x"


SNIFFED = [
    ("utf-8", "report_id,name\nR1,রহিমা\n".encode(), None),
    ("utf-8-bom", "\ufeffreport_id,name\nR1,Rahima\n".encode(), None),
    ("utf-16-le-bom", "report_id,name\nR1,Rahima\n".encode("utf-16"), "UTF-16"),
    ("utf-16-be-bom", b"\xfe\xff" + "report_id,name\n".encode("utf-16-be"), "UTF-16"),
    ("utf-16-no-bom", "report_id,name\nR1,Rahima\n".encode("utf-16-le"), "UTF-16"),
    ("utf-32", "report_id,name\nR1,Rahima\n".encode("utf-32"), "UTF-32"),
    ("utf-32-no-bom", "report_id,name\nR1,Rahima\n".encode("utf-32-le"), "UTF-32"),
    (
        "xlsx",
        b"PK\x03\x04" + b"\x00" * 40,
        "an Excel workbook (.xlsx) or another zip archive, not a CSV",
    ),
    (
        "xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40,
        "an Excel 97-2003 workbook (.xls), not a CSV",
    ),
    ("one-stray-nul", b"report_id,name\nR1,Ra\x00hima\nR2,Karim\n", None),
    ("latin-1", "report_id,name\nR1,José\n".encode("latin-1"), None),
    ("empty", b"", None),
]


@pytest.mark.parametrize(
    ("data", "found"), [(d, f) for _, d, f in SNIFFED], ids=[i for i, _, _ in SNIFFED]
)
def test_sniff_encoding(data: bytes, found: str | None) -> None:
    assert sniff_encoding(data) == found


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_file_that_is_not_utf8_is_refused_by_name_before_any_row(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n", encoding=encoding)
    with pytest.raises(EncodingError, match="save it as UTF-8") as caught:
        iter_reports(path)
    assert str(caught.value).startswith(f"reports.csv: this file is {encoding[:6].upper()};")


def test_open_csv_bytes_reads_utf8_and_leaves_the_stream_where_it_was() -> None:
    raw = io.BytesIO(("\ufeff" + f"{HEADER}\n{GOOD}\n").encode())
    text = open_csv_bytes(raw, source="upload")
    assert [r.report_id for r in iter_reports(text)] == ["R1"]
    text.detach()
    assert not raw.closed
    with pytest.raises(EncodingError, match="upload: this file is UTF-16"):
        open_csv_bytes(io.BytesIO(f"{HEADER}\n".encode("utf-16")), source="upload")
