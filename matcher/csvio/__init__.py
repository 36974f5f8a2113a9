"""Streaming CSV readers and atomic writers for the batch data contract.

Spec (issue 3, "Data contract"; each module's docstring has the details):

- Reading (:mod:`~matcher.csvio.read`): UTF-8 files (a BOM is accepted; UTF-16/32 and Excel
  workbooks are refused by name, :class:`EncodingError`) with a header row;
  header names match after stripping and case-folding; extra columns are ignored; a missing
  contract column raises :class:`MissingColumnError` when the reader is created, before any row
  is read. Readers are generators (flat memory). A bad row never stops the stream: each problem
  becomes a :class:`Reject` (``row_number`` counts the header as row 1) handed to
  ``on_reject``, and the row is skipped. Blank values are unknown (``None``).
- Slicing (:mod:`~matcher.csvio.split`): :func:`split_csv` cuts a big reports file on row
  boundaries so several processes can read it (``iter_reports(path, part=...)``) with the same
  rows, rejects and row numbers as one whole-file read.
- Writing (:mod:`~matcher.csvio.write`): :func:`write_candidates`, :func:`write_candidate_text`,
  :func:`write_rejects` and :func:`atomic_write` leave either the old file or the complete new
  one, never a half-written one.
- Nothing here logs field values: rejects carry the id, the column name and a reason written
  without the offending value, because values can be names or phone numbers.

Import from this package; it re-exports the public names of its modules.
"""

from matcher.csvio.cells import plain_cell, safe_cell
from matcher.csvio.read import (
    AGE_REASON,
    MAX_AGE,
    SNIFF_BYTES,
    TRUTH_SLICE_COLUMNS,
    EncodingError,
    MissingColumnError,
    Reject,
    RejectCounter,
    RowCursor,
    Truth,
    iter_candidates,
    iter_interceptions,
    iter_reports,
    open_csv_bytes,
    read_text_source,
    read_truth,
    sniff_encoding,
)
from matcher.csvio.split import CsvSlice, split_csv
from matcher.csvio.write import (
    ASK_NEXT_COLUMN,
    CANDIDATE_EXTRA_COLUMNS,
    REJECT_COLUMNS,
    atomic_write,
    candidates_header,
    csv_writer,
    format_candidates,
    write_candidate_text,
    write_candidates,
    write_rejects,
)

__all__ = [
    "AGE_REASON",
    "ASK_NEXT_COLUMN",
    "CANDIDATE_EXTRA_COLUMNS",
    "MAX_AGE",
    "REJECT_COLUMNS",
    "SNIFF_BYTES",
    "TRUTH_SLICE_COLUMNS",
    "CsvSlice",
    "EncodingError",
    "MissingColumnError",
    "Reject",
    "RejectCounter",
    "RowCursor",
    "Truth",
    "atomic_write",
    "candidates_header",
    "csv_writer",
    "format_candidates",
    "iter_candidates",
    "iter_interceptions",
    "iter_reports",
    "open_csv_bytes",
    "plain_cell",
    "read_text_source",
    "read_truth",
    "safe_cell",
    "sniff_encoding",
    "split_csv",
    "write_candidate_text",
    "write_candidates",
    "write_rejects",
]
