"""The database handle and the declarative base every model builds on."""

from __future__ import annotations

from typing import Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase

from core.tenancy.session import CROSS_TENANT_BIND, REPORTING_BIND, TenantSession

# Stable constraint names, so migrations can drop and alter them by name on
# both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SamvirkeSQLAlchemy(SQLAlchemy):
    """Adds the cross-tenant bind (``CROSS_TENANT_BIND``) when ``CROSS_TENANT_DATABASE_URL`` is set,
    and the reporting replica's (``REPORTING_BIND``) when ``REPORTING_DATABASE_URL`` is.

    Cross-tenant work runs on it as its own login role, which the cross-tenant
    policy on every table admits (see core.tenancy.rls); the session picks it
    inside ``cross_tenant()``. Its connections are marked so that no tenant
    setting is sent on them.
    """

    def init_app(self, app) -> None:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # The reporting replica (optional) is read as the cross-tenant role, like CROSS_TENANT_DATABASE_URL.
        for key, name in ((CROSS_TENANT_BIND, "CROSS_TENANT_DATABASE_URL"), (REPORTING_BIND, "REPORTING_DATABASE_URL")):
            url = app.config.get(name)
            if url:
                app.config["SQLALCHEMY_BINDS"] = {**(app.config.get("SQLALCHEMY_BINDS") or {}), key: {**options, "url": url}}
        super().init_app(app)
        for key in (CROSS_TENANT_BIND, REPORTING_BIND):
            engine = self._app_engines.get(app, {}).get(key)
            if engine is not None:
                event.listen(engine, "connect", _mark_cross)


def _mark_cross(dbapi_connection, connection_record) -> None:
    connection_record.info["samvirke_cross"] = True  # no tenant setting is sent on it


db = SamvirkeSQLAlchemy(model_class=Base, session_options={"class_": TenantSession})


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked per connection; the composite
    # tenant keys are worthless without this.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def insert_once(model: type[Any], rows: list[dict], unique: list[str]) -> int:
    """Insert ``rows`` skipping those a UNIQUE over ``unique`` already holds; returns how many were new.

    The business key is checked by the database in the same statement, so a
    job that runs twice (or two workers at once) stores each row once.
    """
    if not rows:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(model.__table__)
    result = cast(  # an INSERT's result is a cursor result, which has the row count
        "CursorResult[Any]",
        db.session.execute(
            insert.values(rows)
            .on_conflict_do_nothing(index_elements=unique)
            .execution_options(preserve_rowcount=True)  # psycopg reports -1 for INSERT otherwise
        ),
    )
    return result.rowcount or 0
