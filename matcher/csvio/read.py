"""Streaming CSV readers for the batch data contract: reports, interceptions, candidates, truth.

Spec (issue 3, "Data contract"):

- Input files are UTF-8 (a leading BOM, as Excel writes, is accepted) with a header row. A file
  that is not UTF-8 text at all is refused by name before any row is read, here and only here
  (:func:`sniff_encoding`, :class:`EncodingError`: "this file is UTF-16; save it as UTF-8"):
  UTF-16 or UTF-32 (a byte-order mark, or the NUL bytes such text has between Latin letters)
  and Excel workbooks. Paths are checked by the readers; a door holding an upload's bytes opens
  them with :func:`open_csv_bytes`, which checks the same way. Header
  names are matched after stripping spaces and case-folding, so ``Report_ID`` works. Unknown extra
  columns are ignored. Every contract column (``REPORT_COLUMNS`` / ``INTERCEPTION_COLUMNS``) must
  be present -- its *values* may be blank, except the id -- and a missing one raises
  :class:`MissingColumnError` *when the reader is created*, before any row is read, naming the
  column(s).
- Readers are generators: memory stays flat however long the file is. Bad rows never stop the
  stream; each problem becomes a :class:`Reject` handed to ``on_reject`` and the row is skipped,
  while the good rows keep flowing. A row is rejected for: an empty id, the id of an earlier
  good row of this file (ids of rejected rows are not remembered, so memory grows with the good
  rows only), a sex, age or date the readers of :mod:`matcher.fields` refuse (the same rules and
  words as the API and the web forms: sex M/F or a word for it, an age in 0-120, a day-first
  date not after today), a row that says nothing about the child (field ``row``), a wrong number
  of fields, or bytes that are not UTF-8. One row can yield several rejects (one per bad field).
- ``Reject.row_number`` counts the header as row 1, so the first data row is row 2: the number a
  spreadsheet shows beside the row. (A quoted field with an embedded newline still counts as one
  row, as in a spreadsheet.)
- Values are kept as written (stripped); blank means unknown (``None``). Sex, ages and dates go
  through :mod:`matcher.fields` (either script, either digit set).
- Nothing here logs field values: rejects carry the id, the column name and a reason written
  without the offending value, because values can be names or phone numbers.
- A slice of a big reports file (:func:`matcher.csvio.split.split_csv`) is read with
  ``iter_reports(path, part=...)``: rejects carry the same row numbers as a whole-file read.
  Duplicate ids *across* slices are the caller's to check (``ids_seen``); within a slice they
  are rejected as usual.
- :func:`iter_candidates` reads a candidates CSV back (for evaluation), :func:`read_truth` the
  generator's ``truth.csv``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import operator
import os
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TypeVar

from matcher.csvio.cells import plain_cell
from matcher.csvio.split import CsvSlice, _open_slice
from matcher.dates import MAX_AGE_YEARS
from matcher.fields import (
    AGE_REASON,
    NO_DETAIL_REASON,
    describes_child,
    read_age,
    read_date,
    read_sex,
    today,
)
from matcher.records import (
    INTERCEPTION_COLUMNS,
    REPORT_COLUMNS,
    Band,
    Candidate,
    Interception,
    Report,
    Sex,
)

__all__ = [
    "AGE_REASON",
    "MAX_AGE",
    "SNIFF_BYTES",
    "TRUTH_SLICE_COLUMNS",
    "EncodingError",
    "MissingColumnError",
    "Reject",
    "RejectCounter",
    "RowCursor",
    "Source",
    "Truth",
    "iter_candidates",
    "iter_interceptions",
    "iter_reports",
    "open_csv_bytes",
    "read_text_source",
    "read_truth",
    "sniff_encoding",
]

Source = str | os.PathLike[str] | IO[str]
T = TypeVar("T")

MAX_AGE = MAX_AGE_YEARS
"""Ages above this are data-entry errors (e.g. a year typed into the age column)."""

TRUTH_SLICE_COLUMNS: tuple[str, ...] = (
    "cross_script",
    "nickname_only",
    "district_wrong_or_missing",
    "no_father_name",
    "elapsed_over_2y",
    "report_after_interception",
)
"""The hard-case flags of the generator's truth.csv; each is a slice for per-slice recall."""

_TRUE_VALUES = frozenset({"1", "true", "t", "yes", "y"})
_FALSE_VALUES = frozenset({"0", "false", "f", "no", "n"})
_CACHE_LIMIT = 200_000


class MissingColumnError(ValueError):
    """A required column is absent from a CSV header.

    ``column`` is the first missing column (contract order), ``columns`` all of them, ``source``
    the file's display name. The message names them so a user can fix the header.
    """

    def __init__(self, columns: Collection[str], *, source: str = "") -> None:
        self.columns: tuple[str, ...] = tuple(columns)
        self.column: str = self.columns[0] if self.columns else ""
        self.source = source
        where = f" in {source}" if source else ""
        plural = "s" if len(self.columns) > 1 else ""
        super().__init__(f"missing required column{plural}{where}: {', '.join(self.columns)}")


SNIFF_BYTES = 4096
"""How much of a file's start :func:`sniff_encoding` looks at."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive, not a CSV"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls), not a CSV"),
)


class EncodingError(ValueError):
    """A file that is not UTF-8 text, refused by name before any row is read.

    ``found`` says what it is instead ("UTF-16", "an Excel workbook ..."); the message tells the
    user how to save it, and names the file (``source``) when known.
    """

    def __init__(self, found: str, *, source: str = "") -> None:
        self.found = found
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}this file is {found}; save it as UTF-8 "
            '(in Excel: Save As, then "CSV UTF-8 (comma delimited)")'
        )


def sniff_encoding(head: bytes) -> str | None:
    """What the first bytes of a file say it is, when that is not UTF-8 text; else ``None``.

    A byte-order mark of UTF-16 or UTF-32; no mark but NUL bytes making up at least a fifth of
    the start (UTF-16 text in Latin letters has one every other byte, UTF-32 three in four --
    UTF-8 text has none; a stray NUL in a real CSV is far rarer and left to the row checks);
    the signature of an Excel workbook. UTF-8 with or without its BOM, and anything else, is
    ``None``: stray bad bytes are the rows' problem (``text is not valid UTF-8``).
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return None
    for mark, name in (*_BOMS, *_MAGIC):
        if head.startswith(mark):
            return name
    if head and head.count(0) * 5 >= len(head):
        return "UTF-32" if head.count(0) * 2 > len(head) * 1.2 else "UTF-16"
    return None


def open_csv_bytes(raw: IO[bytes], *, source: str = "") -> io.TextIOWrapper:
    """Text over an upload's bytes for the readers: checked by :func:`sniff_encoding` first
    (:class:`EncodingError`), then decoded as UTF-8 with or without BOM; undecodable bytes
    become U+FFFD, which the readers reject row by row. ``raw`` is read from its current
    position and, if it can seek, put back there before decoding; call ``detach()`` on the
    result to keep ``raw`` open."""
    if raw.seekable():
        start = raw.tell()
        head = raw.read(SNIFF_BYTES)
        raw.seek(start)
    else:
        head = b""
    found = sniff_encoding(head)
    if found is not None:
        raise EncodingError(found, source=source)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


@dataclass(frozen=True, slots=True)
class Reject:
    """One problem with one input row; the row itself is skipped.

    ``row_number`` counts the header as row 1 (first data row = 2). ``record_id`` is the row's id
    or ``None`` if it had none. ``field`` is the contract column at fault, or ``"row"`` for a
    problem with the whole row. ``reason`` never quotes the value (it may be personal data).
    """

    source: str
    row_number: int
    record_id: str | None
    field: str
    reason: str


class RejectCounter:
    """An ``on_reject`` callback that keeps every reject, and counts rows and fields.

    Keeping rejects in memory is fine: they are a small fraction of any real file, and the CLI
    writes them once at the end.
    """

    def __init__(self) -> None:
        self.rejects: list[Reject] = []

    def __call__(self, reject: Reject) -> None:
        self.rejects.append(reject)

    def __len__(self) -> int:
        return len(self.rejects)

    @property
    def rows(self) -> int:
        """Number of distinct rejected rows (a row with two bad fields counts once)."""
        return len({(r.source, r.row_number) for r in self.rejects})


@dataclass(slots=True)
class RowCursor:
    """Where a reader is: ``row_number`` of the record it yielded last (header = row 1).

    Pass one as ``cursor=`` to :func:`iter_reports` / :func:`iter_interceptions` when the
    caller checks records further and must name their rows: the reader's numbers are the
    spreadsheet's (blank lines and rejected rows counted), which a caller counting records
    cannot rebuild.
    """

    row_number: int = 0


@dataclass(frozen=True, slots=True)
class Truth:
    """Ground truth for evaluation, as read from the generator's ``truth.csv``.

    ``matches`` maps every interception id to the ids of the reports of the same child (empty:
    an unreported child). ``slices`` maps each hard-case flag to the interception ids that have it.
    """

    matches: dict[str, frozenset[str]]
    slices: dict[str, frozenset[str]]


def _display_name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return str(getattr(source, "name", "<stream>"))


@contextlib.contextmanager
def _open_text(source: Source) -> Iterator[IO[str]]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as raw, open_csv_bytes(raw, source=Path(source).name) as fh:
            yield fh
    else:
        yield source


def _header_index(header: list[str], required: tuple[str, ...], source: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").casefold()
        seen.setdefault(name, i)
    missing = [c for c in required if c not in seen]
    if missing:
        raise MissingColumnError(missing, source=source)
    return {c: seen[c] for c in required}


class _RowParser:
    """Field readers shared by both record kinds (:mod:`matcher.fields`, the readers every door
    uses), with memo tables for ages, dates and sexes.

    Values repeat a lot in a big file (a few thousand distinct ones in a million rows), so
    memoising the outcome -- the value or the reason it was refused -- keeps the reader fast
    whatever a parse costs. ``latest`` (today, read once per file) bounds the dates.
    """

    def __init__(self, source: str, id_column: str, date_column: str) -> None:
        self.source = source
        self.id_column = id_column
        self.date_column = date_column
        self.seen_ids: dict[str, int] = {}
        self.latest = today()
        self._ages: dict[str, tuple[float | None, str]] = {}
        self._dates: dict[str, tuple[date | None, str]] = {}
        self._sexes: dict[str, tuple[Sex | None, str]] = {}
        # The values read without a problem (blank included), for one look-up per field and
        # row (:func:`_build`); a text missing here goes through the method.
        self.good_ages: dict[str, float | None] = {"": None}
        self.good_dates: dict[str, date | None] = {"": None}
        self.good_sexes: dict[str, Sex | None] = {"": None}
        self.problems: list[tuple[str, str]] = []

    def _read(
        self,
        memo: dict[str, tuple[T | None, str]],
        good: dict[str, T | None],
        text: str,
        field: str,
        read: Callable[[str], T | None],
    ) -> T | None:
        """``read(text)`` memoised as (value, "") or (None, the reason it was refused)."""
        try:
            value, reason = memo[text]
        except KeyError:
            try:
                value, reason = read(text), ""
            except ValueError as exc:
                value, reason = None, str(exc)
            if len(memo) > _CACHE_LIMIT:
                memo.clear()
                good.clear()
                good[""] = None
            memo[text] = (value, reason)
            if not reason:
                good[text] = value
        if reason:
            self.problems.append((field, reason))
        return value

    def _read_date(self, text: str) -> date | None:
        return read_date(text, latest=self.latest)

    def age(self, text: str) -> float | None:
        return self._read(self._ages, self.good_ages, text, "age", read_age) if text else None

    def date(self, text: str) -> date | None:
        if not text:
            return None
        return self._read(self._dates, self.good_dates, text, self.date_column, self._read_date)

    def sex(self, text: str) -> Sex | None:
        return self._read(self._sexes, self.good_sexes, text, "sex", read_sex) if text else None

    def record_id(self, text: str, row_number: int) -> None:
        if not text:
            self.problems.append((self.id_column, "id is empty"))
            return
        first = self.seen_ids.get(text)
        if first is not None:
            self.problems.append((self.id_column, f"duplicate id (first seen at row {first})"))
        else:
            self.seen_ids[text] = row_number


def _iter_rows(
    source: Source,
    columns: tuple[str, ...],
    id_column: str,
    date_column: str,
    build: Callable[[list[str], _RowParser], T],
    on_reject: Callable[[Reject], None] | None,
    label: str | None,
    part: CsvSlice | None = None,
    ids_seen: dict[str, int] | None = None,
    cursor: RowCursor | None = None,
) -> Generator[T, None, None]:
    """Open ``source``, check the header eagerly, then return the row generator."""
    name = label if label is not None else _display_name(source)
    stack = contextlib.ExitStack()
    fh = stack.enter_context(_open_text(source))
    try:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise MissingColumnError(columns, source=name)
        index = _header_index(header, columns, name)
        first_row = 2
        if part is not None:
            if not isinstance(source, (str, os.PathLike)):
                raise TypeError("part= needs a file path, not a stream")
            stack.close()
            fh = stack.enter_context(_open_slice(source, part))
            reader = csv.reader(fh)
            first_row = part.first_row
    except BaseException:
        stack.close()
        raise
    order = [index[c] for c in columns]
    pick = operator.itemgetter(*order)
    width = len(header)

    def rows() -> Generator[T, None, None]:
        parser = _RowParser(name, id_column, date_column)
        if ids_seen is not None:
            parser.seen_ids = ids_seen
        problems = parser.problems
        seen = parser.seen_ids
        report = on_reject if on_reject is not None else (lambda _r: None)
        with stack:
            for line_no, raw in enumerate(reader, start=first_row):
                if len(raw) != width:
                    if not raw or (len(raw) == 1 and not raw[0].strip()):
                        continue  # blank line
                    rid = raw[order[0]].strip() if len(raw) > order[0] else ""
                    reason = f"row has {len(raw)} fields, header has {width}"
                    report(Reject(name, line_no, rid or None, "row", reason))
                    continue
                values = list(map(str.strip, pick(raw)))
                rid = values[0]
                if "\ufffd" in "".join(values):
                    bad = next(c for c, v in zip(columns, values, strict=True) if "\ufffd" in v)
                    report(Reject(name, line_no, rid or None, bad, "text is not valid UTF-8"))
                    continue
                if not rid or rid in seen:
                    parser.record_id(rid, line_no)
                record = build(values, parser)
                if not problems and not describes_child(record):
                    problems.append(("row", NO_DETAIL_REASON))
                if problems:
                    for field_name, reason in problems:
                        report(Reject(name, line_no, rid or None, field_name, reason))
                    problems.clear()
                    continue
                seen[rid] = line_no  # good rows only: a file of bad rows costs no memory
                if cursor is not None:
                    cursor.row_number = line_no
                yield record

    return rows()


Rec = TypeVar("Rec", Report, Interception)


def _build(kind: type[Rec], v: list[str], p: _RowParser) -> Rec:
    """A record from one row. Both record types share the column layout (id, three names, sex,
    age, date, four places/contacts), so one positional build serves both: positional arguments
    are measurably faster than keywords at a million rows. A sex, age or date read before
    without a problem costs one dict look-up (the methods note problems)."""
    sexes, ages, dates = p.good_sexes, p.good_ages, p.good_dates
    sex, age, day = v[4], v[5], v[6]
    return kind(
        v[0],
        v[1] or None,
        v[2] or None,
        v[3] or None,
        sexes[sex] if sex in sexes else p.sex(sex),
        ages[age] if age in ages else p.age(age),
        dates[day] if day in dates else p.date(day),
        v[7] or None,
        v[8] or None,
        v[9] or None,
        v[10] or None,
    )


def _build_report(v: list[str], p: _RowParser) -> Report:
    return _build(Report, v, p)


def _build_interception(v: list[str], p: _RowParser) -> Interception:
    return _build(Interception, v, p)


def iter_reports(
    source: Source,
    *,
    on_reject: Callable[[Reject], None] | None = None,
    label: str | None = None,
    part: CsvSlice | None = None,
    ids_seen: dict[str, int] | None = None,
    cursor: RowCursor | None = None,
) -> Generator[Report, None, None]:
    """Stream the good rows of a reports CSV as :class:`Report` records.

    ``source`` is a path or an open text stream (opened with ``newline=""``). The header is
    checked now (``MissingColumnError``); rows are read lazily. ``label`` names the file in
    rejects (default: the file's base name). ``part`` (a path only) reads one slice from
    :func:`split_csv`; ``ids_seen``, if given, is filled with every id the reader accepted
    (id -> row number), so a caller combining slices can check ids across them. ``cursor``,
    if given, holds the row number of each record while the caller has it (:class:`RowCursor`).
    """
    return _iter_rows(
        source,
        REPORT_COLUMNS,
        "report_id",
        "report_date",
        _build_report,
        on_reject,
        label,
        part,
        ids_seen,
        cursor,
    )


def iter_interceptions(
    source: Source,
    *,
    on_reject: Callable[[Reject], None] | None = None,
    label: str | None = None,
    cursor: RowCursor | None = None,
) -> Generator[Interception, None, None]:
    """Stream the good rows of an interceptions CSV as :class:`Interception` records.

    Same contract as :func:`iter_reports`.
    """
    return _iter_rows(
        source,
        INTERCEPTION_COLUMNS,
        "interception_id",
        "interception_date",
        _build_interception,
        on_reject,
        label,
        cursor=cursor,
    )


def iter_candidates(source: Source) -> Iterator[Candidate]:
    """Read a candidates CSV (as written by :func:`write_candidates`) back into candidates.

    Used by ``shondhan evaluate``. Explanations are not parsed back (contributions are empty).
    Rows with an unparseable rank, score or band are skipped: evaluation treats them as absent.
    The header is checked eagerly (``MissingColumnError`` naming the column).
    """
    required = ("interception_id", "report_id", "rank", "score", "band")
    name = _display_name(source)
    stack = contextlib.ExitStack()
    fh = stack.enter_context(_open_text(source))
    try:
        reader = csv.reader(fh)
        index = _header_index(next(reader, []), required, name)
    except BaseException:
        stack.close()
        raise
    i_int, i_rep, i_rank, i_score, i_band = (index[c] for c in required)
    top = max(index.values())

    def rows() -> Iterator[Candidate]:
        with stack:
            for raw in reader:
                if len(raw) <= top:
                    continue
                try:
                    yield Candidate(
                        interception_id=plain_cell(raw[i_int].strip()),
                        report_id=plain_cell(raw[i_rep].strip()),
                        rank=int(raw[i_rank]),
                        score=float(raw[i_score]),
                        band=Band(raw[i_band].strip()),
                    )
                except ValueError:
                    continue

    return rows()


def read_truth(source: Source) -> Truth:
    """Read a truth CSV (the generator's ``truth.csv``).

    Columns: ``interception_id``, ``report_id`` (blank: an unreported child), optionally
    ``duplicate_report_ids`` (other reports of the same child, ``|``-separated; also correct
    answers), and flag columns. Several rows may share an interception; their ids are unioned.
    Every other column whose non-blank values are all 0/1-like (``1/0/true/false/yes/no``) is a
    slice flag, true for ``1/true/yes``; ``TRUTH_SLICE_COLUMNS`` are the ones the issue names.
    Missing ``interception_id`` or ``report_id`` raises ``MissingColumnError``.
    """
    name = _display_name(source)
    with _open_text(source) as fh:
        reader = csv.reader(fh)
        header: list[str] = next(reader, [])
        index = _header_index(header, ("interception_id", "report_id"), name)
        norm = [h.strip().lstrip("\ufeff").casefold() for h in header]
        i_int, i_rep = index["interception_id"], index["report_id"]
        i_dup = norm.index("duplicate_report_ids") if "duplicate_report_ids" in norm else -1
        flag_cols = {c: i for i, c in enumerate(norm) if i not in (i_int, i_rep, i_dup) and c}
        matches: dict[str, set[str]] = {}
        slices: dict[str, set[str]] = {c: set() for c in flag_cols}
        not_flags: set[str] = set()
        for raw in reader:
            if len(raw) <= max(i_int, i_rep):
                continue
            iid = raw[i_int].strip()
            if not iid:
                continue
            rids = matches.setdefault(iid, set())
            rids.update(r for r in (raw[i_rep].strip(),) if r)
            if 0 <= i_dup < len(raw):
                rids.update(r.strip() for r in raw[i_dup].split("|") if r.strip())
            for col, i in flag_cols.items():
                value = raw[i].strip().casefold() if i < len(raw) else ""
                if value in _TRUE_VALUES:
                    slices[col].add(iid)
                elif value and value not in _FALSE_VALUES:
                    not_flags.add(col)
    return Truth(
        matches={k: frozenset(v) for k, v in matches.items()},
        slices={k: frozenset(v) for k, v in slices.items() if k not in not_flags},
    )


def read_text_source(text: str) -> IO[str]:
    """An in-memory source for the readers (tests, the API): ``io.StringIO`` with ``newline=""``."""
    return io.StringIO(text, newline="")
