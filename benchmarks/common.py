"""Helpers shared by the benchmark scripts: data sets, process metering, tables.

Not a benchmark itself (``run_all`` skips it). Data sets are generated with the project's
synthetic generator into a cache folder (``$SHONDHAN_BENCH_DATA`` or the system temp folder), so
a second run on the same machine does not pay for generating 1,000,000 reports again; the
generator is deterministic, so a cached set is identical to a fresh one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import training_data
from training_data.generate import Split, stream_csvs

ROOT = Path(__file__).resolve().parent.parent

# Seeds no training or validation run uses (training uses 101/202 and the committed splits).
ACCURACY_SEED = 90_001
SPEED_SEED = 90_002


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def interception_bodies(folder: Path, n: int) -> list[dict[str, Any]]:
    """The first ``n`` interceptions of a split's CSV as ``POST /interceptions`` JSON bodies."""
    from matcher.csvio import iter_interceptions

    bodies = []
    for i, rec in enumerate(iter_interceptions(folder / "interceptions.csv")):
        if i >= n:
            break
        body = {k: v for k, v in asdict(rec).items() if v is not None}
        if "age" in body:
            body["age"] = float(body["age"])
        if "interception_date" in body:
            body["interception_date"] = body["interception_date"].isoformat()
        bodies.append(body)
    return bodies


def data_root() -> Path:
    root = Path(
        os.environ.get("SHONDHAN_BENCH_DATA", Path(tempfile.gettempdir()) / "shondhan-bench")
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


@functools.cache
def generator_version() -> str:
    """A short hash of the generator's code: cached splits are named by it, so a changed
    generator never hands a benchmark the data an older one made."""
    digest = hashlib.sha256()
    for path in sorted(Path(training_data.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def test_split(n_reports: int, n_interceptions: int, seed: int) -> Path:
    """A held-out *test* split (names the model never saw), generated once and cached."""
    folder = data_root() / f"test-{n_reports}-{n_interceptions}-{seed}-{generator_version()}"
    done = folder / ".complete"
    if not done.exists():
        stream_csvs(
            folder,
            n_reports=n_reports,
            n_interceptions=n_interceptions,
            seed=seed,
            split=Split.TEST,
        )
        done.write_text("ok\n")
    return folder


@dataclass(frozen=True, slots=True)
class Metered:
    """Wall time and memory of one child process (and its own children)."""

    returncode: int
    seconds: float
    max_rss_mb: float
    """Largest resident set of any single process in the tree (``wait4`` / ``ru_maxrss``)."""
    peak_pss_mb: float
    """Peak of the *sum* of proportional set sizes over the tree, sampled every 0.1 s: the
    honest total when forked workers share pages (0 where /proc is unavailable)."""
    stdout: str
    stderr: str
    cpu_seconds: float = float("nan")
    """User + system CPU time of the process and every child it waited for (``wait4``): on a
    shared machine this moves far less than wall time does."""


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_metered(argv: Sequence[str | Path], *, cwd: Path = ROOT) -> Metered:
    """Run ``argv`` to completion, measuring wall time, max RSS and peak total PSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(a) for a in argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sum(_pss_kb(p) for p in _tree(proc.pid)))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []

    def drain(stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, out_chunks), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err_chunks), daemon=True),
    ]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    for r in readers:
        r.join()
    return Metered(
        returncode=proc.returncode,
        seconds=seconds,
        max_rss_mb=usage.ru_maxrss / 1024,
        peak_pss_mb=peak / 1024,
        stdout="".join(out_chunks),
        stderr="".join(err_chunks),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def python_module(module: str, *args: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", module, *args]


SHONDHAN_CLI = [
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'shondhan'; from cli import main; main()",
]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (pasteable into benchmarks/README.md)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])
