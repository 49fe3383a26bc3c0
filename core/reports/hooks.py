"""The report engine's own contributions, through the hooks it offers like any plugin.

Registered by ``init_reports`` beside core's plugin (``core.builtin``): the
export table, the export and purge jobs, the co-financing section of every
annual report (``core.reports.annual``), and the matrix rules of the
engine's routes (the older report routes are in ``config/authorization.toml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.plugins.hookspecs import hookimpl
from core.plugins.types import JobDefinition
from core.reports.definitions import Report

PLUGIN_NAME = "samvirke-core.reports"
READERS = ["tenant_admin", "municipal_staff", "partner_staff", "finance", "platform_admin"]


@hookimpl(trylast=True)
def samvirke_models() -> Iterable[type]:
    from core.reports.models import PlatformExport, ReportExport

    return [ReportExport, PlatformExport]


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.reports import exports as E

    # One function each, two owners: a tenant's exports, and the platform's (the national view's).
    return [
        JobDefinition(name=E.EXPORT_JOB, func=E.run_export, description="Make a report file someone asked for (on demand)"),
        JobDefinition(
            name=E.PLATFORM_EXPORT_JOB,
            func=E.run_export,
            scope="platform",
            description="Make a national report file someone asked for (on demand, across tenants)",
        ),
        JobDefinition(
            name=E.PURGE_JOB,
            func=E.purge_expired_exports,
            cron="37 * * * *",
            description="Delete report exports past their expiry, files included",
        ),
        JobDefinition(
            name=E.PLATFORM_PURGE_JOB,
            func=E.purge_expired_exports,
            cron="37 * * * *",
            scope="platform",
            description="Delete national report exports past their expiry, files included",
        ),
    ]


@hookimpl(trylast=True)
def samvirke_annual_sections() -> Iterable[Report]:
    """Core's section of every agreement's annual report: the co-financing agreed, invoiced and paid."""
    from core.reports.cofinancing import SECTION

    return [SECTION]


@hookimpl(trylast=True)
def samvirke_authorization() -> dict[str, Any]:
    return {
        "/<tenant>/reports/<key>.xlsx": READERS,
        "/<tenant>/reports/<key>.pdf": READERS,
        "/<tenant>/reports/<key>/exports": {"POST": READERS},
        # A person's own exports; anyone else's answer 404 in the view.
        "/<tenant>/reports/exports": READERS,
        "/<tenant>/reports/exports/<int:export_id>": READERS,
        "/<tenant>/reports/exports/<int:export_id>/status": READERS,
        "/<tenant>/reports/exports/<int:export_id>/download": READERS,
    }
