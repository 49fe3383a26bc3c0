"""`samvirke plugins new`: the scaffolded plugin loads, migrates, and its own tests (and the kit's) pass.

Everything happens in a copy of the project in a temporary folder, never in the
repository: the command runs there (a subprocess whose working folder is the
copy, so ``core`` and ``plugins`` are imported from it), and the entry point
``pip install -e .`` would install is given by a ``.dist-info`` folder on
``PYTHONPATH`` (what an installed distribution looks like to
``importlib.metadata``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEY = "lending_library"
NOT_COPIED = {".venv", ".git", "instance", "test-artifacts", "bench", "docs", "docker", "samvirke.egg-info", "node_modules"}
CACHES = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


def _copy_file(source: str, target: str) -> None:
    try:
        shutil.copy2(source, target)
    except FileNotFoundError:  # removed while the copy was made (a file being rewritten): not part of the project then
        pass


def _copy_project(target: Path) -> Path:
    target.mkdir()
    for path in ROOT.iterdir():
        if path.name in NOT_COPIED or path.name.startswith("."):
            continue
        if path.is_dir():
            shutil.copytree(path, target / path.name, ignore=CACHES, symlinks=True, copy_function=_copy_file)
        else:
            _copy_file(str(path), str(target / path.name))
    return target


def _run(project: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=project, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def _samvirke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(project, "-c", "from core.cli import main; main()", *args)


def _snapshot(project: Path) -> dict[str, str]:
    """Every file the command could write, with a digest of its content."""
    found = {}
    for folder in ("plugins", "tenants", "tests/tenants"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path.relative_to(project))] = hashlib.sha256(path.read_bytes()).hexdigest()
    found["pyproject.toml"] = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return _copy_project(tmp_path_factory.mktemp("scaffold") / "project")


@pytest.fixture(scope="module")
def scaffolded(project) -> subprocess.CompletedProcess[str]:
    done = _samvirke(project, "plugins", "new", KEY, "--name", "Lending library", "--tenant", "aalborg")
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory, scaffolded) -> dict[str, str]:
    """What `pip install -e .` adds for the new plugin: its entry point, seen by importlib.metadata."""
    site = tmp_path_factory.mktemp("site")
    dist = site / "scaffolded_plugin-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: scaffolded-plugin\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(f"[samvirke.plugins]\n{KEY} = plugins.{KEY}\n")
    return {"PYTHONPATH": str(site)}


def test_it_writes_the_plugin_by_convention(project, scaffolded):
    folder = project / "plugins" / KEY
    for name in (
        "__init__.py",
        "models.py",
        "schemas.py",
        "views.py",
        "api.py",
        "billing.py",
        "reports.py",
        "demo.py",
        "samples.py",
        f"templates/{KEY}/index.html",
        f"templates/{KEY}/activity.html",
        "translations/da/LC_MESSAGES/messages.po",
        "translations/da/LC_MESSAGES/messages.mo",
        "tests/__init__.py",
        "tests/test_flow.py",
        "tests/test_billing.py",
        "tests/test_kit.py",
    ):
        assert (folder / name).is_file(), name
    assert f'__tablename__ = "{KEY}_activities"' in (folder / "models.py").read_text()
    assert 'class TestKit(ProgrammeKit):\n    programme = "lending_library"' in (folder / "tests/test_kit.py").read_text()
    views = (folder / "views.py").read_text()
    assert "roles=" in views and "PREFIX" not in views and "commit()" not in views
    assert "page_of" in (folder / "api.py").read_text()


def test_the_first_migration_is_generated_on_its_own_branch(project, scaffolded):
    (revision,) = (project / "plugins" / KEY / "migrations").glob("*.py")
    text = revision.read_text()
    assert revision.name.startswith("ll01_")
    assert f'branch_labels = ("{KEY}",)' in text and "down_revision = None" in text
    core_head = sorted(p.name for p in (project / "migrations" / "versions").glob("0*.py"))[-1].removesuffix(".py")
    assert f'depends_on = "{core_head}"' in text
    assert f'op.create_table(\n        "{KEY}_activities"' in text
    assert f'enable_tenant_rls(op, "{KEY}_activities")' in text
    assert "mother_groups_" not in text  # autogenerate kept to the new lineage's tables


def test_every_text_has_its_danish(project, scaffolded):
    from babel.messages.pofile import read_po

    with (project / "plugins" / KEY / "translations/da/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    texts = {m.id: m.string for m in catalog if m.id}
    assert texts["Lending library"] == "Lending library" and texts["New activity"] == "Ny aktivitet"
    assert all(texts.values())


def test_it_is_declared_and_enabled_for_the_demo_tenant(project, scaffolded):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["samvirke.plugins"][KEY] == f"plugins.{KEY}"
    tenant = tomllib.loads((project / "tenants" / "aalborg.toml").read_text())
    assert KEY in tenant["programmes"]["enabled"]
    (agreement,) = [a for a in tenant["agreements"] if KEY in a["programmes"]]
    assert agreement["demo"] is True and agreement["billing"]["rule"] == f"{KEY}.fixed_fee"
    assert "# DEMO agreement" in (project / "tenants" / "aalborg.toml").read_text()
    for slug in ("alpha", "beta"):  # the kit's test tenants, under the agreement covering every programme
        test_tenant = tomllib.loads((project / "tests" / "tenants" / f"{slug}.toml").read_text())
        assert KEY in test_tenant["programmes"]["enabled"]
        assert KEY in test_tenant["agreements"][0]["programmes"]
    assert "pip install -e ." in scaffolded.stdout


LOAD_AND_MIGRATE = f"""
import json
from core.testing.fixtures import build_app
from core.db import db
from core.migrations import script_directory
from core.plugins.host import plugin_host
from core.tenancy.models import Tenant

app = build_app(("sqlite:///" + __import__("sys").argv[1], ""), SAMVIRKE_EXTRA_PLUGINS=["tests.example_plugin", "plugins.{KEY}"])
with app.app_context():
    alpha = db.session.scalars(db.select(Tenant).where(Tenant.slug == "alpha")).one()
    print(json.dumps({{
        "programmes": sorted(plugin_host(app).programmes()),
        "rules": sorted(r.rule for r in app.url_map.iter_rules() if "{KEY}" in r.rule),
        "heads": sorted(h.revision for h in script_directory().get_revisions("{KEY}@head")),
        "alpha": sorted(alpha.enabled_programmes),
        "table": "{KEY}_activities" in db.inspect(db.engine).get_table_names(),
    }}))
"""


def test_a_test_app_loads_and_migrates_it(project, scaffolded, tmp_path):
    done = _run(project, "-c", LOAD_AND_MIGRATE, str(tmp_path / "app.db"))
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEY in found["programmes"] and found["heads"] == ["ll01"] and found["table"]
    assert KEY in found["alpha"]
    assert found["rules"] == [
        f"/<tenant>/api/v1/{KEY}/activities",
        f"/<tenant>/api/v1/{KEY}/activities/<int:activity_id>",
        f"/<tenant>/{KEY}/",
        f"/<tenant>/{KEY}/activities/<int:activity_id>",
    ]


def test_its_own_tests_and_the_kit_pass(project, installed):
    done = _run(project, "-m", "pytest", "-v", "-p", "no:cacheprovider", f"plugins/{KEY}/tests", env=installed, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if line.endswith("PASSED") or " PASSED " in line]
    assert any("test_flow.py::" in line for line in passed) and any("test_kit.py::TestKit::" in line for line in passed)


REFUSE = """
import json, sys
from click.testing import CliRunner
from core.cli import main

for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(main, ["plugins", "new", *args])
    print(json.dumps([result.exit_code, result.output]))
"""
REFUSED = [
    (["Lending-Library"], "is not a programme key"),
    (["2nd_programme"], "is not a programme key"),
    (["class"], "is not a programme key"),
    (["mother_groups"], "exists already"),
    ([KEY], "exists already"),
    (["reports"], "clashes with a URL"),
    (["api"], "clashes with a URL"),
    (["book_club", "--tenant", "fredericia"], "is not a demo tenant"),
    (["book_club", "--tenant", "atlantis"], "no tenant file"),
    (["book_club", "--name", 'Bad "name"'], "not a usable programme name"),
]


def test_a_bad_request_is_refused_with_a_message_and_writes_nothing(project, scaffolded):
    before = _snapshot(project)
    done = _run(project, "-c", REFUSE, json.dumps([args for args, _ in REFUSED]))
    assert done.returncode == 0, done.stderr[-3000:]
    answers = [json.loads(line) for line in done.stdout.strip().splitlines() if line.startswith("[")]
    assert len(answers) == len(REFUSED)
    for (args, message), (code, output) in zip(REFUSED, answers, strict=True):
        assert code == 1 and message in output and "Traceback" not in output, (args, output)
    assert _snapshot(project) == before


HALF_WAY = """
import sys
from click.testing import CliRunner
import core.plugins.scaffold.enable as enable
from core.cli import main


def broken(*args, **kwargs):
    raise OSError("the disk is full")


enable.enable_for_test_tenants = broken  # the last step fails, after the plugin and two files were written
result = CliRunner().invoke(main, ["plugins", "new", "book_club", "--tenant", "aalborg"])
print("exit", result.exit_code, repr(result.exception))
"""


def test_a_failure_half_way_leaves_nothing_behind(project, scaffolded):
    before = _snapshot(project)
    done = _run(project, "-c", HALF_WAY)
    assert "exit 1 OSError('the disk is full')" in done.stdout, done.stdout + done.stderr[-2000:]
    assert not (project / "plugins" / "book_club").exists()
    assert _snapshot(project) == before
