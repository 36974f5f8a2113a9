"""Cells a spreadsheet shows as text: exported CSVs never carry live formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR is run as a formula by Excel and
LibreOffice; OWASP's advice is to write it with a leading ``'``. :func:`safe_cell` does that on
every cell Shondhan writes (except plain numbers such as ``-2.40``, which stay numbers), and
:func:`plain_cell` undoes it where Shondhan reads its own files back (a candidates file given to
``shondhan evaluate``), so ids survive the round trip.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell a spreadsheet shows as text: a string that starts like a formula
    gets a leading ``'``; numbers, plain numeric strings and other values pass unchanged."""
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    if formula and not _PLAIN_NUMBER.fullmatch(str(value)):
        return "'" + str(value)
    return value


def plain_cell(text: str) -> str:
    """The value :func:`safe_cell` was given for a text it wrote (``'=x`` -> ``=x``)."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text
