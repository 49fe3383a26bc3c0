"""Plugins know core only through ``core.programme`` (issue 15): one public plugin API."""

from __future__ import annotations

import ast
from pathlib import Path

import core.programme as api

ROOT = Path(__file__).resolve().parent.parent


def core_imports_outside_the_api(folder: Path) -> list[str]:
    """Every import of a core module other than ``core.programme`` under ``folder``, as "file:line module".

    A plugin's tests (``tests/`` in it) may also import the test kit, ``core.testing``.
    """
    found = []
    for path in sorted(folder.rglob("*.py")):
        if "migrations" in path.parts:  # Alembic revisions run outside the app, with core's migration helpers (core.tenancy.rls)
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.ImportFrom):
                modules = [node.module] if node.level == 0 and node.module else []
            else:
                modules = [alias.name for alias in node.names]
            in_tests = "tests" in path.relative_to(folder).parts
            for module in modules:
                if in_tests and (module == "core.testing" or module.startswith("core.testing.")):
                    continue  # a plugin's tests use the test kit
                if (module == "core" or module.startswith("core.")) and module != "core.programme":
                    found.append(f"{path.relative_to(folder)}:{node.lineno} {module}")
    return found


def test_plugins_import_core_only_through_the_plugin_api():
    assert core_imports_outside_the_api(ROOT / "plugins") == []


def test_the_check_finds_an_import_of_core_elsewhere(tmp_path):
    (tmp_path / "plugin.py").write_text(
        "from core.db import db\ndef f():\n    import core.tenancy.rls\nfrom core.programme import db as ok\n"
    )
    assert [line.split(" ", 1)[1] for line in core_imports_outside_the_api(tmp_path)] == ["core.db", "core.tenancy.rls"]


def test_only_a_plugins_tests_may_import_the_test_kit(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("from core.testing.kit import ProgrammeKit\nfrom core.db import db\n")
    (tmp_path / "views.py").write_text("from core.testing.fixtures import sign_in\n")
    assert sorted(line.split(" ", 1)[1] for line in core_imports_outside_the_api(tmp_path)) == ["core.db", "core.testing.fixtures"]


def test_everything_the_api_names_exists_and_is_documented():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []
    assert len(set(api.__all__)) == len(api.__all__)
    guide = (ROOT / "docs" / "plugins.md").read_text()
    assert "core.programme" in guide
