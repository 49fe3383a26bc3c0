"""The audit trail: written for every use of personal data, append-only, retained, exported."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit import MINIMUM_RETENTION, purge_expired, record
from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import utcnow


@pytest.fixture(autouse=True)
def since(app):
    """The newest audit row before the test: rows are never deleted, so tests look past it."""
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def _events(app, subject, since):
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return db.session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.tenant_id, AuditEvent.route)
            .where(AuditEvent.subject == subject, AuditEvent.id > since)
            .order_by(AuditEvent.id)
        ).all()


def test_viewing_a_person_writes_an_audit_row(app, client_for, lookalike_data, tenant_a, since):
    household = lookalike_data["alpha"]["household"]
    client_for("alpha", "municipal_staff").get(f"/alpha/api/v1/example/households/{household}")
    events = _events(app, f"example.household:{household}", since)
    assert [(e.action, e.tenant_id) for e in events] == [("view", tenant_a)]
    assert events[0].actor.startswith("user:") and events[0].route == "/<tenant>/api/v1/example/households/<int:household_id>"


def test_no_sensitive_values_in_the_row(app, client_for, since):
    response = client_for("alpha").post("/alpha/api/v1/example/households", json={"name": "Familien Ali", "note": "voldsramt, hemmelig"})
    subject = f"example.household:{response.get_json()['id']}"
    with app.app_context(), cross_tenant("test: read the audit trail"):
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.subject == subject, AuditEvent.id > since)).one()
    values = " ".join(str(v) for v in (row.subject, row.criterion, row.purpose, row.route, row.actor))
    assert "hemmelig" not in values and "Ali" not in values


def test_refused_access_is_recorded(app, client_for):
    client_for("alpha", "volunteer").get("/alpha/admin/audit")
    with app.app_context(), cross_tenant("test: read the audit trail"):
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused", AuditEvent.route == "/<tenant>/admin/audit")
        ).all()
    assert refused and refused[-1].criterion == "GET role: /<tenant>/admin/audit"  # names what was asked for


def test_tenant_admin_lists_and_exports_who_looked_at_one_person(app, client_for, lookalike_data, since):
    household = lookalike_data["alpha"]["household"]
    subject = f"example.household:{household}"
    client_for("alpha", "municipal_staff").get(f"/alpha/api/v1/example/households/{household}")
    admin = client_for("alpha", "tenant_admin")
    page = admin.get(f"/alpha/admin/audit?subject={subject}").get_data(as_text=True)
    assert "view" in page and "user:" in page
    export = admin.get(f"/alpha/admin/audit.csv?subject={subject}")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    # Newest first: looking up the trail is itself in the person's trail, then the view.
    assert export.mimetype == "text/csv" and [r["action"] for r in rows[:2]] == ["search", "view"]
    assert rows[0]["criterion"] == "audit trail" and rows[0]["subject"] == subject
    assert "export" in [a for a, *_ in _events(app, subject, since)]  # the export itself is audited
    # Another tenant's administrator cannot see alpha's trail for the same reference.
    beta_admin = client_for("beta", "tenant_admin")
    assert "user:" not in beta_admin.get(f"/beta/admin/audit?subject={subject}").get_data(as_text=True)


def test_audit_rows_cannot_be_changed_or_deleted_by_the_application(app_ctx, tenant_a):
    with tenant_context(tenant_a):
        record("view", subject="test.append-only:1", actor="user:0")
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE subject = 'test.append-only:1'"))
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_events WHERE subject = 'test.append-only:1'"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject == "test.append-only:1")) == 1


def test_retention_never_goes_below_six_months(app_ctx):
    app_ctx.config["AUDIT_RETENTION"] = timedelta(days=1)  # misconfigured: the floor still holds
    record("view", subject="test.retention:recent", actor="user:0", tenant_id=None)
    purge_expired()
    db.session.commit()
    with cross_tenant("test: read the audit trail"):
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject == "test.retention:recent")) == 1
    assert MINIMUM_RETENTION >= timedelta(days=183)


def test_retention_job_is_scheduled(app):
    from core.jobs.runner import registry

    with app.app_context():
        programme, job = registry()["core.purge_audit_events"]
    assert programme is None and job.cron and job.scope == "platform"


def test_old_rows_are_purged(app_ctx):
    old = utcnow() - timedelta(days=400)
    row = AuditEvent.__table__.insert().values(at=old, actor="user:0", action="view", subject="test.retention:old")
    owner_url = app_ctx.config["MIGRATION_DATABASE_URL"]
    if owner_url:  # PostgreSQL: only the owner can back-date a row; the app purges through the function
        from sqlalchemy import create_engine

        owner = create_engine(owner_url)
        with owner.begin() as connection:
            connection.execute(row)
        owner.dispose()
    else:
        db.session.execute(row)
        db.session.commit()
    assert purge_expired() >= 1
    db.session.commit()
    with cross_tenant("test: read the audit trail"):
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject == "test.retention:old")) == 0
