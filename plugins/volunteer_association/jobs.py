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

from core.db import db
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
    today = today or date.today()
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
