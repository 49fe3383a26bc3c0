"""Which tenant the code is acting for.

A context variable, not a request global, so the same rule holds in a request,
a background job and a CLI command. There is no default tenant: code that
touches tenant data without a tenant fails (``TenantContextMissing``).

Reaching across tenants is possible only inside ``cross_tenant(reason)``,
a name that is easy to grep for; national views, platform jobs and admin
commands use it. On PostgreSQL the session then runs its statements as the
cross-tenant database role (``CROSS_TENANT_DATABASE_URL``): the application's
own role cannot cross tenants at all (core/tenancy/rls.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)

_tenant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("samvirke_tenant_id", default=None)
_cross_tenant_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("samvirke_cross_tenant", default=None)
_reporting: contextvars.ContextVar[bool] = contextvars.ContextVar("samvirke_reporting", default=False)


class TenantContextMissing(RuntimeError):
    """Tenant data was touched with no tenant in context (and no explicit opt-out)."""


class CrossTenantWrite(RuntimeError):
    """A row was about to be written for another tenant than the one in context."""


def current_tenant_id() -> int | None:
    """The id of the tenant in context, or None."""
    return _tenant_id.get()


def require_tenant_id() -> int:
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        raise TenantContextMissing(
            "No tenant in context. Enter one with tenant_context(tenant_id), or opt out explicitly with cross_tenant(reason)."
        )
    return tenant_id


def cross_tenant_reason() -> str | None:
    """Why the current code reads across tenants, or None when it does not."""
    return _cross_tenant_reason.get()


@contextlib.contextmanager
def tenant_context(tenant_id: int) -> Iterator[int]:
    """Act for one tenant inside the block; restores the previous context after."""
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
        raise TypeError(f"tenant_id must be an int, not {type(tenant_id).__name__}")
    token = _tenant_id.set(tenant_id)
    # A cross-tenant opt-out from an outer block must not leak into tenant code.
    reason_token = _cross_tenant_reason.set(None)
    try:
        yield tenant_id
    finally:
        _cross_tenant_reason.reset(reason_token)
        _tenant_id.reset(token)


def reading_for_reports() -> bool:
    return _reporting.get()


@contextlib.contextmanager
def reporting_reads() -> Iterator[None]:
    """Cross-tenant reads inside the block may go to the reporting replica (``REPORTING_DATABASE_URL``).

    For the national view and long cross-tenant reports: read-only work that
    may lag the primary by the replica's delay. Without a replica configured,
    nothing changes. Writes in the block fail on a replica: write nothing here.
    """
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


@contextlib.contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Explicitly read or write across tenants inside the block.

    For national (aggregated) views, platform jobs and admin commands only.
    ``reason`` is required and logged so every use can be accounted for.
    Statements go to another connection (the cross-tenant role), so what the
    block reads must be committed by then, and what it writes is committed
    with the session's transaction.
    """
    if not reason or not reason.strip():
        raise ValueError("cross_tenant() needs a reason")
    log.info("cross-tenant access: %s", reason)
    token = _cross_tenant_reason.set(reason)
    tenant_token = _tenant_id.set(None)
    try:
        yield
    finally:
        _tenant_id.reset(tenant_token)
        _cross_tenant_reason.reset(token)
