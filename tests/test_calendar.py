"""core.calendar: Danish public holidays, declared days off and working-day counts.

Every expected date below was checked by hand against a calendar (Easter 2025: 20 April,
2026: 5 April, 2027: 28 March, 2028: 16 April, 2029: 1 April, 2030: 21 April; Ascension is
Easter + 39 days, Whit Monday Easter + 50) and is written literally, never computed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core import calendar as cal
from core.calendar import (
    add_working_days,
    copenhagen_today,
    days_off,
    is_working_day,
    validate_days_off,
)

ISHOJ = ("12-24", "12-31", "06-05")
FREDERICIA = ("05-01", "06-05", "day_after_ascension")

# (Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday)
EASTER_HOLIDAYS = {
    2025: ("2025-04-17", "2025-04-18", "2025-04-21", "2025-05-29", "2025-06-09"),
    2026: ("2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25"),
    2027: ("2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17"),
    2028: ("2028-04-13", "2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05"),
    2029: ("2029-03-29", "2029-03-30", "2029-04-02", "2029-05-10", "2029-05-21"),
    2030: ("2030-04-18", "2030-04-19", "2030-04-22", "2030-05-30", "2030-06-10"),
}


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize("day", [day for days in EASTER_HOLIDAYS.values() for day in days])
def test_easter_ascension_and_whitsun_are_not_working_days(day):
    assert d(day).weekday() in (0, 3, 4)  # Mon, Thu or Fri: the table itself is sane
    assert not is_working_day(d(day))
    assert not is_working_day(d(day), ISHOJ)


@pytest.mark.parametrize("day", ["2025-04-16", "2025-04-22", "2026-04-07", "2027-03-24"])
def test_days_around_easter_are_working_days(day):
    assert is_working_day(d(day))


@pytest.mark.parametrize("day", ["2025-01-01", "2025-12-25", "2025-12-26", "2026-01-01", "2029-12-26"])
def test_christmas_and_new_year_are_public_holidays(day):
    assert not is_working_day(d(day))


def test_weekends_are_not_working_days():
    assert not is_working_day(d("2025-04-19"))  # Saturday
    assert not is_working_day(d("2025-04-20"))  # Sunday (Easter Day)
    assert is_working_day(d("2025-04-25"))  # Friday


def test_great_prayer_day_is_gone_from_2024():
    assert not is_working_day(d("2023-05-05"))  # Store bededag, last held 2023
    assert is_working_day(d("2024-04-26"))  # would have been Store bededag 2024
    assert is_working_day(d("2025-05-16"))  # ... and 2025


@pytest.mark.parametrize(
    "day, declared",
    [
        ("2025-05-30", "day_after_ascension"),
        ("2026-05-15", "day_after_ascension"),
        ("2027-05-07", "day_after_ascension"),
        ("2030-05-31", "day_after_ascension"),
        ("2025-12-24", "12-24"),
        ("2026-12-24", "12-24"),
        ("2025-12-31", "12-31"),
        ("2026-12-31", "12-31"),
        ("2025-06-05", "06-05"),
        ("2026-06-05", "06-05"),
        ("2025-05-01", "05-01"),
        ("2026-05-01", "05-01"),
    ],
)
def test_optional_days_off_only_when_declared(day, declared):
    assert is_working_day(d(day))
    assert not is_working_day(d(day), [declared])


def test_fredericia_days_off():
    assert not is_working_day(d("2026-05-01"), FREDERICIA)
    assert not is_working_day(d("2026-06-05"), FREDERICIA)
    assert not is_working_day(d("2026-05-15"), FREDERICIA)  # day after Ascension (14 May)
    assert is_working_day(d("2026-12-24"), FREDERICIA)  # not declared by Fredericia


def test_days_off_names_in_danish():
    off = days_off(2025, ISHOJ + ("05-01", "day_after_ascension"))
    assert off[d("2025-04-17")] == "Skærtorsdag"
    assert off[d("2025-04-18")] == "Langfredag"
    assert off[d("2025-04-21")] == "Anden påskedag"
    assert off[d("2025-05-29")] == "Kristi himmelfartsdag"
    assert off[d("2025-05-30")] == "Dagen efter Kristi himmelfartsdag"
    assert off[d("2025-06-09")] == "Anden pinsedag"
    assert off[d("2025-05-01")] == "Arbejdernes kampdag"
    assert off[d("2025-06-05")] == "Grundlovsdag"
    assert off[d("2025-12-24")] == "Juleaftensdag"
    assert off[d("2025-12-31")] == "Nytårsaften"
    assert list(off) == sorted(off)


def test_days_off_without_declarations_is_public_holidays_only():
    assert days_off(2026) == {
        d("2026-01-01"): "Nytårsdag",
        d("2026-04-02"): "Skærtorsdag",
        d("2026-04-03"): "Langfredag",
        d("2026-04-05"): "Påskedag",
        d("2026-04-06"): "Anden påskedag",
        d("2026-05-14"): "Kristi himmelfartsdag",
        d("2026-05-24"): "Pinsedag",
        d("2026-05-25"): "Anden pinsedag",
        d("2026-12-25"): "Juledag",
        d("2026-12-26"): "Anden juledag",
    }


def test_declared_day_on_a_public_holiday_keeps_the_holiday_name():
    # 2028: Whit Monday falls on Constitution Day, 5 June.
    assert days_off(2028, ["06-05"])[d("2028-06-05")] == "Anden pinsedag"


def test_declared_day_without_a_known_name():
    assert days_off(2026, ["08-14"])[d("2026-08-14")] == "Aftalt fridag"
    assert not is_working_day(d("2026-08-14"), ["08-14"])


def test_days_off_returns_a_copy():
    days_off(2025)[d("2025-07-01")] = "Hacked"
    assert is_working_day(d("2025-07-01"))


def test_add_working_days_simple():
    assert add_working_days(d("2025-01-03"), 1) == d("2025-01-06")  # Friday -> Monday
    assert add_working_days(d("2025-01-06"), 4) == d("2025-01-10")
    # Start on a holiday: 26 Dec (Fri) off, 27-28 weekend -> Monday 29 Dec.
    assert add_working_days(d("2025-12-25"), 1) == d("2025-12-29")


def test_add_working_days_across_the_year_boundary():
    assert add_working_days(d("2025-12-30"), 1) == d("2025-12-31")  # 31 Dec not declared
    assert add_working_days(d("2025-12-30"), 1, ISHOJ) == d("2026-01-02")
    # 31 Dec and 1 Jan off; 2 Jan (1), 5 Jan (2), 6 Jan (3).
    assert add_working_days(d("2025-12-30"), 3, ISHOJ) == d("2026-01-06")


def test_add_working_days_over_several_years():
    # 2029-12-31 (Mon) + 1: 1 Jan 2030 is a holiday -> Wednesday 2 Jan 2030.
    assert add_working_days(d("2029-12-31"), 1) == d("2030-01-02")


@pytest.mark.parametrize("count", [0, -1, True, 1.5])
def test_add_working_days_refuses_bad_counts(count):
    with pytest.raises(ValueError, match="count must be"):
        add_working_days(d("2025-01-06"), count)


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        is_working_day(datetime(2025, 4, 17, 12, 0))


def test_validate_days_off_accepts_good_declarations():
    assert validate_days_off(["12-24", "12-31", "06-05", "05-01", "day_after_ascension"]) == []
    assert validate_days_off([]) == []


def test_validate_days_off_reports_each_problem():
    errors = validate_days_off(["13-40", "12-32", "02-29", "12/24", "Christmas", 5, "12-24", "12-24"])
    assert errors == [
        "'13-40': month 13 is not 01-12",
        "'12-32': day 32 does not exist in month 12",
        "'02-29': 29 February does not occur every year",
        "'12/24': must be 'MM-DD' (e.g. '12-24'), 'day_after_ascension' or 'between_christmas_and_new_year'",
        "'Christmas': must be 'MM-DD' (e.g. '12-24'), 'day_after_ascension' or 'between_christmas_and_new_year'",
        "5: must be a string like '12-24', not int",
        "'12-24': listed twice",
    ]


def test_validate_days_off_wants_a_list():
    assert validate_days_off("12-24") == ["must be a list of strings, not str"]


def test_invalid_declarations_raise_when_used():
    with pytest.raises(ValueError, match="'13-40': month 13"):
        is_working_day(d("2025-01-06"), ["13-40"])
    with pytest.raises(ValueError, match="invalid days off"):
        days_off(2025, ["04-31"])


class _FrozenNow(datetime):
    utc: datetime

    @classmethod
    def now(cls, tz=None):
        return cls.utc.astimezone(tz)


@pytest.mark.parametrize(
    "utc, expected",
    [
        (datetime(2025, 3, 29, 23, 30, tzinfo=UTC), date(2025, 3, 30)),  # CET +1
        (datetime(2025, 6, 30, 22, 30, tzinfo=UTC), date(2025, 7, 1)),  # CEST +2
        (datetime(2025, 6, 30, 21, 30, tzinfo=UTC), date(2025, 6, 30)),
    ],
)
def test_copenhagen_today_uses_danish_time(monkeypatch, utc, expected):
    monkeypatch.setattr(_FrozenNow, "utc", utc, raising=False)
    monkeypatch.setattr(cal, "datetime", _FrozenNow)
    assert copenhagen_today() == expected


def test_copenhagen_today_is_a_date():
    today = copenhagen_today()
    assert type(today) is date


def test_copenhagen_today_at_23_30_utc_on_new_years_eve_is_1_january(monkeypatch):
    monkeypatch.setattr(_FrozenNow, "utc", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), raising=False)
    monkeypatch.setattr(cal, "datetime", _FrozenNow)
    assert copenhagen_today() == date(2027, 1, 1)
    assert cal.copenhagen_now().isoformat() == "2027-01-01T00:30:00+01:00"


def test_between_christmas_and_new_year():
    off = days_off(2026, ["between_christmas_and_new_year"])
    assert [day for day in off if day.month == 12] == [d("2026-12-25"), d("2026-12-26"), *(date(2026, 12, n) for n in range(27, 31))]
    assert off[d("2026-12-28")] == "Mellem jul og nytår"
    assert is_working_day(d("2026-12-28")) and not is_working_day(d("2026-12-28"), ["between_christmas_and_new_year"])
    assert validate_days_off(["between_christmas_and_new_year"]) == []


def test_closed_days_across_years():
    assert cal.closed_days(d("2026-12-20"), d("2027-01-02"), ["12-24", "12-31"]) == [
        (d("2026-12-24"), "Juleaftensdag"),
        (d("2026-12-25"), "Juledag"),
        (d("2026-12-26"), "Anden juledag"),
        (d("2026-12-31"), "Nytårsaften"),
        (d("2027-01-01"), "Nytårsdag"),
    ]
    assert cal.closed_days(d("2027-01-02"), d("2027-01-02")) == []


def test_optional_days_off_are_the_packages():
    assert cal.optional_days_off() == ("05-01", "06-05", "12-24", "12-31")
