"""Atomic CSV writers: candidates (whole, or from text formatted by worker processes) and rejects.

Spec: writers (:func:`write_candidates`, :func:`write_candidate_text`, :func:`write_rejects`,
:func:`atomic_write`) write to a temporary file in the destination folder and rename it over the
destination only when everything was written: a crash or an exception leaves either the old file
or nothing, never a half-written one. A candidates file has the contract's ``CANDIDATE_COLUMNS``
then :data:`CANDIDATE_EXTRA_COLUMNS` (the strongest contribution); :func:`format_candidates`
gives rows byte for byte as :func:`write_candidates` writes them. Rows are RFC 4180 (CRLF; a
value holding a comma, quote or line break is quoted). Every cell goes through
:func:`safe_cell`: a text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
tab, CR first) is written with a leading ``'`` (OWASP's CSV-injection advice), so an id such as
``=HYPERLINK(...)`` in an input file never becomes a live formula in an exported one; plain
numbers (``-2.40``) are left as they are.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from matcher.csvio.cells import safe_cell
from matcher.csvio.read import Reject
from matcher.records import CANDIDATE_COLUMNS, Candidate

__all__ = [
    "ASK_NEXT_COLUMN",
    "CANDIDATE_EXTRA_COLUMNS",
    "REJECT_COLUMNS",
    "atomic_write",
    "candidates_header",
    "csv_writer",
    "format_candidates",
    "safe_cell",
    "write_candidate_text",
    "write_candidates",
    "write_rejects",
]

REJECT_COLUMNS: tuple[str, ...] = ("source", "row_number", "record_id", "field", "reason")
CANDIDATE_EXTRA_COLUMNS: tuple[str, ...] = ("top_field", "top_weight")
#: The opt-in last column of a candidates file: the interception's empty fields worth asking
#: the child, best first, ``|``-separated (blank: nothing to ask), on each of its rows.
ASK_NEXT_COLUMN = "ask_next"
"""Columns written after the contract's ``CANDIDATE_COLUMNS``: the strongest contribution."""


class _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, fh: Any) -> None:
        self._writer = csv.writer(fh)  # RFC 4180 CRLF: a lone \r or \n in a value gets quoted

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fh: Any) -> _SafeWriter:
    """The one CSV writer for files Shondhan exports (candidates, rejects, audit, runs):
    RFC 4180 rows with formula-neutralised cells. Use it instead of ``csv.writer``."""
    return _SafeWriter(fh)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """Open a text file for writing that appears at ``path`` only if the block succeeds.

    Writes go to a hidden temporary file in the same folder (so the final rename is atomic on
    one filesystem); on success it is flushed, fsynced and renamed over ``path``; on any
    exception it is deleted and the exception propagates, leaving any previous ``path`` intact.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _top(candidate: Candidate) -> tuple[str, str]:
    if not candidate.contributions:
        return "", ""
    top = candidate.contributions[0]
    return top.field, f"{top.weight:.2f}"


def _candidate_row(c: Candidate) -> tuple[object, ...]:
    return (
        c.interception_id,
        c.report_id,
        c.rank,
        f"{c.score:.4f}",
        c.band.value,
        c.explanation,
        *_top(c),
    )


def write_candidates(
    candidates: Iterable[Candidate],
    path: str | os.PathLike[str],
    *,
    on_written: Callable[[int], object] | None = None,
) -> int:
    """Write candidates atomically as CSV (contract columns, then ``CANDIDATE_EXTRA_COLUMNS``).

    ``score`` is written with 4 decimals. ``candidates`` is consumed lazily, so a generator from
    :func:`matcher.reconcile.reconcile` streams straight to disk. ``on_written`` is called with
    the running count every 1000 rows (for progress). Returns the number of rows written.
    """
    count = 0
    with atomic_write(path) as fh:
        writer = csv_writer(fh)
        writer.writerow((*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS))
        for c in candidates:
            writer.writerow(_candidate_row(c))
            count += 1
            if on_written is not None and count % 1000 == 0:
                on_written(count)
    return count


def format_candidates(
    candidates: Iterable[Candidate], *, ask_next: Mapping[str, Sequence[str]] | None = None
) -> str:
    """Candidate rows as CSV text, byte for byte as :func:`write_candidates` writes them (no
    header): lets worker processes format their own rows (see :func:`write_candidate_text`).

    ``ask_next`` (interception id -> fields to ask) adds the :data:`ASK_NEXT_COLUMN` column.
    """
    rows: Iterable[tuple[object, ...]] = map(_candidate_row, candidates)
    if ask_next is not None:
        questions = ask_next
        rows = ((*row, "|".join(questions.get(str(row[0]), ()))) for row in rows)
    buffer = io.StringIO(newline="")
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue()


def candidates_header(*, ask_next: bool = False) -> str:
    """A candidates file's header line, as :func:`write_candidates` writes it (with the
    :data:`ASK_NEXT_COLUMN` column last when ``ask_next``)."""
    buffer = io.StringIO(newline="")
    extra = (ASK_NEXT_COLUMN,) if ask_next else ()
    csv_writer(buffer).writerow((*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS, *extra))
    return buffer.getvalue()


def write_candidate_text(
    texts: Iterable[str], path: str | os.PathLike[str], *, ask_next: bool = False
) -> None:
    """Write a candidates CSV atomically from the header and pre-formatted row text
    (:func:`format_candidates`); the file equals what :func:`write_candidates` writes.
    ``ask_next``: the rows carry the :data:`ASK_NEXT_COLUMN` column (the header names it)."""
    with atomic_write(path) as fh:
        fh.write(candidates_header(ask_next=ask_next))
        for text in texts:
            fh.write(text)


def write_rejects(rejects: Iterable[Reject], path: str | os.PathLike[str]) -> int:
    """Write rejects atomically as CSV with ``REJECT_COLUMNS``; returns the number of rows."""
    count = 0
    with atomic_write(path) as fh:
        writer = csv_writer(fh)
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow((r.source, r.row_number, r.record_id or "", r.field, r.reason))
            count += 1
    return count
