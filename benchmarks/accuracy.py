"""Accuracy: Shondhan vs a Splink baseline on a held-out synthetic test split, side by side.

The test split comes from the generator's *test* vocabulary (given names the model never saw in
training) with a seed no training run uses (:data:`benchmarks.common.ACCURACY_SEED`). Both
systems read the same CSVs and write the same candidates format; the same pure functions
(:mod:`matcher.evaluate`) score both. Splink's set-up is documented in
:mod:`benchmarks.splink_baseline` (match band: probability >= 0.9); Shondhan's match band is the
shipped model's ``match`` threshold.

Figures: recall@1, recall@10 (share of reported children whose report is in the top 1 / 10),
match-band pair precision / recall / F1, best F1 over all score thresholds, false alarms (unreported
children given a ``match`` candidate), recall@10 on each hard slice of the truth file; then
blocking: candidate pairs per interception and pair completeness, for the pairs blocking finds
and (Shondhan) the ones kept for full comparison.

    python -m benchmarks.accuracy            # 50,000 reports / 5,000 interceptions
    python -m benchmarks.accuracy --quick    # 3,000 / 300 (CI smoke run), then a small scale table
    python -m benchmarks.accuracy --reports 50000 200000 1000000 \
        --splink-at 200000 --splink-tight-at 1000000   # issue 12's table, one column per size

The scale table adds issue 12's figures: pair completeness of the retrieved and of the fully
compared rows, best recall at precision >= 0.98, review-band size and share true, calibration
error, **reviewer effort** (candidates read in score order, all interceptions together, per
child found when 80 / 90 / 95% of the reported children have been found), false alarms and
recall@10 per hard slice.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks import splink_baseline
from benchmarks.common import ACCURACY_SEED, table, test_split
from matcher.csvio import (
    TRUTH_SLICE_COLUMNS,
    iter_candidates,
    iter_interceptions,
    iter_reports,
    read_truth,
    write_candidates,
)
from matcher.evaluate import Evaluation, evaluate_candidates
from matcher.model import MatchModel
from matcher.reconcile import build_index_csv, default_workers, reconcile

TARGETS = {
    "recall@10": ">= 0.98",
    "match-band precision": ">= 0.98",
    "match-band recall": ">= 0.80",
}


def run_shondhan(folder: Path, out: Path, *, top_k: int, model: MatchModel | None = None) -> float:
    started = time.perf_counter()
    candidates = reconcile(
        iter_reports(folder / "reports.csv"),
        iter_interceptions(folder / "interceptions.csv"),
        top_k=top_k,
        workers=default_workers(),
        model=model,
    )
    write_candidates(candidates, out)
    return time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class Blocking:
    """Candidate pairs per interception and pair completeness (share of true pairs kept)."""

    per_query: float
    completeness: float
    compared_per_query: float | None = None
    compared_completeness: float | None = None


def shondhan_blocking(
    folder: Path, true_pairs: set[tuple[str, str]], model: MatchModel | None = None
) -> Blocking:
    """Blocking figures of the engine on ``folder``: every retrieved row, and the rows kept
    for full comparison after the pre-score (:meth:`MatchIndex.candidate_ids`)."""
    index = build_index_csv(
        folder / "reports.csv", workers=default_workers(), keep_reports=False, model=model
    )
    retrieved = compared = 0
    found_retrieved: set[tuple[str, str]] = set()
    found_compared: set[tuple[str, str]] = set()
    n = 0
    for interception in iter_interceptions(folder / "interceptions.csv"):
        kept, everything = index.candidate_ids(interception)
        n += 1
        retrieved += len(everything)
        compared += len(kept)
        iid = interception.interception_id
        found_retrieved.update((iid, r) for r in everything if (iid, r) in true_pairs)
        found_compared.update((iid, r) for r in kept if (iid, r) in true_pairs)
    total = max(len(true_pairs), 1)
    return Blocking(
        per_query=retrieved / max(n, 1),
        completeness=len(found_retrieved) / total,
        compared_per_query=compared / max(n, 1),
        compared_completeness=len(found_compared) / total,
    )


def blocking_rows(ours: Blocking, theirs: Blocking) -> list[list[str]]:
    return [
        [
            "candidate pairs per interception (blocked)",
            f"{ours.per_query:,.0f}",
            f"{theirs.per_query:,.0f}",
        ],
        [
            "pair completeness (blocked)",
            _fmt(ours.completeness),
            _fmt(theirs.completeness),
        ],
        [
            "pairs fully compared per interception",
            f"{ours.compared_per_query:,.0f}" if ours.compared_per_query is not None else "",
            f"{theirs.per_query:,.0f}",
        ],
        [
            "pair completeness (fully compared)",
            _fmt(ours.compared_completeness) if ours.compared_completeness is not None else "",
            _fmt(theirs.completeness),
        ],
    ]


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def comparison_rows(ours: Evaluation, theirs: Evaluation) -> list[list[str]]:
    k = ours.k
    rows = [
        ["recall@1", _fmt(ours.recall_at_1), _fmt(theirs.recall_at_1), ""],
        [f"recall@{k}", _fmt(ours.recall_at_k), _fmt(theirs.recall_at_k), ""],
        [
            "match-band precision",
            _fmt(ours.match_band.precision),
            _fmt(theirs.match_band.precision),
            "",
        ],
        ["match-band recall", _fmt(ours.match_band.recall), _fmt(theirs.match_band.recall), ""],
        ["match-band F1", _fmt(ours.match_band.f1), _fmt(theirs.match_band.f1), ""],
        [
            "best F1 (threshold)",
            f"{_fmt(ours.best_f1.prf.f1)} ({_fmt(ours.best_f1.threshold)})",
            f"{_fmt(theirs.best_f1.prf.f1)} ({_fmt(theirs.best_f1.threshold)})",
            "",
        ],
        [
            "false alarms (unreported children)",
            f"{ours.false_alarms.count} / {ours.false_alarms.unreported}",
            f"{theirs.false_alarms.count} / {theirs.false_alarms.unreported}",
            "",
        ],
    ]
    ordered = [s for s in TRUTH_SLICE_COLUMNS if s in ours.slices] + sorted(
        s for s in ours.slices if s not in TRUTH_SLICE_COLUMNS
    )
    for name in ordered:
        (a, n), (b, _) = ours.slices[name], theirs.slices.get(name, (math.nan, 0))
        label = f"recall@{k}: {name} (n={n})"
        rows.append([label, _fmt(a), _fmt(b), ""])
    for row in rows:
        row[3] = TARGETS.get(row[0].replace(f"recall@{k}", "recall@10"), "")
        if row[0].startswith("recall@") and ":" in row[0]:
            row[3] = "> Splink" if row[0].split(":")[1].split()[0] in TRUTH_SLICE_COLUMNS else ""
    return rows


def _effort(e: Evaluation, share: float, *, queue: bool = False) -> str:
    value = (e.queue_effort if queue else e.effort).get(share, math.nan)
    return "never" if math.isnan(value) else f"{value:.2f}"


def scale_rows(columns: list[tuple[Evaluation, Blocking | None]]) -> list[list[str]]:
    """Issue 12's figures, one column per (system, size)."""

    def row(label: str, cell: Callable[[Evaluation, Blocking | None], str]) -> list[str]:
        return [label, *(cell(e, b) for e, b in columns)]

    def blocked(b: Blocking | None, compared: bool) -> str:
        if b is None:
            return ""
        value = b.compared_completeness if compared else b.completeness
        return "" if value is None else _fmt(value)

    rows = [
        row("recall@1", lambda e, _: _fmt(e.recall_at_1)),
        row(f"recall@{columns[0][0].k}", lambda e, _: _fmt(e.recall_at_k)),
        row("pair completeness, retrieved", lambda _, b: blocked(b, False)),
        row("pair completeness, fully compared", lambda _, b: blocked(b, True)),
        row("match band: precision", lambda e, _: _fmt(e.match_band.precision)),
        row("match band: recall", lambda e, _: _fmt(e.match_band.recall)),
        row("best recall at precision >= 0.98", lambda e, _: _fmt(e.best_recall_p98.prf.recall)),
        row(
            "review band: candidates per interception",
            lambda e, _: f"{e.review_band.predicted / max(e.interceptions, 1):.2f}",
        ),
        row("review band: share true", lambda e, _: _fmt(e.review_band.precision)),
        row("calibration error (ECE, all candidates)", lambda e, _: f"{e.calibration_error:.3f}"),
    ]
    for share in (0.8, 0.9, 0.95):
        rows.append(
            row(
                f"reviewer effort: read per child found, {share:.0%} found",
                lambda e, _, s=share: _effort(e, s),  # type: ignore[misc]
            )
        )
    for share in (0.8, 0.9, 0.95):
        rows.append(
            row(
                f"reviewer effort in the queue (a confirmed match closes its interception and "
                f"report), {share:.0%} found",
                lambda e, _, s=share: _effort(e, s, queue=True),  # type: ignore[misc]
            )
        )
    rows.append(
        row(
            "false alarms (unreported children)",
            lambda e, _: f"{e.false_alarms.count} / {e.false_alarms.unreported}",
        )
    )
    for name in TRUTH_SLICE_COLUMNS:
        rows.append(
            row(
                f"recall@{columns[0][0].k}: {name}",
                lambda e, _, n=name: _fmt(e.slices.get(n, (math.nan, 0))[0]),  # type: ignore[misc]
            )
        )
    return rows


def run_scale(args: argparse.Namespace) -> int:
    """One table of issue 12's figures for several index sizes, Splink beside where asked."""
    columns: list[tuple[Evaluation, Blocking | None]] = []
    heads = ["figure"]
    model = MatchModel.load(args.model) if args.model else None
    model_tag = (model or MatchModel.default()).version
    for n_r in args.reports:
        folder = test_split(n_r, args.interceptions or 5_000, args.seed)
        truth = read_truth(folder / "truth.csv")
        true_pairs = {(iid, rid) for iid, rids in truth.matches.items() for rid in rids}
        ours_csv = folder / f"shondhan-candidates-{model_tag}.csv"
        seconds = run_shondhan(folder, ours_csv, top_k=args.k, model=model)
        ours = evaluate_candidates(
            iter_candidates(ours_csv), truth.matches, k=args.k, slices=truth.slices
        )
        columns.append((ours, shondhan_blocking(folder, true_pairs, model)))
        heads.append(f"Shondhan {n_r:,} ({seconds:.0f} s)")
        tight = n_r in (args.splink_tight_at or [])
        if n_r in (args.splink_at or []) or tight:
            theirs_csv = folder / "splink-candidates.csv"
            timings = splink_baseline.run(
                folder / "reports.csv",
                folder / "interceptions.csv",
                theirs_csv,
                top_k=args.k,
                tight=tight,
                u_pairs=5e5 if args.quick else 5e6,
                true_pairs=pd.DataFrame(
                    sorted(true_pairs), columns=["interception_id", "report_id"]
                ),
            )
            theirs = evaluate_candidates(
                iter_candidates(theirs_csv), truth.matches, k=args.k, slices=truth.slices
            )
            block = Blocking(
                per_query=timings["pairs"] / max(len(truth.matches), 1),
                completeness=timings["true_pairs_blocked"] / max(len(true_pairs), 1),
            )
            columns.append((theirs, block))
            heads.append(f"Splink{' (tight)' if tight else ''} {n_r:,} ({timings['total']:.0f} s)")
    print(
        f"## Accuracy at scale: held-out test splits, seed {args.seed}, "
        f"{args.interceptions or 5_000:,} interceptions each, top {args.k}"
    )
    print()
    print(table(heads, scale_rows(columns)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument(
        "--reports",
        type=int,
        nargs="+",
        help="index size(s); several print one scale table (issue 12) instead",
    )
    parser.add_argument("--interceptions", type=int)
    parser.add_argument("--seed", type=int, default=ACCURACY_SEED)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument(
        "--model", type=Path, help="model JSON from `shondhan train` (default: the shipped one)"
    )
    parser.add_argument("--splink-at", type=int, nargs="*", help="scale table: sizes with Splink")
    parser.add_argument(
        "--splink-tight-at", type=int, nargs="*", help="scale table: sizes with Splink --tight"
    )
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.ERROR)
    if args.reports and len(args.reports) > 1:
        return run_scale(args)
    if args.quick and not args.reports:
        # CI: the single-size report, then the scale table at two small sizes
        args.reports = [3_000]
        single(args)
        args.reports, args.interceptions, args.splink_at = [1_000, 3_000], 300, [3_000]
        return run_scale(args)
    return single(args)


def single(args: argparse.Namespace) -> int:
    n_r = args.reports[0] if args.reports else (3_000 if args.quick else 50_000)
    n_i = args.interceptions or (300 if args.quick else 5_000)
    folder = test_split(n_r, n_i, args.seed)
    truth = read_truth(folder / "truth.csv")

    model = MatchModel.load(args.model) if args.model else None
    ours_csv = folder / "shondhan-candidates.csv"
    ours_s = run_shondhan(folder, ours_csv, top_k=args.k, model=model)
    theirs_csv = folder / "splink-candidates.csv"
    true_pairs = {(iid, rid) for iid, rids in truth.matches.items() for rid in rids}
    timings = splink_baseline.run(
        folder / "reports.csv",
        folder / "interceptions.csv",
        theirs_csv,
        top_k=args.k,
        u_pairs=5e5 if args.quick else 5e6,
        true_pairs=pd.DataFrame(sorted(true_pairs), columns=["interception_id", "report_id"]),
    )
    ours_blocking = shondhan_blocking(folder, true_pairs, model)
    theirs_blocking = Blocking(
        per_query=timings["pairs"] / n_i,
        completeness=timings["true_pairs_blocked"] / max(len(true_pairs), 1),
    )
    ours = evaluate_candidates(
        iter_candidates(ours_csv), truth.matches, k=args.k, slices=truth.slices
    )
    theirs = evaluate_candidates(
        iter_candidates(theirs_csv), truth.matches, k=args.k, slices=truth.slices
    )
    print(
        f"## Accuracy: held-out test split, {n_r:,} reports / {n_i:,} interceptions "
        f"({ours.reported:,} reported children), seed {args.seed}"
    )
    print(
        f"Shondhan {ours_s:.1f} s; Splink {timings['total']:.1f} s "
        f"({timings['pairs']:,.0f} blocked pairs); Splink match band: probability >= "
        f"{splink_baseline.MATCH_PROBABILITY}"
    )
    print()
    print(table(["figure", "Shondhan", "Splink", "target"], comparison_rows(ours, theirs)))
    print()
    print(
        "Blocking (true pairs: every report of each reported child, duplicates included; "
        "Splink compares every blocked pair in full):"
    )
    print(table(["blocking", "Shondhan", "Splink"], blocking_rows(ours_blocking, theirs_blocking)))
    print()
    print(
        table(
            ["figure (issue 12)", "Shondhan", "Splink"],
            scale_rows([(ours, ours_blocking), (theirs, theirs_blocking)])[4:],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
