"""The database handle and the declarative base every model builds on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import DisconnectionError
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
        idle = app.config.get("DATABASE_PING_AFTER_IDLE")
        if idle:
            for engine in self._app_engines.get(app, {}).values():
                ping_when_idle(engine, float(idle))


def _mark_cross(dbapi_connection, connection_record) -> None:
    connection_record.info["samvirke_cross"] = True  # no tenant setting is sent on it


_IDLE_SINCE = "samvirke_idle_since"


def _now() -> float:
    return time.monotonic()


def ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before use when it has lain unused ``seconds`` or more.

    ``pool_pre_ping`` asks the server on every checkout: a round trip on
    every request. A connection handed back moments ago is alive as far as
    pinging can tell; one that lay idle (a server restart, a firewall's idle
    cut) is asked, and replaced when it does not answer (the pool's
    ``DisconnectionError`` protocol). A server that goes away mid-traffic is
    noticed by the failing statement, and SQLAlchemy then drops the pool.
    """

    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = _now()

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or _now() - since < seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's error for a dead connection
            raise DisconnectionError("an idle pooled connection did not answer") from exc
        if not alive:
            raise DisconnectionError("an idle pooled connection did not answer")

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


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


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, name) -> None:
    # pysqlite sends BEGIN only before a write, and a SAVEPOINT outside a transaction opens one
    # that its RELEASE commits: a request whose first write is in begin_nested() would be
    # committed there, whatever its answer. BEGIN first (on the driver: no statement counted).
    raw = connection.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        raw.execute("BEGIN")


def insert_once(model: type[Any], rows: list[dict], unique: list[str], *, update: Sequence[str] = ()) -> int:
    """Insert ``rows`` skipping those a UNIQUE over ``unique`` already holds; returns how many were new.

    The business key is checked by the database in the same statement, so a
    job that runs twice (or two workers at once) stores each row once. With
    ``update`` (column names), a row the UNIQUE already holds gets those
    columns from the new row instead (an upsert); the count is then of rows
    inserted or updated.
    """
    if not rows:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(model.__table__).values(rows)
    statement = (
        insert.on_conflict_do_update(index_elements=unique, set_={name: insert.excluded[name] for name in update})
        if update
        else insert.on_conflict_do_nothing(index_elements=unique)
    )
    result = cast(  # an INSERT's result is a cursor result, which has the row count
        "CursorResult[Any]",
        db.session.execute(statement.execution_options(preserve_rowcount=True)),  # psycopg reports -1 for INSERT otherwise
    )
    return result.rowcount or 0
