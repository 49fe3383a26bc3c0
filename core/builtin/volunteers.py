"""Core's volunteer registry: its personal data, its dashboard reminders and the certificate warnings' job."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from core.plugins.hookspecs import hookimpl
from core.plugins.types import DashboardWidget, JobDefinition, PersonalDataField
from core.tenancy.models import Tenant


@hookimpl(trylast=True)
def samvirke_dashboard_widgets(tenant: Tenant) -> Iterable[DashboardWidget]:
    from core.volunteers.widgets import reminders_widget

    return [DashboardWidget(title=_l("Volunteers"), render=reminders_widget, order=900)]


@hookimpl(trylast=True)
def samvirke_personal_data() -> Iterable[PersonalDataField]:
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
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.volunteers.reminders import send_volunteer_reminders

    return [
        JobDefinition(
            name="core.volunteer_reminders",
            func=send_volunteer_reminders,
            cron="5 6 * * *",
            description="Record warnings 60 and 30 days before a volunteer's certificate or insurance runs out",
        )
    ]
