"""Dedupe of a reports file: pairwise precision and recall of the grouping, Shondhan beside Splink.

Data: a held-out *test* split (seed :data:`SEED`, names the model never saw) generated with every
reported child intercepted (``reported_share=1`` and as many interceptions as reports), so the
truth's ``report_id`` + ``duplicate_report_ids`` name every report of every child: the true
groups of the reports file. About 3% of children are reported twice (two police stations) and 4%
of families have two children reported together — brothers and sisters with the same parents,
phone and place, the hard negatives of a dedupe.

- **Shondhan**: :func:`matcher.dedupe.dedupe` with its defaults (the shipped model's match
  threshold, coherence 0.5), on the records read from the CSV as ``shondhan dedupe`` reads them;
  also at two other thresholds to show the trade.
- **Splink**: ``link_type="dedupe_only"`` on the same file with the peer set-up of
  :mod:`benchmarks.splink_baseline` (same cleaning, comparisons without the event order, same
  training and blocking rules), clustered by Splink's
  ``cluster_pairwise_predictions_at_threshold`` at its match probability (0.9) and at 0.5.

Figures: pairwise precision / recall / F1 (:func:`matcher.evaluate.grouping_prf`), the number of
groups against the true number, wall time. ``--quick`` runs 1,500 reports (CI smoke run).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import data_root, generator_version, table
from matcher.csvio import iter_reports, read_truth
from matcher.dedupe import Deduper, group_pairs
from matcher.evaluate import PRF, grouping_prf
from training_data.generate import Split, stream_csvs

SEED = 90_003  # no training, validation or other benchmark run uses it
FULL_REPORTS = 20_000
QUICK_REPORTS = 1_500


def split_folder(n_reports: int) -> Path:
    """The test split with every reported child intercepted, generated once and cached."""
    folder = data_root() / f"dedupe-{n_reports}-{SEED}-{generator_version()}"
    if not (folder / ".complete").exists():
        stream_csvs(
            folder,
            n_reports=n_reports,
            n_interceptions=n_reports,
            seed=SEED,
            split=Split.TEST,
            reported_share=1.0,
        )
        (folder / ".complete").write_text("ok\n")
    return folder


def true_groups(folder: Path) -> dict[str, str]:
    """``{report_id: the child's first report id}`` for every report of the file."""
    truth = read_truth(folder / "truth.csv")
    groups: dict[str, str] = {}
    for reports in truth.matches.values():
        if reports:
            first = min(reports)
            groups.update(dict.fromkeys(reports, first))
    return groups


def shondhan(folder: Path) -> list[tuple[str, dict[str, str], float]]:
    """(label, grouping, seconds) at the default threshold and two others."""
    started = time.perf_counter()
    deduper = Deduper(iter_reports(folder / "reports.csv"))
    pairs = deduper.pairs()
    scored = time.perf_counter() - started
    out = []
    default = deduper.model.match_threshold_
    for threshold in (default, 0.9, 0.5):
        t0 = time.perf_counter()
        members = group_pairs(deduper.ids, pairs, threshold=threshold, score=deduper.score)
        label = f"Shondhan, threshold {threshold:.3f}" + (
            " (default)" if threshold == default else ""
        )
        seconds = scored + time.perf_counter() - t0
        out.append((label, {m.record_id: m.group_id for m in members}, seconds))
    return out


def splink(folder: Path, *, u_pairs: float) -> list[tuple[str, dict[str, str], float]]:
    """(label, grouping, seconds) for Splink dedupe_only clustered at 0.9 and 0.5."""
    import duckdb
    from splink import DuckDBAPI, Linker

    from benchmarks import splink_baseline as sb

    started = time.perf_counter()
    reports = sb.prepare(
        folder / "reports.csv", id_col="report_id", date_col="report_date", district_col="district"
    )
    con = duckdb.connect()
    con.execute("SET threads = 2")
    linker = Linker(
        reports,
        sb.settings(tight=False, dedupe=True),
        db_api=DuckDBAPI(con),
        set_up_basic_logging=False,
    )
    sb.train(linker, u_pairs=u_pairs)
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    trained = time.perf_counter() - started
    out = []
    for threshold in (sb.MATCH_PROBABILITY, sb.REVIEW_PROBABILITY):
        t0 = time.perf_counter()
        clusters: Any = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        ).as_pandas_dataframe()
        grouping = dict(
            zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str), strict=True)
        )
        seconds = trained + time.perf_counter() - t0
        out.append((f"Splink dedupe_only, p >= {threshold}", grouping, seconds))
    return out


def _row(label: str, grouping: dict[str, str], seconds: float, truth: dict[str, str]) -> list[str]:
    m: PRF = grouping_prf(grouping, truth)
    groups = len({grouping.get(r, "\x00" + r) for r in truth})
    return [
        label,
        f"{m.precision:.3f}",
        f"{m.recall:.3f}",
        f"{m.f1:.3f}",
        f"{m.predicted:,}",
        f"{groups:,}",
        f"{seconds:.1f}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REPORTS:,} reports")
    parser.add_argument("--reports", type=int, default=None)
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.ERROR)
    n = args.reports or (QUICK_REPORTS if args.quick else FULL_REPORTS)
    folder = split_folder(n)
    truth = true_groups(folder)
    n_true_groups = len(set(truth.values()))
    true_pairs = grouping_prf(truth, truth).actual
    print(
        f"dedupe of {len(truth):,} reports (test split, seed {SEED}): {n_true_groups:,} children, "
        f"{true_pairs:,} true pairs"
    )
    rows = [_row(*r, truth) for r in shondhan(folder)]
    rows += [_row(*r, truth) for r in splink(folder, u_pairs=2e5 if args.quick else 2e6)]
    print(
        table(
            ["", "pair precision", "pair recall", "F1", "pairs grouped", "groups", "seconds"],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
