"""the database wall: signed tenant scope, a cross-tenant role, RLS on every tenant_id table

The policies trusted two settings the application role could set itself
(``app.tenant_id``, ``app.cross_tenant``), so one SQL injection could read any
tenant. Now (PostgreSQL; see core/tenancy/rls.py):

- a key in ``samvirke_private.rls_key`` (a schema the application role cannot
  use) and the SECURITY DEFINER functions ``samvirke_rls_tenant()`` and
  ``samvirke_rls_platform()``, which accept ``app.scope`` only when it carries
  the HMAC of its scope and the backend's process id under that key;
- every tenant policy is replaced by one that calls them, and every table
  gets a policy for the NOLOGIN role ``samvirke_cross_tenant`` (created here
  when missing), whose member login role does the cross-tenant work;
- ``user_sessions``, ``job_runs`` and ``tenant_programmes`` get RLS, enabled
  and forced; a session's identity columns can no longer be changed.

SQLite: nothing (no row-level security there).

Revision ID: 0009_database_wall
Revises: 0008_login_hardening
Create Date: 2026-12-08 12:00:00.000000
"""

import secrets

from alembic import op
from sqlalchemy import text

from core.tenancy.rls import (
    _LEGACY_CONDITION,
    CROSS_ROLE,
    POLICY,
    create_tenant_policies,
    disable_tenant_rls,
    drop_tenant_policies,
    enable_tenant_rls,
    key_rows,
)

revision = "0009_database_wall"
down_revision = "0008_login_hardening"
branch_labels = None
depends_on = None

NEW_RLS_TABLES = ("user_sessions", "job_runs", "tenant_programmes")

FUNCTIONS = """
CREATE FUNCTION samvirke_rls_scope() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT s.scope
  FROM (SELECT split_part(v, '.', 1) AS scope, split_part(v, '.', 2) AS mac
        FROM (SELECT coalesce(current_setting('app.scope', true), '') AS v) AS setting) AS s,
       samvirke_private.rls_key AS k
  WHERE (s.scope = 'platform' OR s.scope ~ '^[1-9][0-9]{0,8}$')
    AND s.mac = encode(sha256(k.opad || sha256(k.ipad || convert_to(
          'samvirke-rls:v1:' || s.scope || ':' || pg_backend_pid()::text, 'UTF8'))), 'hex')
$$;
CREATE FUNCTION samvirke_rls_tenant() RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN s ~ '^[0-9]+$' THEN s::integer END FROM (SELECT public.samvirke_rls_scope() AS s) AS scope
$$;
CREATE FUNCTION samvirke_rls_platform() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(public.samvirke_rls_scope() = 'platform', false)
$$;
"""

# Who a session is, and for which tenant, is fixed when it is opened.
SESSION_IDENTITY_TRIGGER = """
CREATE FUNCTION samvirke_session_identity_is_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.user_id IS DISTINCT FROM OLD.user_id
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id
     OR NEW.roles::jsonb IS DISTINCT FROM OLD.roles::jsonb THEN
    RAISE EXCEPTION 'a session''s identity (id, user, tenant, organisation, roles) cannot change';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER user_sessions_identity_is_fixed BEFORE UPDATE ON user_sessions
  FOR EACH ROW EXECUTE FUNCTION samvirke_session_identity_is_fixed();
"""


def _tables_with_tenant_policy():
    return (
        op.get_bind()
        .execute(
            text(
                "SELECT DISTINCT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND p.polname = :name "
                "ORDER BY c.relname"
            ),
            {"name": POLICY},
        )
        .scalars()
        .all()
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{CROSS_ROLE}') THEN "
        f"CREATE ROLE {CROSS_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$"
    )
    op.execute("CREATE SCHEMA samvirke_private")
    op.execute("REVOKE ALL ON SCHEMA samvirke_private FROM PUBLIC")
    op.execute(
        "CREATE TABLE samvirke_private.rls_key (id integer PRIMARY KEY CHECK (id = 1), "
        "key bytea NOT NULL, ipad bytea NOT NULL, opad bytea NOT NULL)"
    )
    op.get_bind().execute(
        text("INSERT INTO samvirke_private.rls_key (id, key, ipad, opad) VALUES (1, :key, :ipad, :opad)"),
        key_rows(secrets.token_bytes(32)),
    )
    op.execute("REVOKE ALL ON samvirke_private.rls_key FROM PUBLIC")
    # The cross-tenant role reads the key for the application, which signs with it.
    op.execute(f"GRANT USAGE ON SCHEMA samvirke_private TO {CROSS_ROLE}")
    op.execute(f"GRANT SELECT ON samvirke_private.rls_key TO {CROSS_ROLE}")
    op.execute(FUNCTIONS)  # executable by anyone: each returns only the caller's own verified scope
    for table in _tables_with_tenant_policy():
        drop_tenant_policies(op, table)
        create_tenant_policies(op, table)
    for table in NEW_RLS_TABLES:
        enable_tenant_rls(op, table)
    op.execute(SESSION_IDENTITY_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER user_sessions_identity_is_fixed ON user_sessions")
    op.execute("DROP FUNCTION samvirke_session_identity_is_fixed()")
    for table in NEW_RLS_TABLES:
        disable_tenant_rls(op, table)
    for table in _tables_with_tenant_policy():
        drop_tenant_policies(op, table)
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({_LEGACY_CONDITION}) WITH CHECK ({_LEGACY_CONDITION})')
    op.execute("DROP FUNCTION samvirke_rls_platform()")
    op.execute("DROP FUNCTION samvirke_rls_tenant()")
    op.execute("DROP FUNCTION samvirke_rls_scope()")
    op.execute("DROP SCHEMA samvirke_private CASCADE")
    # samvirke_cross_tenant stays: roles belong to the cluster, not to this database.
