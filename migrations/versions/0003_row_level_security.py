"""Row-level security on tenant tables; the audit trail made append-only

Revision ID: 0003_rls
Revises: 0002_identity
Create Date: 2026-11-23

PostgreSQL: RLS enabled and forced with the tenant policy on every tenant
table of core, and a SECURITY DEFINER function through which retention
deletes old audit rows (the application role itself may not delete them;
the grants are applied by `samvirke db upgrade`, see core/migrations.py).
SQLite: triggers refuse UPDATE of audit rows and DELETE of rows younger
than six months.
"""

from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0003_rls"
down_revision = "0002_identity"
branch_labels = None
depends_on = None

TENANT_TABLES = ("api_clients", "api_tokens", "audit_events")

PURGE_FUNCTION = """
CREATE FUNCTION samvirke_purge_audit_events(cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  removed integer;
BEGIN
  IF cutoff > now() - interval '183 days' THEN
    RAISE EXCEPTION 'audit rows younger than six months cannot be deleted';
  END IF;
  DELETE FROM audit_events WHERE at < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$
"""


def upgrade():
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PURGE_FUNCTION)
        op.execute("REVOKE ALL ON FUNCTION samvirke_purge_audit_events(timestamptz) FROM PUBLIC")
    else:
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_events_keep_six_months BEFORE DELETE ON audit_events "
            "WHEN old.at > datetime('now', '-183 days') "
            "BEGIN SELECT RAISE(ABORT, 'audit rows younger than six months cannot be deleted'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS samvirke_purge_audit_events(timestamptz)")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_keep_six_months")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only")
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
