"""The association's daily jobs.

``grant_deadline_reminders``: the grants whose reporting deadline is exactly
30 or 7 days away (``REMINDER_DAYS``), for the tenant in context. There is no
notification system yet, so the job writes nothing and returns the reminders
it would send: running it twice on a day gives the same list and changes
nothing. Exact days rather than "within": once notifications exist, each
grant is reminded once per threshold without a table to remember it (a day
the job does not run, its reminders are skipped; the grants page and the
dashboard widget show every soon and overdue deadline regardless).
A grant reported on or rejected owes no report and is never reminded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from core.programme import copenhagen_today, db
from plugins.volunteer_association.activities import OPEN_STATUSES
from plugins.volunteer_association.models import GrantApplication

REMINDER_DAYS = (30, 7)


@dataclass(frozen=True)
class GrantReminder:
    grant_id: int
    funder: str
    deadline: date
    days_before: int


def grant_deadline_reminders(tenant_id: int | None = None, today: date | None = None) -> list[GrantReminder]:
    """The reminders due today (see the module); runs inside the tenant, so the ORM filters to it."""
    today = today or copenhagen_today()
    days_by_deadline = {today + timedelta(days=d): d for d in REMINDER_DAYS}
    rows = db.session.execute(
        select(GrantApplication.id, GrantApplication.funder, GrantApplication.reporting_deadline)
        .where(
            GrantApplication.reporting_deadline.in_(list(days_by_deadline)),
            GrantApplication.status.in_(OPEN_STATUSES),
        )
        .order_by(GrantApplication.reporting_deadline, GrantApplication.id)
    ).all()
    # The IN above leaves out rows without a deadline; the check only says so to the type checker.
    return [GrantReminder(gid, funder, deadline, days_by_deadline[deadline]) for gid, funder, deadline in rows if deadline is not None]


def short_handed_shift_notices(tenant_id: int, today: str | None = None) -> int:
    """The daily job: an e-mail notice once per short-handed shift in the next ``FLAG_DAYS`` days (core/notices).

    To the running organisation's staff and volunteers (those who can fill it), who
    have not said no to this kind; the text names the shift's time, never a person.
    Safe to run twice: one notice per (person, shift) by the UNIQUE key.
    """
    from functools import partial

    from flask_babel import format_date
    from flask_babel import gettext as _

    from core.programme import Outgoing, copenhagen_today, path_for, people, queue_notices, tenant_slug
    from core.programme import roles as R
    from plugins.volunteer_association.notices import SHORT_HANDED_SHIFT
    from plugins.volunteer_association.organisation import running_organisation_ids
    from plugins.volunteer_association.shifts import short_handed

    day = date.fromisoformat(today) if today else copenhagen_today()
    rows = short_handed(day)
    if not rows:
        return 0
    running = running_organisation_ids()
    concerned = [p for p in people() if p.organisation_id in running and p.has_any((R.PARTNER_STAFF, R.VOLUNTEER))]
    link = path_for("volunteer_association.index", tenant=tenant_slug(tenant_id))

    def message(shift, signed_up: int) -> tuple[str, str]:
        when = format_date(shift.day, "full")
        starts = shift.starts.strftime("%H:%M")
        subject = _("A shop shift needs volunteers: %(day)s at %(time)s", day=when, time=starts)
        body = _(
            "The shop shift on %(day)s from %(time)s has %(signed)s of the %(needed)s volunteers it needs. "
            "Open the shifts in Samvirke to sign up or to find someone.",
            day=when,
            time=starts,
            signed=signed_up,
            needed=shift.needed,
        )
        return subject, body

    outgoing = [
        Outgoing(
            subject_key=f"shift:{shift.id}:{shift.day.isoformat()}:{shift.starts.isoformat(timespec='minutes')}",
            people=concerned,
            message=partial(message, shift, n),
            link=link,
        )
        for shift, n in rows
    ]
    return queue_notices(SHORT_HANDED_SHIFT, outgoing)
