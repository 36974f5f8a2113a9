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

Interceptions: the generator makes no duplicate interceptions, so a second file is made here
from another test split (seed :data:`SEED` + 1): its interceptions, plus for
:data:`TWICE_SHARE` of them a second interception of the same child written down independently
by the generator's own form (:func:`training_data.forms.interception_of`: another date, its own
age estimate, script, spelling, pet name or missing fields) — a child intercepted twice. Both
tools run on that file the same way.

Figures: pairwise precision / recall / F1 (:func:`matcher.evaluate.grouping_prf`), the number of
groups against the true number, wall time. ``--quick`` runs 1,500 reports and 600 interceptions
(CI smoke run).
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import data_root, generator_version, table
from matcher.csvio import iter_interceptions, iter_reports, read_truth
from matcher.dedupe import Deduper, group_pairs
from matcher.evaluate import PRF, grouping_prf
from matcher.records import INTERCEPTION_COLUMNS
from training_data.forms import interception_of, interception_row
from training_data.generate import Split, generate, stream_csvs
from training_data.people import People

SEED = 90_003  # no training, validation or other benchmark run uses it
FULL_REPORTS = 20_000
QUICK_REPORTS = 1_500
FULL_INTERCEPTIONS = 8_000
QUICK_INTERCEPTIONS = 600
#: Share of the interceptions file's children intercepted a second time.
TWICE_SHARE = 0.05


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


def interceptions_twice(n: int) -> tuple[Path, dict[str, str]]:
    """An interceptions file where :data:`TWICE_SHARE` of the children are intercepted twice,
    and its true groups (``{interception_id: the child's first interception id}``)."""
    folder = data_root() / f"dedupe-interceptions-{n}-{SEED + 1}-{generator_version()}"
    data = generate(n_reports=n, n_interceptions=n, seed=SEED + 1, split=Split.TEST)
    rng = random.Random(SEED + 1)
    people = People(Split.TEST, rng)
    records = list(data.interceptions)
    groups = {i.interception_id: i.interception_id for i in records}
    for first, child in zip(data.interceptions, data.children, strict=True):
        if rng.random() < TWICE_SHARE:
            again, _ = interception_of(child, f"{first.interception_id}-B", people=people, rng=rng)
            records.append(again)
            groups[again.interception_id] = first.interception_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "interceptions.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(INTERCEPTION_COLUMNS)
        writer.writerows(interception_row(i) for i in records)
    return path, groups


def true_groups(folder: Path) -> dict[str, str]:
    """``{report_id: the child's first report id}`` for every report of the file."""
    truth = read_truth(folder / "truth.csv")
    groups: dict[str, str] = {}
    for reports in truth.matches.values():
        if reports:
            first = min(reports)
            groups.update(dict.fromkeys(reports, first))
    return groups


def shondhan(path: Path, *, interceptions: bool) -> list[tuple[str, dict[str, str], float]]:
    """(label, grouping, seconds) at the default threshold and two others."""
    started = time.perf_counter()
    records = iter_interceptions(path) if interceptions else iter_reports(path)
    deduper = Deduper(records)
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


def splink(
    path: Path, *, interceptions: bool, u_pairs: float
) -> list[tuple[str, dict[str, str], float]]:
    """(label, grouping, seconds) for Splink dedupe_only clustered at 0.9 and 0.5."""
    import duckdb
    from splink import DuckDBAPI, Linker

    from benchmarks import splink_baseline as sb

    started = time.perf_counter()
    if interceptions:
        records = sb.prepare(
            path,
            id_col="interception_id",
            date_col="interception_date",
            district_col="home_district",
        )
    else:
        records = sb.prepare(
            path, id_col="report_id", date_col="report_date", district_col="district"
        )
    con = duckdb.connect()
    con.execute("SET threads = 2")
    linker = Linker(
        records,
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
    u_pairs = 2e5 if args.quick else 2e6
    folder = split_folder(n)
    _case("reports", folder / "reports.csv", true_groups(folder), u_pairs=u_pairs)
    n_int = QUICK_INTERCEPTIONS if args.quick else FULL_INTERCEPTIONS
    path, groups = interceptions_twice(n_int)
    _case("interceptions", path, groups, u_pairs=u_pairs)
    return 0


def _case(kind: str, path: Path, truth: dict[str, str], *, u_pairs: float) -> None:
    """Both tools on one file; print the table."""
    interceptions = kind == "interceptions"
    print(
        f"\ndedupe of {len(truth):,} {kind} ({path.parent.name}): "
        f"{len(set(truth.values())):,} children, {grouping_prf(truth, truth).actual:,} true pairs"
    )
    rows = [_row(*r, truth) for r in shondhan(path, interceptions=interceptions)]
    rows += [_row(*r, truth) for r in splink(path, interceptions=interceptions, u_pairs=u_pairs)]
    print(
        table(
            ["", "pair precision", "pair recall", "F1", "pairs grouped", "groups", "seconds"],
            rows,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
