"""The tenant directory in memory: active tenants by slug with their programmes, and the
programmes each organisation is party to in a tenant.

Every tenant request needs them before its view runs; they change only when
``samvirke tenants sync`` (or an administrator's edit of an agreement) writes
them. So each process keeps a copy per app and checks, once per request,
the counter in ``directory_version`` that every such write raises (see
``_raise_version`` below). On PostgreSQL that check rides on the statement
that sets the transaction's row-level security scope (core/tenancy/rls.py),
so a request spends no round trip of its own on it; on SQLite it is one
primary-key read. A stale copy is never used: a different counter reloads it.

Unknown slugs do not reload anything (a 404 costs the version check alone).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app, g, has_request_context, request
from sqlalchemy import Table, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.models import DirectoryVersion, Tenant, TenantProgramme, utcnow
from core.tenancy.rls import DIRECTORY_VERSION_KEY
from core.tenancy.session import TenantSession

_EXTENSION = "samvirke_directory"
_REQUEST_VERSION = "_samvirke_directory_version"
_CHANGED = "samvirke_directory_changed"


@dataclass
class _Directory:
    version: int
    tenants: dict[str, Tenant]  # detached copies, merged into each request's session
    organisation_programmes: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    # Per tenant id: its agreements in force with their parties, programmes and notices (detached copies).
    agreements: dict[int, tuple[Any, ...]] = field(default_factory=dict)


_lock = threading.Lock()


def _directory_classes() -> tuple[type, ...]:
    from core.partnerships.models import Agreement, AgreementNotice, AgreementParty, AgreementProgramme, Organisation

    # Notices too: the cached agreements carry theirs (an agreement under notice ends earlier).
    return (Tenant, TenantProgramme, Organisation, Agreement, AgreementParty, AgreementProgramme, AgreementNotice)


def current_version() -> int | None:
    """The directory's counter as this transaction sees it (None where the row is missing)."""
    connection = db.session.connection()
    if DIRECTORY_VERSION_KEY in connection.info:  # read with the scope settings (PostgreSQL)
        return connection.info[DIRECTORY_VERSION_KEY]
    return db.session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == 1))


def _load(version: int | None) -> _Directory:
    tenants = list(db.session.scalars(select(Tenant).where(Tenant.active.is_(True))))  # programmes: selectin
    for tenant in tenants:
        db.session.expunge(tenant)  # cascades to its programmes
    directory = _Directory(version=-1 if version is None else version, tenants={t.slug: t for t in tenants})
    if version is not None:
        with _lock:
            current_app.extensions[_EXTENSION] = directory
    return directory


def tenant_by_slug(slug: str) -> Tenant | None:
    """The active tenant with this slug, in the request's session, or None.

    The version is read in the cached tenant's own scope, so the transaction
    that the request goes on with needs no second ``set_config``.
    """
    directory: _Directory | None = current_app.extensions.get(_EXTENSION)
    cached = directory.tenants.get(slug) if directory is not None else None
    with tenant_context(cached.id) if cached is not None else contextlib.nullcontext():
        version = current_version()
    if has_request_context():
        g.setdefault(_REQUEST_VERSION, version)
    if directory is None or version is None or directory.version != version:
        directory = _load(version)
        cached = directory.tenants.get(slug)
    if cached is None:
        return None
    return db.session.merge(cached, load=False)


def organisation_programmes(tenant_id: int, organisation_id: int, compute: Any) -> frozenset[str]:
    """``compute()`` (the programmes the organisation is party to in the tenant), cached with the directory."""
    directory: _Directory | None = current_app.extensions.get(_EXTENSION)
    version = g.get(_REQUEST_VERSION) if has_request_context() else None
    if directory is None or version is None or directory.version != version:
        return compute()
    key = (tenant_id, organisation_id)
    found = directory.organisation_programmes.get(key)
    if found is None:
        found = frozenset(compute())
        directory.organisation_programmes[key] = found
    return found


def _current_directory() -> _Directory | None:
    """The process's copy if this request checked it current (a read: a write loads afresh, so no copy overwrites its changes)."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return None
    directory: _Directory | None = current_app.extensions.get(_EXTENSION)
    version = g.get(_REQUEST_VERSION)
    if directory is None or version is None or directory.version != version:
        return None
    return directory


def agreements_in_force(tenant_id: int, load: Callable[[], list[Any]]) -> list[Any]:
    """``load()`` (the tenant's agreements in force, their parties, programmes and notices loaded), cached with the directory.

    Most pages read an agreement (its targets, its parties, the annual report
    it asks for): four statements each time. Here the first read of a
    tenant's agreements in a process keeps detached copies, and later requests
    that found the directory current merge them into their session without
    SQL. Every write to agreements, their parties, programmes and notices, and
    to organisations, raises the directory's counter, which drops the copies.
    """
    directory = _current_directory()
    if directory is None:
        return load()
    cached = directory.agreements.get(tenant_id)
    if cached is None:
        fresh = load()
        holder = Session()  # no bind: a merge without load copies what is loaded, sending nothing
        copies = tuple(holder.merge(agreement, load=False) for agreement in fresh)
        holder.expunge_all()
        holder.close()
        directory.agreements[tenant_id] = copies
        return fresh
    return [db.session.merge(agreement, load=False) for agreement in cached]


# --- keeping the counter -------------------------------------------------------


def _raise_version(session: Any) -> None:
    table = cast(Table, DirectoryVersion.__table__)  # Core, not ORM: this runs inside a flush
    session.execute(table.update().where(table.c.id == 1).values(version=table.c.version + 1, changed_at=utcnow()))


def _mark_changed(mapper: Any, connection: Any, target: Any) -> None:
    from sqlalchemy.orm import object_session

    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


def watch_directory_writes() -> None:
    """Per-row flush events on the directory's classes only: other rows cost nothing."""
    for cls in _directory_classes():
        for name in ("after_insert", "after_update", "after_delete"):
            if not event.contains(cls, name, _mark_changed):
                event.listen(cls, name, _mark_changed)


@event.listens_for(TenantSession, "after_flush")
def _after_flush(session: Any, flush_context: Any) -> None:
    if session.info.pop(_CHANGED, False):
        _raise_version(session)


@event.listens_for(TenantSession, "do_orm_execute")
def _after_bulk_write(state: ORMExecuteState) -> None:
    # An ORM UPDATE/DELETE/INSERT statement bypasses the flush.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    classes = _directory_classes()
    if any(issubclass(m.class_, classes) for m in state.all_mappers):
        _raise_version(state.session)
