"""row-level security by realm on the log-in tables: a tenant's users and log-in flows are its own

``users`` and ``login_flows`` carry no ``tenant_id`` but a realm (``tenant:<id>``
or ``platform``), so 0009 left them open: as the application's role any
tenant's request could read every municipality's users. Now (PostgreSQL) the
application's role reads, in a tenant's scope, that tenant's realm and the
platform's (national coordinators and platform administrators act in tenants),
and in the platform scope the platform's; the user of its own session (found by
``app.session_id``, as ``user_sessions`` is) in any scope, so a log-out on a
platform URL still finds who is leaving. It writes only rows of its scope's realm.
The cross-tenant role (platform jobs: the purge) keeps everything.

Revision ID: 0014_realm_policies
Revises: 0013_notices
Create Date: 2026-12-01 16:00:00.000000
"""

from alembic import op

from core.tenancy.rls import CROSS_POLICY, CROSS_ROLE, POLICY, SCOPED_ROLE

revision = "0014_realm_policies"
down_revision = "0013_notices"
branch_labels = None
depends_on = None

TABLES = ("users", "login_flows")
# The realm of the request's scope: its tenant's, or the platform's; NULL (nothing) without a valid scope.
SCOPE_REALM = "coalesce('tenant:' || (SELECT samvirke_rls_tenant()), CASE WHEN (SELECT samvirke_rls_platform()) THEN 'platform' END)"
READABLE = f"realm = {SCOPE_REALM} OR realm = 'platform'"
OWN_USER = "id = (SELECT s.user_id FROM user_sessions s WHERE s.id = current_setting('app.session_id', true))"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        readable = f"{READABLE} OR {OWN_USER}" if table == "users" else READABLE
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY}_read ON "{table}" FOR SELECT TO {SCOPED_ROLE} USING ({readable})')
        op.execute(f'CREATE POLICY {POLICY}_insert ON "{table}" FOR INSERT TO {SCOPED_ROLE} WITH CHECK (realm = {SCOPE_REALM})')
        op.execute(
            f'CREATE POLICY {POLICY}_update ON "{table}" FOR UPDATE TO {SCOPED_ROLE} USING ({readable}) WITH CHECK (realm = {SCOPE_REALM})'
        )
        op.execute(f'CREATE POLICY {POLICY}_delete ON "{table}" FOR DELETE TO {SCOPED_ROLE} USING (realm = {SCOPE_REALM})')
        op.execute(f'CREATE POLICY {CROSS_POLICY} ON "{table}" TO {CROSS_ROLE} USING (true) WITH CHECK (true)')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for name in (f"{POLICY}_read", f"{POLICY}_insert", f"{POLICY}_update", f"{POLICY}_delete", CROSS_POLICY):
            op.execute(f'DROP POLICY IF EXISTS {name} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
