"""Every HTML page of a tenant, found from the URL map, with sample values for its URL parameters.

``tenant_pages(app, slug)`` lists each GET route under ``/<tenant>/`` (the
JSON API under ``/api/`` excepted: tests/test_api_statement_counts.py walks
it) as concrete URLs, once per role the authorization matrix admits, with
its parameters filled from the tenant's own rows (``SAMPLES``: the row with
the most children, so that one query per child shows). A parameter without a
sample, or a sample with no row to take it from, raises ``NoSample``: a new
route fails loudly, it is never skipped in silence. Routes that are not
pages say why in ``NOT_PAGES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Rule

from core.db import db
from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles

TENANT_PREFIX = "/<tenant>/"
NOT_PAGES = {
    "identity.tenant_login": "starts a log-in: a redirect to the tenant's identity provider",
    "identity.tenant_callback": "the identity provider's redirect back; needs a log-in in progress",
}
# Renderings of a page measured for every role already (reports.report builds the same report): tried as
# one role only, since each costs a PDF or spreadsheet rendering.
ONE_ROLE = {
    "reports.export_pdf": "the PDF of reports.report's result",
    "reports.export_xlsx": "the spreadsheet of reports.report's result",
}
# Roles a page is tried as: every tenant role and the platform administrator (break-the-glass is a grant, not a role).
TRIED_ROLES = (*R.TENANT_ROLES, R.PLATFORM_ADMIN)


class NoSample(LookupError):
    """A route parameter has no sample value (add one to SAMPLES) or the tenant has no row for it."""


def _most(model_id, child_fk) -> Any:
    """The id of the row with the most children (ties: the newest), e.g. the course with the most sessions.

    The children are counted in a subquery grouped by their parent, once, not
    looked up per parent (SQLite has no statistics to plan such a join well).
    """
    counted = select(child_fk.label("parent"), func.count().label("n")).group_by(child_fk).subquery()
    return (
        select(model_id)
        .outerjoin(counted, counted.c.parent == model_id)
        .order_by(func.coalesce(counted.c.n, 0).desc(), model_id.desc())
        .limit(1)
    )


def _her_courses() -> Any:
    from plugins.mother_groups.models import CourseVolunteer

    return select(CourseVolunteer.course_id).where(CourseVolunteer.volunteer_id == signed_in_volunteer_id())


def _course_id() -> Any:
    """The course with the most sessions among those the signed-in volunteer serves (managers see every course)."""
    from plugins.mother_groups.models import Course, CourseSession

    return db.session.scalar(_most(Course.id, CourseSession.course_id).where(Course.id.in_(_her_courses())))


def _session_id() -> Any:
    from plugins.mother_groups.models import Attendance, CourseSession

    return db.session.scalar(_most(CourseSession.id, Attendance.session_id).where(CourseSession.course_id.in_(_her_courses())))


def _mother_id() -> Any:
    from plugins.mother_groups.models import Enrolment, Mother

    return db.session.scalar(_most(Mother.id, Enrolment.mother_id).where(Mother.anonymised_at.is_(None)))


def _contact_id() -> Any:
    from plugins.open_counselling.models import Contact, ContactReason

    return db.session.scalar(_most(Contact.id, ContactReason.contact_id))


def _family_id() -> Any:
    from plugins.open_counselling.models import Contact, Family

    return db.session.scalar(_most(Family.id, Contact.family_id).where(Family.anonymised_at.is_(None)))


def _notification_id() -> Any:
    from plugins.open_counselling.models import Notification

    return db.session.scalar(select(Notification.id).where(Notification.family_id.is_not(None)).order_by(Notification.id.desc()).limit(1))


def signed_in_volunteer_id() -> Any:
    """The volunteer a signed-in volunteer is linked to when pages are tried: the one serving the most courses."""
    from core.volunteers.models import Volunteer
    from plugins.mother_groups.models import CourseVolunteer

    return db.session.scalar(_most(Volunteer.id, CourseVolunteer.volunteer_id))


def _shift_id() -> Any:
    """A shift with takings recorded that the signed-in volunteer works on, with the most volunteers on it."""
    from plugins.volunteer_association.models import Shift, ShiftSignup, Takings

    with_takings = _most(Shift.id, ShiftSignup.shift_id).join(Takings, Takings.shift_id == Shift.id)
    hers = select(ShiftSignup.shift_id).where(ShiftSignup.volunteer_id == signed_in_volunteer_id())
    # Where another organisation runs the association than the mother groups, she works no shift: any shift then.
    return db.session.scalar(with_takings.where(Shift.id.in_(hers))) or db.session.scalar(with_takings)


def _volunteer_id() -> Any:
    from core.volunteers.models import Volunteer, VolunteerReminder

    return db.session.scalar(_most(Volunteer.id, VolunteerReminder.volunteer_id))


def _agreement_id() -> Any:
    from core.partnerships.models import Agreement, AgreementProgramme

    return db.session.scalar(_most(Agreement.id, AgreementProgramme.agreement_id))


def _invoice_id() -> Any:
    """An issued invoice with the most lines (a draft has no document)."""
    from core.billing.models import Invoice, InvoiceItem

    return db.session.scalar(_most(Invoice.id, InvoiceItem.invoice_id).where(Invoice.number.is_not(None)))


def _run_id() -> Any:
    from core.billing.models import BillingRun

    return db.session.scalar(select(BillingRun.id).order_by(BillingRun.id.desc()).limit(1))


def _export_id(user_id: int) -> Any:
    """The signed-in person's finished export of a report; one is made through core's own export when she has none."""
    from core.reports.exports import start_export
    from core.reports.models import ReportExport
    from core.tenancy.context import require_tenant_id

    found = db.session.scalar(
        select(ReportExport.id).where(ReportExport.owner_user_id == user_id, ReportExport.status == "done").order_by(ReportExport.id.desc())
    )
    if found is None and _report_keys():
        start_export(_report_keys()[0], require_tenant_id(), {}, "csv", owner_user_id=user_id, locale="da", disclose=True)
        found = db.session.scalar(select(ReportExport.id).where(ReportExport.owner_user_id == user_id).order_by(ReportExport.id.desc()))
    return found


def _report_keys() -> list[str]:
    from flask import g

    from core.plugins.host import plugin_host

    enabled = g.tenant.enabled_programmes
    return [report.key for _, reports in plugin_host().call_each("samvirke_reports", enabled=enabled) for report in reports]


def _household_id() -> Any:
    from tests.example_plugin.models import Household, Member

    return db.session.scalar(_most(Household.id, Member.household_id))


# URL parameter -> the sample value(s) in the tenant in context (a list: the page is tried with each).
def _cafe_session_id() -> Any:
    """The homework café session with the most volunteers."""
    from plugins.homework_cafe.cafe import CafeSession, Helper

    return db.session.scalar(_most(CafeSession.id, Helper.session_id))


SAMPLES: dict[str, Callable[[], Any]] = {
    "cafe_session_id": _cafe_session_id,
    "course_id": _course_id,
    "session_id": _session_id,
    "mother_id": _mother_id,
    "contact_id": _contact_id,
    "family_id": _family_id,
    "notification_id": _notification_id,
    "shift_id": _shift_id,
    "volunteer_id": _volunteer_id,
    "agreement_id": _agreement_id,
    "household_id": _household_id,
    "invoice_id": _invoice_id,
    "run_id": _run_id,
    "key": _report_keys,
}
# URL parameter -> its sample for the signed-in person (by user id): rows only their owner sees.
USER_SAMPLES: dict[str, Callable[[int], Any]] = {
    "export_id": _export_id,
}


def _grant_edit() -> list[dict[str, str]]:
    from plugins.volunteer_association.models import GrantApplication

    grant = db.session.scalar(select(GrantApplication.id).order_by(GrantApplication.id.desc()).limit(1))
    return [{}, {"edit": str(grant)}] if grant else [{}]


def _audited_subject() -> list[dict[str, str]]:
    return [{}, {"subject": f"mother_groups.mother:{_mother_id()}"}]


# Endpoint -> the query strings it is tried with (beside its URL parameters).
QUERIES: dict[str, Callable[[], list[dict[str, str]]]] = {
    "volunteer_association_activities.grants": _grant_edit,
    "audit.person": _audited_subject,
    "audit.export": _audited_subject,
}


@dataclass(frozen=True)
class Page:
    endpoint: str
    rule: str
    role: str | None  # None: public, tried without signing in
    values: tuple[tuple[str, Any], ...]
    query: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in (*self.values, *self.query))
        return f"{self.endpoint}[{self.role or 'public'}{': ' + shown if shown else ''}]"

    @property
    def key(self) -> tuple:
        """The page apart from its row ids, which differ between two fillings of the tenant (report keys stay)."""
        values = tuple((k, v if isinstance(v, str) else "<id>") for k, v in self.values)
        query = tuple((k, re.sub(r"\d+", "<id>", v)) for k, v in self.query)
        return (self.endpoint, self.role, values, query)

    def url(self, slug: str) -> str:
        from flask import url_for

        values: dict[str, Any] = {**dict(self.values), **dict(self.query)}
        return url_for(self.endpoint, tenant=slug, **values)


def page_rules(app: Flask) -> list[Rule]:
    """GET routes under /<tenant>/ that are pages (not the API, not the log-in redirects)."""
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.rule.startswith(TENANT_PREFIX) and "GET" in (r.methods or ()) and "/api/" not in r.rule and r.endpoint not in NOT_PAGES
        ),
        key=lambda r: r.rule,
    )


def roles_for(app: Flask, rule: Rule) -> list[str | None]:
    allowed = allowed_roles(rule.rule, "GET", app) or frozenset()
    if PUBLIC in allowed:
        return [None]
    roles: list[str | None] = [role for role in TRIED_ROLES if role in allowed]
    return roles[:1] if rule.endpoint in ONE_ROLE else roles


def tenant_pages(
    app: Flask,
    slug: str,
    *,
    programmes: frozenset[str] | None = None,
    rules: list[Rule] | None = None,
    users: dict[str | None, int] | None = None,
) -> list[Page]:
    """Every page of the tenant as concrete URL values, per admitted role (call inside the tenant's request context).

    ``programmes``: only the pages of these programmes (and core's); ``rules``: these instead of the URL
    map's; ``users``: the signed-in user of each role, for the parameters of ``USER_SAMPLES``.
    """
    from core.tenancy.web import programme_of_blueprint

    pages = []
    cache: dict[Any, Any] = {}

    def sample(name: str, role: str | None) -> list[Any]:
        key = (name, role) if name in USER_SAMPLES else name
        if key not in cache:
            if name in USER_SAMPLES:
                user = (users or {}).get(role)
                if user is None:
                    raise NoSample(f"{rule.rule}: <{name}> is a signed-in person's own row; no user for role {role}")
                cache[key] = USER_SAMPLES[name](user)
            else:
                cache[key] = SAMPLES[name]()
        found = cache[key]
        values = found if isinstance(found, list) else [found]
        if not values or any(v is None for v in values):
            raise NoSample(f"{rule.rule}: tenant {slug} has no row for <{name}>; the generator (bench/fill/) must make one")
        return values

    for rule in page_rules(app) if rules is None else rules:
        programme = programme_of_blueprint(app, rule.endpoint.split(".")[0])
        if programmes is not None and programme is not None and programme not in programmes:
            continue
        names = sorted(rule.arguments - {"tenant"})
        for name in names:
            if name not in SAMPLES and name not in USER_SAMPLES:
                raise NoSample(f"{rule.rule}: no sample value for <{name}>; add one to SAMPLES in bench/pages.py")
        queries = QUERIES[rule.endpoint]() if rule.endpoint in QUERIES else [{}]
        for role in roles_for(app, rule):
            choices: list[list[tuple[str, Any]]] = [[]]
            for name in names:
                choices = [[*c, (name, v)] for c in choices for v in sample(name, role)]
            for values in choices:
                for query in queries:
                    pages.append(Page(rule.endpoint, rule.rule, role, tuple(values), tuple(sorted(query.items()))))
    return pages
