"""The background jobs' own records: failed jobs on the dashboard, and their retention."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select

from core.db import db
from core.jobs.models import JobRun
from core.plugins.hookspecs import hookimpl
from core.plugins.types import DashboardWidget, JobDefinition, Permission
from core.tenancy.context import current_tenant_id
from core.tenancy.models import Tenant, utcnow

JOB_RUN_RETENTION = timedelta(days=90)


def _jobs_widget() -> str:
    # Counts only; the job records themselves are for platform administrators.
    failed = db.session.scalar(
        select(func.count()).select_from(JobRun).where(JobRun.tenant_id == current_tenant_id(), JobRun.status == "failed")
    )
    return Markup("<p>{}</p>").format(escape(_("Failed background jobs: %(count)s", count=failed)))


@hookimpl(trylast=True)
def samvirke_dashboard_widgets(tenant: Tenant) -> Iterable[DashboardWidget]:
    return [DashboardWidget(title=_l("Background jobs"), render=_jobs_widget, order=1000)]


@hookimpl(trylast=True)
def samvirke_permissions() -> Iterable[Permission]:
    return [Permission("core.view_failed_jobs", "See failed background jobs", roles=("platform_admin",))]


def prune_job_runs(tenant_id: int) -> None:
    """Delete this tenant's finished job records older than the retention.

    Safe to run twice: a second run finds nothing older to delete.
    """
    db.session.execute(
        delete(JobRun).where(
            JobRun.tenant_id == tenant_id,
            JobRun.status.in_(("succeeded", "failed")),
            JobRun.finished_at < utcnow() - JOB_RUN_RETENTION,
        )
    )


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    return [
        JobDefinition(
            name="core.prune_job_runs",
            func=prune_job_runs,
            cron="17 3 * * *",
            description="Delete job records older than 90 days",
        )
    ]
