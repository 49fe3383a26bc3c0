"""mother groups: indexes for a course's sessions, a tenant's sessions by date, a mother's enrolments and attendance

Composite foreign keys are not indexed by themselves: the course page read
its sessions, and a mother's page her enrolments and attendance, by scanning
the tenant's rows. Each index leads with ``tenant_id``, which every query
carries (the ORM's filter and row-level security).

Revision ID: mg02_performance_indexes
Revises: mg01
Create Date: 2026-12-10 12:00:00.000000
"""

from alembic import op

revision = "mg02_performance_indexes"
down_revision = "mg01"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_mother_groups_sessions_tenant_course_date", "mother_groups_sessions", ["tenant_id", "course_id", "date"]),
    ("ix_mother_groups_sessions_tenant_date", "mother_groups_sessions", ["tenant_id", "date"]),
    ("ix_mother_groups_enrolments_tenant_mother", "mother_groups_enrolments", ["tenant_id", "mother_id"]),
    ("ix_mother_groups_attendance_tenant_enrolment", "mother_groups_attendance", ["tenant_id", "enrolment_id"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
