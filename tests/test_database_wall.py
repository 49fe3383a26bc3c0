"""The database wall, probed as an attacker with SQL injection would: as ``samvirke_app``
with one tenant set, no SQL statement whatever returns (or changes) a row of another
tenant. Cross-tenant work runs as a role of its own that the app's role cannot become.
PostgreSQL only (SQLite has no row-level security), but for the configuration check.
"""

from __future__ import annotations

import hashlib
import os
import secrets

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.audit import record
from core.db import db
from core.identity.models import LoginFlow, User, UserSession
from core.jobs.models import JobRun
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.rls import set_rls_context
from core.testing.fixtures import APP_ROLE, CROSS_ROLE

pg_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")

BETA_SECRET = "id-token-hint-of-beta"


def _tables_with_tenant_id() -> list[str]:
    return list(
        db.session.scalars(
            text(
                "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id' AND NOT a.attisdropped "
                "ORDER BY c.relname"
            )
        )
    )


@pytest.fixture
def beta_everywhere(app, lookalike_data, tenant_a, tenant_b):
    """Rows of beta in the tables the probe found open: sessions (with an id-token hint),
    job runs, audit events, households; and a platform job run and audit event."""
    with app.app_context():
        with tenant_context(tenant_b):
            user = User(
                realm=f"tenant:{tenant_b}", issuer="https://idp.invalid", subject=f"beta-{secrets.token_hex(4)}", display_name="Beta"
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                LoginFlow(
                    id=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                    realm=f"tenant:{tenant_b}",
                    nonce="n",
                    code_verifier="v",
                    redirect_uri="https://beta.invalid/cb",
                )
            )
            db.session.add(
                UserSession(
                    id=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                    user_id=user.id,
                    tenant_id=tenant_b,
                    roles=["tenant_admin"],
                    id_token_hint=BETA_SECRET,
                )
            )
            db.session.add(JobRun(job_name="example.count_households", tenant_id=tenant_b, scope_key=f"tenant:{tenant_b}", kwargs={}))
            db.session.commit()
        db.session.add(JobRun(job_name="core.purge_audit", tenant_id=None, scope_key="platform", kwargs={}))
        db.session.commit()
        record("view", subject="wall-test:beta", tenant_id=tenant_b)
        record("login", subject="wall-test:platform")
        with cross_tenant("test: what beta has"):
            beta_rows = {
                table: db.session.scalar(text(f'SELECT count(*) FROM "{table}" WHERE tenant_id = :b'), {"b": tenant_b})
                for table in _tables_with_tenant_id()
            }
        db.session.rollback()
        db.session.remove()
    for table in ("user_sessions", "job_runs", "audit_events", "tenant_programmes", "example_households", "agreements"):
        assert beta_rows[table] > 0, table
    return beta_rows


def _others_seen(tenant_a: int) -> dict[str, int]:
    """Rows of any other tenant (or of none) each table returns right now, in this transaction."""
    seen = {}
    for table in _tables_with_tenant_id():
        if table == "tenant_programmes":
            continue  # the public directory (the front page lists it); writes are probed below
        seen[table] = db.session.scalar(text(f'SELECT count(*) FROM "{table}" WHERE tenant_id IS DISTINCT FROM :a'), {"a": tenant_a})
    # The log-in tables carry a realm, not a tenant: this tenant's and the platform's only.
    for table in ("users", "login_flows"):
        seen[table] = db.session.scalar(
            text(f"SELECT count(*) FROM {table} WHERE realm NOT IN ('platform', :realm)"), {"realm": f"tenant:{tenant_a}"}
        )
    secrets_seen = db.session.scalars(text("SELECT id_token_hint FROM user_sessions")).all()
    assert BETA_SECRET not in secrets_seen
    return {table: n for table, n in seen.items() if n}


ATTACKS = [
    "SELECT set_config('app.cross_tenant', 'on', true)",
    "SELECT set_config('app.cross_tenant', 'on', false)",
    "SELECT set_config('app.tenant_id', '{b}', true)",
    "SELECT set_config('app.scope', '{b}', true)",
    "SELECT set_config('app.scope', 'platform', true)",
    "SELECT set_config('app.scope', '{b}.' || repeat('0', 64), true)",
    "SELECT set_config('app.scope', '{b}.' || split_part(current_setting('app.scope'), '.', 2), true)",
    "SELECT set_config('app.scope', '', true)",
    "RESET ALL",
    "RESET ROLE",
    "SET row_security = off",
    "SELECT set_config('app.session_id', id, true) FROM user_sessions",
]


@pg_only
@pytest.mark.parametrize("attack", ATTACKS)
def test_as_the_app_role_no_setting_opens_another_tenants_rows(app_ctx, beta_everywhere, tenant_a, tenant_b, attack):
    with tenant_context(tenant_a):
        assert db.session.scalar(text("SELECT current_user")) == APP_ROLE
        assert _others_seen(tenant_a) == {}  # before the attack
        try:
            db.session.execute(text(attack.format(b=tenant_b)))
            seen = _others_seen(tenant_a)
        except DBAPIError as exc:  # row_security = off: every query a policy applies to is refused
            assert "row-level security" in str(exc.orig), str(exc.orig)
            db.session.rollback()
            return
        assert seen == {}


@pg_only
@pytest.mark.parametrize(
    "attack",
    [
        "SET ROLE samvirke_cross_tenant",
        f"SET ROLE {CROSS_ROLE}",
        f"SET SESSION AUTHORIZATION {CROSS_ROLE}",
        "SET ROLE postgres",
        "SELECT key FROM samvirke_private.rls_key",
        "ALTER TABLE example_households DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE user_sessions NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON example_households",
        "CREATE POLICY open ON example_households USING (true)",
        "CREATE TEMPORARY TABLE captured (v text)",
        "CREATE TEMPORARY VIEW example_households AS SELECT 1",
        "CREATE TABLE public.captured (v text)",
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "GRANT samvirke_cross_tenant TO samvirke_app",
    ],
)
@pg_only
def test_as_the_app_role_no_role_switch_or_schema_change_is_allowed(app_ctx, tenant_a, attack):
    with tenant_context(tenant_a), pytest.raises(DBAPIError) as refused:
        db.session.execute(text(attack))
    assert any(word in str(refused.value.orig) for word in ("permission denied", "must be owner", "must have admin option")), str(
        refused.value.orig
    )
    db.session.rollback()


@pg_only
def test_a_signed_scope_seen_on_one_connection_is_worthless_on_another(app, app_ctx, beta_everywhere, tenant_a, tenant_b):
    with db.engine.connect() as other:  # a pooled connection serving beta right now
        set_rls_context(other, tenant_b)
        beta_token = other.execute(text("SELECT current_setting('app.scope')")).scalar()
        assert other.execute(text("SELECT count(*) FROM user_sessions WHERE tenant_id IS NOT NULL")).scalar() == 0
        assert other.execute(text("SELECT samvirke_rls_tenant()")).scalar() == tenant_b
        with tenant_context(tenant_a):
            db.session.execute(text("SELECT set_config('app.scope', :t, true)"), {"t": beta_token})
            assert db.session.scalar(text("SELECT samvirke_rls_tenant()")) is None
            assert _others_seen(tenant_a) == {}
        other.rollback()


@pg_only
def test_as_the_app_role_no_write_reaches_another_tenant(app_ctx, beta_everywhere, tenant_a, tenant_b):
    with cross_tenant("test: a user to name"):
        user_id = db.session.scalar(select(User.id).limit(1))
    refused = [
        "INSERT INTO example_households (tenant_id, name, counted) VALUES ({b}, 'x', 0)",
        "INSERT INTO tenant_programmes (tenant_id, programme_key, settings) VALUES ({b}, 'intruder', '{{}}')",
        (
            "INSERT INTO job_runs (job_name, tenant_id, scope_key, kwargs, status, attempts, enqueued_at) "
            "VALUES ('x', {b}, 'tenant:{b}', '{{}}', 'queued', 0, now())"
        ),
        (
            "INSERT INTO job_runs (job_name, tenant_id, scope_key, kwargs, status, attempts, enqueued_at) "
            "VALUES ('x', NULL, 'platform', '{{}}', 'queued', 0, now())"
        ),
        # A session is a key to the kingdom: none for another tenant, none for the platform.
        (
            "INSERT INTO user_sessions (id, user_id, tenant_id, roles, created_at, last_seen_at) "
            "VALUES (md5(random()::text), {u}, {b}, '[\"tenant_admin\"]', now(), now())"
        ),
        (
            "INSERT INTO user_sessions (id, user_id, tenant_id, roles, created_at, last_seen_at) "
            "VALUES (md5(random()::text), {u}, NULL, '[\"platform_admin\"]', now(), now())"
        ),
    ]
    for statement in refused:
        with tenant_context(tenant_a), pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(text(statement.format(b=tenant_b, u=user_id)))
        db.session.rollback()
    with tenant_context(tenant_a):
        for statement in (
            "UPDATE tenant_programmes SET settings = '{{\"retention_days\": 1}}' WHERE tenant_id = {b}",
            "DELETE FROM tenant_programmes WHERE tenant_id = {b}",
            "UPDATE example_households SET name = 'x' WHERE tenant_id = {b}",
            "DELETE FROM example_members WHERE tenant_id = {b}",
            "DELETE FROM user_sessions",
            "UPDATE user_sessions SET tenant_id = {a}",
            "DELETE FROM job_runs",
        ):
            assert db.session.execute(text(statement.format(a=tenant_a, b=tenant_b))).rowcount == 0, statement
        db.session.commit()
    with cross_tenant("test: beta is untouched"):
        for table, count in beta_everywhere.items():
            assert db.session.scalar(text(f'SELECT count(*) FROM "{table}" WHERE tenant_id = :b'), {"b": tenant_b}) == count, table


@pg_only
def test_a_sessions_identity_cannot_change(app_ctx, beta_everywhere, tenant_a, tenant_b):
    """Not even for the cross-tenant role: tenant, user, roles and organisation are fixed at log-in."""
    with cross_tenant("test: move a session"), pytest.raises(DBAPIError, match="identity"):
        db.session.execute(text("UPDATE user_sessions SET tenant_id = :a WHERE tenant_id = :b"), {"a": tenant_a, "b": tenant_b})
    db.session.rollback()
    with cross_tenant("test: raise a session's roles"), pytest.raises(DBAPIError, match="identity"):
        db.session.execute(text("""UPDATE user_sessions SET roles = '["platform_admin"]' WHERE tenant_id = :b"""), {"b": tenant_b})
    db.session.rollback()


@pg_only
def test_cross_tenant_work_runs_as_its_own_role_and_sees_every_tenant(app_ctx, beta_everywhere, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        assert db.session.scalar(text("SELECT current_user")) == APP_ROLE
    with cross_tenant("test: national count"):
        assert db.session.scalar(text("SELECT current_user")) == CROSS_ROLE
        tenants = db.session.scalars(text("SELECT DISTINCT tenant_id FROM example_households ORDER BY 1")).all()
        assert tenants == sorted([tenant_a, tenant_b])
    assert (
        db.session.scalar(
            text("SELECT pg_has_role(:app, 'samvirke_cross_tenant', 'MEMBER') OR pg_has_role(:app, :cross, 'MEMBER')"),
            {"app": APP_ROLE, "cross": CROSS_ROLE},
        )
        is False
    )
    db.session.rollback()


@pg_only
def test_the_application_role_sees_its_own_session_before_any_tenant(app, client_for, tenant_a):
    """The log-in finds its session with no tenant in context (a platform page), by its key alone."""
    client = client_for("alpha", "municipal_staff")
    response = client.get("/national/")  # not a tenant URL; a municipal member may not see it
    assert response.status_code in (403, 404)
    assert b"/auth/login" not in response.data  # signed in: refused, not sent to log in


def test_production_with_its_own_app_role_needs_the_cross_tenant_role(monkeypatch):
    from config import ConfigurationError, ProductionConfig
    from tests.test_config import GOOD

    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgresql+psycopg://samvirke:p@db/samvirke")
    monkeypatch.delenv("CROSS_TENANT_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="CROSS_TENANT_DATABASE_URL"):
        ProductionConfig.validate()
    monkeypatch.setenv("CROSS_TENANT_DATABASE_URL", "postgresql+psycopg://samvirke_cross:q@db/samvirke")
    ProductionConfig.validate()
    assert ProductionConfig().CROSS_TENANT_DATABASE_URL.startswith("postgresql+psycopg://samvirke_cross:")


@pg_only
def test_becoming_the_scoped_group_itself_opens_nothing(app_ctx, beta_everywhere, tenant_a):
    """The app's role is a member of samvirke_scoped (the tenant policies bind it); as that group it may read no table at all."""
    with tenant_context(tenant_a):
        db.session.execute(text("SET LOCAL ROLE samvirke_scoped"))
        with pytest.raises(DBAPIError, match="permission denied"):
            db.session.execute(text("SELECT count(*) FROM example_households"))
    db.session.rollback()
