"""Streaming CSV readers and atomic writers for the batch data contract.

Spec (issue 3, "Data contract"):

- Input files are UTF-8 (a leading BOM, as Excel writes, is accepted) with a header row. Header
  names are matched after stripping spaces and case-folding, so ``Report_ID`` works. Unknown extra
  columns are ignored. Every contract column (``REPORT_COLUMNS`` / ``INTERCEPTION_COLUMNS``) must
  be present -- its *values* may be blank, except the id -- and a missing one raises
  :class:`MissingColumnError` *when the reader is created*, before any row is read, naming the
  column(s).
- Readers are generators: memory stays flat however long the file is. Bad rows never stop the
  stream; each problem becomes a :class:`Reject` handed to ``on_reject`` and the row is skipped,
  while the good rows keep flowing. A row is rejected for: an empty id, an id already seen in
  this file, a value of ``sex`` that is not M/F, an age that does not parse or is outside 0-120,
  a date that does not parse, a wrong number of fields, or bytes that are not UTF-8. One row can
  yield several rejects (one per bad field).
- ``Reject.row_number`` counts the header as row 1, so the first data row is row 2: the number a
  spreadsheet shows beside the row. (A quoted field with an embedded newline still counts as one
  row, as in a spreadsheet.)
- Values are kept as written (stripped); blank means unknown (``None``). Ages and dates go
  through :func:`matcher.dates.parse_age` / :func:`matcher.dates.parse_date` (either digit set).
- Writers (:func:`write_candidates`, :func:`write_rejects`, :func:`atomic_write`) write to a
  temporary file in the destination folder and rename it over the destination only when
  everything was written: a crash or an exception leaves either the old file or nothing, never a
  half-written one.
- Nothing here logs field values: rejects carry the id, the column name and a reason written
  without the offending value, because values can be names or phone numbers.
- A big reports file can be read in slices by several processes (:func:`split_csv`, then
  ``iter_reports(path, part=...)``): each slice starts on a row boundary and knows its first row
  number, so rejects carry the same row numbers as a whole-file read. Duplicate ids *across*
  slices are the caller's to check (``ids_seen``); within a slice they are rejected as usual.

Modules: :mod:`~matcher.csvio.read` (the readers, :class:`Reject`, :class:`MissingColumnError`,
truth and candidates files), :mod:`~matcher.csvio.split` (cutting a file into slices and
reading one), :mod:`~matcher.csvio.write` (the atomic writers). Import from this package.
"""

from matcher.csvio.read import (
    AGE_REASON,
    MAX_AGE,
    TRUTH_SLICE_COLUMNS,
    MissingColumnError,
    Reject,
    RejectCounter,
    Truth,
    iter_candidates,
    iter_interceptions,
    iter_reports,
    read_text_source,
    read_truth,
)
from matcher.csvio.split import CsvSlice, split_csv
from matcher.csvio.write import (
    CANDIDATE_EXTRA_COLUMNS,
    REJECT_COLUMNS,
    atomic_write,
    format_candidates,
    write_candidate_text,
    write_candidates,
    write_rejects,
)

__all__ = [
    "AGE_REASON",
    "CANDIDATE_EXTRA_COLUMNS",
    "MAX_AGE",
    "REJECT_COLUMNS",
    "TRUTH_SLICE_COLUMNS",
    "CsvSlice",
    "MissingColumnError",
    "Reject",
    "RejectCounter",
    "Truth",
    "atomic_write",
    "format_candidates",
    "iter_candidates",
    "iter_interceptions",
    "iter_reports",
    "read_text_source",
    "read_truth",
    "split_csv",
    "write_candidate_text",
    "write_candidates",
    "write_rejects",
]
