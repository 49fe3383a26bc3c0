"""Demo data: every plugin fills every active tenant that enabled it."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.plugins.host import plugin_host
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant


def load_demo_data() -> list[str]:
    """Call ``samvirke_demo_data`` per tenant in its context; one commit per tenant."""
    host = plugin_host()
    loaded = []
    tenants = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.slug)).all()
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
