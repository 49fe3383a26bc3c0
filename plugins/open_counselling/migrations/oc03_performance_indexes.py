"""open counselling: indexes for a tenant's contacts and notifications by day, and a family's contacts

Each index leads with ``tenant_id``, which every query carries (the ORM's
filter and row-level security); the national report's year filter keeps the
index on ``day`` alone.

Revision ID: oc03_performance_indexes
Revises: oc02_one_closure_a_day
Create Date: 2026-12-10 12:00:00.000000
"""

from alembic import op

revision = "oc03_performance_indexes"
down_revision = "oc02_one_closure_a_day"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_open_counselling_contacts_tenant_day", "open_counselling_contacts", ["tenant_id", "day"]),
    ("ix_open_counselling_contacts_tenant_family", "open_counselling_contacts", ["tenant_id", "family_id"]),
    ("ix_open_counselling_notifications_tenant_day", "open_counselling_notifications", ["tenant_id", "day"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
