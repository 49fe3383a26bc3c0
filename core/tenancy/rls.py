"""PostgreSQL row-level security: the second wall behind the ORM filter.

Every tenant-scoped table has RLS enabled and forced, with one policy whose
USING and WITH CHECK read two per-transaction settings:

- ``app.tenant_id``: the tenant in context ('' when none: no rows at all);
- ``app.cross_tenant``: 'on' only inside ``cross_tenant(reason)``.

They are set with ``set_config(..., true)``, local to the transaction, so a
pooled connection never carries a tenant into the next request. The session
keeps them in step with the context at the start of each transaction, before
each statement and before each flush. The application connects as a role
that owns no tables and cannot bypass RLS; migrations run as the owner.
On SQLite (the embedded default) this is a no-op.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core.tenancy.context import cross_tenant_reason, current_tenant_id

POLICY = "tenant_isolation"
_KEY = "samvirke_rls"
_CONDITION = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer "
    "OR current_setting('app.cross_tenant', true) = 'on'"
)


def set_rls_context(connection: Connection, tenant_id: int | None, *, cross: bool = False) -> None:
    """Set the transaction's RLS settings on a PostgreSQL connection."""
    if connection.dialect.name != "postgresql":
        return
    wanted = (tenant_id, cross)
    if connection.info.get(_KEY) == wanted:
        return
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.cross_tenant', :cross, true)"),
        {"tenant": "" if tenant_id is None else str(tenant_id), "cross": "on" if cross else ""},
    )
    connection.info[_KEY] = wanted


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_settings(connection: Connection) -> None:
    # set_config(..., true) ends with the transaction; so does our record of it.
    connection.info.pop(_KEY, None)


def _sync(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    set_rls_context(session.connection(), current_tenant_id(), cross=cross_tenant_reason() is not None)


def install_session_hooks(session_class: type[Session]) -> None:
    @event.listens_for(session_class, "after_begin")
    def _on_begin(session: Session, transaction: Any, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.info.pop(_KEY, None)  # settings died with the last transaction
            set_rls_context(connection, current_tenant_id(), cross=cross_tenant_reason() is not None)

    @event.listens_for(session_class, "do_orm_execute")
    def _on_execute(state: Any) -> None:
        _sync(state.session)

    @event.listens_for(session_class, "before_flush")
    def _on_flush(session: Session, flush_context: Any, instances: Any) -> None:
        _sync(session)


# --- for migrations ----------------------------------------------------------


def enable_tenant_rls(op: Any, table: str) -> None:
    """In a migration: enable and force RLS on ``table`` with the tenant policy."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({_CONDITION}) WITH CHECK ({_CONDITION})')


def disable_tenant_rls(op: Any, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
