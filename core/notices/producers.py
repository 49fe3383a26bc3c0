"""Core's notices: volunteers' certificates and insurance running out, agreements' deadlines.

Called by the daily jobs that store the reminders (``core.volunteer_reminders``,
``core.agreement_reminders``), right after them, in the same transaction. The
people concerned are those who see the reminder on their pages; the texts
name no person, only what is due and when, with a link.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db
from core.identity import roles as R
from core.notices.kinds import AGREEMENT_DEADLINE, VOLUNTEER_EXPIRY
from core.notices.people import Person, people
from core.notices.queue import Outgoing, queue_notices
from core.tenancy.models import Tenant

# Who sees every volunteer of the tenant (core.volunteers.narrowed_to_organisation); partner staff see their organisation's.
ALL_VOLUNTEERS = frozenset({R.TENANT_ADMIN, R.PLATFORM_ADMIN})


def path_for(endpoint: str, **values: object) -> str:
    """A URL path without a request (jobs): the host is never part of it."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def tenant_slug(tenant_id: int) -> str:
    return db.session.scalars(select(Tenant.slug).where(Tenant.id == tenant_id)).one()


def volunteer_expiry_notices(tenant_id: int, due: list[tuple[int, str, int, date]]) -> int:
    """A notice per warning (the nearest threshold only: one at 60 days, one at 30) to the people who see the volunteer."""
    from core.volunteers.models import Volunteer

    nearest: dict[tuple[int, str, date], int] = {}
    for volunteer_id, kind, days, expires in due:
        key = (volunteer_id, kind, expires)
        nearest[key] = min(days, nearest.get(key, days))
    if not nearest:
        return 0
    organisations = dict(
        db.session.execute(select(Volunteer.id, Volunteer.organisation_id).where(Volunteer.id.in_({v for v, _, _ in nearest}))).all()
    )
    everyone = people()
    slug = tenant_slug(tenant_id)

    def concerned(organisation_id: int | None) -> list[Person]:
        return [
            p
            for p in everyone
            if p.has_any(ALL_VOLUNTEERS)
            or (R.PARTNER_STAFF in p.roles and organisation_id is not None and p.organisation_id == organisation_id)
        ]

    def message(kind: str, expires: date, days: int) -> tuple[str, str]:
        when = format_date(expires, "long")
        if kind == "certificate":
            subject = _("A volunteer's child-protection certificate runs out on %(date)s", date=when)
            body = _(
                "A volunteer's child-protection certificate runs out in less than %(days)s days, on %(date)s. "
                "Open the volunteer in Samvirke to see who it is and to follow up.",
                days=days,
                date=when,
            )
        else:
            subject = _("A volunteer's insurance runs out on %(date)s", date=when)
            body = _(
                "A volunteer's insurance runs out in less than %(days)s days, on %(date)s. "
                "Open the volunteer in Samvirke to see who it is and to follow up.",
                days=days,
                date=when,
            )
        return subject, body

    outgoing = [
        Outgoing(
            subject_key=f"volunteer:{volunteer_id}:{kind}:{days}:{expires.isoformat()}",
            people=concerned(organisations.get(volunteer_id)),
            message=partial(message, kind, expires, days),
            link=path_for("volunteers.show", tenant=slug, volunteer_id=volunteer_id),
        )
        for (volunteer_id, kind, expires), days in sorted(nearest.items())
        if volunteer_id in organisations
    ]
    return queue_notices(VOLUNTEER_EXPIRY, outgoing)


def agreement_deadline_notices(tenant_id: int, today: date) -> int:
    """A notice per open reminder of an agreement (due today or later) to the people its reminders are shown to.

    Those are ``core.partnerships.reminders.concerned``: the municipality's
    administrators and staff and platform administrators for every agreement,
    partner staff for the agreements their organisation is party to.
    """
    from core.partnerships.models import Agreement, AgreementParty, AgreementReminder
    from core.partnerships.reminders import MUNICIPAL_CONCERNED
    from core.partnerships.views import reminder_text

    reminders = db.session.scalars(
        select(AgreementReminder)
        .join(Agreement, (Agreement.id == AgreementReminder.agreement_id) & (Agreement.tenant_id == AgreementReminder.tenant_id))
        .where(AgreementReminder.acknowledged_at.is_(None), AgreementReminder.due_on >= today, Agreement.active.is_(True))
        .order_by(AgreementReminder.id)
    ).all()
    if not reminders:
        return 0
    parties: dict[int, set[int]] = {}
    for agreement_id, organisation_id in db.session.execute(
        select(AgreementParty.agreement_id, AgreementParty.organisation_id).where(
            AgreementParty.agreement_id.in_({r.agreement_id for r in reminders})
        )
    ):
        parties.setdefault(agreement_id, set()).add(organisation_id)
    everyone = people()
    slug = tenant_slug(tenant_id)

    def concerned(agreement_id: int) -> list[Person]:
        return [
            p
            for p in everyone
            if p.has_any(MUNICIPAL_CONCERNED)
            or (R.PARTNER_STAFF in p.roles and p.organisation_id is not None and p.organisation_id in parties.get(agreement_id, ()))
        ]

    def message(reminder: AgreementReminder) -> tuple[str, str]:
        subject = _("Agreement deadline: %(title)s", title=reminder.agreement.title)
        body = _("%(text)s Open the agreement in Samvirke for its terms, and acknowledge the reminder there.", text=reminder_text(reminder))
        return subject, body

    outgoing = [
        Outgoing(
            subject_key=f"agreement_reminder:{reminder.id}",
            people=concerned(reminder.agreement_id),
            message=partial(message, reminder),
            link=path_for("agreements.show", tenant=slug, agreement_id=reminder.agreement_id),
        )
        for reminder in reminders
    ]
    return queue_notices(AGREEMENT_DEADLINE, outgoing)
