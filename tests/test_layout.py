"""Architecture rules that keep the core a pure library."""

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
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


# ---------------------------------------------------------------- the core and the generator
# matcher/ is a library installed without the repository around it: it never imports the
# synthetic-data generator, never finds files through the repository's folders, and its modules
# depend on each other without cycles. The generator, in turn, uses matcher's public names only.

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of ``package`` in the repository."""
    out: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


@dataclass(frozen=True)
class _Import:
    line: int
    module: str  # absolute dotted name imported (from)
    names: tuple[str, ...] = ()  # "from module import a, b"; empty for "import module"


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    named = (isinstance(func, ast.Name) and func.id == "__import__") or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    return (
        named
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _imports(source: str, module: str, *, is_package: bool = False) -> list[_Import]:
    """Every import of a module's source at any depth: module level, inside functions, under
    ``if TYPE_CHECKING:``, and ``importlib.import_module("...")`` / ``__import__`` of a literal.
    Relative imports are resolved against ``module``."""
    found: list[_Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [_Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([node.module] if node.module else [])])
            found.append(_Import(node.lineno, base, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            arg = node.args[0]
            assert isinstance(arg, ast.Constant)
            found.append(_Import(node.lineno, str(arg.value)))
    return found


def _module_imports(package: str) -> dict[str, list[_Import]]:
    return {
        name: _imports(path.read_text(encoding="utf-8"), name, is_package=path.stem == "__init__")
        for name, path in _modules(package).items()
    }


def _imports_generator(imp: _Import) -> bool:
    return imp.module == "training_data" or imp.module.startswith("training_data.")


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import training_data", True),
        ("import training_data.generate as g", True),
        ("def f():\n    from training_data.splits import generated_splits", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import training_data", True),
        ("import importlib\nimportlib.import_module('training_data.generate')", True),
        ("from matcher.records import Report", False),
        ("import training_data_extra", False),
    ],
    ids=["import", "submodule", "lazy", "type-checking", "import_module", "matcher", "prefix"],
)
def test_import_scan_sees_every_kind_of_import(source: str, caught: bool) -> None:
    """The scan behind the rule below is not vacuous: lazy and dynamic imports count."""
    assert any(map(_imports_generator, _imports(source, "matcher.example"))) is caught


def test_matcher_never_imports_the_generator() -> None:
    bad = [
        f"{_modules('matcher')[name].relative_to(ROOT)}:{imp.line} imports {imp.module}"
        for name, imports in _module_imports("matcher").items()
        for imp in imports
        if _imports_generator(imp)
    ]
    assert bad == [], "matcher must not import training_data:\n" + "\n".join(bad)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module, its classes and functions."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _parents_above(node: ast.Attribute) -> int:
    """How many ``.parent`` steps a ``...__file__....parent.parent`` chain takes (0: not one)."""
    steps, inner = 0, node
    while isinstance(inner, ast.Attribute) and inner.attr == "parent":
        steps += 1
        inner = inner.value  # type: ignore[assignment]
    mentions_file = any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(inner))
    return steps if mentions_file else 0


@pytest.mark.parametrize("package", ["matcher", "api", "cli"])
def test_installed_packages_do_not_rely_on_the_repository_layout(package: str) -> None:
    """No path climbs out of its package with ``Path(__file__).parent...`` and no code names the
    ``training_data`` folder: in a wheel, neither the repository nor its folders exist (package
    data is opened inside the package, e.g. ``importlib.resources.files("matcher")``)."""
    if not (ROOT / package).is_dir():
        pytest.skip(f"no {package}/ package in this checkout")
    bad: list[str] = []
    for path in _modules(package).values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        depth = len(path.relative_to(ROOT / package).parts)  # parents that stay inside
        shown = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "parent":
                steps = _parents_above(node)
                if steps > depth:
                    bad.append(f"{shown}:{node.lineno} climbs {steps} folders from __file__")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "training_data" in node.value
                and id(node) not in docs
            ):
                bad.append(f"{shown}:{node.lineno} names {node.value!r}")
    assert bad == [], "\n".join(bad)


def _import_graph(package: str) -> dict[str, dict[str, int]]:
    """module -> {module of ``package`` it imports: first line}. Every import counts (lazy, type
    checking only): each is a dependency of the module's code, and a cycle of them means two
    modules that cannot be understood, tested or split apart one without the other."""
    modules = _modules(package)
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for name, imports in _module_imports(package).items():
        for imp in imports:
            targets = [f"{imp.module}.{n}" for n in imp.names] or [imp.module]
            for target in targets:
                while target and target not in modules:  # a name inside a module: the module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].setdefault(target, imp.line)
    return graph


def _find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None if it has none."""
    on_path: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        on_path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                return [*on_path[on_path.index(nxt) :], nxt]
            if nxt not in done:
                found = visit(nxt)
                if found:
                    return found
        on_path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            found = visit(start)
            if found:
                return found
    return None


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": ["b"], "b": ["c"], "c": []}, None),
        ({"a": ["b", "c"], "b": ["c"], "c": []}, None),
        ({"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
        ({"a": ["b"], "b": ["c"], "c": ["b"]}, ["b", "c", "b"]),
        ({"x": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
    ],
    ids=["chain", "diamond", "two", "tail-then-loop", "three"],
)
def test_cycle_finder(graph: dict[str, list[str]], cycle: list[str] | None) -> None:
    assert _find_cycle(graph) == cycle


def test_matcher_modules_import_each_other_without_cycles() -> None:
    graph = _import_graph("matcher")
    cycle = _find_cycle(graph)
    shown = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in pairwise(cycle or [])]
    assert cycle is None, "import cycle in matcher:\n" + "\n".join(shown)


def test_generator_uses_only_public_names_of_matcher() -> None:
    """training_data builds on matcher's public API (records, column lists); a private name
    (``_x``) of matcher may change under it at any time."""
    bad = [
        f"training_data module {name}:{imp.line} uses {imp.module} {', '.join(imp.names)}"
        for name, imports in _module_imports("training_data").items()
        for imp in imports
        if (imp.module == "matcher" or imp.module.startswith("matcher."))
        and any(part.startswith("_") for part in [*imp.module.split("."), *imp.names])
    ]
    assert bad == [], "\n".join(bad)


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
