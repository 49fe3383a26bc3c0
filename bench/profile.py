"""How much data one tenant gets: the realistic default and the small ones the test-suite multiplies.

``Profile()`` is one municipality's activity per year as the programmes see it
(about 2,400 rows a year: 98 tenants x 5 years is about a million rows).
``Profile.tiny().scaled(10)`` is ten times ``Profile.tiny()`` in every count,
per parent as well as in all (ten times the sessions per course, the mothers
per course, the reasons a contact may have ...), so a page that runs one
query per row of any list shows a different number of statements at the two
sizes (tests/test_statement_counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

# Counts that grow with ``scaled``; the rest (years, probabilities) do not.
SCALED = {
    "courses_per_year",
    "course_weeks",
    "mothers_per_course",
    "pending_referrals_per_year",
    "drc_volunteers",
    "volunteers_per_course",
    "contacts_per_year",
    "max_reasons",
    "notifications_per_year",
    "offices",
    "closures",
    "shifts_per_day",
    "signups_per_shift",
    "association_volunteers",
    "expenses_per_month",
    "donations_per_week",
    "activities_per_month",
    "volunteers_per_activity",
    "grants_per_year",
    "meetings_per_year",
}


@dataclass(frozen=True)
class Profile:
    years: int = 5
    # Mother groups: overlapping courses of about 8 months, 8 mothers each.
    courses_per_year: float = 2.6
    course_weeks: int = 35
    mothers_per_course: int = 8
    pending_referrals_per_year: int = 2
    drc_volunteers: int = 10
    volunteers_per_course: int = 3
    # Open counselling: about three contacts a week, a family coming back three times.
    contacts_per_year: int = 148
    contacts_per_family: int = 3
    max_reasons: int = 3
    notifications_per_year: int = 3
    offices: int = 1
    closures: int = 3
    # The association's shop: open three days a week, one shift a day, two volunteers on it.
    shop_days: tuple[int, ...] = (1, 3, 5)
    shifts_per_day: int = 1
    signups_per_shift: int = 2
    association_volunteers: int = 20
    expenses_per_month: int = 4
    donations_per_week: int = 3
    activities_per_month: int = 2
    volunteers_per_activity: int = 3
    grants_per_year: int = 3
    # Governance of each programme (joint meetings, steering and follow groups).
    meetings_per_year: int = 6
    # Days of shifts and courses ahead of today (the pages show the coming weeks).
    days_ahead: int = 28

    @classmethod
    def tiny(cls) -> Profile:
        """The smallest tenant every page still has something to show for: one or two of everything."""
        return cls(
            years=1,
            courses_per_year=2,
            course_weeks=2,
            mothers_per_course=2,
            pending_referrals_per_year=1,
            drc_volunteers=2,
            volunteers_per_course=1,
            contacts_per_year=4,
            contacts_per_family=2,
            max_reasons=1,
            notifications_per_year=2,
            offices=1,
            closures=1,
            shop_days=(1, 4),
            shifts_per_day=1,
            signups_per_shift=1,
            association_volunteers=2,
            expenses_per_month=1,
            donations_per_week=1,
            activities_per_month=1,
            volunteers_per_activity=1,
            grants_per_year=2,
            meetings_per_year=2,
        )

    def scaled(self, factor: int) -> Profile:
        """Every count times ``factor`` (reasons per contact stop at the six reasons there are)."""
        changes = {}
        for f in fields(self):
            if f.name in SCALED:
                value = getattr(self, f.name)
                changes[f.name] = type(value)(value * factor)
        changes["max_reasons"] = min(6, changes["max_reasons"])
        return replace(self, **changes)
