"""report exports: files made in the background for the person who asked, until they expire

``report_exports`` is tenant data with row-level security like every tenant
table; the views read a row only for its owner. The file is kept in the row
and deleted with it by the purge job once ``expires_at`` has passed.

Revision ID: 0012_report_exports
Revises: 0011_billing
Create Date: 2026-12-14 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0012_report_exports"
down_revision = "0011_billing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_exports",
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name=op.f("fk_report_exports_owner_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_report_exports_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_exports")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_report_exports_tenant_id_id")),
    )
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.create_index("ix_report_exports_owner", ["tenant_id", "owner_user_id", "created_at"], unique=False)
        batch_op.create_index("ix_report_exports_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_exports_tenant_id"), ["tenant_id"], unique=False)
    enable_tenant_rls(op, "report_exports")


def downgrade():
    disable_tenant_rls(op, "report_exports")
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_exports_tenant_id"))
        batch_op.drop_index("ix_report_exports_expires_at")
        batch_op.drop_index("ix_report_exports_owner")
    op.drop_table("report_exports")
