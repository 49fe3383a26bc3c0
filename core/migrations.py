"""Alembic through Flask-Migrate: core's history plus one branch per plugin.

Core's revisions live in ``migrations/versions`` on the branch ``core``; each
plugin keeps its revisions in its own folder on a branch named after its
programme key (``samvirke_migrations`` hook), all in one version table.
A plugin's first revision ``depends_on`` the core revision it needs, so a
plugin can be added to a running installation and migrated on its own.
Core never refers to plugin tables.

Alembic and Flask-Migrate are imported when a migration command needs them,
never by the app a web worker serves: with Mako and Pygments they are about
10 MB of every worker's memory that no request uses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app, g
from flask.cli import ScriptInfo, with_appcontext

from core.db import db
from core.plugins.host import plugin_host
from core.plugins.types import Migrations

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"
CORE_BRANCH = "core"
# Raw Flask-Migrate commands stay available as `samvirke alembic ...`; `samvirke db ...` is ours
# (it knows about plugin branches).
RAW_COMMANDS = "alembic"


def lineages(app: Flask | None = None) -> list[Migrations]:
    """Core first, then each plugin branch by name."""
    host = plugin_host(app)
    found = [m for _, m in host.call_each("samvirke_migrations")]
    # By convention: a programme package's migrations/ folder, unless its hook named it already.
    named = {m.path.resolve() for m in found}
    for package in host.packages():
        conventional = package.migrations()
        if conventional is not None and conventional.path.resolve() not in named:
            found.append(conventional)
    return sorted(found, key=lambda m: (m.branch != CORE_BRANCH, m.branch))


class _RawCommands(click.Group):
    """`samvirke alembic ...`: Flask-Migrate's own commands, imported when the group is used.

    Its two options are those of Flask-Migrate's group (``flask_migrate.cli.db``),
    which its commands read from ``g``; click parses them before a command is found.
    """

    def __init__(self) -> None:
        super().__init__(
            RAW_COMMANDS,
            help="Flask-Migrate's own commands (Alembic), without plugin branches.",
            params=[
                click.Option(["-d", "--directory"], default=None, help='Migration script directory (default is "migrations")'),
                click.Option(["-x", "--x-arg"], multiple=True, help="Additional arguments consumed by custom env.py scripts"),
            ],
            callback=with_appcontext(self._options),
        )

    @staticmethod
    def _options(directory: str | None, x_arg: tuple[str, ...]) -> None:
        g.directory, g.x_arg = directory, x_arg  # Migrate.get_config() reads them there

    def _commands(self, ctx: click.Context) -> click.Group:
        ready(ctx.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands  # type: ignore[import-not-found]  # types-Flask-Migrate has no cli

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands(ctx).get_command(ctx, cmd_name)


def init_migrations(app: Flask) -> None:
    app.cli.add_command(_RawCommands())


def ready(app: Flask | None = None) -> Any:
    """Flask-Migrate on ``app`` (default: the current one), set up at its first use; returns the extension."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        migrate = Migrate(app, db, directory=str(MIGRATIONS_DIR), command=RAW_COMMANDS, render_as_batch=True, compare_type=True)

        # types-Flask-Migrate declares its Config apart from alembic's; at run time it is a subclass.
        @migrate.configure  # type: ignore[arg-type]
        def _add_plugin_locations(config: Config) -> Config:
            locations = [str(m.path) for m in lineages(current_app)]
            config.set_main_option("path_separator", "os")
            config.set_main_option("version_locations", os.pathsep.join(locations))
            return config

    return app.extensions["migrate"]


def alembic_config() -> Config:
    """The Alembic config Flask-Migrate would use (inside an app context)."""
    return ready().migrate.get_config(str(MIGRATIONS_DIR))


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def upgrade(revision: str) -> None:
    """Flask-Migrate's upgrade of this project's migrations to ``revision`` (e.g. ``example@head``)."""
    from flask_migrate import upgrade as flask_migrate_upgrade

    ready()
    flask_migrate_upgrade(directory=str(MIGRATIONS_DIR), revision=revision)


def upgrade_all() -> list[str]:
    """Upgrade core, then every plugin branch, to its head; returns the branches."""
    done = []
    for lineage in lineages():
        upgrade(f"{lineage.branch}@head")
        done.append(lineage.branch)
    grant_app_role()
    return done


def grant_app_role() -> str | None:
    """Give the application's roles what they may do, and no more (PostgreSQL).

    The app's role may read and write tables (row-level security still binds
    it), may only insert into the audit trail, and may purge it only through
    the retention function. The same goes for ``samvirke_cross_tenant``, the
    group the cross-tenant policies admit; the login role of
    ``CROSS_TENANT_DATABASE_URL`` is created when missing and made its only
    member here (the app's role never is). Nobody but the owner may create
    temporary objects or anything in ``public``, so no role can leave
    something behind on a pooled connection. Returns the app's role name, or
    None when there is no separate owner (SQLite, or one URL for both).
    """
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    from core.tenancy.rls import CROSS_ROLE, SCOPED_ROLE

    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not owner_url or db.engine.dialect.name != "postgresql":
        return None
    app_role = db.engine.url.username
    owner_role = make_url(owner_url).username
    if not app_role or app_role == owner_role:
        return None
    cross_url = current_app.config.get("CROSS_TENANT_DATABASE_URL")
    cross = make_url(cross_url) if cross_url else None
    cross_role = cross.username if cross is not None else None
    if cross is not None and (cross_role is None or cross_role in (app_role, owner_role)):
        raise RuntimeError("CROSS_TENANT_DATABASE_URL must name a role of its own, not the app's or the owner's")

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$"))
        connection.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        for role in (quoted(app_role), CROSS_ROLE):
            for statement in (
                f"GRANT USAGE ON SCHEMA public TO {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
                f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
                f"GRANT EXECUTE ON FUNCTION samvirke_purge_audit_events(timestamptz) TO {role}",
            ):
                connection.execute(text(statement))
        connection.execute(text(f"REVOKE {CROSS_ROLE} FROM {quoted(app_role)}"))
        connection.execute(text(f"GRANT {SCOPED_ROLE} TO {quoted(app_role)}"))  # the tenant policies bind it (0010)
        if cross is not None and cross_role is not None:
            exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": cross_role})
            if not exists:
                from psycopg import sql

                create = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(sql.Identifier(cross_role))
                if cross.password is not None:  # quoted by psycopg, never in a log
                    create = create + sql.SQL(" PASSWORD {}").format(sql.Literal(str(cross.password)))
                # psycopg's own connection: it composes the statement, SQLAlchemy's text() cannot.
                driver = connection.connection.driver_connection
                if driver is None:
                    raise RuntimeError("the owner's connection was closed before the cross-tenant role was created")
                driver.execute(create)
            connection.execute(text(f"GRANT {CROSS_ROLE} TO {quoted(cross_role)}"))
    engine.dispose()
    return app_role


def plugin_table_prefixes() -> dict[str, str]:
    """Table prefix -> branch, for autogenerate to keep each lineage to its own tables."""
    return {f"{m.branch}_": m.branch for m in lineages() if m.branch != CORE_BRANCH}
