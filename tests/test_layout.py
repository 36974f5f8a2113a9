"""Architecture rules that keep the core a pure library."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest


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


# -- the shells present, the services decide (issue 10) ------------------------------------------
SHELL_ROOT = Path(__file__).resolve().parent.parent
SQL_CALLS = frozenset({"execute", "scalar", "scalars"})


def _shell_modules(folder: str) -> list[Path]:
    return sorted((SHELL_ROOT / folder).rglob("*.py"))


def _top_packages(tree: ast.AST) -> set[str]:
    """Top-level package names imported anywhere in ``tree`` (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def _sql_calls(tree: ast.AST) -> list[str]:
    """``select(...)`` and ``<anything>.execute / .scalar / .scalars(...)`` calls in ``tree``."""
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "select":
            calls.append(f"line {node.lineno}: select(")
        elif isinstance(func, ast.Attribute) and func.attr in SQL_CALLS:
            calls.append(f"line {node.lineno}: .{func.attr}(")
    return calls


@pytest.mark.parametrize("folder", ["api/web", "api/routes"], ids=["pages", "json-routes"])
def test_pages_and_routes_run_no_sql_and_import_no_sqlalchemy(folder: str) -> None:
    """Pages and JSON routes call ``api.services`` (or ``api.db``) for every read, write and
    audit (issue 10, item 1)."""
    pages = _shell_modules(folder)
    assert len(pages) > 5
    bad = {
        str(path.relative_to(SHELL_ROOT)): problems
        for path in pages
        if (
            problems := (
                (
                    ["imports sqlalchemy"]
                    if "sqlalchemy" in _top_packages(ast.parse(path.read_text()))
                    else []
                )
                + _sql_calls(ast.parse(path.read_text()))
            )
        )
    }
    assert bad == {}


def test_the_sql_rule_sees_what_it_forbids() -> None:
    """The checks above catch the forms they forbid (so an empty result means something)."""
    tree = ast.parse(
        "from sqlalchemy import select\n"
        "def page(db):\n"
        "    import sqlalchemy.orm\n"
        "    db.execute(select(User))\n"
        "    return db.scalar(q), db.scalars(q), select_autoescape(), page.db.get(User, 1)\n"
    )
    assert "sqlalchemy" in _top_packages(tree)
    assert _sql_calls(tree) == [
        "line 4: .execute(",
        "line 4: select(",
        "line 5: .scalar(",
        "line 5: .scalars(",
    ]


def test_api_is_the_service_alone_and_the_cli_lives_in_cli() -> None:
    """The ``shondhan`` command is the top-level ``cli`` package; nothing under ``api/``
    imports typer, and the console script points at ``cli``."""
    assert not (SHELL_ROOT / "api" / "cli.py").exists()
    assert not (SHELL_ROOT / "api" / "commands").exists()
    with_typer = [
        str(path.relative_to(SHELL_ROOT))
        for path in _shell_modules("api")
        if "typer" in _top_packages(ast.parse(path.read_text()))
    ]
    assert with_typer == []
    assert "typer" in _top_packages(ast.parse((SHELL_ROOT / "cli" / "__init__.py").read_text()))
    scripts = tomllib.loads((SHELL_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"shondhan": "cli:main"}
