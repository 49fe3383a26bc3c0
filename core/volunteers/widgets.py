"""The dashboard widget of the volunteer registry: counts only, for the tenant in context.

Someone acting for an organisation counts only that organisation's
volunteers (``core.volunteers.visible_criterion``), the municipality all of
the tenant's.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from core.calendar import copenhagen_today
from core.db import db
from core.volunteers import visible_criterion
from core.volunteers.models import Volunteer, VolunteerReminder
from core.web.links import link_to


def reminder_counts(today: date) -> tuple[int, int]:
    """(unacknowledged reminders, volunteers whose certificate has expired); tenant-scoped, and of the acting organisation's volunteers."""
    visible = visible_criterion()
    open_reminders = db.session.scalar(
        select(func.count(VolunteerReminder.id))
        .join(Volunteer, (Volunteer.id == VolunteerReminder.volunteer_id) & (Volunteer.tenant_id == VolunteerReminder.tenant_id))
        .where(VolunteerReminder.acknowledged_at.is_(None), visible)
    )
    expired = db.session.scalar(select(func.count(Volunteer.id)).where(Volunteer.certificate_valid_until < today, visible))
    return open_reminders or 0, expired or 0


def reminders_widget() -> str:
    # Counts, no names: the home page is open to every role of the tenant.
    open_reminders, expired = reminder_counts(copenhagen_today())
    # Each count leads to the registry's list (for those who may open it).
    return Markup("<p>{}</p><p>{}</p>").format(
        link_to(_("Unacknowledged reminders: %(count)s", count=open_reminders), "volunteers.index"),
        link_to(_("Expired child-protection certificates: %(count)s", count=expired), "volunteers.index"),
    )
