"""Billing is core, registered as a plugin beside ``core.builtin``: its models, job, menu and routes' roles.

Who may do what (the authorization matrix):

- the partner organisation's finance staff (``partner_finance``, acting for their
  organisation) start runs and issue, send, record payment and credit the
  invoices their organisation issues in the tenant;
- the municipality's finance staff (``finance``) read their tenant's invoices,
  documents and statements;
- platform administrators do both, for every organisation.

Which invoices a person sees within that is narrowed in the views
(``core.billing.views.visible``): an organisation's staff see only its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext

from core.plugins.hookspecs import hookimpl
from core.plugins.types import JobDefinition, MenuEntry

READERS = ["finance", "partner_finance", "platform_admin"]
WRITERS = ["partner_finance", "platform_admin"]

AUTHORIZATION: dict[str, Any] = {
    "/<tenant>/billing/": READERS,
    "/<tenant>/billing/statement": READERS,
    "/<tenant>/billing/runs": {"POST": WRITERS},
    "/<tenant>/billing/runs/<int:run_id>": READERS,
    "/<tenant>/billing/invoices/<int:invoice_id>": READERS,
    "/<tenant>/billing/invoices/<int:invoice_id>.pdf": READERS,
    "/<tenant>/billing/invoices/<int:invoice_id>.xml": READERS,
    "/<tenant>/billing/invoices/<int:invoice_id>/issue": {"POST": WRITERS},
    "/<tenant>/billing/invoices/<int:invoice_id>/send": {"POST": WRITERS},
    "/<tenant>/billing/invoices/<int:invoice_id>/paid": {"POST": WRITERS},
    "/<tenant>/billing/invoices/<int:invoice_id>/credit": {"POST": WRITERS},
}


@hookimpl
def samvirke_models() -> Iterable[type]:
    from core.billing.models import ALL_MODELS

    return ALL_MODELS


@hookimpl
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.billing.runs import JOB_NAME, run_billing

    return [
        JobDefinition(
            name=JOB_NAME,
            func=run_billing,
            description="An invoice run for one tenant: one invoice per agreement and billing period, numbered in the issuer's series",
        )
    ]


@hookimpl
def samvirke_menu_entries(tenant: Any) -> Iterable[MenuEntry]:
    # Shown only to those the matrix admits (core.web._may_open).
    return [MenuEntry(label=lazy_gettext("Billing"), endpoint="billing.index", order=75)]


@hookimpl
def samvirke_authorization() -> dict[str, Any]:
    return AUTHORIZATION


def init_billing(app: Any, host: Any) -> None:
    """Register billing's hooks beside core's (before the models, jobs and matrix are collected) and its pages."""
    import sys

    from core.billing.views import init_billing_views

    host.pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    host.pm.check_pending()
    init_billing_views(app)


PLUGIN_NAME = "samvirke-core.billing"
