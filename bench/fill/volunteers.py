"""Core's volunteer registry: the volunteers of each organisation running a programme in the tenant."""

from __future__ import annotations

from datetime import timedelta

from bench.fill import Context
from core.volunteers.models import Volunteer, VolunteerReminder

FIRST = ["Anne", "Birgitte", "Charlotte", "Dorthe", "Eva", "Hanne", "Inge", "Jette", "Karin", "Lene", "Mette", "Susanne", "Tove"]
LAST = ["Hansen", "Holm", "Jensen", "Lund", "Madsen", "Nielsen", "Pedersen", "Rasmussen", "Sørensen", "Thomsen"]


def add_volunteers(ctx: Context, organisation_id: int, count: int) -> list[int]:
    """``count`` volunteers of the organisation: most ready to work, some with a certificate running out or gone.

    An organisation running two programmes in the tenant has one registry: the
    volunteers made for the first are reused (and added to) for the second.
    """
    table = Volunteer.__table__
    ids = list(ctx.volunteers.get(organisation_id, []))[:count]
    for n in range(len(ids), count):
        roll = ctx.rng.random()
        valid_until = ctx.today + timedelta(days=ctx.rng.randint(90, 900) if roll > 0.15 else ctx.rng.randint(-60, 50))
        vid = ctx.add(
            table,
            name=f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)} (bench {n + 1})",
            phone=f"+45 {ctx.rng.randint(20000000, 99999999)}",
            organisation_id=organisation_id,
            training_completed_on=ctx.first_day + timedelta(days=ctx.rng.randint(0, 200)),
            insured_from=ctx.first_day,
            certificate_requested_on=ctx.first_day,
            certificate_consent_given=True,
            certificate_assessed_on=ctx.first_day + timedelta(days=14),
            certificate_result="approved",
            certificate_valid_until=valid_until,
            certificate_document_deleted_on=ctx.first_day + timedelta(days=15),
        )
        if valid_until < ctx.today + timedelta(days=60):
            ctx.add(VolunteerReminder.__table__, volunteer_id=vid, kind="certificate", days_before=60, expires_on=valid_until)
        ids.append(vid)
        ctx.volunteers.setdefault(organisation_id, []).append(vid)
    return ids
