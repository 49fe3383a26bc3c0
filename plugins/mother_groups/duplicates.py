"""A referral of a mother who is already referred or taking part: found before it is sent.

Every referral registers the mother anew (the health visitor cannot see the
programme's mothers), so a second referral of the same woman would make a
second person. Before sending, the referral is compared with the mothers
whose referral is waiting for a decision or who are enrolled or wait-listed
on a course: the same CPR number, or the same name (letter case and spacing
ignored). A match is not refused (two women may share a name, and a mother
may need a new referral) but must be confirmed: the form comes back with a
warning and a box to tick.

CPR numbers are stored encrypted (a fresh nonce each), so they are compared
after decryption, among those active mothers only: one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import fields
from sqlalchemy import select
from stdnum.dk import cpr as stdnum_cpr

from core.programme import N_, db
from plugins.mother_groups.models import Enrolment, Mother, Referral
from plugins.mother_groups.schemas import ReferralSchema

ACTIVE_ENROLMENTS = ("enrolled", "waitlisted")
CONFIRM_FIELD = "confirm_duplicate"


class ConfirmedReferralSchema(ReferralSchema):
    """The referral form once a possible duplicate was found: the same fields and the confirmation."""

    confirm_duplicate = fields.Boolean(
        load_default=False,
        metadata={"label": N_("It is another mother, or she needs a new referral: send it anyway")},
    )


@dataclass(frozen=True)
class Match:
    mother_id: int
    name: str | None
    by_cpr: bool
    state: str  # "pending" (a referral waits for a decision), "enrolled" or "waitlisted"


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def matches(data: dict[str, Any]) -> list[Match]:
    """The active mothers this referral may be a second one of, by CPR number or by name."""
    pending = select(Referral.mother_id).where(Referral.status == "pending")
    taking_part = select(Enrolment.mother_id).where(Enrolment.status.in_(ACTIVE_ENROLMENTS))
    # One statement: each active mother with the state that makes her active (pending first).
    rows = db.session.execute(
        select(Mother.id, Mother.name, Mother.cpr, Referral.status, Enrolment.status)
        .outerjoin(Referral, (Referral.mother_id == Mother.id) & (Referral.status == "pending"))
        .outerjoin(Enrolment, (Enrolment.mother_id == Mother.id) & Enrolment.status.in_(ACTIVE_ENROLMENTS))
        .where(Mother.anonymised_at.is_(None), Mother.id.in_(pending.union(taking_part)))
        .order_by(Mother.id)
    ).all()
    cpr = stdnum_cpr.compact(data["cpr"]) if data.get("cpr") else None
    name = _name_key(data.get("name"))
    found: dict[int, Match] = {}
    for mother_id, mother_name, mother_cpr, referral_status, enrolment_status in rows:
        by_cpr = cpr is not None and mother_cpr == cpr
        if mother_id in found or not (by_cpr or (name and _name_key(mother_name) == name)):
            continue
        found[mother_id] = Match(mother_id, mother_name, by_cpr, "pending" if referral_status else enrolment_status)
    return list(found.values())
