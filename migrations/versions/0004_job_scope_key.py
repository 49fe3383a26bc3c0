"""job runs: unique per scope key, so platform jobs are idempotent too

Revision ID: 0004_job_scope
Revises: 0003_rls
Create Date: 2026-11-23 04:40:11.157361
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_job_scope"
down_revision = "0003_rls"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_key", sa.String(length=30), nullable=True))
    # Existing runs: their tenant, or the platform.
    op.execute(
        "UPDATE job_runs SET scope_key = CASE WHEN tenant_id IS NULL THEN 'platform' ELSE 'tenant:' || CAST(tenant_id AS VARCHAR(20)) END"
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.alter_column("scope_key", existing_type=sa.String(length=30), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_job_runs_job_name_tenant_id_run_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_job_runs_job_name_scope_key_run_key"), ["job_name", "scope_key", "run_key"])


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_job_runs_job_name_scope_key_run_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_job_runs_job_name_tenant_id_run_key"), ["job_name", "tenant_id", "run_key"])
        batch_op.drop_column("scope_key")
