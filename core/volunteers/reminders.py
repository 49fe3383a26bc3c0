"""The daily job: warn 60 and 30 days before a certificate or insurance runs out."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from core.calendar import copenhagen_today
from core.db import db, insert_once
from core.volunteers.models import Volunteer, VolunteerReminder

THRESHOLDS = (60, 30)


def due_reminders(today: date) -> list[tuple[int, str, int, date]]:
    """(volunteer id, kind, days before, expiry) of every warning due today or overdue."""
    horizon = today + timedelta(days=max(THRESHOLDS))
    rows = db.session.execute(
        select(Volunteer.id, Volunteer.certificate_valid_until, Volunteer.insured_until).where(
            or_(
                and_(Volunteer.certificate_valid_until >= today, Volunteer.certificate_valid_until <= horizon),
                and_(Volunteer.insured_until >= today, Volunteer.insured_until <= horizon),
            )
        )
    ).all()
    due = []
    for volunteer_id, certificate_until, insured_until in rows:
        for kind, expires in (("certificate", certificate_until), ("insurance", insured_until)):
            if expires is None or expires < today:
                continue
            for days in THRESHOLDS:
                if (expires - today).days <= days:
                    due.append((volunteer_id, kind, days, expires))
    return due


def send_volunteer_reminders(tenant_id: int, today: str | None = None) -> int:
    """Record each due warning once (safe to run twice: UNIQUE + ON CONFLICT DO NOTHING)."""
    day = date.fromisoformat(today) if today else copenhagen_today()
    due = due_reminders(day)
    rows = [{"tenant_id": tenant_id, "volunteer_id": v, "kind": k, "days_before": d, "expires_on": e} for v, k, d, e in due]
    stored = insert_once(VolunteerReminder, rows, ["volunteer_id", "kind", "days_before", "expires_on"])
    from core.notices.producers import volunteer_expiry_notices

    volunteer_expiry_notices(tenant_id, due)  # and by e-mail to those who want it (core/notices)
    return stored
