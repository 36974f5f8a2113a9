"""Reports find children at scale: importing reports while many interceptions are open.

Generates a held-out synthetic split (``--reports`` reports, ``--interceptions`` interceptions of
those and of never-reported children), stores every interception as open in a fresh SQLite
database (no reports yet: every child is waiting for its family's report), starts ``shondhan
serve`` as a separate process (it loads the open interceptions at start-up, as in production),
then uploads all the reports in one ``POST /reports/import`` — the import stores them, and the
same request matches them against the open interceptions and stores the candidates they make —
while ``--clients`` concurrent clients keep submitting interceptions and reading the review
queue. Prints the import's wall time (target: 10,000 reports against 20,000 open interceptions in
<= 30 s), the candidates it added, how many true pairs they hold (recall of the reverse path on
the pairs whose report came after the interception) and the concurrent clients' errors (target:
zero).

    python -m benchmarks.reverse            # 10,000 reports, 20,000 open interceptions
    python -m benchmarks.reverse --quick    # 1,000 reports, 2,000 interceptions (CI)
"""

from __future__ import annotations

import argparse
import csv
import os
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
from api.models import CandidateRow, InterceptionRow, InterceptionStatus, utcnow
from api.roles import Role
from benchmarks.common import test_split
from matcher.csvio import iter_interceptions
from matcher.records import INTERCEPTION_COLUMNS


def _truth(folder: Path) -> set[tuple[str, str]]:
    with (folder / "truth.csv").open(encoding="utf-8", newline="") as f:
        return {(r["interception_id"], r["report_id"]) for r in csv.DictReader(f) if r["report_id"]}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and its waited-for children have used (Linux
    ``/proc``; 0.0 elsewhere): the import's cost apart from what other jobs on a shared
    machine take from it, the forked child that matches an import's reports included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 reports, 2,000 interceptions")
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--interceptions", type=int, default=None)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients meanwhile")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    n_reports = args.reports or (1_000 if args.quick else 10_000)
    n_open = args.interceptions or (2_000 if args.quick else 20_000)

    from tests.api.conftest import interception_body  # the tests' synthetic child
    from tests.api.servers import start_server  # the same launcher the tests use

    folder = test_split(n_reports, n_open, args.seed)
    truth = _truth(folder)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/reverse.db"
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        now = utcnow()
        with sessions() as session:
            _u, _t, reviewer = services.create_user(
                session, None, "bench-rev", Role.POLICE_REVIEWER
            )
            officer_user, _t, officer = services.create_user(
                session, None, "bench-bgb", Role.BGB_OFFICER
            )
            session.add_all(
                InterceptionRow(
                    **{c: getattr(i, c) for c in INTERCEPTION_COLUMNS},
                    status=InterceptionStatus.OPEN,
                    created_by=officer_user.id,
                    created_at=now,
                )
                for i in iter_interceptions(folder / "interceptions.csv")
            )
            session.commit()
            stored = int(session.scalar(select(func.count()).select_from(InterceptionRow)) or 0)
        t0 = time.perf_counter()
        server = start_server(url, Path(tmp) / "server.log", timeout=3600)
        startup_s = time.perf_counter() - t0
        stop = threading.Event()
        lock = threading.Lock()
        counts = {"requests": 0, "errors": 0}
        latencies: list[float] = []

        def client(k: int) -> None:
            bgb = {"Authorization": f"Bearer {officer}"}
            rev = {"Authorization": f"Bearer {reviewer}"}
            n = 0
            with httpx.Client(base_url=server.base, timeout=120) as c:
                while not stop.is_set():
                    n += 1
                    t = time.perf_counter()
                    try:
                        if n % 2:
                            body = interception_body(f"BENCH-{k}-{n}-{secrets.token_hex(3)}")
                            ok = c.post("/interceptions", json=body, headers=bgb).status_code == 201
                        else:
                            ok = c.get("/review-queue", headers=rev).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        counts["requests"] += 1
                        counts["errors"] += not ok
                        latencies.append((time.perf_counter() - t) * 1000)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        try:
            for th in threads:
                th.start()
            started = time.perf_counter()
            cpu_before = _cpu_seconds(server.process.pid)
            load_before = os.getloadavg()[0]
            with (folder / "reports.csv").open("rb") as f:
                r = httpx.post(
                    f"{server.base}/reports/import",
                    files={"file": ("reports.csv", f, "text/csv")},
                    headers={"Authorization": f"Bearer {reviewer}"},
                    timeout=3600,
                )
            import_s = time.perf_counter() - started
            cpu_s = _cpu_seconds(server.process.pid) - cpu_before
            load_after = os.getloadavg()[0]
        finally:
            stop.set()
            for th in threads:
                th.join()
            server.stop()
        if r.status_code != 200:
            print(f"import failed: HTTP {r.status_code}", file=sys.stderr)
            return 1
        with sessions() as session:
            pairs = set(
                session.execute(
                    select(CandidateRow.interception_id, CandidateRow.report_id).where(
                        ~CandidateRow.interception_id.like("BENCH-%")
                    )
                )
            )
            bands = dict(
                session.execute(
                    select(CandidateRow.band, func.count())
                    .where(~CandidateRow.interception_id.like("BENCH-%"))
                    .group_by(CandidateRow.band)
                ).all()
            )
        engine.dispose()

    imported = r.json()["imported"]
    found = len(pairs & truth)
    p50 = statistics.median(latencies) if latencies else 0.0
    p99 = sorted(latencies)[int(0.99 * (len(latencies) - 1))] if latencies else 0.0
    print(f"benchmarks.reverse: {stored:,} open interceptions, {imported:,} reports imported")
    print(f"  server start-up (indexes built from the database): {startup_s:.1f} s")
    print(
        "  machine load (1-min average) before / after the import: "
        f"{load_before:.1f} / {load_after:.1f}"
    )
    by_band = ", ".join(f"{b.value} {n:,}" for b, n in bands.items())
    print(
        f"  import + reverse matching, one request: {import_s:.1f} s wall "
        f"(server CPU meanwhile, its matching child and the clients' requests included: "
        f"{cpu_s:.1f} s); "
        f"{len(pairs):,} candidates added ({by_band})"
    )
    print(
        f"  true pairs among them: {found:,} of {len(truth):,} "
        f"({found / max(len(truth), 1):.1%}; report filed after the interception)"
    )
    print(
        f"  {args.clients} concurrent clients meanwhile: {counts['requests']:,} requests, "
        f"errors {counts['errors']}, p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )
    target = "met" if import_s <= 30 else "NOT met"
    print(f"  target <= 30 s for 10,000 reports x 20,000 open interceptions: {target}")
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
