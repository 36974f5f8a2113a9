"""Run every benchmark script in this folder, passing ``--quick`` through when given.

CI runs ``python -m benchmarks.run_all --quick`` so that no benchmark rots unrun.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"__init__", "run_all", "common"}


def main(argv: list[str]) -> int:
    scripts = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP)
    failed = []
    for name in scripts:
        started = time.perf_counter()
        print(f"== benchmarks.{name} {' '.join(argv)}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *argv], cwd=HERE.parent)
        elapsed = time.perf_counter() - started
        print(f"== benchmarks.{name}: exit {rc} in {elapsed:.1f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
