"""The ``samvirke`` command answers a user error with one line in Danish, never a traceback.

Run through click's ``CliRunner`` on the real entry point (``core.cli.main``),
so the group-level handler that turns known errors into messages is the one
in use, not a test double.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from core.cli import UserError, _user_error, main


def _run(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _platform_job(app) -> str:
    from core.jobs.runner import registry

    with app.app_context():
        return next(name for name, (_, job) in sorted(registry().items()) if job.scope == "platform")


CASES = [
    (("jobs", "run", "nonexistent.job", "--tenant", "alpha"), "Der findes intet job ved navn 'nonexistent.job'"),
    (("jobs", "run", "example.count_households", "--tenant", "nosuch"), "Der er ingen aktiv kommune 'nosuch'"),
    (("jobs", "run", "example.count_households"), "example.count_households kører for én kommune: angiv --tenant."),
    (("reports", "run", "nonexistent.report", "--tenant", "alpha", "-o", "{tmp}/r.pdf"), "no report 'nonexistent.report'"),
    (("reports", "run", "example.households", "--tenant", "nosuch", "-o", "{tmp}/r.pdf"), "no active tenant 'nosuch'"),
    (("reports", "run", "example.households", "--tenant", "alpha", "--year", "abc", "-o", "{tmp}/r.pdf"), "'abc' is not a valid integer"),
    (("reports", "run", "example.households", "--tenant", "alpha", "--param", "broken", "-o", "{tmp}/r.pdf"), "give NAME=VALUE"),
    (("reports", "run", "example.households", "--tenant", "alpha", "-o", "{tmp}/no/such/folder/r.csv", "--format", "csv"), "findes ikke"),
    (("reports", "list", "--tenant", "nosuch"), "no active tenant 'nosuch'"),
    (("agreements", "notice", "--tenant", "nosuch", "--given", "2026-01-05"), "no active tenant 'nosuch'"),
    (("agreements", "notice", "--tenant", "alpha", "--given", "2026-13-01"), "is not a date as YYYY-MM-DD"),
    (("agreements", "notice", "--tenant", "alpha", "--given", "1.12.2026"), "is not a date as YYYY-MM-DD"),
    (("billing", "run", "--period", "2026-Q5"), "--period"),
    (("billing", "invoices", "--tenant", "nosuch"), "ingen aktiv kommune (tenant) 'nosuch'"),
    (("billing", "export", "--invoice", "987654", "--format", "pdf", "-o", "{tmp}/i.pdf"), "ingen udstedt faktura nummer 987654"),
    (("tenants", "sync", "--dir", "{tmp}/no-such-folder"), "does not exist"),
    (("db", "revision", "-m", "x", "--plugin", "nosuch"), "no lineage 'nosuch'"),
]


@pytest.mark.parametrize(("args", "said"), CASES, ids=[" ".join(a[:3]) + f" #{i}" for i, (a, _) in enumerate(CASES)])
def test_a_user_error_is_a_message_not_a_traceback(app, tmp_path, args, said):
    result = _run(app, *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # click's exit, not an uncaught error
    assert "Traceback" not in result.output
    assert said in result.output


def test_a_platform_job_refuses_a_tenant(app):
    name = _platform_job(app)
    result = _run(app, "jobs", "run", name, "--tenant", "alpha")
    assert result.exit_code == 1 and f"{name} er et platformsjob: kør det uden --tenant." in result.output


def test_a_platform_job_runs_without_a_tenant(app):
    result = _run(app, "jobs", "run", _platform_job(app))
    assert result.exit_code == 0, result.output
    assert "job run #" in result.output


def test_a_tenant_job_still_runs(app):
    result = _run(app, "jobs", "run", "example.count_households", "--tenant", "alpha")
    assert result.exit_code == 0, result.output


def test_a_programming_error_keeps_its_traceback(app):
    """Only the kinds of user error named in one place are turned into messages; a bug is not hidden."""
    assert _user_error(ZeroDivisionError()) is None
    assert _user_error(KeyError("x")) is None


def test_the_message_is_english_outside_the_app():
    assert UserError("There is no job named %(name)s; `samvirke jobs list` shows the jobs.", name="'x'").format_message() == (
        "There is no job named 'x'; `samvirke jobs list` shows the jobs."
    )
