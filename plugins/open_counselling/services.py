"""Registering contacts and families, erasure and retention.

Each flushes (ids for the audit trail, and a duplicate family number refused
where it happens) and never commits: the request, or the retention job, is
the unit of work.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.programme import copenhagen_today, db, utcnow
from plugins.open_counselling.models import Contact, ContactReason, ContactReferral, Family, Notification

FAMILY_FIELDS = (
    "parent_age_band",
    "pregnant",
    "pregnancy_week",
    "children_count",
    "children_ages",
    "income_basis",
    "employment_status",
    "household",
)


def family_by_number(number: str) -> Family | None:
    return db.session.scalar(select(Family).where(Family.family_number == number))


def save_family(data: dict[str, Any], recorded_by: str, family: Family | None = None) -> Family:
    family = family or Family(family_number=data["family_number"])
    if family.id is None:
        db.session.add(family)
    for key in FAMILY_FIELDS:
        if key in data:
            setattr(family, key, data[key])
    if data.get("name") and data.get("consent"):
        family.name = data["name"]
        family.consent_given_on = family.consent_given_on or copenhagen_today()
        family.consent_recorded_by = recorded_by
        family.consent_withdrawn_on = None
    db.session.flush()
    return family


def register_contact(data: dict[str, Any], counsellor: str) -> Contact:
    """A contact for the family with this number; a new number is a new anonymous family."""
    family = family_by_number(data["family_number"]) or save_family({"family_number": data["family_number"]}, counsellor)
    contact = Contact(
        family_id=family.id,
        day=data["day"],
        channel=data["channel"],
        duration_minutes=data["duration_minutes"],
        counsellor=counsellor,
        description=data.get("description"),
        need_level=data["need_level"],
        format=data.get("format", "single"),
    )
    contact.reasons = [ContactReason(reason=r) for r in sorted(set(data["reasons"]))]
    contact.referrals = [ContactReferral(referral=r) for r in sorted(set(data.get("referrals") or []))]
    db.session.add(contact)
    db.session.flush()
    return contact


def anonymise_family(family: Family) -> None:
    """Remove identity and free text; keep the numbers the annual report needs."""
    family.name = None
    family.consent_withdrawn_on = family.consent_withdrawn_on or (copenhagen_today() if family.consent_given_on else None)
    for contact in family.contacts:
        contact.description = None
    for notification in db.session.scalars(select(Notification).where(Notification.family_id == family.id)):
        notification.ground = "(slettet)"
    family.anonymised_at = utcnow()
    db.session.flush()


def families_past_retention(today: date, retention_days: int) -> list[Family]:
    last = select(Contact.family_id, func.max(Contact.day).label("last_day")).group_by(Contact.family_id).subquery()
    cutoff = today - timedelta(days=retention_days)
    return list(
        db.session.scalars(
            select(Family).join(last, last.c.family_id == Family.id).where(Family.anonymised_at.is_(None), last.c.last_day < cutoff)
        )
    )
