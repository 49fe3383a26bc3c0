"""Core's own features, registered as a plugin: core uses the hooks it offers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select

from core.db import db
from core.jobs.models import JobRun
from core.migrations import CORE_BRANCH, MIGRATIONS_DIR
from core.plugins.hookspecs import hookimpl
from core.plugins.types import DashboardWidget, JobDefinition, MenuEntry, Migrations, Permission
from core.tenancy.context import current_tenant_id
from core.tenancy.models import Tenant, TenantProgramme, utcnow

JOB_RUN_RETENTION = timedelta(days=90)


@hookimpl(trylast=True)
def samvirke_models() -> Iterable[type]:
    from core.audit.models import AuditEvent
    from core.identity.api_clients import ApiClient, ApiToken
    from core.identity.models import LoginFailure, User, UserSession
    from core.partnerships.models import ALL_MODELS as PARTNERSHIP_MODELS
    from core.volunteers.models import Volunteer, VolunteerReminder

    return [
        Tenant,
        TenantProgramme,
        JobRun,
        User,
        UserSession,
        LoginFailure,
        AuditEvent,
        ApiClient,
        ApiToken,
        Volunteer,
        VolunteerReminder,
        *PARTNERSHIP_MODELS,
    ]


@hookimpl(trylast=True)
def samvirke_migrations() -> Migrations:
    return Migrations(branch=CORE_BRANCH, path=MIGRATIONS_DIR / "versions")


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


def _jobs_widget() -> str:
    # Counts only; the job records themselves are for platform administrators.
    failed = db.session.scalar(
        select(func.count()).select_from(JobRun).where(JobRun.tenant_id == current_tenant_id(), JobRun.status == "failed")
    )
    return Markup("<p>{}</p>").format(escape(_("Failed background jobs: %(count)s", count=failed)))


@hookimpl(trylast=True)
def samvirke_dashboard_widgets(tenant: Tenant) -> Iterable[DashboardWidget]:
    from core.partnerships.reminders import dashboard_widgets as agreement_widgets
    from core.volunteers.widgets import reminders_widget

    return [
        *agreement_widgets(),  # only for the people the agreements' reminders concern
        DashboardWidget(title=_l("Volunteers"), render=reminders_widget, order=900),
        DashboardWidget(title=_l("Background jobs"), render=_jobs_widget, order=1000),
    ]


@hookimpl(trylast=True)
def samvirke_personal_data():
    from core.plugins.types import PersonalDataField

    basis = _l("GDPR art. 6(1)(b)/(f): the volunteer agreement; the certificate: Børneattestloven and her consent")
    retention = _l("while she volunteers, then 1 year")
    erase = _l("deleted with the volunteer record")
    return [
        PersonalDataField("Volunteer", "name", _l("The volunteer's name"), "ordinary", basis, retention, erase),
        PersonalDataField("Volunteer", "phone", _l("Phone number"), "ordinary", basis, retention, erase),
        PersonalDataField("Volunteer", "email", _l("E-mail address"), "ordinary", basis, retention, erase),
        PersonalDataField(
            "Volunteer",
            "certificate_result",
            _l("Assessment of the child-protection certificate (never the document)"),
            "confidential",
            basis,
            retention,
            erase,
        ),
    ]


@hookimpl(trylast=True)
def samvirke_permissions() -> Iterable[Permission]:
    return [
        Permission("core.view_tenant", "See the tenant's home page", roles=("tenant_people",)),  # as the matrix opens "/<tenant>/"
        Permission("core.view_failed_jobs", "See failed background jobs", roles=("platform_admin",)),
    ]


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


def purge_audit_events(tenant_id: None) -> None:
    """Delete audit rows past the retention (never younger than six months)."""
    from core.audit import purge_expired

    purge_expired()


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.identity.sessions import purge_login_records
    from core.partnerships.reminders import record_agreement_reminders
    from core.volunteers.reminders import send_volunteer_reminders

    return [
        JobDefinition(
            name="core.agreement_reminders",
            func=record_agreement_reminders,
            cron="10 6 * * *",
            description="Record reminders of agreements' reviews, notice deadlines, governance meetings and ends",
        ),
        JobDefinition(
            name="core.volunteer_reminders",
            func=send_volunteer_reminders,
            cron="5 6 * * *",
            description="Record warnings 60 and 30 days before a volunteer's certificate or insurance runs out",
        ),
        JobDefinition(
            name="core.purge_audit_events",
            func=purge_audit_events,
            cron="41 2 * * *",
            description="Delete audit rows past the configured retention (at least six months)",
            scope="platform",
        ),
        JobDefinition(
            name="core.purge_login_records",
            func=purge_login_records,
            cron="23 * * * *",
            description="Delete ended and timed-out sessions, unfinished log-ins and failed log-ins older than 30 days",
            scope="platform",
        ),
        JobDefinition(
            name="core.prune_job_runs",
            func=prune_job_runs,
            cron="17 3 * * *",
            description="Delete job records older than 90 days",
        ),
    ]
