"""Alembic environment for core and every plugin branch.

``-x lineage=<branch>`` (set by ``samvirke db revision``) limits autogenerate
to that lineage's tables: a plugin's tables start with its key and an
underscore; core's are the rest.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, pool

from core.migrations import CORE_BRANCH, plugin_table_prefixes

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata
lineage = context.get_x_argument(as_dictionary=True).get("lineage")


def _lineage_of(table_name: str) -> str:
    for prefix, branch in plugin_table_prefixes().items():
        if table_name.startswith(prefix):
            return branch
    return CORE_BRANCH


def include_object(obj, name, type_, reflected, compare_to):
    if lineage is None:
        return True
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = getattr(table, "name", name)
    return _lineage_of(table_name) == lineage


def run_migrations_offline() -> None:
    context.configure(
        url=str(db.engine.url).replace("%", "%%"),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conf_args = current_app.extensions["migrate"].configure_args
    # Migrations run as the owner of the tables; the app's own role owns none.
    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    engine = create_engine(owner_url, poolclass=pool.NullPool) if owner_url else db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
