"""The dashboard widget of the association: grants whose report is due soon or overdue.

Funders and dates only (no personal data), for the tenant in context.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from core.programme import copenhagen_today, format_day_long, link_to
from plugins.volunteer_association.activities import DUE_SOON_DAYS, deadline_flags


def reminders_widget() -> str:
    flags = deadline_flags(copenhagen_today())
    grants = "volunteer_association_activities.grants"  # the list behind the counts, for those who may open it
    if not flags:
        return Markup("<p>{}</p>").format(link_to(_("No grant reports due within %(days)s days.", days=DUE_SOON_DAYS), grants))
    items = Markup("").join(
        Markup('<li data-deadline-status="{}"><strong>{}</strong>: {}</li>').format(
            f.status,
            f.funder,
            _("report overdue since %(day)s", day=format_day_long(f.deadline))
            if f.status == "overdue"
            else _("report due by %(day)s", day=format_day_long(f.deadline)),
        )
        for f in flags
    )
    return Markup('<p>{}</p><ul class="nobullet-list">{}</ul>').format(link_to(_("Grant reports due:"), grants), items)
