"""The volunteer association and its shop (Mødrehjælpen's lokalforening med butik).

Thin hook implementations; the work is in the modules beside this one. Core
finds the models, pages, API, migrations and templates by convention
(``core.plugins.conventions``); the hooks here are for the rest.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.programme import Programme, hookimpl

KEY = "volunteer_association"


@hookimpl
def samvirke_programme() -> Programme:
    from plugins.volunteer_association.notices import NOTICE_KINDS

    return Programme(key=KEY, name=_l("Local association with a shop"), notice_kinds=NOTICE_KINDS)


@hookimpl
def samvirke_schemas():
    from plugins.volunteer_association import activity_schemas, shift_schemas

    return {
        "VolunteerAssociationShift": shift_schemas.ShiftSchema,
        "VolunteerAssociationTakings": shift_schemas.TakingsSchema,
        "VolunteerAssociationActivity": activity_schemas.ActivityApiSchema,
        "VolunteerAssociationGrant": activity_schemas.GrantApiSchema,
    }


@hookimpl
def samvirke_reports():
    from plugins.volunteer_association.reports import report_definitions

    return report_definitions()


@hookimpl
def samvirke_national_figures():
    from plugins.volunteer_association.national import FIGURES

    return FIGURES


@hookimpl
def samvirke_annual_sections():
    from plugins.volunteer_association.annual import SECTION

    return [SECTION]


@hookimpl
def samvirke_annual_figures(tenant, year):
    from plugins.volunteer_association.reports import annual_figures

    return annual_figures(tenant, year)


@hookimpl
def samvirke_billing_rules():
    from plugins.volunteer_association.billing import billing_rules

    return billing_rules()


@hookimpl
def samvirke_jobs():
    from core.programme import JobDefinition
    from plugins.volunteer_association.jobs import grant_deadline_reminders, short_handed_shift_notices

    return [
        JobDefinition(
            name="volunteer_association.grant_deadlines",
            func=grant_deadline_reminders,
            cron="15 7 * * *",
            description="Grant reports due in 30 and 7 days",
        ),
        JobDefinition(
            name="volunteer_association.short_handed_shifts",
            func=short_handed_shift_notices,
            cron="0 7 * * *",
            description="E-mail notices of shop shifts in the next days with too few volunteers",
        ),
    ]


@hookimpl
def samvirke_permissions():
    from core.programme import Permission

    return [
        Permission("volunteer_association.shifts", "Sign up for shifts and record the takings of one's own shift", roles=("volunteer",)),
        Permission("volunteer_association.manage", "Roster, shop, activities and grants", roles=("partner_staff", "tenant_admin")),
    ]


@hookimpl
def samvirke_menu_entries(tenant):
    from core.programme import MenuEntry

    return [
        MenuEntry(label=_l("Shop and shifts"), endpoint="volunteer_association.index", order=40),
        MenuEntry(label=_l("Shop administration"), endpoint="volunteer_association_shop.shop", order=41),
        MenuEntry(label=_l("Activities"), endpoint="volunteer_association_activities.activities", order=42),
        MenuEntry(label=_l("Grants"), endpoint="volunteer_association_activities.grants", order=43),
    ]


@hookimpl
def samvirke_dashboard_widgets(tenant):
    from core.programme import DashboardWidget
    from plugins.volunteer_association.widgets import reminders_widget, short_handed_widget

    return [
        DashboardWidget(title=_l("Shop shifts"), render=short_handed_widget, order=30),
        DashboardWidget(title=_l("Grant applications"), render=reminders_widget, order=31),
    ]


@hookimpl
def samvirke_personal_data():
    from core.programme import PersonalDataField

    return [
        PersonalDataField(
            "ShiftSignup",
            "volunteer_id",
            _l("Which volunteer works which shift, and hours worked"),
            "ordinary",
            _l("GDPR art. 6(1)(b)/(f): the volunteer agreement"),
            _l("2 years"),
            _l("deleted with the volunteer"),
        ),
    ]


@hookimpl
def samvirke_demo_data(tenant):
    from plugins.volunteer_association.demo import load

    load(tenant)


@hookimpl
def samvirke_sample_rows(marker):
    from plugins.volunteer_association.samples import sample_rows

    return sample_rows(marker)
