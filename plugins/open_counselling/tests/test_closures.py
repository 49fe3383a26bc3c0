"""The open counselling's closed days: the core calendar's public holidays plus the agreement's days off.

Every date below was checked by hand against a calendar (Easter Sunday 2025: 20 April, 2026: 5 April,
2027: 28 March, 2028: 16 April, 2029: 1 April, 2030: 21 April; Maundy Thursday is Easter - 3 days,
Good Friday - 2, Easter Monday + 1, Ascension Day + 39, Whit Monday + 50) and is written literally.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from core.programme import db
from core.testing import tenant_context
from core.testing.fixtures import agreement_says
from plugins.open_counselling import schedule, schedule_views
from plugins.open_counselling.models import Office, OpeningHours
from plugins.open_counselling.schedule import agreement_closures, is_open, next_closures

# What Fredericia's agreement with Mødrehjælpen declares (checked against the real file below).
FREDERICIA_DAYS_OFF = ["05-01", "06-05", "day_after_ascension", "12-24", "between_christmas_and_new_year", "12-31"]
TUESDAY, THURSDAY = 1, 3

# (Maundy Thursday, Good Friday, Easter Monday, Ascension Day, the day after, Whit Monday)
EASTER = {
    2025: ("2025-04-17", "2025-04-18", "2025-04-21", "2025-05-29", "2025-05-30", "2025-06-09"),
    2026: ("2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-15", "2026-05-25"),
    2027: ("2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-07", "2027-05-17"),
    2028: ("2028-04-13", "2028-04-14", "2028-04-17", "2028-05-25", "2028-05-26", "2028-06-05"),
    2029: ("2029-03-29", "2029-03-30", "2029-04-02", "2029-05-10", "2029-05-11", "2029-05-21"),
    2030: ("2030-04-18", "2030-04-19", "2030-04-22", "2030-05-30", "2030-05-31", "2030-06-10"),
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def feed_days() -> list[date]:
    """The closed days from Sunday 10 May 2026 for 12 months, with Fredericia's days off, by hand."""
    return [
        *(d(x) for x in ("2026-05-14", "2026-05-15", "2026-05-24", "2026-05-25", "2026-06-05")),
        *(date(2026, 12, day) for day in range(24, 32)),
        *(d(x) for x in ("2027-01-01", "2027-03-25", "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-07")),
    ]


def _year(year: int) -> dict[date, str]:
    return dict(agreement_closures(date(year, 1, 1), date(year + 1, 1, 1), FREDERICIA_DAYS_OFF))


def test_the_real_fredericia_agreement_declares_these_days():
    tenant = tomllib.loads((Path(__file__).parents[3] / "tenants" / "fredericia.toml").read_text())
    (agreement,) = [a for a in tenant["agreements"] if "open_counselling" in a["programmes"]]
    assert agreement["days_off"] == FREDERICIA_DAYS_OFF


def test_the_hand_written_calendar_is_gone():
    assert not hasattr(schedule, "fixed_closures") and not hasattr(schedule, "ascension_day")


@pytest.mark.parametrize("year", sorted(EASTER))
def test_easter_ascension_and_whitsun_are_closed_2025_to_2030(year):
    closed = _year(year)
    maundy, good_friday, easter_monday, ascension, after, whit_monday = (d(x) for x in EASTER[year])
    assert (maundy.weekday(), good_friday.weekday(), easter_monday.weekday()) == (3, 4, 0)  # the table is sane
    assert (ascension.weekday(), after.weekday(), whit_monday.weekday()) == (3, 4, 0)
    assert closed[maundy] == "Skærtorsdag"
    assert closed[good_friday] == "Langfredag"
    assert closed[easter_monday] == "Anden påskedag"
    assert closed[ascension] == "Kristi himmelfartsdag"
    assert closed[after] == "Dagen efter Kristi himmelfartsdag"
    assert closed[whit_monday] == "Anden pinsedag"


@pytest.mark.parametrize("year", sorted(EASTER))
def test_the_agreements_own_days_2025_to_2030(year):
    closed = _year(year)
    assert closed[date(year, 1, 1)] == "Nytårsdag"
    assert closed[date(year, 5, 1)] == "Arbejdernes kampdag"
    assert date(year, 6, 5) in closed  # Grundlovsdag (Whit Monday in 2028)
    assert [day for day in closed if day.month == 12] == [date(year, 12, day) for day in range(24, 32)]
    assert closed[date(year, 12, 28)] == "Mellem jul og nytår"
    assert list(closed) == sorted(closed)


def test_great_prayer_day_is_not_a_closure():
    assert d("2025-05-16") not in _year(2025)  # Store bededag, abolished from 2024


def test_without_declared_days_only_public_holidays():
    closed = dict(agreement_closures(date(2027, 1, 1), date(2028, 1, 1)))
    assert d("2027-03-25") in closed and d("2027-05-06") in closed
    assert d("2027-05-07") not in closed and d("2027-06-05") not in closed and d("2027-12-24") not in closed


def test_a_range_across_the_new_year():
    assert [day for day, _ in agreement_closures(d("2026-05-10"), d("2027-05-10"), FREDERICIA_DAYS_OFF)] == feed_days()


def test_a_tuesday_thursday_office_in_2027():
    hours = [(TUESDAY, time(10), time(14)), (THURSDAY, time(12), time(18))]
    closed = [day for day, _ in agreement_closures(date(2027, 1, 1), date(2028, 1, 1), FREDERICIA_DAYS_OFF)]
    assert not is_open(hours, closed, datetime(2027, 3, 25, 13, 0))  # Maundy Thursday
    assert not is_open(hours, closed, datetime(2027, 5, 6, 13, 0))  # Ascension Day
    assert is_open(hours, closed, datetime(2027, 3, 30, 11, 0))  # the Tuesday after Easter Monday
    assert is_open(hours, closed, datetime(2027, 4, 1, 13, 0))  # the Thursday after Easter
    assert is_open(hours, closed, datetime(2027, 5, 13, 13, 0))  # the Thursday after Ascension


def test_next_closures_mixes_fixed_and_adhoc_soonest_first():
    today = d("2026-05-10")
    fixed = agreement_closures(today, d("2027-05-10"), FREDERICIA_DAYS_OFF)
    adhoc = [
        SimpleNamespace(id=7, office_id=1, day=d("2026-05-12"), reason="Sygdom", notice="Ring"),
        SimpleNamespace(id=8, office_id=1, day=d("2026-05-15"), reason="Personalemøde", notice=None),
        SimpleNamespace(id=9, office_id=1, day=d("2026-05-01"), reason="Forbi", notice=None),
    ]
    upcoming = next_closures(fixed, adhoc, today, 4)
    assert [(c.day, c.reason, c.fixed) for c in upcoming] == [
        (d("2026-05-12"), "Sygdom", False),
        (d("2026-05-14"), "Kristi himmelfartsdag", True),
        (d("2026-05-15"), "Dagen efter Kristi himmelfartsdag", True),  # the fixed one first on a shared day
        (d("2026-05-15"), "Personalemøde", False),
    ]
    assert next_closures(fixed, adhoc, today, 0) == []
    assert len(next_closures(fixed, adhoc, today, None)) == len(fixed) + 2


# --- the calendar feed of a Tuesday/Thursday office -------------------------------------------------


@pytest.fixture
def tue_thu_office(app, tenant_a, monkeypatch):
    monkeypatch.setattr(schedule_views, "_today", lambda: d("2027-01-04"))
    with app.app_context(), tenant_context(tenant_a):
        office = Office(name="Rådgivningen Tirsdag-Torsdag")
        db.session.add(office)
        db.session.flush()
        db.session.add_all(
            [
                OpeningHours(office_id=office.id, weekday=TUESDAY, opens=time(10), closes=time(14)),
                OpeningHours(office_id=office.id, weekday=THURSDAY, opens=time(12), closes=time(18)),
            ]
        )
        db.session.commit()
        office_id = office.id
        db.session.remove()
    with agreement_says(app, tenant_a, "open_counselling", terms={"days_off": FREDERICIA_DAYS_OFF}):
        yield office_id


def test_the_feed_closes_the_easter_and_ascension_thursdays_of_2027(client, tue_thu_office):
    events = {
        event.decoded("DTSTART"): str(event["SUMMARY"])
        for event in Calendar.from_ical(client.get("/alpha/open_counselling/closures.ics").get_data()).walk("VEVENT")
    }
    assert events[d("2027-03-25")] == "Rådgivningen Tirsdag-Torsdag er lukket: Skærtorsdag"
    assert events[d("2027-05-06")] == "Rådgivningen Tirsdag-Torsdag er lukket: Kristi himmelfartsdag"
    for closed in ("2027-03-26", "2027-03-29", "2027-05-07", "2027-05-17", "2027-06-05", "2027-12-28"):
        assert d(closed) in events, closed
    for open_day in ("2027-03-23", "2027-03-30", "2027-04-01", "2027-05-04", "2027-05-13", "2027-05-20"):
        assert d(open_day) not in events, open_day  # ordinary Tuesdays and Thursdays
    assert d("2026-12-31") not in events and max(events) < d("2028-01-04")


def test_the_public_page_names_the_holidays(client, tue_thu_office):
    html = client.get("/alpha/open_counselling/public").get_data(as_text=True)
    assert '<time datetime="2027-03-25">' in html and "Skærtorsdag" in html


def test_without_an_agreement_day_the_office_is_open_on_it(client, app, tenant_a, tue_thu_office):
    with agreement_says(app, tenant_a, "open_counselling", terms={"days_off": []}):
        events = [
            e.decoded("DTSTART") for e in Calendar.from_ical(client.get("/alpha/open_counselling/closures.ics").get_data()).walk("VEVENT")
        ]
    assert d("2027-03-25") in events and d("2027-05-07") not in events and d("2027-12-28") not in events
