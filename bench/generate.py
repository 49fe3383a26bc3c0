"""The data generator: N fake municipalities x Y years of every programme's data, in bulk.

``generate(app, slugs, profile)`` fills each tenant in its own transaction on
the owner's connection (``MIGRATION_DATABASE_URL``, else the app's database):
one ``COPY`` per table and tenant on PostgreSQL, one executemany ``INSERT``
on SQLite. A tenant that already has data is left alone unless ``fresh``, so
an interrupted run resumes. Every programme a tenant enables must have a
filler (``bench.fill``); one without is an error, not a silent gap.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from sqlalchemy import Table, create_engine, pool, select
from sqlalchemy.engine import Connection, Engine

from bench.bulk import Ids, Writer
from bench.fill import Context, TenantPlan, fillers
from bench.profile import Profile
from core.db import db
from core.tenancy.models import Tenant

# Tables the generator never writes or clears: the files' tenants and agreements, people and sessions, the audit trail.
KEPT = {
    "tenants",
    "tenant_programmes",
    "organisations",
    "agreements",
    "agreement_parties",
    "agreement_programmes",
    "agreement_notices",
    "audit_events",
    "alembic_version",
    "users",
    "user_sessions",
    "login_flows",
    "login_failures",
    "api_clients",
    "api_tokens",
    "job_runs",
}


class NoFiller(LookupError):
    """A tenant enables a programme the generator has no filler for."""


@dataclass
class Result:
    tenants: int = 0
    skipped: int = 0
    rows: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def owner_engine(app: Flask) -> Engine:
    """The tables' owner (row-level security does not bind the generator): MIGRATION_DATABASE_URL, else the app's URL."""
    url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        with app.app_context():
            return db.engine
    return create_engine(url, poolclass=pool.NullPool)


def tenant_plans(app: Flask, slugs: Iterable[str]) -> list[TenantPlan]:
    """Each tenant's programmes and the organisations its agreements name for them (read through core)."""
    from core.partnerships.access import organisations_of_programme
    from core.tenancy.context import tenant_context

    wanted = list(slugs)
    plans = []
    with app.app_context():
        tenants = {t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(wanted)))}
        for slug in wanted:
            tenant = tenants.get(slug)
            if tenant is None:
                raise LookupError(f"no tenant {slug!r}: sync the tenant files first")
            with tenant_context(tenant.id):
                organisations = {key: [o.id for o in organisations_of_programme(key)] for key in tenant.enabled_programmes}
            plans.append(TenantPlan(tenant.id, slug, tenant.enabled_programmes, organisations))
        db.session.remove()
    return plans


def _has_data(connection: Connection, tenant_id: int) -> bool:
    from core.volunteers.models import Volunteer

    table = Volunteer.__table__
    return connection.scalar(select(table.c.id).where(table.c.tenant_id == tenant_id).limit(1)) is not None


def generated_tables() -> list[Table]:
    """Every tenant table the generator may write, parents first."""
    return [t for t in db.metadata.sorted_tables if "tenant_id" in t.c and t.name not in KEPT]


def clear_tenant(connection: Connection, tenant_id: int) -> None:
    """Delete the tenant's programme and volunteer rows (children first); tenants, agreements and people stay."""
    for table in reversed(generated_tables()):
        connection.execute(table.delete().where(table.c.tenant_id == tenant_id))


def fill_tenant(
    connection: Connection,
    plan: TenantPlan,
    profile: Profile,
    today: date,
    ids: Ids | None = None,
    extra: dict[str, Callable[[Context], None]] | None = None,
) -> Counter:
    """Queue and write one tenant's rows on ``connection`` (the caller owns the transaction); rows per table.

    ``extra`` adds fillers for programmes outside the repository (the test-suite's example plugin).
    """
    available = {**fillers(), **(extra or {})}
    missing = sorted(plan.programmes - set(available))
    if missing:
        raise NoFiller(f"{plan.slug}: no benchmark filler for programme(s) {', '.join(missing)}; add one to bench/fill/")
    writer = Writer(connection, ids)
    ctx = Context(writer=writer, plan=plan, profile=profile, today=today, rng=random.Random(f"{plan.slug}:{plan.tenant_id}"))
    for key in sorted(plan.programmes & set(available)):
        available[key](ctx)
    writer.flush()
    return Counter(writer.written)


def generate(
    app: Flask,
    slugs: Iterable[str],
    profile: Profile,
    *,
    today: date | None = None,
    fresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Fill every tenant in ``slugs``: one transaction each, then the id sequences moved past what was written."""
    today = today or date.today()
    started = time.perf_counter()
    result = Result()
    plans = tenant_plans(app, slugs)
    engine = owner_engine(app)
    with app.app_context():
        tables = generated_tables()
        with engine.connect() as connection:
            ids = Ids(connection)
            for n, plan in enumerate(plans, start=1):
                with connection.begin():
                    if _has_data(connection, plan.tenant_id):
                        if not fresh:
                            result.skipped += 1
                            continue
                        clear_tenant(connection, plan.tenant_id)
                    result.rows += fill_tenant(connection, plan, profile, today, ids)
                result.tenants += 1
                if progress and (n % 10 == 0 or n == len(plans)):
                    progress(f"{n}/{len(plans)} tenants, {result.total:,} rows, {time.perf_counter() - started:.0f} s")
            with connection.begin():
                Writer(connection).fix_sequences(tables)
    if engine.url.get_backend_name() != "sqlite":
        engine.dispose()
    result.seconds = time.perf_counter() - started
    return result
