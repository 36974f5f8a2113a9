"""Refactors keep the engine's answers: reconcile on a committed generated split equals a snapshot.

``tests/data/reconcile_golden.csv`` holds the candidates (ids, rank, score to 4 decimals, band)
of the first 200 interceptions of ``training_data/test`` against its 4,000 reports, top 10, with
the shipped model, as the code gave them before the layout change of issue 10. A change that is
*meant* to change answers (a retrained model, a new comparison level) refreshes the snapshot and
says so in its commit:

    python -m tests.matcher.test_reconcile_golden
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from matcher.csvio import iter_interceptions, iter_reports
from matcher.reconcile import reconcile

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "training_data" / "test"
SNAPSHOT = ROOT / "tests" / "data" / "reconcile_golden.csv"
COLUMNS = ("interception_id", "report_id", "rank", "score", "band")


def current_rows() -> list[tuple[str, ...]]:
    interceptions = list(itertools.islice(iter_interceptions(SPLIT / "interceptions.csv"), 200))
    candidates = reconcile(iter_reports(SPLIT / "reports.csv"), interceptions, top_k=10)
    return [
        (c.interception_id, c.report_id, str(c.rank), f"{c.score:.4f}", c.band.value)
        for c in candidates
    ]


def test_reconcile_gives_the_snapshot_candidates() -> None:
    with SNAPSHOT.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == COLUMNS
        expected = [tuple(row) for row in reader]
    got = current_rows()
    assert len(got) == len(expected)
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert diffs == [], f"{len(diffs)} rows differ, first: {diffs[:3]}"


if __name__ == "__main__":
    with SNAPSHOT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(current_rows())
    print(f"wrote {SNAPSHOT}")
