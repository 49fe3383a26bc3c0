"""The partnership agreements' reminders: on the dashboard of those they concern, and the job that records them."""

from __future__ import annotations

from collections.abc import Iterable

from core.plugins.hookspecs import hookimpl
from core.plugins.types import DashboardWidget, JobDefinition
from core.tenancy.models import Tenant


@hookimpl(trylast=True)
def samvirke_dashboard_widgets(tenant: Tenant) -> Iterable[DashboardWidget]:
    from core.partnerships.reminders import dashboard_widgets

    return dashboard_widgets()  # only for the people the agreements' reminders concern


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.partnerships.reminders import record_agreement_reminders

    return [
        JobDefinition(
            name="core.agreement_reminders",
            func=record_agreement_reminders,
            cron="10 6 * * *",
            description="Record reminders of agreements' reviews, notice deadlines, governance meetings and ends",
        )
    ]
