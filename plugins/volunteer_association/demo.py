"""Demo data for a tenant with the association: a year of shifts, takings and activities.

Deterministic per tenant and safe to load twice. Loaded only where an
agreement covers the programme: the volunteers belong to the organisation
running it there, and the demo volunteer's log-in is the development
provider's volunteer of that organisation (so in a tenant where another
organisation runs another programme, its volunteer is a different log-in).
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.programme import Tenant, Volunteer, copenhagen_today, db, insert_rows, organisations_of_programme, volunteer_subject
from plugins.volunteer_association.models import (
    Activity,
    ActivityVolunteer,
    Donation,
    Expense,
    GrantApplication,
    Shift,
    ShiftSignup,
    ShopHours,
    Takings,
)

ACTIVITIES = {
    "help": ["Julehjælp: madkasser", "Tøjbytte for børnefamilier", "Udlån af barnevogne"],
    "experience": ["Sommertur til Givskud Zoo", "Juletræsfest", "Biograftur med familier"],
    "network": ["Mødrecafé", "Fædrecafé i biblioteket", "Fællesspisning i Familiehuset"],
}


KEY = "volunteer_association"


def load(tenant: Tenant) -> None:
    if db.session.scalar(select(func.count()).select_from(Shift)):
        return
    organisations = organisations_of_programme(KEY)
    if not organisations:
        return  # no agreement covers the programme here: nobody to run it
    organisation = organisations[0]
    rng = random.Random(tenant.id * 13)
    today = copenhagen_today()
    issuer = (tenant.identity_provider or {}).get("issuer", "")
    own_login = f"{issuer}|{volunteer_subject(tenant.slug, organisation.slug)}"  # the demo volunteer's own log-in
    # One person, one volunteer in the registry: where the organisation's demo volunteer already
    # volunteers in another of its programmes here, she is the same volunteer (one log-in, one row).
    existing = db.session.scalar(select(Volunteer).where(Volunteer.login_subject == own_login))
    volunteers = [
        Volunteer(
            name=name,
            organisation_id=organisation.id,
            login_subject=login,
            insured_from=today - timedelta(days=800),
            training_completed_on=today - timedelta(days=700),
        )
        for name, login in [
            ("Grethe Nielsen", own_login),
            ("Inge Madsen", None),
            ("Lis Kristensen", None),
            ("Ole Pedersen", None),
            ("Susanne Berg", None),
        ]
        if not (login and existing is not None)
    ]
    db.session.add_all(volunteers)
    if existing is not None:
        existing.insured_from = existing.insured_from or today - timedelta(days=800)
        existing.training_completed_on = existing.training_completed_on or today - timedelta(days=700)
        volunteers.insert(0, existing)
    db.session.add_all(
        [ShopHours(weekday=d, opens=time(10, 0), closes=time(17, 30)) for d in range(0, 5)]
        + [ShopHours(weekday=5, opens=time(10, 0), closes=time(14, 0))]
    )
    db.session.flush()
    # A year of shifts: inserted together (one flush), then their sign-ups and takings by id.
    shifts: list[tuple[Shift, list[Volunteer], dict | None]] = []
    day = today - timedelta(days=365)
    while day <= today + timedelta(days=21):
        if day.weekday() < 6:
            for starts, ends in (
                ((time(10, 0), time(13, 45)), (time(13, 45), time(17, 30))) if day.weekday() < 5 else ((time(10, 0), time(14, 0)),)
            ):
                shift = Shift(day=day, starts=starts, ends=ends, needed=2)
                staff = rng.sample(volunteers, 2 if day <= today or rng.random() < 0.7 else 1)
                takings = None
                if day < today:
                    cash = Decimal(rng.randint(150, 1400))
                    takings = {
                        "cash": cash,
                        "card": Decimal(rng.randint(200, 2500)),
                        "mobilepay": Decimal(rng.randint(100, 1500)),
                        "cash_counted": cash + Decimal(rng.choice([0, 0, 0, 0, -20, 10])),
                    }
                shifts.append((shift, staff, takings))
        if day.day == 1 and day <= today:
            db.session.add_all(
                [
                    Expense(day=day, category="rent", amount=Decimal("6500.00"), description="Husleje butikken"),
                    Expense(day=day, category="utilities", amount=Decimal(rng.randint(600, 1400)), description="El og varme"),
                ]
            )
        if day.weekday() == 1 and day <= today:
            db.session.add(
                Donation(
                    day=day, category=rng.choice(["clothes", "children_clothes", "toys", "books", "household"]), count=rng.randint(5, 40)
                )
            )
        day += timedelta(days=1)
    db.session.add_all([shift for shift, _, _ in shifts])
    db.session.flush()
    # Their sign-ups and takings as rows: one INSERT per table (thousands of rows).
    insert_rows(ShiftSignup, [{"shift_id": shift.id, "volunteer_id": volunteer.id} for shift, staff, _ in shifts for volunteer in staff])
    insert_rows(Takings, [{"shift_id": shift.id, "recorded_by": "demo", **takings} for shift, _, takings in shifts if takings is not None])
    grant = GrantApplication(
        funder="Fonden for socialt arbejde",
        purpose="Sommerture for børnefamilier",
        amount_applied=Decimal("40000"),
        applied_on=today - timedelta(days=300),
        status="granted",
        amount_granted=Decimal("30000"),
        reporting_deadline=today + timedelta(days=25),
    )
    db.session.add_all(
        [
            grant,
            GrantApplication(
                funder="Lokale Lions Club",
                purpose="Julehjælp",
                amount_applied=Decimal("15000"),
                applied_on=today - timedelta(days=20),
                status="submitted",
            ),
        ]
    )
    db.session.flush()
    for month in range(12):
        kind = ("help", "experience", "network")[month % 3]
        activity = Activity(
            kind=kind,
            title=rng.choice(ACTIVITIES[kind]),
            day=today - timedelta(days=30 * month + rng.randint(0, 20)),
            place="Familiehuset",
            families=rng.randint(5, 25),
            children=rng.randint(8, 40),
            funding="grant" if kind == "experience" else "shop_surplus",
            grant_id=grant.id if kind == "experience" else None,
            cost=Decimal(rng.randint(800, 6000)),
        )
        db.session.add(activity)
        db.session.flush()
        for volunteer in rng.sample(volunteers, 2):
            db.session.add(ActivityVolunteer(activity_id=activity.id, volunteer_id=volunteer.id))
