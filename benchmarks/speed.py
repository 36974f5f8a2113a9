"""Speed and memory: Shondhan vs the Splink baseline on the same data, plus query latency.

1. Batch, end to end from CSV to CSV, each system in its own child process, metered from outside:
   wall time, the largest single-process resident set (``wait4``'s ``ru_maxrss``) and the peak
   of the summed proportional set size of the whole process tree (forked workers share pages,
   so PSS is the honest total). Shondhan runs ``shondhan reconcile`` (default workers); Splink
   runs :mod:`benchmarks.splink_baseline` including its training, with its tight blocking rules
   from 200,000 reports up (looser rules do not fit this machine at 1,000,000).
2. Single-interception latency in-process: build one :class:`matcher.index.MatchIndex` over the
   reports, then time ``query`` (top 10) for each of the first ``--latency-queries``
   interceptions, one at a time; report p50 / p99 / max.

    python -m benchmarks.speed            # 1,000,000 reports / 10,000 interceptions (~10 min)
    python -m benchmarks.speed --quick    # 20,000 / 500 (CI smoke run)
    python -m benchmarks.speed --build-only   # only the batch's index build, timed in-process

The index build is timed in wall and CPU seconds (this process and its build children), so that
a figure taken on a busy machine still says what the build costs.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import SHONDHAN_CLI, SPEED_SEED, Metered, python_module, run_metered, table
from benchmarks.common import test_split as make_split
from matcher.csvio import iter_interceptions
from matcher.index import MatchIndex
from matcher.reconcile import build_index_csv, default_workers

TIGHT_FROM = 200_000


def batch_shondhan(folder: Path) -> Metered:
    return run_metered(
        [
            *SHONDHAN_CLI,
            "reconcile",
            "--reports",
            folder / "reports.csv",
            "--interceptions",
            folder / "interceptions.csv",
            "--out",
            folder / "speed-shondhan.csv",
            "--quiet",
        ]
    )


def batch_splink(folder: Path, *, tight: bool) -> Metered:
    args: list[str | Path] = [
        "--reports",
        folder / "reports.csv",
        "--interceptions",
        folder / "interceptions.csv",
        "--out",
        folder / "speed-splink.csv",
    ]
    if tight:
        args.append("--tight")
    return run_metered(python_module("benchmarks.splink_baseline", *args))


@dataclass(frozen=True, slots=True)
class BuildTime:
    """The batch's index build, in-process: wall and CPU seconds (this process plus the
    build's children) and this process's peak RSS (MB) afterwards."""

    wall: float
    cpu: float
    rss_mb: float


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(folder: Path) -> tuple[MatchIndex, BuildTime]:
    """The batch's build (:func:`build_index_csv`, default workers, no raw report fields kept,
    as ``shondhan reconcile`` builds it), timed."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    index = build_index_csv(folder / "reports.csv", workers=default_workers(), keep_reports=False)
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return index, BuildTime(wall, cpu, rss)


def latency(folder: Path, n_queries: int) -> tuple[BuildTime, list[float], float, float]:
    """Build an index in-process; returns (build time, per-query seconds, RSS MB after,
    mean CPU seconds per query).

    The build is the batch's (:func:`build`), so its figure is the batch's build phase.
    """
    index, build_time = build(folder)
    queries = []
    for interception in iter_interceptions(folder / "interceptions.csv"):
        if len(queries) >= n_queries:
            break
        queries.append(interception)
    index.query(queries[0])  # warm caches
    gc.collect()
    times = []
    cpu = time.process_time()
    for q in queries:
        t = time.perf_counter()
        index.query(q, top_k=10)
        times.append(time.perf_counter() - t)
    cpu_per_query = (time.process_time() - cpu) / max(len(queries), 1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return build_time, times, rss, cpu_per_query


def _build_rows(b: BuildTime) -> list[list[str]]:
    return [
        ["index build, wall", f"{b.wall:.1f} s"],
        ["index build, CPU (all its processes)", f"{b.cpu:.1f} s"],
        ["process peak RSS after the build", f"{b.rss_mb:,.0f} MB"],
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _status(m: Metered) -> str:
    return "" if m.returncode == 0 else f" (exit {m.returncode})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--reports", type=int)
    parser.add_argument("--interceptions", type=int)
    parser.add_argument("--latency-queries", type=int)
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink batch run")
    parser.add_argument(
        "--build-only", action="store_true", help="only time the batch's index build, in-process"
    )
    args = parser.parse_args(argv)
    n_r = args.reports or (20_000 if args.quick else 1_000_000)
    n_i = args.interceptions or (500 if args.quick else 10_000)
    n_q = args.latency_queries or (200 if args.quick else 1_000)
    t = time.perf_counter()
    folder = make_split(n_r, n_i, SPEED_SEED)
    print(f"data: {folder} ({time.perf_counter() - t:.1f} s to generate or find)", flush=True)
    if args.build_only:
        _, b = build(folder)
        print(f"\n## Index build: {n_r:,} reports, {default_workers()} processes, in-process\n")
        print(table(["build", "Shondhan"], _build_rows(b)))
        return 0

    ours = batch_shondhan(folder)
    if ours.returncode not in (0, 3):
        print(ours.stderr[-2000:], file=sys.stderr)
    theirs = None if args.no_splink else batch_splink(folder, tight=n_r >= TIGHT_FROM)
    if theirs is not None and theirs.returncode != 0:
        print(theirs.stderr[-2000:], file=sys.stderr)
    build_time, times, rss, cpu_per_query = latency(folder, n_q)
    q = statistics.quantiles(times, n=100) if len(times) >= 2 else times * 99

    print(f"\n## Speed: {n_r:,} reports / {n_i:,} interceptions, CSV to CSV (2-core machine)\n")
    splink = theirs or Metered(-1, float("nan"), float("nan"), float("nan"), "", "")
    rows = [
        [
            "batch wall time",
            f"{ours.seconds:.1f} s{_status(ours)}",
            f"{splink.seconds:.1f} s{_status(splink)}" if theirs else "not run",
            "< 60 s, faster than Splink",
        ],
        [
            "CPU time, all processes",
            f"{ours.cpu_seconds:.1f} s",
            f"{splink.cpu_seconds:.1f} s" if theirs else "not run",
            "",
        ],
        [
            "peak RSS, largest process",
            f"{ours.max_rss_mb:,.0f} MB",
            f"{splink.max_rss_mb:,.0f} MB" if theirs else "not run",
            "<= 3 GB",
        ],
        [
            "peak PSS, all processes",
            f"{ours.peak_pss_mb:,.0f} MB",
            f"{splink.peak_pss_mb:,.0f} MB" if theirs else "not run",
            "<= 3 GB",
        ],
    ]
    print(table(["batch", "Shondhan", "Splink", "target"], rows))
    print(f"\n## Query latency: one interception at a time, {n_r:,}-report index, in-process\n")
    lat_rows = [
        *[[*row, ""] for row in _build_rows(build_time)],
        ["queries timed", str(len(times)), ""],
        ["p50", _ms(q[49]), "<= 10 ms"],
        ["p99", _ms(q[98]), "<= 50 ms"],
        ["max", _ms(max(times)), ""],
        ["mean CPU per query", _ms(cpu_per_query), ""],
        ["process peak RSS", f"{rss:,.0f} MB", ""],
    ]
    print(table(["latency", "Shondhan", "target"], lat_rows))
    ok = ours.returncode in (0, 3) and (theirs is None or theirs.returncode == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
