"""platform exports: the national view's files made in the background, for the person who asked only

``report_exports`` belongs to a tenant; the national view reads across tenants
and belongs to none, so its exports get a table of their own with the same
columns and no tenant (``core.reports.models.PlatformExport``). On PostgreSQL
the application's role reaches a row only in the signed platform scope and
only when it is the owner's, the user of the request's own session (found by
``app.session_id``, as 0014 finds one's own user): nobody else may list,
follow, download or write one, whatever the SQL. The cross-tenant role (the
export job, which has no session, and the purge) keeps every row.

Revision ID: 0016_platform_exports
Revises: 0015_tenant_demo
Create Date: 2026-12-01 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import CROSS_POLICY, CROSS_ROLE, POLICY, SCOPED_ROLE

revision = "0016_platform_exports"
down_revision = "0015_tenant_demo"
branch_labels = None
depends_on = None

TABLE = "platform_exports"
OWN = (
    "(SELECT samvirke_rls_platform()) AND owner_user_id = "
    "(SELECT s.user_id FROM user_sessions s WHERE s.id = current_setting('app.session_id', true))"
)


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.String(length=40), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("report_key", sa.String(length=120), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("disclose", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("mimetype", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name=op.f("fk_platform_exports_owner_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_exports")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_platform_exports_owner", ["owner_user_id", "created_at"], unique=False)
        batch_op.create_index("ix_platform_exports_expires_at", ["expires_at"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
    # One policy per command, as 0014's, all on the same condition: one's own row, in the platform scope.
    op.execute(f'CREATE POLICY {POLICY}_read ON "{TABLE}" FOR SELECT TO {SCOPED_ROLE} USING ({OWN})')
    op.execute(f'CREATE POLICY {POLICY}_insert ON "{TABLE}" FOR INSERT TO {SCOPED_ROLE} WITH CHECK ({OWN})')
    op.execute(f'CREATE POLICY {POLICY}_update ON "{TABLE}" FOR UPDATE TO {SCOPED_ROLE} USING ({OWN}) WITH CHECK ({OWN})')
    op.execute(f'CREATE POLICY {POLICY}_delete ON "{TABLE}" FOR DELETE TO {SCOPED_ROLE} USING ({OWN})')
    op.execute(f'CREATE POLICY {CROSS_POLICY} ON "{TABLE}" TO {CROSS_ROLE} USING (true) WITH CHECK (true)')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in (f"{POLICY}_read", f"{POLICY}_insert", f"{POLICY}_update", f"{POLICY}_delete", CROSS_POLICY):
            op.execute(f'DROP POLICY IF EXISTS {name} ON "{TABLE}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_platform_exports_expires_at")
        batch_op.drop_index("ix_platform_exports_owner")
    op.drop_table(TABLE)
