"""The dashboard widgets of the association: shop shifts with too few volunteers, and grants whose report is due soon or overdue.

Times, counts, funders and dates only (no personal data), for the tenant in context.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from core.programme import copenhagen_today, format_clock, format_day_long, link_to
from plugins.volunteer_association.activities import DUE_SOON_DAYS, deadline_flags
from plugins.volunteer_association.shifts import FLAG_DAYS, short_handed


def short_handed_widget() -> str:
    rows = short_handed(copenhagen_today())
    if not rows:
        return Markup("<p>{}</p>").format(
            link_to(
                ngettext(
                    "Every shift the next day has enough volunteers.",
                    "Every shift the next %(num)d days has enough volunteers.",
                    FLAG_DAYS,
                ),
                "volunteer_association.index",
            )
        )
    items = Markup("").join(
        Markup("<li>{}</li>").format(
            _(
                "%(day)s %(time)s: %(signed)s of %(needed)s",
                day=shift.day.strftime("%d.%m"),
                time=format_clock(shift.starts),
                signed=n,
                needed=shift.needed,
            )
        )
        for shift, n in rows
    )
    # The heading leads to the shift plan, where the shifts are filled.
    return Markup("<p><strong>{}</strong></p><ul>{}</ul>").format(
        link_to(_("Shifts with too few volunteers:"), "volunteer_association.index"), items
    )


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
