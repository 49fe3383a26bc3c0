"""Mother groups ("Ny mor i Danmark"): a programme for refugee and immigrant mothers
with babies aged 0-1, run by a partner organisation with the municipality (who
runs it in a tenant, and its targets, is the covering agreement's business).

Thin hook implementations of what is not found by convention (models, migrations,
pages and API are: core/plugins/conventions.py); the work is in the modules beside this one.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select

from core.programme import (
    DashboardWidget,
    JobDefinition,
    MenuEntry,
    Permission,
    PersonalDataField,
    Programme,
    copenhagen_today,
    db,
    format_day,
    hookimpl,
)
from plugins.mother_groups import models

KEY = "mother_groups"
DEFAULT_RETENTION_DAYS = 730  # after her last course ends; tenant files may set programmes.settings.mother_groups.retention_days


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(
        key=KEY,
        name=_l("New mother in Denmark (mother groups)"),
    )


@hookimpl
def samvirke_schemas():
    from plugins.mother_groups import duplicates, schemas

    return {
        "MotherGroupsCourse": schemas.CourseSchema,
        "MotherGroupsEnrolment": schemas.EnrolmentSchema,
        "MotherGroupsSession": schemas.SessionSchema,
        # The nested schema first, so the outer one refers to it by this name.
        "MotherGroupsAttendanceEntry": schemas.AttendanceEntrySchema,
        "MotherGroupsAttendance": schemas.AttendanceSchema,
        # The referral with its confirmation of a possible second referral (plugins/mother_groups/duplicates.py).
        "MotherGroupsReferral": duplicates.ConfirmedReferralSchema,
        "MotherGroupsReferralStatus": schemas.ReferralStatusSchema,
        "MotherGroupsReferralDecision": schemas.ReferralDecisionSchema,
    }


@hookimpl
def samvirke_reports():
    from plugins.mother_groups.reports import report_definitions

    return report_definitions()


@hookimpl
def samvirke_national_figures():
    from plugins.mother_groups.national import FIGURES

    return FIGURES


@hookimpl
def samvirke_annual_sections():
    from plugins.mother_groups.annual import SECTION

    return [SECTION]


@hookimpl
def samvirke_billing_rules():
    from plugins.mother_groups.billing import billing_rules

    return billing_rules()


@hookimpl
def samvirke_permissions():
    return [
        Permission("mother_groups.manage", "Courses, mothers, sessions, referral decisions", roles=("partner_staff", "tenant_admin")),
        Permission("mother_groups.attendance", "Record attendance on one's own course", roles=("volunteer", "partner_staff")),
        Permission("mother_groups.refer", "Refer a mother and follow one's own referrals", roles=("municipal_staff",)),
    ]


@hookimpl
def samvirke_menu_entries(tenant):
    return [
        MenuEntry(label=_l("Mother groups"), endpoint="mother_groups.index", order=20),
        MenuEntry(label=_l("Referrals"), endpoint="mother_groups.referrals", order=21),
        MenuEntry(label=_l("Sessions"), endpoint="mother_groups.my_sessions", order=22),
        MenuEntry(label=_l("Governance"), endpoint="mother_groups_governance.index", order=23),
    ]


def _volunteer_widget(principal) -> str:
    """A volunteer's way in: the session to record attendance for now (her own courses only)."""
    from flask import url_for

    from plugins.mother_groups.access import volunteer_course_ids

    today = copenhagen_today()
    found = db.session.execute(
        select(models.CourseSession, models.Course.name)
        .join(models.Course, models.Course.id == models.CourseSession.course_id)
        .where(
            models.CourseSession.course_id.in_(volunteer_course_ids(principal) or {-1}),
            models.CourseSession.status != "cancelled",
            models.CourseSession.date <= today,
            models.Course.status != "completed",
        )
        .order_by(models.CourseSession.date.desc(), models.CourseSession.id.desc())
        .limit(1)
    ).first()
    text = Markup("")
    if found is not None:
        meeting, name = found
        when = gettext("today") if meeting.date == today else format_day(meeting.date)
        text += Markup('<p><a class="button button-primary" href="{}">{}</a></p>').format(
            url_for("mother_groups.attendance", session_id=meeting.id),
            gettext("Record attendance: %(course)s, %(when)s", course=name, when=when),
        )
    else:
        text += Markup("<p>{}</p>").format(gettext("No sessions to record attendance for."))
    return text + Markup('<p><a href="{}">{}</a></p>').format(url_for("mother_groups.my_sessions"), gettext("All sessions"))


def _flags_widget() -> str:
    from core.programme import current_principal
    from core.programme import roles as R
    from plugins.mother_groups.access import manages
    from plugins.mother_groups.services import course_statuses

    principal = current_principal()
    if principal is not None and R.VOLUNTEER in principal.roles and not manages(principal):
        return _volunteer_widget(principal)
    courses = list(db.session.scalars(select(models.Course).where(models.Course.status != "completed")))
    statuses = course_statuses(courses, copenhagen_today())
    flagged = [s.course.name for s in statuses if s.visit_flag]
    warned = sum(1 for s in statuses if s.warnings)
    from core.programme import link_to

    pending = db.session.scalar(select(func.count()).select_from(models.Referral).where(models.Referral.status == "pending"))
    # Each count leads to the list behind it, for those who may open it.
    text = Markup("<p>{}. {}</p><p>{}</p>").format(
        link_to(gettext("Active courses: %(count)s", count=len(courses)), "mother_groups.index"),
        gettext("With warnings: %(count)s.", count=warned),
        link_to(gettext("Referrals waiting for a decision: %(count)s", count=pending or 0), "mother_groups.referrals"),
    )
    if flagged:
        text += Markup("<p><strong>{}</strong> {}</p>").format(
            gettext("Missing a visit from the health visitor in the last month:"), ", ".join(flagged)
        )
    return text


@hookimpl
def samvirke_dashboard_widgets(tenant):
    return [DashboardWidget(title=_l("Mother groups"), render=_flags_widget, order=20)]


def apply_retention(tenant_id: int) -> None:
    """Anonymise mothers whose last course ended longer ago than the tenant's retention.

    Safe to run twice: anonymised mothers are not selected again.
    """
    from core.programme import Tenant
    from plugins.mother_groups.services import anonymise_mother, mothers_past_retention

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(f"retention job for tenant {tenant_id}, which does not exist")
    days = int(tenant.programme_settings(KEY).get("retention_days", DEFAULT_RETENTION_DAYS))
    for mother in mothers_past_retention(copenhagen_today(), days):
        anonymise_mother(mother)


@hookimpl
def samvirke_jobs():
    return [
        JobDefinition(
            name="mother_groups.retention",
            func=apply_retention,
            cron="30 3 * * *",
            description="Anonymise mothers past the retention period after their course",
        )
    ]


@hookimpl
def samvirke_personal_data():
    consent = _l("GDPR art. 6(1)(a) and 9(2)(a): her explicit consent")
    retention = _l("%(days)d days after her last course ends (tenant setting retention_days)", days=DEFAULT_RETENTION_DAYS)
    erase = _l("anonymised by the retention job or on request; enrolments and attendance stay as statistics")
    return [
        PersonalDataField("Mother", "name", _l("Her name"), "confidential", consent, retention, erase),
        PersonalDataField(
            "Mother",
            "cpr",
            _l("CPR number (optional; stored encrypted, shown masked, never logged)"),
            "confidential",
            consent,
            retention,
            erase,
        ),
        PersonalDataField("Mother", "phone", _l("Phone number"), "ordinary", consent, retention, erase),
        PersonalDataField("Mother", "languages", _l("Languages she speaks"), "ordinary", consent, retention, erase),
        PersonalDataField(
            "Mother",
            "background",
            _l("Refugee or immigrant background (ethnic origin)"),
            "sensitive",
            consent,
            retention,
            _l("kept only as part of the anonymous statistics"),
        ),
        PersonalDataField(
            "Baby", "birth_date", _l("Baby's birth date or due date (health)"), "sensitive", consent, retention, _l("reduced to the month")
        ),
        PersonalDataField(
            "Attendance", "status", _l("Attendance at sessions"), "ordinary", consent, retention, _l("kept without identity")
        ),
        PersonalDataField(
            "Referral",
            "referred_by",
            _l("Which health visitor referred her"),
            "ordinary",
            _l("GDPR art. 6(1)(e)"),
            retention,
            _l("kept with the anonymised record"),
        ),
    ]


@hookimpl
def samvirke_demo_data(tenant):
    from plugins.mother_groups.demo import load

    load(tenant)


@hookimpl
def samvirke_sample_rows(marker):
    from plugins.mother_groups.samples import sample_rows

    return sample_rows(marker)
