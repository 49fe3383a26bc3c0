"""row-level security per role, planned like a plain tenant filter

0009's tenant policies applied to PUBLIC, the cross-tenant role included, and
their functions were SQL functions planned afresh at every call (~0.15 ms
each, once per table in every statement) and PARALLEL UNSAFE, so no query
that touched a policed table, national aggregates included, could run in
parallel. Now (PostgreSQL; see core/tenancy/rls.py):

- a NOLOGIN group ``samvirke_scoped``; every tenant policy is ``TO`` it (the
  application's role is made a member by ``samvirke db upgrade``), the
  cross-tenant policy stays ``TO samvirke_cross_tenant``: each role's queries
  carry only their own condition;
- ``samvirke_rls_scope()``, ``samvirke_rls_tenant()`` and
  ``samvirke_rls_platform()`` are PL/pgSQL (their plans are cached per
  connection: ~10 µs a call), STABLE and PARALLEL RESTRICTED (they read
  ``pg_backend_pid()``, which differs in a parallel worker). Same signatures,
  same checks: the policies keep calling them as ``(SELECT f())``, an InitPlan
  evaluated once per statement.

Indexes for the big tables are in the plugins' own revisions (mg02, oc03).

Both dialects: ``directory_version``, one row whose counter every write to
the tenants, their programmes, organisations and agreements raises, so a
process can keep that directory in memory and know when it is stale
(core/tenancy/directory.py).

Revision ID: 0010_rls_per_role
Revises: 0009_database_wall
Create Date: 2026-12-10 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

from core.tenancy.rls import POLICY, SCOPED_ROLE, create_tenant_policies, drop_tenant_policies

revision = "0010_rls_per_role"
down_revision = "0009_database_wall"
branch_labels = None
depends_on = None

# The checks of 0009's functions, unchanged, in PL/pgSQL.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION samvirke_rls_scope() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  setting text := coalesce(current_setting('app.scope', true), '');
  scope text := split_part(setting, '.', 1);
  k record;
BEGIN
  IF NOT (scope = 'platform' OR scope ~ '^[1-9][0-9]{0,8}$') THEN
    RETURN NULL;
  END IF;
  SELECT ipad, opad INTO k FROM samvirke_private.rls_key;
  IF split_part(setting, '.', 2) = encode(sha256(k.opad || sha256(k.ipad || convert_to(
       'samvirke-rls:v1:' || scope || ':' || pg_backend_pid()::text, 'UTF8'))), 'hex') THEN
    RETURN scope;
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION samvirke_rls_tenant() RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  scope text := public.samvirke_rls_scope();
BEGIN
  RETURN CASE WHEN scope ~ '^[0-9]+$' THEN scope::integer END;
END $$;
CREATE OR REPLACE FUNCTION samvirke_rls_platform() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN coalesce(public.samvirke_rls_scope() = 'platform', false);
END $$;
"""

# 0009's, for the downgrade.
SQL_FUNCTIONS = """
CREATE OR REPLACE FUNCTION samvirke_rls_scope() RETURNS text
LANGUAGE sql STABLE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT s.scope
  FROM (SELECT split_part(v, '.', 1) AS scope, split_part(v, '.', 2) AS mac
        FROM (SELECT coalesce(current_setting('app.scope', true), '') AS v) AS setting) AS s,
       samvirke_private.rls_key AS k
  WHERE (s.scope = 'platform' OR s.scope ~ '^[1-9][0-9]{0,8}$')
    AND s.mac = encode(sha256(k.opad || sha256(k.ipad || convert_to(
          'samvirke-rls:v1:' || s.scope || ':' || pg_backend_pid()::text, 'UTF8'))), 'hex')
$$;
CREATE OR REPLACE FUNCTION samvirke_rls_tenant() RETURNS integer
LANGUAGE sql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN s ~ '^[0-9]+$' THEN s::integer END FROM (SELECT public.samvirke_rls_scope() AS s) AS scope
$$;
CREATE OR REPLACE FUNCTION samvirke_rls_platform() RETURNS boolean
LANGUAGE sql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(public.samvirke_rls_scope() = 'platform', false)
$$;
"""


def _policed_tables() -> list[str]:
    return list(
        op.get_bind()
        .execute(
            text(
                "SELECT DISTINCT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND (p.polname = :name OR p.polname LIKE :prefix) ORDER BY c.relname"
            ),
            {"name": POLICY, "prefix": f"{POLICY}\\_%"},
        )
        .scalars()
    )


def upgrade():
    op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_version")),
    )
    op.execute("INSERT INTO directory_version (id, version, changed_at) VALUES (1, 1, CURRENT_TIMESTAMP)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SCOPED_ROLE}') THEN "
        f"CREATE ROLE {SCOPED_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$"
    )
    # Where one role is owner and application (no MIGRATION_DATABASE_URL), the
    # tenant policies must still bind it, as 0009's PUBLIC ones did; a
    # superuser bypasses row-level security whatever it is a member of.
    op.execute(
        f"DO $$ BEGIN IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN "
        f"EXECUTE format('GRANT {SCOPED_ROLE} TO %I', current_user); END IF; END $$"
    )
    op.execute(FUNCTIONS)
    for table in _policed_tables():
        drop_tenant_policies(op, table)
        create_tenant_policies(op, table)


def downgrade():
    op.drop_table("directory_version")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SQL_FUNCTIONS)
    tables = _policed_tables()
    for table in tables:
        for (name,) in op.get_bind().execute(
            text("SELECT polname FROM pg_policy WHERE polrelid = to_regclass(:t) AND polname LIKE :prefix"),
            {"t": f'"{table}"', "prefix": f"{POLICY}%"},
        ):
            op.execute(f'ALTER POLICY "{name}" ON "{table}" TO PUBLIC')
    # samvirke_scoped stays: roles belong to the cluster, not to this database.
