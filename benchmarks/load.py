"""The service under load and misuse (issue 15): interceptions while a big import and a batch
run proceed, and a huge file of bad rows.

For each backend (SQLite always; PostgreSQL when ``--postgres-url`` or
``SHONDHAN_BENCH_POSTGRES_URL`` names a server, in a fresh schema dropped afterwards) it seeds
``--reports`` synthetic reports (held-out test split) and as many open interceptions, starts
``shondhan serve`` on 127.0.0.1 (a separate process, as in production), then:

1. mixed load for ``--seconds``: ``--clients`` clients (threads, one keep-alive connection each)
   submit interceptions back to back, while one client uploads an ``--import-rows``-row reports
   CSV (good rows: it commits) and an analyst's batch run works through every open
   interception; a probe reads ``/health`` every 0.25 s. Printed: requests, errors (any
   non-201, timeouts), p50 / p99 / max latency, the slowest ``/health``, the import's status
   and time, the run's progress. Targets: 0 errors, p99 <= 1 s, ``/health`` never over 1 s.
2. bad file (alone with ``--bad-only``, on a server fresh from start-up): a ``--bad-mb`` MB
   CSV whose every row has an unreadable age (and a distinct id) is uploaded; printed: the
   server's resident memory before and its peak during the upload (sampled every 0.1 s from
   /proc), the answer's status, size and time. Targets: growth <= 200 MB, body < 1 MB.

Bounded: loopback only, fixed durations, every request has a timeout.

    python -m benchmarks.load            # 60 s, 20 clients, 300,000-row import, 200 MB bad file
    python -m benchmarks.load --quick    # CI smoke run: 6 s, 4 clients, 5,000 rows, 5 MB
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from api import services
from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.models import InterceptionRow
from api.roles import Role
from benchmarks.common import interception_bodies, test_split
from matcher.csvio import iter_interceptions, iter_reports
from matcher.records import REPORT_COLUMNS

SEED = 90_015
PG_ENV = "SHONDHAN_BENCH_POSTGRES_URL"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of process ``pid`` itself and of its children it reaped
    (the forked workers of :mod:`api.offload`)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    # after the ")": state is field 0, utime 11, stime 12, cutime 13, cstime 14
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def _load() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return fh.read().split()[0]
    except OSError:
        return "?"


@dataclass
class Figures:
    """What one backend's run measured."""

    backend: str
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    health_ms: list[float] = field(default_factory=list)
    import_status: int | str = "-"
    import_s: float = 0.0
    run_status: str = "-"
    run_done: int = 0
    run_total: int = 0
    bad_status: int | str = "-"
    bad_body_bytes: int = 0
    bad_s: float = 0.0
    rss_start_mb: float = 0.0
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    cpu_s: float = 0.0
    child_cpu_s: float = 0.0
    load: str = "?"


def _interception_bodies(folder: Path, n: int, tag: str) -> list[dict[str, Any]]:
    """:func:`benchmarks.common.interception_bodies` under ids of this run's own."""
    bodies = interception_bodies(folder, n)
    for i, body in enumerate(bodies):
        body["interception_id"] = f"L{tag}-{i:07d}"
    return bodies


def _write_import(path: Path, folder: Path, rows: int, tag: str) -> None:
    """``rows`` good report rows (the split's reports again, under fresh ids)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(REPORT_COLUMNS)
        written = 0
        while written < rows:
            for rec in iter_reports(folder / "reports.csv"):
                values = [getattr(rec, c) for c in REPORT_COLUMNS]
                values[0] = f"IMP{tag}-{written:07d}"
                out.writerow(["" if v is None else str(v) for v in values])
                written += 1
                if written >= rows:
                    break


def _write_bad(path: Path, megabytes: float, tag: str) -> int:
    """A CSV of about ``megabytes`` MB whose every row has an unreadable age; returns rows."""
    limit = int(megabytes * 1_000_000)
    header = ",".join(REPORT_COLUMNS) + "\n"
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        size = fh.write(header)
        while size < limit:
            size += fh.write(
                f"BAD{tag}-{n:08d},Rahima Khatun,Abdul Karim,,F,abc,2025-01-10,Jashore,,,\n"
            )
            n += 1
    return n


def _seed(url: str, folder: Path, n_interceptions: int) -> dict[Role, str]:
    engine = make_engine(url)
    upgrade(engine)
    tokens: dict[Role, str] = {}
    with make_session_factory(engine)() as session:
        for role in (Role.BGB_OFFICER, Role.POLICE_REVIEWER, Role.ANALYST):
            name = f"load-{role.value}-{secrets.token_hex(3)}"
            _user, _tok, tokens[role] = services.create_user(session, None, name, role)
        services.bulk_load_reports(session, iter_reports(folder / "reports.csv"))
        rows = []
        for i, rec in enumerate(iter_interceptions(folder / "interceptions.csv")):
            if i >= n_interceptions:
                break
            values = asdict(rec)
            values["interception_id"] = f"SEED-{i:07d}"
            rows.append(values)
        session.execute(insert(InterceptionRow), rows)
        session.commit()
    engine.dispose()
    return tokens


def _mixed_load(
    pid: int,
    base: str,
    tokens: dict[Role, str],
    bodies: Iterator[dict[str, Any]],
    import_file: Path,
    *,
    seconds: float,
    clients: int,
    figures: Figures,
    background: bool = True,
) -> None:
    stop = threading.Event()
    lock = threading.Lock()

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    def submitter() -> None:
        with httpx.Client(base_url=base, headers=auth(Role.BGB_OFFICER), timeout=30) as c:
            while not stop.is_set():
                with lock:
                    body = next(bodies)
                t = time.perf_counter()
                try:
                    ok = c.post("/interceptions", json=body).status_code == 201
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    figures.requests += 1
                    figures.latencies_ms.append(ms)
                    figures.errors += not ok

    def prober() -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.wait(0.25):
                t = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):  # a timeout shows as 30 s
                    c.get("/health")
                figures.health_ms.append((time.perf_counter() - t) * 1000)

    def importer() -> None:
        t = time.perf_counter()
        try:
            with import_file.open("rb") as fh:
                r = httpx.post(
                    f"{base}/reports/import",
                    files={"file": ("import.csv", fh, "text/csv")},
                    headers=auth(Role.POLICE_REVIEWER),
                    timeout=900,
                )
            figures.import_status = r.status_code
        except httpx.HTTPError as exc:
            figures.import_status = type(exc).__name__
        figures.import_s = time.perf_counter() - t

    load_start = _load()
    cpu_start, child_start = _cpu_s(pid)
    run = None
    if background:
        run = httpx.post(f"{base}/reconciliations", headers=auth(Role.ANALYST), timeout=30).json()
    threads = [threading.Thread(target=submitter) for _ in range(clients)]
    threads += [threading.Thread(target=prober)]
    upload = threading.Thread(target=importer)
    for th in [*threads, *([upload] if background else [])]:
        th.start()
    time.sleep(seconds)
    stop.set()
    for th in threads:
        th.join(timeout=60)
    cpu_end, child_end = _cpu_s(pid)
    figures.cpu_s, figures.child_cpu_s = cpu_end - cpu_start, child_end - child_start
    figures.load = f"{load_start} -> {_load()}"
    if run is None:
        return
    upload.join(timeout=900)
    state = httpx.get(
        f"{base}/reconciliations/{run['reconciliation_id']}",
        headers=auth(Role.ANALYST),
        timeout=30,
    ).json()
    figures.run_status, figures.run_done, figures.run_total = (
        state["status"],
        state["done"],
        state["total"],
    )


def _bad_file(base: str, pid: int, token: str, path: Path, figures: Figures) -> None:
    figures.rss_before_mb = _rss_mb(pid)
    peak = figures.rss_before_mb
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, _rss_mb(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    t = time.perf_counter()
    try:
        with path.open("rb") as fh:
            r = httpx.post(
                f"{base}/reports/import",
                files={"file": ("bad.csv", fh, "text/csv")},
                headers={"Authorization": f"Bearer {token}"},
                timeout=1800,
            )
        figures.bad_status, figures.bad_body_bytes = r.status_code, len(r.content)
    except httpx.HTTPError as exc:
        figures.bad_status = type(exc).__name__
    figures.bad_s = time.perf_counter() - t
    done.set()
    sampler.join()
    figures.rss_peak_mb = peak


def run_backend(backend: str, url: str, folder: Path, args: argparse.Namespace) -> Figures:
    """Seed ``url``, serve it, measure; the server is always stopped."""
    from tests.api.servers import start_server  # the launcher the tests use

    figures = Figures(backend)
    tag = secrets.token_hex(2)
    tokens = _seed(url, folder, args.interceptions)
    with tempfile.TemporaryDirectory(prefix="shondhan-load-") as tmp:
        import_file, bad_file = Path(tmp) / "import.csv", Path(tmp) / "bad.csv"
        if not args.bad_only and not args.submissions_only:
            _write_import(import_file, folder, args.import_rows, tag)
        bad_rows = 0 if args.submissions_only else _write_bad(bad_file, args.bad_mb, tag)
        pool = _interception_bodies(folder, 10**9, tag)

        def cycle() -> Iterator[dict[str, Any]]:
            n = 0
            while True:
                for body in pool:
                    yield {**body, "interception_id": f"{body['interception_id']}-{n}"}
                n += 1

        server = start_server(url, Path(tmp) / "server.log", timeout=600)
        figures.rss_start_mb = _rss_mb(server.process.pid)
        try:
            if not args.bad_only:
                _mixed_load(
                    server.process.pid,
                    server.base,
                    tokens,
                    cycle(),
                    import_file,
                    seconds=args.seconds,
                    clients=args.clients,
                    figures=figures,
                    background=not args.submissions_only,
                )
            if not args.submissions_only:
                _bad_file(
                    server.base,
                    server.process.pid,
                    tokens[Role.POLICE_REVIEWER],
                    bad_file,
                    figures,
                )
        finally:
            server.stop()
    _print(figures, args, bad_rows)
    return figures


def _print(f: Figures, args: argparse.Namespace, bad_rows: int) -> None:
    lat = f.latencies_ms or [0.0]
    p99, health = _percentile(lat, 0.99), max(f.health_ms or [0.0])
    growth = f.rss_peak_mb - f.rss_before_mb
    if args.bad_only:
        print(f"benchmarks.load [{f.backend}]: the bad file alone, on a fresh server")
    else:
        print(f"benchmarks.load [{f.backend}]: {args.clients} clients for {args.seconds:g} s")
        print(
            f"  POST /interceptions: {f.requests} requests, errors {f.errors}, "
            f"p50 {statistics.median(lat):.0f} ms, p99 {p99:.0f} ms, max {max(lat):.0f} ms"
        )
        print(f"  slowest /health: {health:.0f} ms ({len(f.health_ms)} probes)")
        per = 1000 * f.cpu_s / max(1, f.requests)
        print(f"  server CPU per submission (all its threads / requests): {per:.1f} ms")
        print(
            f"  server CPU in the window: {f.cpu_s:.1f} s (its finished forked workers "
            f"{f.child_cpu_s:.1f} s); load average {f.load} on {os.cpu_count()} cores"
        )
        if args.submissions_only:
            return
        print(
            f"  import of {args.import_rows:,} rows: status {f.import_status} in "
            f"{f.import_s:.1f} s; batch run: {f.run_status}, {f.run_done} of {f.run_total}"
        )
    print(
        f"  bad file {args.bad_mb:g} MB ({bad_rows:,} rows): status {f.bad_status}, body "
        f"{f.bad_body_bytes:,} bytes in {f.bad_s:.1f} s; server RSS {f.rss_before_mb:.0f} -> "
        f"peak {f.rss_peak_mb:.0f} MB (+{growth:.0f} MB; {f.rss_start_mb:.0f} MB at start-up)"
    )
    ok = (
        f.errors == 0
        and p99 <= 1000
        and health <= 1000
        and growth <= 200
        and f.bad_body_bytes < 1_000_000
    )
    print(
        f"  targets (0 errors, p99 <= 1 s, /health <= 1 s, +200 MB, < 1 MB): "
        f"{'met' if ok else 'NOT met'}"
    )


def _pg_schema(base: str) -> tuple[str, Any]:
    """A fresh schema on ``base`` and its drop."""
    schema = f"load_{secrets.token_hex(4)}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()

    return url.render_as_string(hide_password=False), drop


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--interceptions", type=int, default=None)
    parser.add_argument("--import-rows", type=int, default=None)
    parser.add_argument("--bad-mb", type=float, default=None)
    parser.add_argument("--postgres-url", default=os.environ.get(PG_ENV))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--bad-only",
        action="store_true",
        help="only the bad file, on a server fresh from start-up (memory from the import "
        "is not there to be reused)",
    )
    parser.add_argument(
        "--submissions-only",
        action="store_true",
        help="only the clients' submissions (no import, batch run or bad file): the server's "
        "CPU per submission, undiluted",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (6.0 if quick else 60.0)
    args.clients = args.clients or (4 if quick else 20)
    args.reports = args.reports or (2_000 if quick else 20_000)
    args.interceptions = args.interceptions or (200 if quick else 2_000)
    args.import_rows = args.import_rows or (5_000 if quick else 300_000)
    args.bad_mb = args.bad_mb or (5.0 if quick else 200.0)
    folder = test_split(args.reports, max(args.interceptions, 2_000), SEED)
    results = []
    with tempfile.TemporaryDirectory(prefix="shondhan-load-db-") as tmp:
        results.append(run_backend("sqlite", f"sqlite:///{tmp}/load.db", folder, args))
    if args.postgres_url and not args.sqlite_only:
        url, drop = _pg_schema(args.postgres_url)
        try:
            results.append(run_backend("postgresql", url, folder, args))
        finally:
            drop()
    else:
        print(f"benchmarks.load [postgresql]: skipped (no --postgres-url or {PG_ENV})")
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
