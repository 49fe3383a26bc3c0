"""What a request spends before its view, and that the copies it saves on stay correct.

Before the view a signed-in tenant request reads the directory's counter (on
PostgreSQL in the same statement that sets its row-level security scope) and
its session: two statements, one connection, whatever the data. The tenant
and its programmes, and what an organisation is party to, come from the
process's copy of the directory, which every write to it makes stale.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.engine import Engine

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import Tenant
from core.testing.fixtures import agreement_says

DIRECTORY_TABLES = ("tenants", "tenant_programmes", "agreements", "agreement_parties", "agreement_programmes", "organisations")


@contextlib.contextmanager
def _recorded() -> Iterator[dict]:
    seen: dict = {"statements": [], "checkouts": 0}

    def statement(conn, cursor, sql, params, context, executemany):
        seen["statements"].append(" ".join(sql.split()))

    def checkout(dbapi_connection, record, proxy):
        seen["checkouts"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "checkout", checkout)


@pytest.fixture
def before_view(app, monkeypatch):
    """Wraps an endpoint so the statements sent before it runs are noted."""
    marks: dict[str, int] = {}

    def wrap(endpoint: str, seen: dict) -> None:
        view = app.view_functions[endpoint]

        def noted(*args, **kwargs):
            marks[endpoint] = len(seen["statements"])
            return view(*args, **kwargs)

        monkeypatch.setitem(app.view_functions, endpoint, noted)

    return wrap, marks


def test_a_signed_in_tenant_request_spends_two_statements_before_its_view(app, client_for, before_view):
    wrap, marks = before_view
    client = client_for("alpha", "partner_staff")  # acts for an organisation: its programmes are looked up too
    assert client.get("/alpha/").status_code == 200  # the process's copy of the directory is loaded
    with _recorded() as seen:
        wrap("tenant.home", seen)
        assert client.get("/alpha/").status_code == 200
    before = seen["statements"][: marks["tenant.home"]]
    assert len(before) == 2, before
    assert "directory_version" in before[0] and "user_sessions" in before[1], before
    assert not [s for s in seen["statements"] if any(f" {t} " in f"{s} " and "FROM" in s for t in ("tenants", "tenant_programmes"))]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert sum("set_config" in s for s in seen["statements"]) == 1, seen["statements"]  # one per transaction
    assert seen["checkouts"] == 1


def test_an_audited_read_writes_its_trail_on_the_requests_own_connection(app, client_for, tenant_a):
    client = client_for("alpha", "partner_staff")
    with app.app_context():
        since = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    with _recorded() as seen:
        assert client.get("/alpha/api/v1/example/households").status_code == 200
    assert seen["checkouts"] == 1, seen
    inserts = [s for s in seen["statements"] if s.startswith("INSERT INTO audit_events")]
    assert len(inserts) == 1, seen["statements"]
    with app.app_context(), cross_tenant("test: the trail"):
        assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > since)).all()


def test_a_refused_request_keeps_its_trail(app, client_for, tenant_a):
    """Refused, then aborted with 404: the request's transaction holds only the audit row, which is committed."""
    client = client_for("alpha", "partner_staff", "andenforening")  # party to nothing in alpha
    with app.app_context():
        since = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    assert client.get("/alpha/example/").status_code == 404
    with app.app_context(), cross_tenant("test: the trail"):
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > since, AuditEvent.tenant_id == tenant_a)).all()
    assert "refused" in actions


def test_the_trail_survives_changes_the_request_does_not_commit(app, tenant_a):
    from core.audit import record
    from core.audit.trail import settle
    from tests.example_plugin.models import Household

    subject = "example.household:trail-survives"
    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        record("view", subject=subject, actor="user:0")
        db.session.add(Household(name="never committed"))
        db.session.flush()  # written in the same transaction as the audit row
        settle()  # what after_request does: roll back the changes, write the trail again
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(AuditEvent.subject).where(AuditEvent.subject == subject)).all() == [subject]
        assert db.session.scalars(select(Household.id).where(Household.name == "never committed")).all() == []


def test_the_trail_survives_a_rollback_in_the_view(app, tenant_a):
    from core.audit import record

    subject = "example.household:trail-after-rollback"
    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        record("view", subject=subject, actor="user:0")
        db.session.rollback()  # a view that caught an error
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(AuditEvent.subject).where(AuditEvent.subject == subject)).all() == [subject]


# --- the copy of the directory is never stale ------------------------------------------


def test_an_agreement_taken_out_of_force_hides_its_programme_at_once(app, client_for, tenant_a):
    client = client_for("alpha", "partner_staff")
    assert client.get("/alpha/example/").status_code == 200  # cached: testforeningen is party
    with agreement_says(app, tenant_a, "example", draft=True):
        assert client.get("/alpha/example/").status_code == 404
    assert client.get("/alpha/example/").status_code == 200


def test_a_deactivated_tenant_is_gone_at_once(app, client_for, tenant_b):
    client = client_for("beta", "municipal_staff")
    assert client.get("/beta/").status_code == 200
    try:
        with app.app_context():
            db.session.execute(update(Tenant).where(Tenant.id == tenant_b).values(active=False))  # an ORM statement
            db.session.commit()
        assert client.get("/beta/").status_code == 404
    finally:
        with app.app_context():
            tenant = db.session.get(Tenant, tenant_b)
            tenant.active = True  # a flush
            db.session.commit()
    assert client.get("/beta/").status_code == 200


def test_another_process_s_write_is_seen_through_the_counter(app, client_for, tenant_a):
    """A sync in another process raises the counter; this process's copy is then reloaded."""
    client = client_for("alpha", "municipal_staff")
    assert client.get("/alpha/").status_code == 200
    with app.app_context():
        name = db.session.scalar(select(Tenant.name).where(Tenant.id == tenant_a))
    try:
        with app.app_context():  # as the other process's ORM would: the row and the counter
            db.session.execute(text("UPDATE tenants SET name = 'Alfa Omdøbt' WHERE id = :t"), {"t": tenant_a})
            db.session.execute(text("UPDATE directory_version SET version = version + 1 WHERE id = 1"))
            db.session.commit()
        assert "Alfa Omdøbt" in client.get("/alpha/").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE tenants SET name = :n WHERE id = :t"), {"n": name, "t": tenant_a})
            db.session.execute(text("UPDATE directory_version SET version = version + 1 WHERE id = 1"))
            db.session.commit()


def test_an_unknown_slug_reloads_nothing(app, client):
    assert client.get("/alpha/").status_code in (200, 302)
    with _recorded() as seen:
        assert client.get("/no-such-tenant/").status_code == 404
    assert not [s for s in seen["statements"] if any(f"FROM {t} " in f"{s} " for t in DIRECTORY_TABLES)], seen["statements"]
