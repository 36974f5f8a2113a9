"""The answer key of a generated split: which report is each interception's child, and why hard.

Why: the benchmark and the tests measure the matcher against ``truth.csv``, slice by slice
(cross-script names, nickname only, ...). The row type, the file's columns and the slice counts
are one contract, kept here so the writer, the reader and the summary cannot drift apart.

Contract:
- ``truth.csv`` has :data:`TRUTH_COLUMNS`: ``interception_id``, ``report_id`` (blank: the child
  was never reported), ``duplicate_report_ids`` ("|"-separated other reports of the same child,
  also right answers), then one 0/1 column per flag of :data:`TRUTH_FLAGS`.
- :func:`read_truth` reads back exactly what :func:`truth_row` writes (a missing flag column
  reads as 0). ``matcher.csvio.read_truth`` reads the same file for the engine's evaluation.
- :func:`summarise` returns counts and shares only, never names: safe to print and log.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TRUTH_FLAGS: tuple[str, ...] = (
    "cross_script",
    "nickname_only",
    "district_wrong_or_missing",
    "no_father_name",
    "elapsed_over_2y",
    "report_after_interception",
    "sibling_in_reports",
    "has_duplicate_report",
    "name_typo",
    "upazila_only",
    "split_only_name",
)
TRUTH_COLUMNS: tuple[str, ...] = (
    "interception_id",
    "report_id",
    "duplicate_report_ids",
    *TRUTH_FLAGS,
)


@dataclass(frozen=True, slots=True)
class TruthRow:
    """The answer for one interception and the slices it belongs to (flags are 0/1 in CSV).

    ``report_id`` is None when the child was never reported. ``duplicate_report_ids`` are other
    reports of the same child (also correct answers). Flags describe what the noise did:
    ``cross_script`` means the report's and the interception's names are in different scripts;
    ``split_only_name`` means the child's given name belongs to this split's own vocabulary part
    (in the test split: a name no training record contains).
    """

    interception_id: str
    report_id: str | None
    duplicate_report_ids: tuple[str, ...] = ()
    cross_script: bool = False
    nickname_only: bool = False
    district_wrong_or_missing: bool = False
    no_father_name: bool = False
    elapsed_over_2y: bool = False
    report_after_interception: bool = False
    sibling_in_reports: bool = False
    has_duplicate_report: bool = False
    name_typo: bool = False
    upazila_only: bool = False
    split_only_name: bool = False


def truth_row(t: TruthRow) -> list[str]:
    """The CSV fields of a truth row, in ``TRUTH_COLUMNS`` order (flags as "0" / "1")."""
    flags = [str(int(getattr(t, f))) for f in TRUTH_FLAGS]
    return [t.interception_id, t.report_id or "", "|".join(t.duplicate_report_ids), *flags]


def read_truth(path: Path) -> list[TruthRow]:
    """Read a truth.csv written by the generator back into ``TruthRow`` records."""
    rows: list[TruthRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            flags = {f: row.get(f, "0") == "1" for f in TRUTH_FLAGS}
            dups = tuple(x for x in (row.get("duplicate_report_ids") or "").split("|") if x)
            rows.append(
                TruthRow(
                    interception_id=row["interception_id"],
                    report_id=row["report_id"] or None,
                    duplicate_report_ids=dups,
                    **flags,
                )
            )
    return rows


def summarise(truth: Sequence[TruthRow]) -> dict[str, tuple[int, float]]:
    """Slice sizes among the *reported* interceptions: ``{flag: (count, share)}``.

    Also ``"reported"`` and ``"unreported"`` (share of all interceptions). Counts only, no names:
    safe to print and log.
    """
    reported = [t for t in truth if t.report_id is not None]
    n_all, n_rep = len(truth), len(reported)
    out = {
        "reported": (n_rep, n_rep / n_all if n_all else 0.0),
        "unreported": (n_all - n_rep, (n_all - n_rep) / n_all if n_all else 0.0),
    }
    for flag in TRUTH_FLAGS:
        count = sum(1 for t in reported if getattr(t, flag))
        out[flag] = (count, count / n_rep if n_rep else 0.0)
    return out
