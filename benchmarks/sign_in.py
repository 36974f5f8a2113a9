"""Sign-in under attack (issue 15, item 4), over real HTTP against ``shondhan serve``.

1. Uniform timing: the median time of a refused sign-in for an unknown username, a wrong
   password and a disabled account (production argon2 parameters). They should be alike: the
   answer's timing must not tell which usernames exist.
2. A flood: ``--flooders`` anonymous clients post wrong passwords to ``/login`` as fast as they
   can, all from one address (loopback), while one officer submits interceptions;
   ``POST /interceptions`` latency (p50 / p99) with and without the flood, and how the flood
   was answered (401 = checked, 429 = refused by the rate limit before any work). Before the
   rate limit, 16 such clients took the median from 0.04 s to 0.74 s.

    python -m benchmarks.sign_in            # 5,000 reports, 30 s flood, 16 flooders
    python -m benchmarks.sign_in --quick    # 1,000 reports, 5 s flood (CI smoke run)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from api import services
from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.passwords import hash_password
from api.roles import Role
from benchmarks.common import interception_bodies, percentile, test_split
from matcher.csvio import iter_reports

SEED = 90_015
PASSWORD = "benchmark synthetic password"


def _csrf(client: httpx.Client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    if match is None:
        raise RuntimeError("no CSRF token on /login")
    return match.group(1)


def _attempt(client: httpx.Client, token: str, username: str, password: str) -> int:
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data).status_code


def _flood(base: str, clients: int, seconds: float, results: Any) -> None:
    """``clients`` threads post wrong passwords to ``/login`` for ``seconds``; puts the count
    of each status on ``results``."""
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            csrf = _csrf(client)
            while time.monotonic() < deadline:
                try:
                    status = _attempt(client, csrf, "bench.reviewer", "guess")
                except httpx.HTTPError:
                    status = 0
                with lock:
                    answers[status] += 1

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    results.put(answers)


def _prepare(url: str, folder: Path) -> str:
    """Load reports, create an officer (token) and two web users (one disabled)."""
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        services.bulk_load_reports(session, iter_reports(folder / "reports.csv"))
        _u, _t, token = services.create_user(session, None, "bench.officer", Role.BGB_OFFICER)
        for name in ("bench.reviewer", "bench.disabled"):
            user, _, _ = services.create_user(session, None, name, Role.POLICE_REVIEWER)
            user.password_hash = hash_password(PASSWORD)
        session.commit()
        disabled = services.find_user(session, username="bench.disabled")
        services.set_disabled(session, None, disabled.id, True)
    engine.dispose()
    assert token is not None
    return token


def _timing(base: str, rounds: int) -> dict[str, float]:
    cases = {
        "unknown user": ("nobody.at.all", PASSWORD),
        "wrong password": ("bench.reviewer", "not the password"),
        "disabled account": ("bench.disabled", PASSWORD),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    with httpx.Client(base_url=base, timeout=60) as client:
        token = _csrf(client)
        shuffle = random.Random(SEED)
        for _ in range(rounds):
            order = list(cases.items())
            shuffle.shuffle(order)  # no case always runs first (or last) in a round
            for label, (username, password) in order:
                t = time.perf_counter()
                status = _attempt(client, token, username, password)
                times[label].append((time.perf_counter() - t) * 1000)
                if status != 401:
                    raise RuntimeError(f"{label}: status {status}")
    return {k: statistics.median(v) for k, v in times.items()}


def _latencies(base: str, token: str, bodies: list[dict[str, Any]]) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for body in bodies:
            t = time.perf_counter()
            r = client.post("/interceptions", json=body, timeout=60)
            latencies.append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 201
    return latencies, errors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 5 s flood")
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    n_reports = args.reports or (1_000 if args.quick else 5_000)
    flood_s = args.seconds or (5.0 if args.quick else 30.0)
    rounds = 5 if args.quick else 20

    from tests.api.servers import start_server  # the same launcher the tests use

    folder = test_split(n_reports, 600, SEED)
    bodies = interception_bodies(folder, 600)
    with tempfile.TemporaryDirectory(prefix="shondhan-sign-in-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        token = _prepare(url, folder)
        os.environ["SHONDHAN_SIGN_IN_PER_MINUTE"] = "100000"  # timing: no rate limit
        server = start_server(url, Path(tmp) / "timing.log", timeout=600)
        try:
            medians = _timing(server.base, rounds)
        finally:
            server.stop()
        os.environ.pop("SHONDHAN_SIGN_IN_PER_MINUTE")  # the default limit for the flood
        server = start_server(url, Path(tmp) / "flood.log", timeout=600)
        try:
            quiet, quiet_errors = _latencies(server.base, token, bodies[:100])
            # The flooders run in another process, so their threads do not share the
            # measuring client's interpreter lock.
            context = multiprocessing.get_context("spawn")
            results: Any = context.Queue()
            flooder = context.Process(
                target=_flood, args=(server.base, args.flooders, flood_s + 2, results)
            )
            flooder.start()
            time.sleep(1.0)  # let the flood start
            started = time.perf_counter()
            loud: list[float] = []
            loud_errors = 0
            offset = 100
            while time.perf_counter() - started < flood_s and offset < len(bodies):
                got, errs = _latencies(server.base, token, bodies[offset : offset + 20])
                loud += got
                loud_errors += errs
                offset += 20
            answers: Counter[int] = results.get(timeout=120)
            flooder.join(timeout=60)
        finally:
            server.stop()

    print(f"benchmarks.sign_in: {n_reports:,} reports, SQLite, loopback")
    spread = max(medians.values()) - min(medians.values())
    shown = ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items())
    print(f"  refused sign-in, median of {rounds}: {shown} (spread {spread:.1f} ms)")
    print(
        f"  POST /interceptions without a flood: p50 {statistics.median(quiet):.1f} ms, "
        f"p99 {percentile(quiet, 0.99):.1f} ms, errors {quiet_errors}"
    )
    print(
        f"  ... while {args.flooders} clients flood /login for {flood_s:.0f} s: "
        f"p50 {statistics.median(loud):.1f} ms, p99 {percentile(loud, 0.99):.1f} ms, "
        f"errors {loud_errors}"
    )
    total = sum(answers.values())
    print(
        f"  flood answered: {total:,} attempts, {answers[429]:,} refused by the rate limit (429), "
        f"{answers[401]:,} checked (401), {total - answers[429] - answers[401]} other"
    )
    return 1 if quiet_errors or loud_errors or answers[200] or answers[303] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
