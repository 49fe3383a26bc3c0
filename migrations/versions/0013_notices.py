"""notices: e-mail notices, the people they can go to, and each person's choice of kinds

``notice_recipients`` (a person of the tenant as of their latest log-in there,
with the e-mail address they chose), ``notice_preferences`` (per person per
kind; no row means yes) and ``notices`` (one per recipient, kind and subject
key: UNIQUE, so a job that runs twice makes each once). All tenant data with
forced row-level security.

Revision ID: 0013_notices
Revises: 0012_report_exports
Create Date: 2026-12-15 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0013_notices"
down_revision = "0012_report_exports"
branch_labels = None
depends_on = None

TABLES = ("notice_recipients", "notice_preferences", "notices")


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id")),
    ]


def upgrade():
    op.create_table(
        "notice_recipients",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notice_recipients_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_notice_recipients_organisation_id_organisations")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_notice_recipients_tenant_id_user_id")),
        *_tenant_columns("notice_recipients"),
    )
    op.create_table(
        "notice_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notice_preferences_user_id_users"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "user_id", "kind", name=op.f("uq_notice_preferences_tenant_id_user_id_kind")),
        *_tenant_columns("notice_preferences"),
    )
    op.create_table(
        "notices",
        sa.Column("recipient_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_key", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["recipient_user_id"], ["users.id"], name=op.f("fk_notices_recipient_user_id_users"), ondelete="CASCADE"),
        sa.UniqueConstraint(
            "tenant_id", "recipient_user_id", "kind", "subject_key", name=op.f("uq_notices_tenant_id_recipient_user_id_kind_subject_key")
        ),
        *_tenant_columns("notices"),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index("ix_notices_recipient", ["tenant_id", "recipient_user_id", "created_at"], unique=False)
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_recipient")
        batch_op.drop_index("ix_notices_status")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
        op.drop_table(table)
