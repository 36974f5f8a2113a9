"""Atomic CSV writers: candidates (whole, or from text formatted by worker processes) and rejects.

Spec: writers (:func:`write_candidates`, :func:`write_candidate_text`, :func:`write_rejects`,
:func:`atomic_write`) write to a temporary file in the destination folder and rename it over the
destination only when everything was written: a crash or an exception leaves either the old file
or nothing, never a half-written one. A candidates file has the contract's ``CANDIDATE_COLUMNS``
then :data:`CANDIDATE_EXTRA_COLUMNS` (the strongest contribution); :func:`format_candidates`
gives rows byte for byte as :func:`write_candidates` writes them. Rows are RFC 4180 (CRLF; a
value holding a comma, quote or line break is quoted).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from matcher.csvio.read import Reject
from matcher.records import CANDIDATE_COLUMNS, Candidate

__all__ = [
    "CANDIDATE_EXTRA_COLUMNS",
    "REJECT_COLUMNS",
    "atomic_write",
    "format_candidates",
    "write_candidate_text",
    "write_candidates",
    "write_rejects",
]

REJECT_COLUMNS: tuple[str, ...] = ("source", "row_number", "record_id", "field", "reason")
CANDIDATE_EXTRA_COLUMNS: tuple[str, ...] = ("top_field", "top_weight")
"""Columns written after the contract's ``CANDIDATE_COLUMNS``: the strongest contribution."""


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
        writer = csv.writer(fh)  # RFC 4180 CRLF: a lone \r or \n in a value gets quoted
        writer.writerow((*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS))
        for c in candidates:
            writer.writerow(_candidate_row(c))
            count += 1
            if on_written is not None and count % 1000 == 0:
                on_written(count)
    return count


def format_candidates(candidates: Iterable[Candidate]) -> str:
    """Candidate rows as CSV text, byte for byte as :func:`write_candidates` writes them (no
    header): lets worker processes format their own rows (see :func:`write_candidate_text`)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(map(_candidate_row, candidates))
    return buffer.getvalue()


def write_candidate_text(texts: Iterable[str], path: str | os.PathLike[str]) -> None:
    """Write a candidates CSV atomically from the header and pre-formatted row text
    (:func:`format_candidates`); the file equals what :func:`write_candidates` writes."""
    with atomic_write(path) as fh:
        csv.writer(fh).writerow((*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS))
        for text in texts:
            fh.write(text)


def write_rejects(rejects: Iterable[Reject], path: str | os.PathLike[str]) -> int:
    """Write rejects atomically as CSV with ``REJECT_COLUMNS``; returns the number of rows."""
    count = 0
    with atomic_write(path) as fh:
        writer = csv.writer(fh)  # RFC 4180 CRLF: a lone \r or \n in a value gets quoted
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow((r.source, r.row_number, r.record_id or "", r.field, r.reason))
            count += 1
    return count
