"""Sample rows for the test kit (``samvirke_sample_rows``): one of each kind the programme's URLs name."""

from __future__ import annotations

from datetime import date, time

from core.programme import SampleRows, db
from plugins.open_counselling import models as oc
from plugins.open_counselling.services import register_contact


def sample_rows(marker: str) -> SampleRows:
    """A family's contact (free text of the authority-free room), an office with hours and a closure, and a notification of concern."""
    contact = register_contact(
        {
            "family_number": f"T-{marker}",
            "day": date(2026, 1, 5),
            "channel": "phone",
            "duration_minutes": 30,
            "reasons": ["parenthood"],
            "need_level": 1,
            "description": f"Fortroligt {marker}",
        },
        "test",
    )
    office = oc.Office(name=f"Kontor {marker}")
    db.session.add(office)
    db.session.flush()
    hours = oc.OpeningHours(office_id=office.id, weekday=1, opens=time(10, 0), closes=time(14, 0))
    closure = oc.Closure(office_id=office.id, day=date(2026, 12, 1), reason=f"Syg {marker}")
    notification = oc.Notification(
        day=date(2026, 1, 6),
        ground=f"Bekymringsgrund {marker}",
        author=f"R {marker}",
        recipient_unit=f"Familieafdelingen {marker}",
        channel="digital",
    )
    db.session.add_all([hours, closure, notification])
    db.session.flush()
    managers = frozenset({"partner_staff", "tenant_admin", "platform_admin"})
    return SampleRows(
        ids={
            "contact_id": contact.id,
            "family_id": contact.family_id,
            "office_id": office.id,
            "hours_id": hours.id,
            "closure_id": closure.id,
            "notification_id": notification.id,
        },
        # The authority-free room: the counselling free text, the family number, the ground of a concern.
        confidential=(f"Fortroligt {marker}", f"Bekymringsgrund {marker}", f"T-{marker}"),
        # The page's delete routes come first in a walk: the API's twins then find the row gone.
        narrowed={"/hours/<int:hours_id>": managers, "/closures/<int:closure_id>": managers},
    )
