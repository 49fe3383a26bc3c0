"""Building the benchmark database: migrate, sync the tenant files (real + fake), generate, demo data, invoices, ANALYZE."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import create_engine, select, text

from bench.fill.billing import bill
from bench.generate import Result, generate, tenant_plans
from bench.profile import Profile
from bench.target import Target
from bench.tenants import write_tenant_folder


@dataclass
class Prepared:
    slugs: list[str]
    generated: Result
    seconds: float


def bench_app(target: Target) -> Flask:
    from core.app import create_app

    return create_app(target.config())


def prepare(target: Target, count: int, profile: Profile, *, fresh: bool, log: Callable[[str], None] = print) -> Prepared:
    """The bench database with ``count`` fake tenants of ``profile`` beside the real ones (idempotent unless ``fresh``)."""
    from core.db import db
    from core.migrations import upgrade_all
    from core.plugins.host import plugin_host
    from core.tenancy.sync import sync_tenants

    started = time.perf_counter()
    target.create_database(fresh=fresh)
    slugs = write_tenant_folder(target.tenants_dir, count, profile.years)
    app = bench_app(target)
    with app.app_context():
        upgrade_all()
        report = sync_tenants(target.tenants_dir, plugin_host().programmes())
        log(f"migrated; tenants created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}")
        db.session.remove()
    generated = generate(app, slugs, profile, fresh=fresh, progress=log)
    log(f"generated {generated.total:,} rows in {generated.tenants} tenants ({generated.skipped} had data) in {generated.seconds:.0f} s")
    _demo_for_real_tenants(app, set(slugs))
    billed = time.perf_counter()
    runs = bill(app, [plan.tenant_id for plan in tenant_plans(app, slugs)], years=1)
    log(f"last year's invoices issued: {len(runs)} billing runs in {time.perf_counter() - billed:.0f} s")
    if target.postgres:
        engine = create_engine(target.owner_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))  # the planner's statistics after a bulk load
        engine.dispose()
    return Prepared(slugs, generated, time.perf_counter() - started)


def _demo_for_real_tenants(app: Flask, fake: set[str]) -> None:
    """The repository's demo data in the real tenants (the plugins skip a tenant that has data already)."""
    from core.db import db
    from core.plugins.host import plugin_host
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant

    with app.app_context():
        host = plugin_host()
        for tenant in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.slug)).all():
            if tenant.slug in fake:
                continue
            with tenant_context(tenant.id):
                host.call_each("samvirke_demo_data", enabled=tenant.enabled_programmes, tenant=tenant)
                db.session.commit()
        db.session.remove()
