"""Architecture rules that keep the core a pure library."""

import subprocess
import sys


def test_importing_matcher_loads_no_service_framework() -> None:
    code = (
        "import sys, matcher; "
        "bad = sorted(m for m in ('fastapi', 'sqlalchemy', 'starlette', 'uvicorn') "
        "if m in sys.modules); print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"matcher imported service modules: {out}"


def test_no_pickle_files_in_repository() -> None:
    listed = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    bad = [p for p in listed if p.endswith((".pkl", ".pickle", ".joblib"))]
    assert bad == []
