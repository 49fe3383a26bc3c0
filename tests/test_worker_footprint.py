"""What a web worker imports to serve pages: no library that only a command, a log-in or one kind of page needs.

Each module here costs every worker's memory whether or not a request uses
it (issue 11: worker RSS). Migrations are a command's work; authlib's Flask
client and its HTTP stack a log-in's; iCalendar the closures feed's; charts,
the disclosure audit's solver, spreadsheets and PDFs a report's. Those paths
import them when they run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from config import ROOT

NOT_AT_START = (
    "alembic",
    "flask_migrate",
    "mako",
    "pygments",
    "authlib.integrations.flask_client",
    "requests",
    "icalendar",
    "pygal",
    "highspy",
    "numpy",
    "openpyxl",
    "weasyprint",
)

PROBE = """
import gc, json, sys
from core.app import create_app
create_app()
print(json.dumps({"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}))
"""


def _started_app(tmp_path) -> dict:
    """What a process that made the app (the embedded default's configuration) holds."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'footprint.db'}"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_web_app_does_not_import_what_only_some_paths_need(tmp_path):
    loaded = set(_started_app(tmp_path)["modules"])
    assert [name for name in NOT_AT_START if name in loaded] == []
    assert "core.identity.oidc" in loaded and "core.migrations" in loaded  # the probe did build the whole app


def test_a_log_in_still_finds_its_client(app):
    from core.identity.oidc import _oauth

    with app.app_context():
        first = _oauth()
        assert _oauth() is first  # made once, kept on the app
        assert app.extensions["samvirke_oauth"] is first


def test_what_the_start_made_is_out_of_the_collectors_sight(tmp_path):
    # A full collection during a request scans what requests made, not the ~180,000 objects of the start.
    assert _started_app(tmp_path)["frozen"] > 50_000


def test_a_test_app_freezes_nothing(database_factory):
    import gc

    from core.testing.fixtures import create_app_for_tests

    before = gc.get_freeze_count()
    create_app_for_tests(database_factory())
    assert gc.get_freeze_count() == before  # a session builds hundreds: frozen, none would be freed
