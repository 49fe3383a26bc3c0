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
    """Core first, then each plugin's branch, in registration order."""
    found = [m for _, m in plugin_host(app).call_each("samvirke_migrations")]
    return sorted(found, key=lambda m: m.branch != CORE_BRANCH)


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
    return done


def plugin_table_prefixes() -> dict[str, str]:
    """Table prefix -> branch, for autogenerate to keep each lineage to its own tables."""
    return {f"{m.branch}_": m.branch for m in lineages() if m.branch != CORE_BRANCH}
