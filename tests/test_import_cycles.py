"""No import circle in core: the module-level import graph of ``core/`` has no cycle.

Counted: imports a module runs when it is imported, at module level or in a
class body, under ``try``/``if`` too. Not counted: imports inside functions
(deliberately lazy: they run after every module is loaded) and imports under
``if TYPE_CHECKING:`` (never run). An edge goes to the module named, as
grimp draws it: ``from core.a import b`` is an edge to ``core.a.b`` when
that is a module, else to ``core.a``; the parent packages a submodule's
import initialises are not edges (a package importing its own submodules is
not a circle).

Why not grimp or import-linter: both count every import in a file, function
bodies included, with no way to leave the lazy ones out, so they would report
circles that do not exist at import time; a small AST walk does exactly what
this rule says.

Two circles the issue named ran only through imports inside functions, and
are kept broken with those counted: nothing but the composition roots
imports the app factory or the CLI (app -> cli -> jobs runner -> app), and
the base schema reaches neither identity nor forms (schemas -> identity
sessions -> API clients -> forms -> schemas).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "core"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_statements(body: list[ast.stmt], *, lazy: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module (or a class body in it) runs; with ``lazy``, those in functions too."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if lazy:
                yield from import_time_statements(node.body, lazy=lazy)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from import_time_statements(node.body, lazy=lazy)
            yield from import_time_statements(node.orelse, lazy=lazy)
        elif isinstance(node, ast.ClassDef):
            yield from import_time_statements(node.body, lazy=lazy)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    stmts = [c for c in children if isinstance(c, ast.stmt)]
                    nested = [s for c in children if not isinstance(c, ast.stmt) for s in getattr(c, "body", [])]
                    yield from import_time_statements(stmts + nested, lazy=lazy)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(package: str = PACKAGE, root: Path = ROOT, *, lazy: bool = False) -> dict[str, dict[str, int]]:
    """``importer -> {imported module: line}`` for the package's import-time imports of itself (``lazy``: and in functions)."""
    paths = {module_name(p, root): p for p in (root / package).rglob("*.py")}
    graph: dict[str, dict[str, int]] = {name: {} for name in paths}
    for importer, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in import_time_statements(tree.body, lazy=lazy):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _absolute(node, importer, path.name == "__init__.py")
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.append(submodule if submodule in paths else base)
            for target in targets:
                if target in paths and target != importer:
                    graph[importer].setdefault(target, node.lineno)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def a_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """One concrete circle through the component's first module (breadth-first, so a shortest one)."""
    members = set(component)
    start = component[0]
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError("a strongly connected component without a cycle")


def describe(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in pairwise(cycle)) + f" -> {cycle[-1]}"


def test_core_has_no_import_circle():
    graph = import_graph()
    circles = [describe(graph, a_cycle(graph, component)) for component in strongly_connected(graph)]
    assert circles == [], "import circles in core (module-level imports):\n" + "\n".join(circles)


# The composition roots assemble everything: the app factory and the `samvirke` command (which
# makes the app; the app registers its commands, for `flask --app`). Any module may be imported by
# them; no other module of core imports them, not even inside a function, or it sits in a circle
# with everything the app wires (as the jobs runner did, building an app when it had none).
# The test kit's fixtures make test apps, so they are one too.
COMPOSITION_ROOTS = frozenset({"core.app", "core.cli", "core.testing.fixtures"})


def test_only_the_composition_roots_import_the_app_and_the_cli():
    graph = import_graph(lazy=True)
    offenders = [
        f"{importer} (line {line}) imports {imported}"
        for importer, imports in sorted(graph.items())
        if importer not in COMPOSITION_ROOTS and not importer.startswith("core.testing.")  # the kit's modules use its fixtures
        for imported, line in sorted(imports.items())
        if imported in COMPOSITION_ROOTS
    ]
    assert offenders == []


def reachable(graph: dict[str, dict[str, int]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for imported in graph[todo.pop()]:
            if imported not in seen:
                seen.add(imported)
                todo.append(imported)
    return seen


def test_the_base_schema_reaches_no_identity_and_no_forms():
    """``core.schemas`` is the base of every form and API schema, identity's and the API clients' too.

    It asks who acts through ``app.extensions`` (core.identity registers the answer), so the circle
    schemas -> identity sessions -> API clients -> schemas (and forms) cannot come back, even lazily.
    """
    above = {"core.identity", "core.identity.sessions", "core.identity.api_clients", "core.identity.authz", "core.web", "core.web.forms"}
    assert reachable(import_graph(lazy=True), "core.schemas") & above == set()


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path


def test_the_scan_finds_a_circle_and_ignores_lazy_and_type_checking_imports(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "from pkg import a\n",  # a package importing its submodule: no circle with them
            "a.py": "from pkg.b import thing\n",
            "b.py": "try:\n    from . import c\nexcept ImportError:\n    pass\nthing = 1\n",
            "c.py": "from typing import TYPE_CHECKING\nimport pkg.a\nif TYPE_CHECKING:\n    from pkg import d\n",
            "d.py": "def later():\n    from pkg import a\n\nclass K:\n    from pkg.sub import e\n",
            "sub/__init__.py": "",
            "sub/e.py": "from ..d import K\n",
        },
    )
    graph = import_graph("pkg", root)
    assert graph["pkg.a"] == {"pkg.b": 1}
    assert graph["pkg.b"] == {"pkg.c": 2}  # under try: runs at import
    assert graph["pkg.c"] == {"pkg.a": 2}  # not pkg.d: TYPE_CHECKING
    assert graph["pkg.d"] == {"pkg.sub.e": 5}  # the class body's import, not the function's
    assert graph["pkg.sub.e"] == {"pkg.d": 1}  # relative import resolved
    components = strongly_connected(graph)
    assert components == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.sub.e"]]
    assert a_cycle(graph, components[0]) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    assert describe(graph, ["pkg.d", "pkg.sub.e", "pkg.d"]) == "pkg.d (line 5) -> pkg.sub.e (line 1) -> pkg.d"
    assert import_graph("pkg", root, lazy=True)["pkg.d"] == {"pkg.a": 2, "pkg.sub.e": 5}  # the function's import, counted when lazy


def test_partner_only_is_identitys_answer_and_closed_without_one():
    from flask import Flask

    from core.schemas import PARTNER_ONLY_READER, may_see_partner_only

    app = Flask(__name__)
    with app.test_request_context("/"):
        assert may_see_partner_only() is False  # no identity registered: nobody sees partner-only data
        app.extensions[PARTNER_ONLY_READER] = lambda: True
        assert may_see_partner_only() is True
    assert may_see_partner_only() is False  # outside a request nobody does, whatever identity says
