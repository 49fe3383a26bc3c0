"""One unit of work per request: core commits an answer below 400 and rolls back the rest.

Real requests through the test client. The views under test stand in for the
endpoint of ``POST /alpha/volunteers/`` (its route, authorization and CSRF
check stay as they are): they write a volunteer with a name of their own, then
answer as the case needs. A fresh session afterwards tells what was kept.

The meta-test at the end fails on a ``.commit()`` call under ``plugins/`` and
in core outside the modules allowed to commit (each with its reason).
"""

from __future__ import annotations

import ast
import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, abort, redirect
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from core.audit import events_for_subject, record
from core.db import db
from core.tenancy.context import tenant_context
from core.testing.fixtures import csrf_from
from core.volunteers.models import Volunteer

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT = "volunteers.create"
URL = "/alpha/volunteers/"


@pytest.fixture
def staff(client_for):
    return client_for("alpha", "partner_staff")


@pytest.fixture
def name() -> str:
    return f"Enhed {uuid.uuid4().hex[:10]}"  # distinctive: only this test writes it


@pytest.fixture
def serve(app: Flask, monkeypatch) -> Callable[[Callable[[], object]], None]:
    """Put ``view`` behind the volunteers' create endpoint for this test."""

    def put(view: Callable[[], object]) -> None:
        monkeypatch.setitem(app.view_functions, ENDPOINT, lambda **kwargs: view())

    return put


def _post(client) -> object:
    token = csrf_from(client.get(URL).get_data(as_text=True))
    return client.post(URL, data={"csrf_token": token})


def _kept(app: Flask, tenant_id: int, name: str) -> list[int]:
    """The volunteers named ``name``, as a new session sees them (what was committed)."""
    with app.app_context(), tenant_context(tenant_id):
        found = list(db.session.scalars(select(Volunteer.id).where(Volunteer.name == name)))
        db.session.remove()
    return found


def _audited(app: Flask, tenant_id: int, subject: str) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):  # PostgreSQL shows a tenant's rows in its scope only
        actions = [e.action for e in events_for_subject(tenant_id, subject)]
        db.session.remove()
    return actions


def _write(name: str | None) -> Volunteer:
    volunteer = Volunteer(name=name)
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


# --- what is kept ---------------------------------------------------------------------


def test_a_successful_post_is_committed_without_the_view_committing(app, staff, serve, name, tenant_a):
    def view():
        volunteer = _write(name)
        return redirect(f"{URL}{volunteer.id}", 303)

    serve(view)
    assert _post(staff).status_code == 303
    assert len(_kept(app, tenant_a, name)) == 1


def test_a_view_that_answers_400_after_writing_leaves_nothing(app, staff, serve, name, tenant_a):
    serve(lambda: (_write(name), ("the form has errors", 400))[1])
    assert _post(staff).status_code == 400
    assert _kept(app, tenant_a, name) == []


def test_a_view_that_aborts_after_writing_leaves_nothing_but_its_trail(app, staff, serve, name, tenant_a):
    subject = f"volunteer:uow-{uuid.uuid4().hex[:8]}"

    def view():
        _write(name)
        record("refused", subject=subject, criterion="unit of work test")
        abort(404)

    serve(view)
    assert _post(staff).status_code == 404
    assert _kept(app, tenant_a, name) == []
    assert _audited(app, tenant_a, subject) == ["refused"]


def test_a_view_that_raises_after_writing_leaves_nothing_but_its_trail(app, staff, serve, name, tenant_a, monkeypatch):
    subject = f"volunteer:uow-{uuid.uuid4().hex[:8]}"

    def view():
        _write(name)
        record("view", subject=subject, criterion="unit of work test")
        raise RuntimeError("the view broke")

    serve(view)
    with pytest.raises(RuntimeError):  # tests propagate exceptions: only the teardown sees this one
        _post(staff)
    assert _kept(app, tenant_a, name) == []
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: a 500 page, after_request too
    assert _post(staff).status_code == 500
    assert _kept(app, tenant_a, name) == []
    assert _audited(app, tenant_a, subject) == ["view", "view"]


def test_a_commit_that_fails_answers_500_and_keeps_the_trail(app, staff, serve, name, tenant_a):
    subject = f"volunteer:uow-{uuid.uuid4().hex[:8]}"

    def view():
        record("view", subject=subject, criterion="unit of work test")
        _write(name)
        db.session.add(Volunteer(name=None))  # NOT NULL: refused by the flush of core's commit, after the view
        return "saved", 200

    serve(view)
    answer = _post(staff)
    assert answer.status_code == 500 and b"saved" not in answer.data
    assert _kept(app, tenant_a, name) == []
    assert _audited(app, tenant_a, subject) == ["view"]


@pytest.mark.parametrize("answer", ["200", "303"])
def test_a_view_that_swallows_a_failed_flush_answers_500(app, staff, serve, name, tenant_a, answer):
    """The session cannot commit (PendingRollbackError): never a 200 or a redirect for a write that is gone."""

    def view():
        _write(name)
        try:
            _write(None)  # NOT NULL
        except IntegrityError:
            pass  # the view's bug: it neither rolls back nor tells
        db.session.expunge_all()  # nothing left to flush: only the transaction's state tells
        return redirect(URL, 303) if answer == "303" else ("saved", 200)

    serve(view)
    response = _post(staff)
    assert response.status_code == 500 and b"saved" not in response.data
    assert _kept(app, tenant_a, name) == []


def test_a_clash_caught_in_a_savepoint_keeps_the_rest_of_the_request(app, staff, serve, name, tenant_a):
    """The pattern views use instead of commit-and-catch: flush in ``begin_nested`` and go on.

    The savepoint's rollback takes only what was written inside it: the write
    before it is committed, and each audit row is written exactly once.
    """
    before, inside = (f"volunteer:uow-{uuid.uuid4().hex[:8]}" for _ in range(2))

    def view():
        _write(name)
        record("view", subject=before, criterion="unit of work test")
        try:
            with db.session.begin_nested():
                record("view", subject=inside, criterion="unit of work test")
                _write(None)  # NOT NULL
        except IntegrityError:
            pass
        return redirect(URL, 303)

    serve(view)
    assert _post(staff).status_code == 303
    assert len(_kept(app, tenant_a, name)) == 1
    assert _audited(app, tenant_a, before) == ["view"]
    assert _audited(app, tenant_a, inside) == ["view"]


def test_a_write_in_a_released_savepoint_is_committed_with_its_trail(app, staff, serve, name, tenant_a):
    """A savepoint's release is not the request's commit: what it holds is committed with the answer."""
    subject = f"volunteer:uow-{uuid.uuid4().hex[:8]}"

    def view():
        with db.session.begin_nested():
            _write(name)
            record("change", subject=subject, criterion="unit of work test")
        return redirect(URL, 303)

    serve(view)
    assert _post(staff).status_code == 303
    assert len(_kept(app, tenant_a, name)) == 1
    assert _audited(app, tenant_a, subject) == ["change"]


def test_a_savepoint_as_the_first_write_is_rolled_back_with_a_refusal(app, staff, serve, name, tenant_a):
    """SQLite: a SAVEPOINT outside a transaction opens one that its RELEASE commits (core.db sends BEGIN first)."""

    def view():
        db.session.scalar(select(Volunteer.id).limit(1))  # reads only: pysqlite has not begun a transaction
        with db.session.begin_nested():
            _write(name)
        return "refused after all", 409

    serve(view)
    assert _post(staff).status_code == 409
    assert _kept(app, tenant_a, name) == []


# --- what a read costs ----------------------------------------------------------------------


@contextlib.contextmanager
def _commits() -> Iterator[list[str]]:
    seen: list[str] = []

    def committed(connection) -> None:
        seen.append("COMMIT")

    event.listen(Engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(Engine, "commit", committed)


def test_a_get_that_only_reads_sends_no_commit(app, staff):
    assert staff.get("/alpha/").status_code == 200  # the session's last-seen time is stamped (a write) once
    with _commits() as seen:
        assert staff.get("/alpha/").status_code == 200
    assert seen == []


def test_a_get_that_writes_its_trail_commits_once(app, staff):
    with _commits() as seen:
        assert staff.get(URL).status_code == 200  # the volunteer list is an audited read
    assert seen == ["COMMIT"]


# --- who may commit ----------------------------------------------------------------------

# Modules of core that commit, and why: none of them is a view or a service of a request.
ALLOWED = {
    "core/audit/trail.py": "the request's unit of work itself: commit below 400, roll back otherwise",
    "core/cli.py": "CLI commands: each command is its own unit of work",
    "core/billing/cli.py": "CLI commands of billing (samvirke billing run ...)",
    "core/demo.py": "samvirke demo load: one commit per tenant",
    "core/tenancy/sync.py": "samvirke tenants sync: the whole sync, or nothing",
    "core/jobs/runner.py": "the job's unit of work; enqueue commits the run so that the worker finds it",
    "core/billing/runs.py": "the invoice run job (an invoice per transaction), and handing a run to the workers",
    "core/reports/exports.py": "the export job: its progress is read by the person's page while it runs",
    "core/notices/delivery.py": "the delivery job: a claim, then each message's outcome, before the next leaves",
    "core/identity/oidc.py": "a log-in failure and a used-up log-in flow must stand although the answer is a 401",
}
ALLOWED_FOLDERS = {
    "core/testing/": "the plugin test kit: sets up rows outside any request",
}


def _commit_calls(source: str) -> list[int]:
    tree = ast.parse(source)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def _committing(folder: str) -> dict[str, list[int]]:
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{relative}":
            continue  # tests set up their rows outside requests
        lines = _commit_calls(path.read_text(encoding="utf-8"))
        if lines:
            found[relative] = lines
    return found


def test_core_commits_only_where_a_request_is_not_the_unit_of_work():
    found = _committing("core")
    stray = {path: lines for path, lines in found.items() if path not in ALLOWED and not path.startswith(tuple(ALLOWED_FOLDERS))}
    assert not stray, f"core commits outside the unit of work of a request, job or command (core commits the request): {stray}"
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"allowed to commit but no longer does (remove from ALLOWED): {stale}"


def test_plugins_never_commit():
    found = _committing("plugins")
    assert not found, f"a plugin commits; core commits the request and the job runner the job (flush instead): {found}"


def test_the_meta_test_sees_a_commit():
    # The scan finds a call, whatever the object, and not the word in a comment or docstring.
    assert _commit_calls('"""db.session.commit()"""\n# session.commit()\nx = 1\n') == []
    assert _commit_calls("def f():\n    db.session.commit()\n    connection.commit()\n") == [2, 3]
