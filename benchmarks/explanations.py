"""Explanations: does what the reviewer reads agree with the score? (issue 11)

On the held-out test split of :mod:`benchmarks.accuracy` (same seed, same sizes, cached), the
engine's top-10 candidates are checked field by field:

- **one account per field**: every candidate carries exactly one contribution for each record
  field (``name``, ``father_name``, ``mother_name``, ``sex``, ``age``, ``place``,
  ``guardian_phone``, ``dates``);
- **verdicts never argue against weights**: the share of contributions whose verdict contradicts
  its weight (``agree`` with weight < 0, ``disagree`` with weight > 0, ``missing`` with weight
  ≠ 0) — must be 0 — and the share of candidates carrying at least one;
- accuracy (recall@1/@10, match band precision/recall) on the same candidates.

Exits 1 when a verdict argues against its weight or a candidate lacks a field's account.

``--before FILE`` adds a column for a candidates CSV written by an earlier version (for issue
11: commit 66834ac's ``reconcile`` on the same split). Explanations from before verdicts existed
are read as their reasons were written (``field: label (+w)``): a reason "contradicts" when its
label starts by saying the values agree ("same …", "nearly the same …", "agreeing …") and its
weight is negative, or that they differ ("different …", "no …", "far …") and its weight is
positive (graded labels such as "similar name" count as neither); sub-features (given name,
surname, name rarity, parent rarity, family) were reasons of their own, so a candidate carried
more reasons than record fields.

    python -m benchmarks.explanations                          # 50,000 reports / 5,000
    python -m benchmarks.explanations --before before.csv      # with the earlier version
    python -m benchmarks.explanations --quick                  # 3,000 / 300 (CI)
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ACCURACY_SEED, table, test_split
from matcher.csvio import iter_candidates, iter_interceptions, iter_reports, read_truth
from matcher.evaluate import Evaluation, evaluate_candidates
from matcher.levels import RecordField
from matcher.reconcile import default_workers, reconcile
from matcher.records import Candidate, Contribution, Verdict

FIELDS = tuple(str(f) for f in RecordField)


def contradicts(c: Contribution) -> bool:
    """Whether a contribution's verdict argues against its weight."""
    if c.verdict is Verdict.AGREE:
        return c.weight < 0
    if c.verdict is Verdict.DISAGREE:
        return c.weight > 0
    if c.verdict is Verdict.MISSING:
        return c.weight != 0
    return False


@dataclass(frozen=True, slots=True)
class Account:
    """How candidates explain themselves."""

    candidates: int
    contributions: int
    contradicting: int
    candidates_contradicting: int
    candidates_one_per_field: int
    verdicts: Counter[str]

    def rows(self) -> list[tuple[str, str]]:
        n, m = max(self.candidates, 1), max(self.contributions, 1)
        return [
            ("candidates checked", f"{self.candidates:,}"),
            ("contributions (reasons)", f"{self.contributions:,}"),
            (
                "reasons whose verdict argues against the weight",
                f"{self.contradicting:,} ({self.contradicting / m:.2%})",
            ),
            (
                "candidates carrying such a reason",
                f"{self.candidates_contradicting:,} ({self.candidates_contradicting / n:.2%})",
            ),
            ("reasons per candidate (record fields: 8)", f"{self.contributions / n:.2f}"),
        ]


def account(candidates: Iterable[Candidate]) -> Account:
    n = total = bad = bad_candidates = one_each = 0
    verdicts: Counter[str] = Counter()
    for cand in candidates:
        n += 1
        fields = [c.field for c in cand.contributions]
        one_each += sorted(fields) == sorted(FIELDS)
        wrong = sum(contradicts(c) for c in cand.contributions)
        total += len(cand.contributions)
        bad += wrong
        bad_candidates += wrong > 0
        verdicts.update(c.verdict.value for c in cand.contributions)
    return Account(n, total, bad, bad_candidates, one_each, verdicts)


_REASON = re.compile(r"(?:^|; )([a-z][a-z _]*?): (.*?) \(([+-]\d+(?:\.\d+)?)\)(?=; |$)")
_SAYS_AGREE = re.compile(r"^(same|nearly the same|agreeing)\b")
_SAYS_DIFFER = re.compile(r"^(different|no |far )")


def account_of_text(explanations: Iterable[str]) -> Account:
    """:func:`account` for explanations written before verdicts existed (``--before``)."""
    n = total = bad = bad_candidates = one_each = 0
    for text in explanations:
        n += 1
        reasons = _REASON.findall(text)
        wrong = 0
        for _field, label, weight in reasons:
            w = float(weight)
            says_differ = bool(_SAYS_DIFFER.match(label))
            says_agree = bool(_SAYS_AGREE.match(label))
            wrong += (says_agree and w < 0) or (says_differ and w > 0)
        total += len(reasons)
        bad += wrong
        bad_candidates += wrong > 0
    return Account(n, total, bad, bad_candidates, one_each, Counter())


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4f}"


def accuracy_rows(evals: list[Evaluation]) -> list[list[str]]:
    k = evals[0].k
    return [
        ["recall@1", *(_fmt(e.recall_at_1) for e in evals)],
        [f"recall@{k}", *(_fmt(e.recall_at_k) for e in evals)],
        ["match-band precision", *(_fmt(e.match_band.precision) for e in evals)],
        ["match-band recall", *(_fmt(e.match_band.recall) for e in evals)],
        [
            "false alarms (unreported)",
            *(f"{e.false_alarms.count} / {e.false_alarms.unreported}" for e in evals),
        ],
    ]


def _explanations(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return [row["explanation"] for row in csv.DictReader(fh)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--reports", type=int)
    parser.add_argument("--interceptions", type=int)
    parser.add_argument("--seed", type=int, default=ACCURACY_SEED)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--before", type=Path, help="candidates CSV of an earlier version")
    args = parser.parse_args(argv)
    n_r = args.reports or (3_000 if args.quick else 50_000)
    n_i = args.interceptions or (300 if args.quick else 5_000)
    folder = test_split(n_r, n_i, args.seed)
    truth = read_truth(folder / "truth.csv")

    started = time.perf_counter()
    candidates = list(
        reconcile(
            iter_reports(folder / "reports.csv"),
            iter_interceptions(folder / "interceptions.csv"),
            top_k=args.k,
            workers=default_workers(),
        )
    )
    seconds = time.perf_counter() - started
    now = account(candidates)
    evals = [evaluate_candidates(candidates, truth.matches, k=args.k)]
    heads = ["figure", "now"]
    before: Account | None = None
    if args.before is not None:
        before = account_of_text(_explanations(args.before))
        evals.insert(0, evaluate_candidates(iter_candidates(args.before), truth.matches, k=args.k))
        heads = ["figure", "before", "now"]

    print(
        f"## Explanations: held-out test split, {n_r:,} reports / {n_i:,} interceptions, "
        f"seed {args.seed}, top {args.k} ({seconds:.1f} s)"
    )
    print()
    now_rows = now.rows()
    if before is not None:
        rows = [[a, b, c] for (a, c), (_, b) in zip(now_rows, before.rows(), strict=True)]
    else:
        rows = [list(r) for r in now_rows]
    print(table(heads, rows))
    print()
    share = ", ".join(
        f"{v} {now.verdicts[v] / max(now.contributions, 1):.1%}" for v in map(str, Verdict)
    )
    print(f"verdicts now: {share}")
    print(
        "candidates now with exactly one reason per record field: "
        f"{now.candidates_one_per_field:,} of {now.candidates:,}"
    )
    print()
    print(table(heads, accuracy_rows(evals)))
    return 1 if now.contradicting or now.candidates_one_per_field != now.candidates else 0


if __name__ == "__main__":
    sys.exit(main())
