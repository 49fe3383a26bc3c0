"""Tenancy: one tenant per municipality, and isolation that cannot be forgotten.

- ``context``: which tenant the current request, job or command acts for.
- ``models``: the ``Tenant`` table and the ``TenantScoped`` base for models.
- ``session``/``scoping``: the ORM filter and the insert stamp, in one place.
- ``files``/``sync``: the declarative tenant files and how they are applied.
"""

from core.tenancy.context import (
    TenantContextMissing,
    cross_tenant,
    current_tenant_id,
    tenant_context,
)

__all__ = ["TenantContextMissing", "cross_tenant", "current_tenant_id", "tenant_context"]
