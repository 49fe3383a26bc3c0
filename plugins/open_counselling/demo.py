"""Demo data for a tenant with open counselling: a year of contacts that look real.

Deterministic per tenant and safe to load twice. Loaded only where an
agreement covers the programme, in the name of the organisation running it
there (Mødrehjælpen in Fredericia, another organisation elsewhere).
"""

from __future__ import annotations

import random
from datetime import time, timedelta

from sqlalchemy import func, select

from core.programme import Tenant, copenhagen_today, db, organisations_of_programme
from plugins.open_counselling import services
from plugins.open_counselling.governance import agreed_governance
from plugins.open_counselling.models import (
    AGE_BANDS,
    EMPLOYMENT,
    INCOME_BASES,
    Closure,
    Contact,
    GovernanceMeeting,
    Notification,
    Office,
    OpeningHours,
)

REASON_WEIGHTS = {"parenthood": 40, "housing_economy": 30, "relationship": 20, "violence": 6, "grief_crisis": 8, "other": 6}
DESCRIPTIONS = [
    "Usikker på amning og søvn; ønsker sparring om rutiner.",
    "Restance på husleje; hjælp til budget og kontakt til gældsrådgivning.",
    "Konflikter med barnets far om samvær.",
    "Nyligt mistet sin mor; svært ved at overskue hverdagen.",
    "Spørgsmål om barselsdagpenge og ret til orlov.",
]


KEY = "open_counselling"


def load(tenant: Tenant) -> None:
    if db.session.scalar(select(func.count()).select_from(Contact)):
        return
    organisations = organisations_of_programme(KEY)
    if not organisations:
        return  # no agreement covers the programme here: nobody to run it
    organisation = organisations[0]
    rng = random.Random(tenant.id * 7)
    today = copenhagen_today()
    town = tenant.name.replace(" Kommune", "")
    office = Office(
        name=f"{organisation.name}, åben rådgivning {town}",
        address="Familiehuset, Prinsessegade 20",
        phone="+45 70 20 30 40",
        phone_counselling="+45 33 45 43 43",
    )
    db.session.add(office)
    db.session.flush()
    db.session.add_all(
        [
            OpeningHours(office_id=office.id, weekday=1, opens=time(10, 0), closes=time(14, 0)),
            OpeningHours(office_id=office.id, weekday=3, opens=time(13, 0), closes=time(17, 0)),
            Closure(
                office_id=office.id,
                day=today + timedelta(days=9),
                reason="Rådgiveren er syg",
                notice=f"Ring til telefonrådgivningen ({organisation.name}) i stedet på 33 45 43 43.",
            ),
        ]
    )
    families = []
    for number in range(1, 131):
        children = rng.choice([1, 1, 1, 2, 2, 3])
        family = services.save_family(
            {
                "family_number": f"{town[:2].upper()}-{today.year - 1}-{number:03d}",
                "parent_age_band": rng.choices(AGE_BANDS, weights=[3, 25, 30, 35, 7])[0],
                "pregnant": rng.random() < 0.2,
                "children_count": children,
                "children_ages": ",".join(str(rng.randint(0, 6)) for _ in range(children)),
                "income_basis": rng.choices(INCOME_BASES, weights=[30, 12, 8, 22, 8, 1, 15, 4])[0],
                "employment_status": rng.choice(EMPLOYMENT),
                "household": rng.choice(["single", "single", "couple"]),
            },
            "demo",
        )
        if family.pregnant:
            family.pregnancy_week = rng.randint(8, 38)
        families.append(family)
    for family in families:
        first = today - timedelta(days=rng.randint(1, 360))
        for n in range(rng.choices([1, 2, 3, 5], weights=[55, 25, 15, 5])[0]):
            day = min(today, first + timedelta(days=14 * n + rng.randint(0, 5)))
            reasons = set(rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()), k=rng.choice([1, 1, 2])))
            level = rng.choices([1, 2, 3, 4], weights=[55, 30, 10, 5])[0]
            referrals = []
            if "housing_economy" in reasons and rng.random() < 0.4:
                referrals.append("financial_counselling")
            if "relationship" in reasons and rng.random() < 0.3:
                referrals.append("legal_aid")
            if level >= 3:
                referrals.append("municipality")
            contact = Contact(
                family_id=family.id,
                day=day,
                channel=rng.choices(["in_person", "phone", "online"], weights=[60, 30, 10])[0],
                duration_minutes=rng.choice([20, 30, 45, 60]),
                counsellor="demo",
                need_level=level,
                description=rng.choice(DESCRIPTIONS),
                format="short_course" if n > 1 and rng.random() < 0.3 else "single",
            )
            from plugins.open_counselling.models import ContactReason, ContactReferral

            contact.reasons = [ContactReason(reason=r) for r in sorted(reasons)]
            contact.referrals = [ContactReferral(referral=r) for r in sorted(set(referrals))]
            db.session.add(contact)
    db.session.add_all(
        [
            Notification(
                family_id=families[3].id,
                day=today - timedelta(days=150),
                ground="Bekymring for barnets trivsel efter vold i hjemmet.",
                author="Rådgiver (demo)",
                recipient_unit=f"Børne- og Familieafdelingen, {tenant.name}",
                channel="digital",
                receipt_confirmed_on=today - timedelta(days=149),
            ),
            Notification(
                family_id=None,
                day=today - timedelta(days=40),
                ground="Gravid i uge 30 uden bolig.",
                author="Rådgiver (demo)",
                recipient_unit=f"Børne- og Familieafdelingen, {tenant.name}",
                channel="phone",
            ),
        ]
    )
    # Meetings of the groups the agreement sets up only.
    groups = agreed_governance().rhythms
    db.session.add_all(
        [
            meeting
            for meeting in (
                GovernanceMeeting(
                    kind="steering",
                    held_on=today - timedelta(days=170),
                    members=f"{organisation.name}, {tenant.name} (chef for Familie og Forebyggelse)",
                    minutes="Årlig gennemgang af aftalen; uændret fortsættelse.",
                ),
                GovernanceMeeting(
                    kind="follow",
                    held_on=today - timedelta(days=80),
                    members="Rådgiver, frivilligkonsulent, sundhedsplejen, familieafdelingen",
                    minutes="Henvisningsveje og åbningstider i julen.",
                ),
                GovernanceMeeting(
                    kind="follow",
                    held_on=today - timedelta(days=10),
                    members="Rådgiver, frivilligkonsulent, familieafdelingen",
                    minutes="Status på antal familier; lukkedage.",
                ),
            )
            if meeting.kind in groups
        ]
    )
    db.session.flush()
