"""PostgreSQL row-level security: the second wall, checked in the catalog and in use."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, text

from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.scoped import TenantScoped
from core.tenancy.session import TenantSession, _scope_to_tenant
from core.testing.fixtures import build_app, sign_in

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")


def _tables_with_tenant_id() -> set[str]:
    """From the catalog, not the models: every table carrying tenant_id, whoever made it."""
    return set(
        db.session.scalars(
            text(
                "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id' AND NOT a.attisdropped"
            )
        )
    )


def test_catalog_every_table_with_tenant_id_has_forced_rls_and_signed_policies(app_ctx):
    tables = _tables_with_tenant_id()
    models = {m.class_.__table__.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    assert models | {"audit_events", "user_sessions", "job_runs", "tenant_programmes"} <= tables
    rows = db.session.execute(
        text(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'),
                   coalesce((SELECT array_agg(p.polname::text || ' ' || p.polcmd::text || ' '
                                || coalesce((SELECT string_agg(r.rolname, ',') FROM pg_roles r WHERE r.oid = ANY(p.polroles)), 'public')
                                || ' USING ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
                                || ' CHECK ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
                             FROM pg_policy p WHERE p.polrelid = c.oid), '{}')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname = ANY(:tables)
            """
        ),
        {"tables": list(tables)},
    ).all()
    assert {r[0] for r in rows} == tables
    for name, enabled, forced, not_null, policies in rows:
        assert enabled and forced, f"{name}: row-level security enabled and forced"
        described = " | ".join(policies)
        # Nothing the application role can set on its own opens a row.
        assert "app.tenant_id" not in described and "app.cross_tenant" not in described, described
        assert "cross_tenant * samvirke_cross_tenant USING true CHECK true" in policies, described
        for policy in policies:
            if policy.startswith("cross_tenant "):
                continue
            if name == "tenant_programmes" and policy.startswith("tenant_directory r "):
                assert " public USING true " in policy, policy  # the public directory: read-only, for anyone
                continue
            # The tenant policies bind the application's group alone: the cross-tenant role's
            # queries carry no tenant condition (and no function call that forbids parallel plans).
            assert " samvirke_scoped USING " in policy, policy
            if name == "user_sessions":
                assert "samvirke_rls_tenant()" in policy or "app.session_id" in policy, policy
            else:
                assert policy.count("samvirke_rls_tenant()") == 2, f"USING and CHECK: {policy}"
        if name not in {"audit_events", "user_sessions", "job_runs"}:  # platform rows have no tenant
            assert not_null, f"{name}.tenant_id must be NOT NULL"


def test_the_application_role_owns_nothing_and_cannot_bypass_rls(app_ctx):
    row = db.session.execute(text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert row.rolname == "samvirke_app" and not row.rolsuper and not row.rolbypassrls
    owned = db.session.scalar(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user"))
    assert owned == 0


@pytest.fixture
def orm_filter_off():
    event.remove(TenantSession, "do_orm_execute", _scope_to_tenant)
    yield
    event.listen(TenantSession, "do_orm_execute", _scope_to_tenant)


def test_with_the_orm_filter_off_postgresql_alone_keeps_tenants_apart(app_ctx, lookalike_data, tenant_a, orm_filter_off):
    from sqlalchemy import select

    from tests.example_plugin.models import Household

    with tenant_context(tenant_a):
        ids = db.session.scalars(select(Household.id)).all()
        raw = db.session.execute(text("SELECT id FROM example_households")).scalars().all()
    db.session.commit()
    assert ids == raw == [lookalike_data["alpha"]["household"]]
    # No tenant set: PostgreSQL returns nothing at all (fail closed).
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM example_households")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM example_members")).scalar() == 0


def test_writing_into_another_tenant_is_refused_by_postgresql(app_ctx, lookalike_data, tenant_a, tenant_b):
    from sqlalchemy.exc import ProgrammingError

    with tenant_context(tenant_a), pytest.raises(ProgrammingError, match="row-level security"):
        db.session.execute(text("INSERT INTO example_households (tenant_id, name, counted) VALUES (:t, 'x', 0)"), {"t": tenant_b})
    db.session.rollback()


def test_a_pooled_connection_carries_no_tenant_into_the_next_transaction(app_ctx, tenant_a):
    with tenant_context(tenant_a):
        assert db.session.execute(text("SELECT current_setting('app.scope', true)")).scalar().startswith(f"{tenant_a}.")
        assert db.session.execute(text("SELECT samvirke_rls_tenant()")).scalar() == tenant_a
    db.session.commit()
    with db.engine.connect() as connection:  # the same pool; a new transaction
        assert connection.execute(text("SELECT coalesce(current_setting('app.scope', true), '')")).scalar() == ""
        assert connection.execute(text("SELECT samvirke_rls_tenant()")).scalar() is None


def test_thousand_requests_alternating_tenants_over_two_pooled_connections(database_factory, orm_filter_off):
    """RLS alone (ORM filter off) over a pool of 2: never a row of the other tenant."""
    app = build_app(database_factory(), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2, "max_overflow": 0, "pool_timeout": 10})
    from sqlalchemy import select

    from core.tenancy.models import Tenant
    from tests.example_plugin.models import Household

    expected = {}
    with app.app_context():
        tenants = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
        for slug in ("alpha", "beta"):
            with tenant_context(tenants[slug]):
                db.session.add_all([Household(name=f"{slug}-{i}") for i in range(3)])
                db.session.commit()
                expected[slug] = sorted(db.session.scalars(select(Household.id)).all())
        db.session.remove()
    clients = {}
    for slug in ("alpha", "beta"):
        clients[slug] = app.test_client()
        sign_in(app, clients[slug], "partner_staff", slug)
    wrong = 0
    for i in range(1000):
        slug = ("alpha", "beta")[i % 2]
        response = clients[slug].get(f"/{slug}/api/v1/example/households")
        assert response.status_code == 200
        got = sorted(h["id"] for h in response.get_json())
        wrong += got != expected[slug]
    assert wrong == 0
    with app.app_context():
        assert db.engine.pool.size() == 2


def test_the_policies_bind_each_role_to_its_own_condition(app_ctx):
    """The app's role is in the scoped group (tenant policies), the cross-tenant role is not (it has its own)."""
    from core.tenancy.rls import CROSS_ROLE, SCOPED_ROLE
    from core.testing.fixtures import APP_ROLE
    from core.testing.fixtures import CROSS_ROLE as CROSS_LOGIN

    member = "SELECT pg_has_role(:role, :group, 'USAGE')"
    assert db.session.scalar(text(member), {"role": APP_ROLE, "group": SCOPED_ROLE}) is True
    assert db.session.scalar(text(member), {"role": CROSS_LOGIN, "group": SCOPED_ROLE}) is False
    assert db.session.scalar(text(member), {"role": APP_ROLE, "group": CROSS_ROLE}) is False
    functions = db.session.execute(
        text(
            "SELECT p.proname, l.lanname, p.provolatile, p.proparallel FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.proname IN ('samvirke_rls_scope', 'samvirke_rls_tenant', 'samvirke_rls_platform') ORDER BY 1"
        )
    ).all()
    # PL/pgSQL: planned once per connection, not at every call; PARALLEL RESTRICTED: they read
    # pg_backend_pid(), which a parallel worker would answer with its own.
    assert [tuple(f[1:]) for f in functions] == [("plpgsql", "s", "r")] * 3, functions


def _plan(sql: str, **params) -> str:
    return "\n".join(db.session.scalars(text("EXPLAIN " + sql), params))


def test_as_the_app_role_a_tenant_filter_plans_as_without_rls(app_ctx, lookalike_data, tenant_a):
    """The ORM's ``tenant_id = :t`` and the policy's InitPlan meet in one equivalence class:
    the policy becomes a one-time filter, the row estimate is the plain filter's."""
    sql = "SELECT id FROM example_households WHERE tenant_id = :t"
    with tenant_context(tenant_a):
        plan = _plan(sql, t=tenant_a)
    db.session.rollback()
    assert "One-Time Filter: ($0 = " in plan and "InitPlan" in plan, plan
    # The scan itself filters by the constant only: no row is compared with the policy's value.
    assert all("$0" not in line for line in plan.splitlines() if "One-Time Filter" not in line and "InitPlan" not in line), plan


def test_the_cross_tenant_roles_queries_carry_no_tenant_condition_and_may_run_in_parallel(app_ctx, lookalike_data):
    from core.tenancy.context import cross_tenant

    with cross_tenant("test: the national plan"):
        # Forced parallel wherever it is safe (PostgreSQL 16 renamed the setting), so the plan
        # answers "may it run in parallel?" whatever the table's statistics say of its size.
        force = "debug_parallel_query" if db.session.scalar(text("SHOW server_version_num")) >= "160000" else "force_parallel_mode"
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0", f"{force} = on"):
            db.session.execute(text(f"SET LOCAL {setting}"))
        plan = _plan("SELECT tenant_id, count(*) FROM example_households GROUP BY tenant_id")
    db.session.rollback()
    assert "samvirke_rls" not in plan and "InitPlan" not in plan, plan
    assert "Gather" in plan, plan  # a policy with a PARALLEL UNSAFE function would forbid it
