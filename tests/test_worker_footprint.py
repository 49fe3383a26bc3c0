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
import json, sys
from core.app import create_app
create_app()
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after_create_app(tmp_path) -> set[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'footprint.db'}"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_web_app_does_not_import_what_only_some_paths_need(tmp_path):
    loaded = _modules_after_create_app(tmp_path)
    assert [name for name in NOT_AT_START if name in loaded] == []
    assert "core.identity.oidc" in loaded and "core.migrations" in loaded  # the probe did build the whole app


def test_a_log_in_still_finds_its_client(app):
    from core.identity.oidc import _oauth

    with app.app_context():
        first = _oauth()
        assert _oauth() is first  # made once, kept on the app
        assert app.extensions["samvirke_oauth"] is first
