"""Shared by the billing tests (and the authorization walk): purge, run, read, change an agreement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, pool, select, text

from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import Tenant

BILLING_TABLES = ("billing_invoice_lines", "billing_invoices", "billing_runs", "billing_number_series")


def purge_billing(app: Flask) -> None:
    """Delete every billing row. Issued invoices are never deleted by the app's roles, so on
    PostgreSQL this runs as the tables' owner (the migration role), which the triggers let through."""
    owner = app.config.get("MIGRATION_DATABASE_URL")
    if owner and owner.startswith("postgresql"):
        engine = create_engine(owner, poolclass=pool.NullPool)
        with engine.begin() as connection:
            for table in BILLING_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
        engine.dispose()
        return
    with app.app_context(), cross_tenant("test clean-up"):
        for table in BILLING_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


def tenant_of(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one()


def invoices(app: Flask, slug: str, **where: Any) -> list[dict[str, Any]]:
    """The tenant's invoices as plain rows (number, kind, state, period, total, issuer slug, lines)."""
    from core.billing.models import Invoice
    from core.partnerships.models import Organisation

    with app.app_context():
        slugs = dict(db.session.execute(select(Organisation.id, Organisation.slug)).all())
        with tenant_context(tenant_of(app, slug)):
            query = select(Invoice).order_by(Invoice.issuer_organisation_id, Invoice.number, Invoice.id)
            for key, value in where.items():
                query = query.where(getattr(Invoice, key) == value)
            rows = [
                {
                    "id": i.id,
                    "number": i.number,
                    "kind": i.kind,
                    "state": i.state,
                    "period": i.period_label,
                    "total": i.total,
                    "issuer": slugs[i.issuer_organisation_id],
                    "agreement_id": i.agreement_id,
                    "issue_date": i.issue_date,
                    "due_date": i.due_date,
                    "lines": [(line.description, line.amount) for line in i.lines],
                }
                for i in db.session.scalars(query)
            ]
        db.session.remove()
    return rows


def series(app: Flask) -> dict[str, int]:
    """Organisation slug -> last number used."""
    from core.billing.models import NumberSeries
    from core.partnerships.models import Organisation

    with app.app_context(), cross_tenant("test: the number series"):
        rows = dict(db.session.execute(select(Organisation.slug, NumberSeries.last_number).join(NumberSeries)).all())
        db.session.remove()
    return rows


def all_invoices(app: Flask) -> list[tuple[int, int, str, int | None, str, str]]:
    """(tenant id, agreement id, period, number, issuer slug, kind) of every invoice in every tenant."""
    from core.billing.models import Invoice
    from core.partnerships.models import Organisation

    with app.app_context(), cross_tenant("test: every invoice"):
        rows = db.session.execute(
            select(Invoice.tenant_id, Invoice.agreement_id, Invoice.period_label, Invoice.number, Organisation.slug, Invoice.kind).join(
                Organisation, Organisation.id == Invoice.issuer_organisation_id
            )
        ).all()
        db.session.remove()
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


@contextmanager
def agreement_changed(app: Flask, slug: str, key: str, **changes: Any) -> Iterator[int]:
    """The agreement ``key`` of tenant ``slug`` with ``changes`` (payer, billing_parameters, ...) for the block."""
    from core.partnerships.models import Agreement

    tenant_id = tenant_of(app, slug)
    with app.app_context(), tenant_context(tenant_id):
        agreement = db.session.execute(select(Agreement).where(Agreement.key == key)).scalar_one()
        agreement_id = agreement.id
        saved = {name: getattr(agreement, name) for name in changes}
        for name, value in changes.items():
            setattr(agreement, name, value)
        db.session.commit()
        db.session.remove()
    try:
        yield agreement_id
    finally:
        with app.app_context(), tenant_context(tenant_id):
            restored = db.session.get(Agreement, agreement_id)
            for name, value in saved.items():
                setattr(restored, name, value)
            db.session.commit()
            db.session.remove()


def make_issued_invoice(app: Flask, slug: str, period: str = "2024") -> int:
    """Bill the tenant's agreements for ``period`` in-process and return the first invoice's id."""
    from core.billing.models import BillingRun
    from core.billing.periods import parse_period
    from core.billing.runs import run_billing

    tenant_id = tenant_of(app, slug)
    p = parse_period(period)
    with app.app_context(), tenant_context(tenant_id):
        run = BillingRun(period_label=p.label, period_start=p.start, period_end=p.end, started_by="test")
        db.session.add(run)
        db.session.commit()
        run_billing(tenant_id=tenant_id, billing_run_id=run.id)
        db.session.remove()
    return invoices(app, slug)[0]["id"]


def billing_samples(app: Flask, slug: str, request: Any, tmp_path: Any, organisation: str = "testforeningen") -> dict[str, int]:
    """For the authorization walk: an issued invoice and the run that wrote it, for ``organisation``
    in the test tenant ``slug``; purged (as the tables' owner) when the test ends."""
    from core.billing.models import BillingRun
    from core.billing.periods import parse_period
    from core.billing.runs import run_billing
    from core.testing.fixtures import organisation_id

    app.config["BILLING_OUTBOX_DIR"] = str(tmp_path / "outbox")
    request.addfinalizer(lambda: purge_billing(app))
    tenant_id, period = tenant_of(app, slug), parse_period("2024")
    organisation_of = organisation_id(app, organisation)
    with app.app_context(), tenant_context(tenant_id):
        run = BillingRun(
            period_label=period.label, period_start=period.start, period_end=period.end, organisation_id=organisation_of, started_by="test"
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        run_billing(tenant_id=tenant_id, billing_run_id=run_id)
        db.session.remove()
    (invoice,) = invoices(app, slug)
    return {"invoice_id": invoice["id"], "run_id": run_id}


def with_staircase_end(folder: Path, end: str) -> None:
    """The fake tenants' DRC agreements end (the staircase rule bills only an agreement with an end);
    left as they are where the generator already gives them one."""
    for path in folder.glob("bench-*.toml"):
        text = path.read_text(encoding="utf-8")
        first = text.index("\nstart = ")
        line_end = text.index("\n", first + 1)
        if text[line_end + 1 :].startswith("end = "):
            continue
        path.write_text(text[: line_end + 1] + f'end = "{end}"\n' + text[line_end + 1 :], encoding="utf-8")
