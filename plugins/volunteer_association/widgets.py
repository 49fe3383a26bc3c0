"""The dashboard widget of the association: grants whose report is due soon or overdue.

Funders and dates only (no personal data), for the tenant in context.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup

from plugins.volunteer_association.activities import DUE_SOON_DAYS, deadline_flags


def reminders_widget() -> str:
    flags = deadline_flags(date.today())
    if not flags:
        return Markup("<p>{}</p>").format(_("No grant reports due within %(days)s days.", days=DUE_SOON_DAYS))
    items = Markup("").join(
        Markup('<li data-deadline-status="{}"><strong>{}</strong>: {}</li>').format(
            f.status,
            f.funder,
            _("report overdue since %(day)s", day=f.deadline.isoformat())
            if f.status == "overdue"
            else _("report due by %(day)s", day=f.deadline.isoformat()),
        )
        for f in flags
    )
    return Markup('<p>{}</p><ul class="nobullet-list">{}</ul>').format(_("Grant reports due:"), items)
