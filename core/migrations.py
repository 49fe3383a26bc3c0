"""Alembic through Flask-Migrate: core's history plus one branch per plugin.

Core's revisions live in ``migrations/versions`` on the branch ``core``; each
plugin keeps its revisions in its own folder on a branch named after its
programme key (``samvirke_migrations`` hook), all in one version table.
A plugin's first revision ``depends_on`` the core revision it needs, so a
plugin can be added to a running installation and migrated on its own.
Core never refers to plugin tables.
"""
from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import Migrate

from core.db import db
from core.plugins.host import plugin_host
from core.plugins.types import Migrations

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"
CORE_BRANCH = "core"

migrate = Migrate()


def lineages(app: Flask | None = None) -> list[Migrations]:
    """Core first, then each plugin branch by name."""
    found = [m for _, m in plugin_host(app).call_each("samvirke_migrations")]
    return sorted(found, key=lambda m: (m.branch != CORE_BRANCH, m.branch))


def init_migrations(app: Flask) -> None:
    # Raw Flask-Migrate commands stay available as `samvirke alembic ...`;
    # `samvirke db ...` is ours (it knows about plugin branches).
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), command="alembic", render_as_batch=True, compare_type=True)

    @migrate.configure
    def _add_plugin_locations(config: Config) -> Config:
        locations = [str(m.path) for m in lineages(current_app)]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join(locations))
        return config


def alembic_config() -> Config:
    """The Alembic config Flask-Migrate would use (inside an app context)."""
    return current_app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def upgrade_all() -> list[str]:
    """Upgrade core, then every plugin branch, to its head; returns the branches."""
    from flask_migrate import upgrade

    done = []
    for lineage in lineages():
        upgrade(directory=str(MIGRATIONS_DIR), revision=f"{lineage.branch}@head")
        done.append(lineage.branch)
    grant_app_role()
    return done


def grant_app_role() -> str | None:
    """Give the application's role what it may do, and no more (PostgreSQL).

    It may read and write tables (row-level security still binds it), may
    only insert into the audit trail, and may purge it only through the
    retention function. Returns the role name, or None when there is no
    separate owner (SQLite, or one URL for both).
    """
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not owner_url or db.engine.dialect.name != "postgresql":
        return None
    app_role = db.engine.url.username
    if not app_role or app_role == make_url(owner_url).username:
        return None
    role = '"' + app_role.replace('"', '""') + '"'
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
            f"GRANT EXECUTE ON FUNCTION samvirke_purge_audit_events(timestamptz) TO {role}",
        ):
            connection.execute(text(statement))
    engine.dispose()
    return app_role


def plugin_table_prefixes() -> dict[str, str]:
    """Table prefix -> branch, for autogenerate to keep each lineage to its own tables."""
    return {f"{m.branch}_": m.branch for m in lineages() if m.branch != CORE_BRANCH}
