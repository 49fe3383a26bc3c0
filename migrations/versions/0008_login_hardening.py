"""login hardening: users keyed by (realm, issuer, subject); log-in flows kept on the server

A user was (issuer, subject), so a tenant whose provider named another
tenant's or the platform's issuer reached that tenant's or the platform's
users. Now the realm (``tenant:<id>`` or ``platform``) is part of the key.
Existing users get the realm of their sessions (the platform when they have
none in a tenant).

``login_flows`` holds the state, nonce and PKCE verifier of each log-in in
progress, deleted when the callback uses it.

Revision ID: 0008_login_hardening
Revises: 0007_partnerships
Create Date: 2026-12-08 10:12:00.000000
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0008_login_hardening"
down_revision = "0007_partnerships"
branch_labels = None
depends_on = None


@contextmanager
def _users_rebuilt():
    """SQLite rebuilds the users table to change its key; its sessions wait aside meanwhile.

    (Dropping a table that rows refer to fails with foreign keys on, and the
    pragma cannot be switched off inside the migration's transaction.)
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE _sessions_aside AS SELECT * FROM user_sessions")
        op.execute("DELETE FROM user_sessions")
    yield
    if sqlite:
        op.execute("INSERT INTO user_sessions SELECT * FROM _sessions_aside")
        op.execute("DROP TABLE _sessions_aside")


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("realm", sa.String(length=30), nullable=True))
    op.execute(
        "UPDATE users SET realm = COALESCE("
        "(SELECT 'tenant:' || CAST(MIN(s.tenant_id) AS VARCHAR(20)) FROM user_sessions s"
        " WHERE s.user_id = users.id AND s.tenant_id IS NOT NULL), 'platform')"
    )
    with _users_rebuilt(), op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("realm", existing_type=sa.String(length=30), nullable=False)
        batch_op.drop_constraint("uq_users_issuer_subject", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_users_realm_issuer_subject"), ["realm", "issuer", "subject"])

    op.create_table(
        "login_flows",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("realm", sa.String(length=30), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_flows")),
    )
    with op.batch_alter_table("login_flows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_flows_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_flows_created_at"))
    op.drop_table("login_flows")
    # Users of several realms with one (issuer, subject) cannot go back to one key;
    # keep the oldest of each and move its sessions there.
    op.execute(
        "UPDATE user_sessions SET user_id = (SELECT MIN(u2.id) FROM users u1 JOIN users u2"
        " ON u2.issuer = u1.issuer AND u2.subject = u1.subject WHERE u1.id = user_sessions.user_id)"
    )
    op.execute("DELETE FROM users WHERE id NOT IN (SELECT MIN(id) FROM users GROUP BY issuer, subject)")
    with _users_rebuilt(), op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_realm_issuer_subject", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_users_issuer_subject"), ["issuer", "subject"])
        batch_op.drop_column("realm")
