"""Open counselling: offices and hours, anonymous families, contacts with reasons and referrals, notifications."""

from __future__ import annotations

from datetime import time, timedelta

from bench.fill import Context
from plugins.open_counselling.models import (
    AGE_BANDS,
    EMPLOYMENT,
    INCOME_BASES,
    REASONS,
    REFERRALS,
    Closure,
    Contact,
    ContactReason,
    ContactReferral,
    Family,
    GovernanceMeeting,
    Notification,
    Office,
    OpeningHours,
)


def fill(ctx: Context) -> None:
    p, rng, today = ctx.profile, ctx.rng, ctx.today
    offices = []
    for n in range(p.offices):
        office = ctx.add(
            Office.__table__,
            name=f"Åben rådgivning {n + 1} (bench)",
            address=f"Familiehuset {n + 1}",
            phone="+45 70 20 30 40",
            phone_counselling="+45 33 45 43 43",
        )
        offices.append(office)
        ctx.add(OpeningHours.__table__, office_id=office, weekday=1, opens=time(10, 0), closes=time(14, 0))
        ctx.add(OpeningHours.__table__, office_id=office, weekday=3, opens=time(13, 0), closes=time(17, 0))
    for n in range(p.closures):
        ctx.add(
            Closure.__table__,
            office_id=offices[n % len(offices)],
            day=today + timedelta(days=3 + 7 * n),
            reason="Rådgiveren er syg",
            notice="Ring til telefonrådgivningen i stedet.",
        )
    contacts = p.contacts_per_year * p.years
    families = []
    for number in range(max(1, contacts // p.contacts_per_family)):
        children = rng.choice((1, 1, 2, 3))
        families.append(
            ctx.add(
                Family.__table__,
                family_number=f"B-{ctx.tenant_id}-{number + 1:05d}",
                parent_age_band=rng.choice(AGE_BANDS),
                pregnant=rng.random() < 0.2,
                children_count=children,
                children_ages=",".join(str(rng.randint(0, 8)) for _ in range(children)),
                income_basis=rng.choice(INCOME_BASES),
                employment_status=rng.choice(EMPLOYMENT),
                household=rng.choice(("single", "single", "couple")),
            )
        )
    span = (today - ctx.first_day).days
    for n in range(contacts):
        # The newest contacts cycle through 1..max_reasons reasons, so a list of them holds every size.
        reasons = rng.sample(REASONS, 1 + n % p.max_reasons)
        contact = ctx.add(
            Contact.__table__,
            family_id=families[n % len(families)],
            day=ctx.first_day + timedelta(days=span * n // contacts),
            channel=rng.choice(("in_person", "in_person", "phone", "online")),
            duration_minutes=rng.choice((20, 30, 45, 60)),
            counsellor="bench",
            description="Samtale om hverdagen (bench)",
            need_level=rng.choice((1, 1, 2, 2, 3, 4)),
            format="single",
        )
        for reason in reasons:
            ctx.add(ContactReason.__table__, contact_id=contact, reason=reason)
        if n % 5 == 0:
            ctx.add(ContactReferral.__table__, contact_id=contact, referral=rng.choice(REFERRALS))
    for n in range(p.notifications_per_year * p.years):
        ctx.add(
            Notification.__table__,
            family_id=families[(n * 7) % len(families)] if n % 3 else None,
            day=today - timedelta(days=30 + (span * n) // max(1, p.notifications_per_year * p.years)),
            ground="Bekymring for barnets trivsel (bench).",
            author="Rådgiver (bench)",
            recipient_unit="Børne- og Familieafdelingen",
            channel="digital",
        )
    for n in range(p.meetings_per_year * p.years):
        ctx.add(
            GovernanceMeeting.__table__,
            kind="steering" if n % 3 == 0 else "follow",
            held_on=today - timedelta(days=span * n // max(1, p.meetings_per_year * p.years)),
            members="Mødrehjælpen, kommunen",
            minutes="Referat (bench)",
        )
