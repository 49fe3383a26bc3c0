"""Demo data: every plugin fills every active tenant that enabled it."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert, select

from core.db import db
from core.plugins.host import plugin_host
from core.tenancy.context import require_tenant_id, tenant_context
from core.tenancy.models import Tenant


def load_demo_data() -> list[str]:
    """Call ``samvirke_demo_data`` per tenant in its context; one commit per tenant."""
    host = plugin_host()
    loaded = []
    tenants = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.slug)).all()
    with _collector_paused():
        for tenant in tenants:
            with tenant_context(tenant.id):
                try:
                    host.call_each("samvirke_demo_data", enabled=tenant.enabled_programmes, tenant=tenant)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
            loaded.append(tenant.slug)
    return loaded


def insert_rows(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows of one table in one statement (executemany) in the tenant in context.

    For the many small rows a loader makes and never touches again (attendance,
    sign-ups, takings): no ORM object each, and on SQLite no INSERT each
    (which the ORM sends one at a time there, to read back each id). The rows
    are inserted in the order given, so they get the ids the ORM would have given.
    """
    if rows:
        tenant_id = require_tenant_id()
        db.session.execute(insert(model), [{**row, "tenant_id": tenant_id} for row in rows])


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # The loader makes thousands of ORM objects in a process holding the whole app: the cyclic
    # collector's passes over all of it took a third of the time. Nothing here is garbage until the end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
