"""open counselling: one closure an office and day, kept by the database

The pages and the API checked for an existing closure before inserting, which
two concurrent submissions both pass. Duplicates already there are removed
first (the oldest of each office and day is kept).

Revision ID: oc02_one_closure_a_day
Revises: oc01
Create Date: 2026-12-01 12:00:00.000000
"""

from alembic import op

revision = "oc02_one_closure_a_day"
down_revision = "oc01"
branch_labels = None
depends_on = None

TABLE = "open_counselling_closures"
NAME = "uq_open_counselling_closures_office_day"


def upgrade():
    op.execute(
        f"DELETE FROM {TABLE} WHERE id IN (SELECT c.id FROM {TABLE} c JOIN {TABLE} older"
        " ON older.tenant_id = c.tenant_id AND older.office_id = c.office_id AND older.day = c.day AND older.id < c.id)"
    )
    with op.batch_alter_table(TABLE) as batch:
        batch.create_unique_constraint(NAME, ["tenant_id", "office_id", "day"])


def downgrade():
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(NAME, type_="unique")
