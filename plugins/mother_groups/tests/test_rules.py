"""The agreement's course rules, as pure functions; the numbers are the agreement's targets, passed in
(None: the agreement sets none, and nothing is checked)."""

from __future__ import annotations

from datetime import date

import pytest

from plugins.mother_groups import rules


@pytest.fixture(autouse=True)
def _danish(app):
    """The warnings go through gettext/ngettext: in a request, in Danish, as on the pages."""
    with app.test_request_context():
        yield


def test_one_mother_is_singular():
    assert rules.capacity_warning(1, 6, 8) == "1 mor er indskrevet; mindst 6 er aftalt."
    assert rules.volunteer_warning(1, 2) == "Kun 1 frivillig med gyldig børneattest og forsikring; mindst 2 er aftalt."
    assert rules.volunteer_warning(0, 2).startswith("Kun 0 frivillige ")


def test_weekly_sessions_skip_danish_public_holidays():
    # Thursdays in 2025: Maundy Thursday 17/4, Ascension 29/5, 1 May, Constitution Day 5/6, Christmas Day.
    dates, skipped = rules.weekly_dates(date(2025, 1, 1), date(2025, 12, 31), 3)
    assert skipped == [date(2025, 4, 17), date(2025, 5, 1), date(2025, 5, 29), date(2025, 6, 5), date(2025, 12, 25)]
    assert all(d.weekday() == 3 for d in dates) and len(dates) + len(skipped) == 52
    assert date(2025, 4, 17) not in dates


def test_course_length_must_be_nine_to_ten_months():
    assert rules.course_length_warning(date(2025, 1, 1), date(2025, 9, 30)) is None  # 9 months
    assert rules.course_length_warning(date(2025, 1, 1), date(2025, 10, 31)) is None  # 10 months
    assert "6,0 måneder" in rules.course_length_warning(date(2025, 1, 1), date(2025, 6, 30))
    assert rules.course_length_warning(date(2025, 1, 1), date(2025, 12, 31)) is not None


def test_capacity_warnings_outside_the_agreed_six_to_eight():
    assert rules.capacity_warning(5, 6, 8).startswith("5 mødre")
    assert rules.capacity_warning(6, 6, 8) is None and rules.capacity_warning(8, 6, 8) is None
    assert "højst 8" in rules.capacity_warning(9, 6, 8)
    assert "mindst 5" in rules.capacity_warning(4, 5, 10) and rules.capacity_warning(9, 5, 10) is None  # another agreement
    assert rules.is_full(8, 8) and not rules.is_full(7, 8)


def test_no_capacity_warning_for_a_bound_the_agreement_does_not_set():
    assert rules.capacity_warning(1, None, None) is None and rules.capacity_warning(40, None, None) is None
    assert rules.capacity_warning(1, None, 8) is None and "højst 8" in rules.capacity_warning(9, None, 8)
    assert rules.capacity_warning(40, 6, None) is None and "mindst 6" in rules.capacity_warning(5, 6, None)


def test_volunteer_warning_below_the_agreed_two_ready():
    assert rules.volunteer_warning(1, 2) is not None and rules.volunteer_warning(2, 2) is None
    assert "mindst 3" in rules.volunteer_warning(2, 3)
    assert rules.volunteer_warning(0, None) is None  # no such target: no warning


def test_visit_flag_only_in_the_last_month_with_fewer_visits_than_agreed():
    end = date(2026, 6, 30)
    assert rules.visit_missing(end, date(2026, 6, 10), visits=0, agreed=1)
    assert not rules.visit_missing(end, date(2026, 6, 10), visits=1, agreed=1)
    assert rules.visit_missing(end, date(2026, 6, 10), visits=1, agreed=2)
    assert not rules.visit_missing(end, date(2026, 4, 10), visits=0, agreed=1)  # not yet the last month
    assert not rules.visit_missing(end, date(2026, 7, 2), visits=0, agreed=1)  # over
    assert not rules.visit_missing(end, date(2026, 6, 10), visits=0, agreed=None)  # no such target: no flag


def test_babies_are_zero_to_one():
    assert not rules.baby_too_old(date(2025, 6, 1), date(2026, 5, 31))
    assert rules.baby_too_old(date(2025, 6, 1), date(2026, 6, 2))
