"""The service under load: ``POST /interceptions`` latency and throughput, over real HTTP.

Loads ``--reports`` synthetic reports (held-out test split) into a fresh SQLite database, starts
``shondhan serve`` as a separate process (it builds its matching index from the database, as in
production), then:

1. latency: ``--requests`` interceptions one at a time from one client; p50 / p99 / max;
2. throughput: ``--clients`` concurrent clients (threads, one keep-alive connection each) send
   ``--concurrent-requests`` interceptions in total; requests per second and errors.

Every request stores the interception and its candidates (one transaction, audited), exactly
as an officer's would. Errors (any non-201) are counted; the target is zero.

    python -m benchmarks.api            # 1,000,000 reports (target p99 <= 150 ms)
    python -m benchmarks.api --quick    # 20,000 reports (CI smoke run, well under 2 minutes)
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from api import services
from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.models import ReportRow
from api.roles import Role
from benchmarks.common import interception_bodies, percentile, test_split
from matcher.csvio import iter_reports

SEED = 90_003


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 reports, fewer requests")
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--concurrent-requests", type=int, default=None)
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="keep the SQLite database here and reuse it next time (skips the load)",
    )
    args = parser.parse_args(argv)
    n_reports = args.reports or (20_000 if args.quick else 1_000_000)
    n_seq = args.requests or (200 if args.quick else 1000)
    n_conc = args.concurrent_requests or (400 if args.quick else 2000)
    n_interceptions = n_seq + n_conc + 10

    from tests.api.servers import start_server  # the same launcher the tests use

    started = time.perf_counter()
    folder = test_split(n_reports, max(n_interceptions, 500), SEED)
    bodies = interception_bodies(folder, n_interceptions)
    with tempfile.TemporaryDirectory(prefix="shondhan-api-bench-") as tmp:
        db_path = args.db or Path(tmp) / "bench.db"
        url = f"sqlite:///{db_path}"
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            loaded = int(session.scalar(select(func.count()).select_from(ReportRow)) or 0)
            if loaded != n_reports:
                loaded += services.bulk_load_reports(session, iter_reports(folder / "reports.csv"))
            name = f"bench-{secrets.token_hex(4)}"
            _user, _tok, token = services.create_user(session, None, name, Role.BGB_OFFICER)
        engine.dispose()
        for body in bodies:  # fresh ids, so a reused database never answers 409
            body["interception_id"] = f"{body['interception_id']}-{name}"
        load_s = time.perf_counter() - started
        t0 = time.perf_counter()
        server = start_server(url, Path(tmp) / "server.log", timeout=3600)
        startup_s = time.perf_counter() - t0
        headers = {"Authorization": f"Bearer {token}"}
        try:
            latencies: list[float] = []
            errors = 0
            with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
                for body in bodies[:5]:  # warm-up (not stored twice: ids differ below)
                    client.post("/interceptions", json={**body, "interception_id": None})
                for body in bodies[:n_seq]:
                    t = time.perf_counter()
                    r = client.post("/interceptions", json=body)
                    latencies.append((time.perf_counter() - t) * 1000)
                    errors += r.status_code != 201
            queue = list(bodies[n_seq : n_seq + n_conc])
            lock = threading.Lock()
            conc_errors = 0

            def worker() -> None:
                nonlocal conc_errors
                with httpx.Client(base_url=server.base, headers=headers, timeout=120) as c:
                    while True:
                        with lock:
                            if not queue:
                                return
                            body = queue.pop()
                        try:
                            ok = c.post("/interceptions", json=body).status_code == 201
                        except httpx.HTTPError:
                            ok = False
                        if not ok:
                            with lock:
                                conc_errors += 1

            threads = [threading.Thread(target=worker) for _ in range(args.clients)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            conc_s = time.perf_counter() - t
        finally:
            server.stop()

    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"benchmarks.api: {loaded:,} reports in the database and the live index")
    print(f"  load into SQLite + start-up (index build): {load_s:.1f} s + {startup_s:.1f} s")
    print(
        f"  POST /interceptions latency, 1 client, {n_seq} requests: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms, errors {errors}"
    )
    print(
        f"  throughput, {args.clients} concurrent clients, {n_conc} requests: "
        f"{n_conc / conc_s:.1f} req/s, errors {conc_errors}"
    )
    target = "met" if p99 <= 150 else "NOT met"
    print(f"  target p99 <= 150 ms: {target}")
    return 1 if errors or conc_errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
