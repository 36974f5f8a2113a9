"""Cutting a big CSV file into slices that separate processes can read, on safe row boundaries.

Spec: :func:`split_csv` cuts a file into up to ``parts`` :class:`CsvSlice` byte ranges of about
equal size; each slice starts on a row boundary and knows its first row number (numbered as in
:class:`matcher.csvio.read.Reject`: the header is row 1), so
``iter_reports(path, part=...)`` gives the same rows and the same rejects as a whole-file read.
A file that cannot be cut with certainty (a quote character or a bare carriage return before a
cut), or a small one, is one slice. :func:`_open_slice` reads one slice as text, decoded exactly
as the readers decode a whole file.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["CsvSlice", "split_csv"]


@dataclass(frozen=True, slots=True)
class CsvSlice:
    """Bytes ``start``..``stop`` of a CSV file: whole rows only, the first being ``first_row``
    (numbered as in :class:`Reject`: the header is row 1)."""

    start: int
    stop: int
    first_row: int


_SPLIT_MIN_BYTES = 1 << 20
"""Files smaller than this are never split: a slice's process would cost more than it saves."""
_SCAN_BLOCK = 1 << 24


def split_csv(path: str | os.PathLike[str], parts: int) -> list[CsvSlice]:
    """Cut a CSV file into up to ``parts`` slices of about equal size, on row boundaries.

    A cut must never fall inside a quoted field (which may hold a newline), and each slice must
    know how many rows came before it. Both are certain only where the text before the last cut
    holds no quote character and no bare carriage return: then every ``\n`` ends exactly one row
    (blank lines included, as the readers count them). Otherwise, and for small files, the
    answer is one slice: the whole file. The scan reads the bytes once (~0.1 s per 100 MB).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.readline()
        data_start = fh.tell()
    whole = [CsvSlice(data_start, size, 2)]
    if parts < 2 or size < _SPLIT_MIN_BYTES or b'"' in head or not head.endswith(b"\n"):
        return whole
    targets = [data_start + (size - data_start) * k // parts for k in range(1, parts)]
    cuts: list[tuple[int, int]] = []  # (byte offset just after a newline, rows before it)
    rows = 0
    with open(path, "rb") as fh:
        fh.seek(data_start)
        pos = data_start
        for target in targets:
            while True:
                block = fh.read(min(_SCAN_BLOCK, max(target - pos, 1)))
                if not block:
                    return whole
                if block.endswith(b"\r"):
                    block += fh.read(1)  # keep a CRLF together for the count below
                if b'"' in block or block.count(b"\r") != block.count(b"\r\n"):
                    return whole
                rows += block.count(b"\n")
                pos += len(block)
                if pos >= target:
                    break
            rest = fh.readline()  # finish the row the target fell in
            if b'"' in rest or rest.count(b"\r") != rest.count(b"\r\n"):
                return whole
            if not rest.endswith(b"\n"):
                break  # the target fell in the last row: no further cut
            pos += len(rest)
            rows += 1
            cuts.append((pos, rows))
    bounds = [(data_start, 0), *cuts, (size, -1)]
    return [
        CsvSlice(start, stop, 2 + before)
        for (start, before), (stop, _) in itertools.pairwise(bounds)
        if stop > start
    ]


class _Bounded(io.RawIOBase):
    """A raw binary reader over bytes ``start``..``stop`` of a file."""

    def __init__(self, path: str | os.PathLike[str], start: int, stop: int) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._fh.seek(start)
        self._left = stop - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = self._fh.readinto(view[: min(len(view), self._left)]) if self._left > 0 else 0
        self._left -= n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


@contextlib.contextmanager
def _open_slice(path: str | os.PathLike[str], part: CsvSlice) -> Iterator[IO[str]]:
    """A text stream over one slice, decoded exactly as :func:`_open_text` decodes the file."""
    raw = io.BufferedReader(_Bounded(path, part.start, part.stop), buffer_size=1 << 16)
    with io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as fh:
        yield fh
