"""tenants.demo: a demo tenant, from its tenant file, labelled as such in the UI

Revision ID: 0015_tenant_demo
Revises: 0014_realm_policies
Create Date: 2026-12-01 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_tenant_demo"
down_revision = "0014_realm_policies"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        # Existing tenants are not demo tenants until the next `samvirke tenants sync` says so.
        batch_op.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("demo")
