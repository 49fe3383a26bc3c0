"""Open counselling (Mødrehjælpen's åben rådgivning): anonymous-by-default contacts,
socio-economic registration, notifications of concern, opening hours and closures,
governance, an annual report that counts families, and a fixed annual fee billed quarterly.

Thin hook implementations; the work is in the modules beside this one. Its
models, pages, API and migrations core finds by convention (core.programme).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.programme import Programme, copenhagen_today, hookimpl

KEY = "open_counselling"
DEFAULT_RETENTION_DAYS = 365  # after the family's last contact; tenant setting retention_days


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name=_l("Open counselling"))


@hookimpl
def samvirke_schemas():
    from plugins.open_counselling import notification_schemas as notes
    from plugins.open_counselling import schedule_schemas as schedule
    from plugins.open_counselling import schemas

    return {
        "OpenCounsellingContact": schemas.ContactSchema,
        "OpenCounsellingFamily": schemas.FamilySchema,
        "OpenCounsellingNotification": notes.NotificationApiSchema,
        "OpenCounsellingNotificationSummary": notes.NotificationSummarySchema,
        "OpenCounsellingOpeningHours": schedule.OpeningHoursApiSchema,
        "OpenCounsellingOffice": schedule.OfficeApiSchema,
        "OpenCounsellingClosure": schedule.ClosureApiSchema,
        "OpenCounsellingUpcomingClosure": schedule.UpcomingClosureSchema,
    }


@hookimpl
def samvirke_reports():
    from plugins.open_counselling.reports import report_definitions

    return report_definitions()


@hookimpl
def samvirke_national_figures():
    from plugins.open_counselling.national import FIGURES

    return FIGURES


@hookimpl
def samvirke_annual_sections():
    from plugins.open_counselling.annual import SECTION

    return [SECTION]


@hookimpl
def samvirke_billing_rules():
    from plugins.open_counselling.billing import billing_rules

    return billing_rules()


@hookimpl
def samvirke_permissions():
    from core.programme import Permission

    return [
        Permission(
            "open_counselling.counsel",
            "Register and read contacts, families and notifications (the running organisation's staff only)",
            roles=("partner_staff",),
        ),
        Permission(
            "open_counselling.aggregates", "Read the aggregated annual report", roles=("municipal_staff", "finance", "tenant_admin")
        ),
    ]


@hookimpl
def samvirke_menu_entries(tenant):
    from core.programme import MenuEntry

    return [
        MenuEntry(label=_l("Open counselling"), endpoint="open_counselling.index", order=30),
        MenuEntry(label=_l("Notifications"), endpoint="open_counselling_notifications.notifications", order=31),
        MenuEntry(label=_l("Opening hours"), endpoint="open_counselling_schedule.schedule", order=32),
        MenuEntry(label=_l("Steering and follow groups"), endpoint="open_counselling_governance.index", order=33),
    ]


def apply_retention(tenant_id: int) -> None:
    """Remove identity and free text a set time after a family's last contact; keep the statistics.

    Safe to run twice: anonymised families are not selected again.
    """
    from core.programme import Tenant, db
    from plugins.open_counselling.services import anonymise_family, families_past_retention

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(f"retention job for tenant {tenant_id}, which does not exist")
    days = int(tenant.programme_settings(KEY).get("retention_days", DEFAULT_RETENTION_DAYS))
    for family in families_past_retention(copenhagen_today(), days):
        anonymise_family(family)


@hookimpl
def samvirke_jobs():
    from core.programme import JobDefinition

    return [
        JobDefinition(
            name="open_counselling.retention",
            func=apply_retention,
            cron="45 3 * * *",
            description="Remove identity and free text after the retention period",
        )
    ]


@hookimpl
def samvirke_personal_data():
    from core.programme import PersonalDataField

    consent = _l("GDPR art. 6(1)(a) and 9(2)(a): the family's consent (Mødrehjælpen obtains it)")
    anonymous = _l("none: anonymous statistics")
    retention = _l("%(days)d days after the family's last contact (tenant setting retention_days)", days=DEFAULT_RETENTION_DAYS)
    erase = _l("removed by the retention job or on request; the anonymous statistics stay")
    return [
        PersonalDataField("Family", "name", _l("Name, only with consent"), "sensitive", consent, retention, erase, tags=("partner_only",)),
        PersonalDataField(
            "Contact",
            "description",
            _l("Description of the problem (free text, may hold health and violence)"),
            "sensitive",
            consent,
            retention,
            erase,
            tags=("partner_only",),
        ),
        PersonalDataField(
            "Notification",
            "ground",
            _l("Ground of a notification of concern"),
            "sensitive",
            _l("SEL § 153 / Barnets Lov § 133 (duty to notify)"),
            retention,
            _l("replaced by '(slettet)'"),
            tags=("partner_only",),
        ),
        PersonalDataField(
            "Family",
            "income_basis",
            _l("Socio-economic registration (age band, children, income basis, employment, household)"),
            "ordinary",
            anonymous,
            _l("kept as statistics"),
            _l("not identifying on its own"),
        ),
    ]


@hookimpl
def samvirke_demo_data(tenant):
    from plugins.open_counselling.demo import load

    load(tenant)


@hookimpl
def samvirke_sample_rows(marker):
    from plugins.open_counselling.samples import sample_rows

    return sample_rows(marker)
