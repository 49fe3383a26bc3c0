"""The tenant's menu entries of core's pages, and who may see the tenant's home page."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from core.plugins.hookspecs import hookimpl
from core.plugins.types import MenuEntry, Permission
from core.tenancy.models import Tenant


@hookimpl(trylast=True)
def samvirke_menu_entries(tenant: Tenant) -> Iterable[MenuEntry]:
    return [
        MenuEntry(label=_l("Home"), endpoint="tenant.home", order=0),
        MenuEntry(label=_l("Partnership agreements"), endpoint="agreements.index", order=70),
        MenuEntry(label=_l("Volunteers"), endpoint="volunteers.index", order=80),
        MenuEntry(label=_l("Reports"), endpoint="reports.index", order=90),
        MenuEntry(label=_l("Audit trail"), endpoint="audit.person", order=92),  # tenant administrators (the matrix)
        # Shown to platform administrators only (the menu follows the matrix).
        MenuEntry(label=_l("Break the glass"), endpoint="break_glass.start", order=95),
    ]


@hookimpl(trylast=True)
def samvirke_permissions() -> Iterable[Permission]:
    return [Permission("core.view_tenant", "See the tenant's home page", roles=("tenant_people",))]  # as the matrix opens "/<tenant>/"
