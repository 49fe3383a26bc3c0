"""Every hook specification is called by core, exercised by a test and in the generated reference.

A specification nobody calls is a promise core does not keep: a plugin
implements it and nothing happens (a permission for a role that does not
exist went unnoticed that way). Found by reading the code, not by running
it:

- core calls a hook through its ``PluginHost`` (``host.call_each("name")``,
  ``host.collect("name")``, ``host._call_one(plugin, "name")``) or pluggy's
  ``pm.hook.name(...)``, in a module of ``core/`` other than the
  specifications themselves;
- a test function under ``tests/`` names it (or is the one
  ``tests/test_plugins.py``'s ``HOOK_TESTS`` names for it, for hooks shown
  through what they produce: pages, menus, jobs);
- docs/plugins.md's hook reference is what scripts/hook_reference.py
  generates from the specifications today.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from core.plugins import hookspecs
from core.plugins.host import PluginHost

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(hookspecs.SPEC_NAMES)
# PluginHost's methods that take a hook's name as a string argument.
HOST_CALLERS = frozenset({"call_each", "collect", "with_convention", "_call_one", "_caller_of"})


def _python_files(folder: Path) -> Iterable[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def hook_calls(tree: ast.AST) -> list[tuple[str, int]]:
    """(hook name, line) of every call of a hook through the host or pluggy's ``hook`` relay."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HOST_CALLERS:
            found += [(arg.value, node.lineno) for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("samvirke_"):
            relay = node.value
            if (isinstance(relay, ast.Attribute) and relay.attr == "hook") or (isinstance(relay, ast.Name) and relay.id == "hook"):
                found.append((node.attr, node.lineno))
    return found


@cache
def core_callers() -> dict[str, list[str]]:
    """Hook name -> ``path:line`` of each call in core (the specifications' own module left out)."""
    callers: dict[str, list[str]] = {}
    specs_file = Path(inspect.getfile(hookspecs)).resolve()
    for path in _python_files(ROOT / "core"):
        if path.resolve() == specs_file:
            continue
        for name, line in hook_calls(ast.parse(path.read_text(encoding="utf-8"))):
            callers.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    return callers


@cache
def names_in_tests() -> tuple[dict[str, set[str]], frozenset[str]]:
    """Identifier or string -> the test functions (``file::test_x``) under tests/ that use it; and every test function's name."""
    used: dict[str, set[str]] = {}
    functions: set[str] = set()
    for path in _python_files(ROOT / "tests"):
        if not path.name.startswith("test_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not (isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name.startswith("test_")):
                continue
            where = f"{path.relative_to(ROOT)}::{function.name}"
            functions.add(function.name)
            for node in ast.walk(function):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    used.setdefault(node.value, set()).add(where)
                elif isinstance(node, ast.Attribute):
                    used.setdefault(node.attr, set()).add(where)
                elif isinstance(node, ast.Name):
                    used.setdefault(node.id, set()).add(where)
    return used, frozenset(functions)


def _hook_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hook_reference", ROOT / "scripts" / "hook_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hook_reference", module)
    spec.loader.exec_module(module)
    return module


def test_the_callers_counted_are_the_hosts():
    # Renaming a dispatch method would silently make every hook look uncalled (or called).
    assert HOST_CALLERS <= set(vars(PluginHost))


@pytest.mark.parametrize("name", SPECS)
def test_core_calls_every_hook(name):
    assert core_callers().get(name), f"{name}: no module of core calls it through the plugin host; give it a caller or remove the spec"


def test_core_calls_no_hook_that_is_not_specified():
    # A misspelt name in a call would fail only when that code path runs.
    unknown = {name: where for name, where in core_callers().items() if name not in SPECS}
    assert unknown == {}


@pytest.mark.parametrize("name", SPECS)
def test_a_test_exercises_every_hook(name):
    from tests.test_plugins import HOOK_TESTS

    used, functions = names_in_tests()
    assert used.get(name) or HOOK_TESTS.get(name) in functions, (
        f"{name}: no test function names it, and HOOK_TESTS maps it to no existing test"
    )


@pytest.mark.parametrize("name", SPECS)
def test_the_reference_documents_every_hook(name):
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"#### `{name}(" in doc, f"{name} is not in docs/plugins.md's hook reference: run python scripts/hook_reference.py"


def test_the_hook_reference_is_generated_from_the_specs():
    reference = _hook_reference()
    document = reference.DOC.read_text(encoding="utf-8")
    assert reference.updated(document) == document, "docs/plugins.md's hook reference is out of date: run python scripts/hook_reference.py"
    rendered = reference.render()
    assert [line for line in rendered.splitlines() if line.startswith("#### ")] == [
        line for line in rendered.splitlines() if line.startswith("#### `samvirke_")
    ]
    assert sorted(n for _, names in reference.sections() for n in names) == SPECS


def test_the_scan_sees_each_way_of_calling_and_no_other():
    tree = ast.parse(
        "host.call_each('samvirke_a', enabled=x)\n"
        "plugin_host().collect('samvirke_b')\n"
        "self._call_one(plugin, 'samvirke_c')\n"
        "app.pm.hook.samvirke_d(tenant=t)\n"
        "print('samvirke_e')\n"  # a string is not a call
        "def samvirke_f(): pass\n"  # an implementation is not a call
    )
    assert sorted(name for name, _ in hook_calls(tree)) == ["samvirke_a", "samvirke_b", "samvirke_c", "samvirke_d"]
