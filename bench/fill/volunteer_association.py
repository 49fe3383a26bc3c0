"""The association's shop: hours, shifts with sign-ups and takings, expenses, donations, grants and activities."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from bench.fill import Context
from bench.fill.volunteers import add_volunteers
from plugins.volunteer_association.models import (
    DONATION_CATEGORIES,
    EXPENSE_CATEGORIES,
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

TITLES = {"help": "Julehjælp", "experience": "Sommertur", "network": "Mødrecafé"}


def _money(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def fill(ctx: Context) -> None:
    p, rng, today = ctx.profile, ctx.rng, ctx.today
    organisation = ctx.organisation("volunteer_association")
    volunteers = add_volunteers(ctx, organisation, p.association_volunteers) if organisation else []
    for weekday in p.shop_days:
        ctx.add(ShopHours.__table__, weekday=weekday, opens=time(10, 0), closes=time(17, 0))
    day = ctx.first_day
    last = today + timedelta(days=p.days_ahead)
    while day <= last:
        if day.weekday() in p.shop_days:
            for slot in range(p.shifts_per_day):
                starts = time(8 + slot // 2 % 12, 30 * (slot % 2))
                shift = ctx.add(
                    Shift.__table__, day=day, starts=starts, ends=time(min(23, starts.hour + 3), starts.minute), needed=p.signups_per_shift
                )
                # Now and then a shift is short of a volunteer (flagged on the roster).
                staffed = p.signups_per_shift - (1 if rng.random() < 0.15 else 0)
                on_shift = rng.sample(volunteers, min(len(volunteers), staffed))
                for n, volunteer in enumerate(on_shift):
                    ctx.add(
                        ShiftSignup.__table__,
                        shift_id=shift,
                        volunteer_id=volunteer,
                        status="offered" if day > today and n == 0 and rng.random() < 0.1 else "signed_up",
                        hours_worked=Decimal(3) if day <= today else None,
                    )
                if day <= today and rng.random() < 0.95:
                    cash = _money(rng, 300, 3000)
                    ctx.add(
                        Takings.__table__,
                        shift_id=shift,
                        cash=cash,
                        card=_money(rng, 200, 4000),
                        mobilepay=_money(rng, 100, 1500),
                        cash_counted=cash - (Decimal(rng.randint(0, 5000)) / 100 if rng.random() < 0.1 else 0),
                        recorded_by="bench",
                    )
        day += timedelta(days=1)
    months = p.years * 12
    history = 365 * p.years

    def back(days: int):
        """``days`` before today, wrapped into the years of history."""
        return today - timedelta(days=days % history)

    for n in range(months * p.expenses_per_month):
        ctx.add(
            Expense.__table__,
            day=back((n * 30) // max(1, p.expenses_per_month)),
            category=EXPENSE_CATEGORIES[n % len(EXPENSE_CATEGORIES)],
            amount=_money(rng, 50, 9000),
            description="Udgift (bench)",
        )
    for n in range(p.years * 52 * p.donations_per_week):
        ctx.add(
            Donation.__table__,
            day=back((n * 7) // max(1, p.donations_per_week)),
            category=DONATION_CATEGORIES[n % len(DONATION_CATEGORIES)],
            count=rng.randint(1, 40),
        )
    grants = []
    for n in range(p.grants_per_year * p.years):
        applied = ctx.first_day + timedelta(days=(365 * p.years * n) // max(1, p.grants_per_year * p.years))
        status = ("granted", "reported", "rejected", "submitted")[n % 4]
        grant = ctx.add(
            GrantApplication.__table__,
            funder=f"Fond {n + 1} (bench)",
            purpose="Aktiviteter for familier",
            amount_applied=Decimal(rng.randint(10, 200) * 1000),
            applied_on=applied,
            status=status,
            amount_granted=Decimal(rng.randint(5, 100) * 1000) if status in ("granted", "reported") else None,
            reporting_deadline=today + timedelta(days=rng.randint(-20, 120)) if status == "granted" else None,
        )
        if status == "granted":
            grants.append(grant)
    for n in range(months * p.activities_per_month):
        kind = ("help", "experience", "network")[n % 3]
        funded = "grant" if grants and n % 4 == 0 else "shop_surplus"
        activity = ctx.add(
            Activity.__table__,
            kind=kind,
            title=f"{TITLES[kind]} {n + 1}",
            day=back((30 * n) // max(1, p.activities_per_month)),
            place="Familiehuset",
            families=rng.randint(3, 40),
            children=rng.randint(3, 80),
            funding=funded,
            grant_id=grants[n % len(grants)] if funded == "grant" else None,
            cost=_money(rng, 0, 8000),
        )
        for volunteer in rng.sample(volunteers, min(len(volunteers), p.volunteers_per_activity)):
            ctx.add(ActivityVolunteer.__table__, activity_id=activity, volunteer_id=volunteer)
