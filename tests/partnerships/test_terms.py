"""core.partnerships.terms: notice, remedy, review and governance dates of the two agreements.

Expected dates are counted by hand on a calendar (the skipped days are listed in the
comments) and written literally.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from core.partnerships.terms import (
    GovernanceRhythm,
    NoticeTerms,
    ReviewSchedule,
    earliest_end,
    remedy_deadline,
)

ISHOJ_DAYS_OFF = ("12-24", "12-31", "06-05")
ISHOJ_END = date(2025, 12, 31)
ISHOJ_NOTICE = NoticeTerms.from_dict({"working_days": 30})
FREDERICIA_NOTICE = NoticeTerms.from_dict({"months": 6, "to": "year_end"})


# --- Notice terms: declarations -------------------------------------------------------------


def test_notice_forms():
    assert ISHOJ_NOTICE == NoticeTerms(working_days=30, months=None, to=None)
    assert FREDERICIA_NOTICE == NoticeTerms(working_days=None, months=6, to="year_end")
    assert NoticeTerms.from_dict({"months": 3}) == NoticeTerms(months=3)


def test_notice_describe(app):
    with app.test_request_context(), force_locale("da"):
        assert ISHOJ_NOTICE.describe() == "30 arbejdsdages skriftligt varsel"
        assert FREDERICIA_NOTICE.describe() == "6 måneders varsel til udgangen af et kalenderår"
        assert NoticeTerms(months=3).describe() == "3 måneders varsel"
        assert NoticeTerms(months=1).describe() == "1 måneds varsel"
        assert NoticeTerms(working_days=1).describe() == "1 arbejdsdags skriftligt varsel"
    with app.test_request_context(), force_locale("en"):
        assert ISHOJ_NOTICE.describe() == "30 working days' written notice"
        assert FREDERICIA_NOTICE.describe() == "6 months' notice to the end of a calendar year"
        assert NoticeTerms(months=1).describe() == "1 month's notice"


@pytest.mark.parametrize(
    "declared, reason",
    [
        ({"working_days": 30, "months": 6}, "either working_days or months, not both"),
        ({}, "either working_days or months"),
        ({"to": "year_end"}, "either working_days or months"),
        ({"working_days": 30, "to": "year_end"}, "to: only allowed with months"),
        ({"months": 6, "to": "month_end"}, "to: must be one of year_end, not 'month_end'"),
        ({"months": 0}, "months: must be between 1 and 36, not 0"),
        ({"months": "6"}, "months: must be a whole number, not '6'"),
        ({"working_days": True}, "working_days: must be a whole number, not True"),
        ({"working_days": 30.0}, "working_days: must be a whole number"),
        ({"working_days": -5}, "working_days: must be between 1 and"),
        ({"weeks": 4}, "unknown key\\(s\\) 'weeks'"),
        ("30 working days", "must be a table like"),
    ],
)
def test_bad_notice_declarations(declared, reason):
    with pytest.raises(ValueError, match=reason):
        NoticeTerms.from_dict(declared)


def test_notice_terms_are_frozen() -> None:
    with pytest.raises(AttributeError):
        ISHOJ_NOTICE.working_days = 10  # type: ignore[misc]


# --- Ishøj–DRC: 30 working days, days off 24 Dec, 31 Dec, 5 June ----------------------------


def test_ishoj_notice_across_easter_2025():
    # Given Thu 10 Apr 2025. Skipped: 17 Apr (Maundy Thu), 18 Apr (Good Fri), 21 Apr
    # (Easter Mon) and weekends. 1 May is NOT an Ishøj day off, so it counts.
    # 11 Apr=1; 14-16 Apr=2-4; 22-25 Apr=5-8; 28-30 Apr=9-11; 1-2 May=12-13;
    # 5-9 May=14-18; 12-16 May=19-23; 19-23 May=24-28; 26 May=29; 27 May=30.
    assert earliest_end(
        ISHOJ_NOTICE,
        date(2025, 4, 10),
        declared_days_off=ISHOJ_DAYS_OFF,
        agreement_end=ISHOJ_END,
    ) == date(2025, 5, 27)


def test_ishoj_notice_across_ascension_and_whitsun_2025():
    # Given Tue 20 May 2025. Skipped: 29 May (Ascension), 5 Jun (declared Constitution Day),
    # 9 Jun (Whit Monday). 30 May (day after Ascension) is not declared, so it counts.
    # 21-23 May=1-3; 26-28 May=4-6; 30 May=7; 2-4 Jun=8-10; 6 Jun=11; 10-13 Jun=12-15;
    # 16-20 Jun=16-20; 23-27 Jun=21-25; 30 Jun=26; 1-4 Jul=27-30.
    assert earliest_end(
        ISHOJ_NOTICE,
        date(2025, 5, 20),
        declared_days_off=ISHOJ_DAYS_OFF,
        agreement_end=ISHOJ_END,
    ) == date(2025, 7, 4)
    # Without the declared 5 June the count ends one working day earlier.
    assert earliest_end(ISHOJ_NOTICE, date(2025, 5, 20)) == date(2025, 7, 3)


def test_ishoj_notice_across_christmas_2024():
    # Given Mon 2 Dec 2024. Skipped: 24 Dec (declared), 25-26 Dec, 31 Dec (declared),
    # 1 Jan 2025. 3-6 Dec=1-4; 9-13 Dec=5-9; 16-20 Dec=10-14; 23 Dec=15; 27 Dec=16;
    # 30 Dec=17; 2-3 Jan=18-19; 6-10 Jan=20-24; 13-17 Jan=25-29; 20 Jan=30.
    assert earliest_end(
        ISHOJ_NOTICE,
        date(2024, 12, 2),
        declared_days_off=ISHOJ_DAYS_OFF,
        agreement_end=ISHOJ_END,
    ) == date(2025, 1, 20)


def test_ishoj_notice_across_christmas_2025_is_capped_by_the_project_end():
    # Given Thu 20 Nov 2025. Skipped: 24-26 Dec, 31 Dec, 1 Jan 2026.
    # 21 Nov=1; 24-28 Nov=2-6; 1-5 Dec=7-11; 8-12 Dec=12-16; 15-19 Dec=17-21;
    # 22-23 Dec=22-23; 29-30 Dec=24-25; 2 Jan=26; 5-8 Jan=27-30 -> Thu 8 Jan 2026,
    # but the agreement ends with the project on 31 Dec 2025.
    given = date(2025, 11, 20)
    assert earliest_end(ISHOJ_NOTICE, given, declared_days_off=ISHOJ_DAYS_OFF) == date(2026, 1, 8)
    assert earliest_end(ISHOJ_NOTICE, given, declared_days_off=ISHOJ_DAYS_OFF, agreement_end=ISHOJ_END) == date(2025, 12, 31)


def test_notice_on_the_last_day_and_after_the_end():
    assert earliest_end(ISHOJ_NOTICE, ISHOJ_END, agreement_end=ISHOJ_END) == ISHOJ_END
    with pytest.raises(ValueError, match="after the agreement ended"):
        earliest_end(ISHOJ_NOTICE, date(2026, 1, 2), agreement_end=ISHOJ_END)


def test_ishoj_remedy_deadline_across_easter_2026():
    # Breach notice Mon 30 Mar 2026. Skipped: 2 Apr (Maundy Thu), 3 Apr (Good Fri),
    # 6 Apr (Easter Mon). 31 Mar=1; 1 Apr=2; 7-10 Apr=3-6; 13-17 Apr=7-11; 20-22 Apr=12-14.
    assert remedy_deadline(date(2026, 3, 30), 14, ISHOJ_DAYS_OFF) == date(2026, 4, 22)


def test_ishoj_remedy_deadline_across_easter_2025():
    # Breach notice Tue 15 Apr 2025. Skipped: 17-18 Apr, 21 Apr. 1 May counts (not declared).
    # 16 Apr=1; 22-25 Apr=2-5; 28-30 Apr=6-8; 1-2 May=9-10; 5-8 May=11-14.
    assert remedy_deadline(date(2025, 4, 15), 14, ISHOJ_DAYS_OFF) == date(2025, 5, 8)


def test_remedy_deadline_refuses_zero_days():
    with pytest.raises(ValueError, match="count must be"):
        remedy_deadline(date(2025, 4, 15), 0)


# --- Fredericia–Mødrehjælpen: 6 months to the end of a calendar year -----------------------


@pytest.mark.parametrize(
    "given, end",
    [
        (date(2026, 6, 30), date(2026, 12, 31)),  # + 6 months = 30 Dec 2026
        (date(2026, 7, 1), date(2027, 12, 31)),  # + 6 months = 1 Jan 2027
        (date(2026, 1, 2), date(2026, 12, 31)),
        (date(2026, 4, 2), date(2026, 12, 31)),  # Maundy Thursday 2026
        (date(2027, 3, 25), date(2027, 12, 31)),  # Maundy Thursday 2027
        (date(2025, 12, 24), date(2026, 12, 31)),  # Christmas Eve: + 6 months = 24 Jun 2026
        (date(2026, 12, 24), date(2027, 12, 31)),
        (date(2025, 12, 31), date(2026, 12, 31)),  # + 6 months = 30 Jun 2026
        (date(2025, 6, 30), date(2025, 12, 31)),
        (date(2026, 8, 31), date(2027, 12, 31)),  # + 6 months = 28 Feb 2027
    ],
)
def test_fredericia_notice_to_year_end(given, end):
    assert earliest_end(FREDERICIA_NOTICE, given) == end


def test_fredericia_has_no_end_date_but_a_cap_is_honoured():
    assert earliest_end(FREDERICIA_NOTICE, date(2026, 7, 1), agreement_end=date(2027, 3, 31)) == date(2027, 3, 31)


def test_plain_months_notice_clamps_to_the_month_end():
    three = NoticeTerms(months=3)
    assert earliest_end(three, date(2025, 11, 30)) == date(2026, 2, 28)
    assert earliest_end(three, date(2023, 11, 30)) == date(2024, 2, 29)  # leap year
    assert earliest_end(three, date(2026, 4, 2)) == date(2026, 7, 2)
    assert earliest_end(three, date(2025, 11, 30), agreement_end=date(2025, 12, 31)) == date(2025, 12, 31)


# --- Review schedule -------------------------------------------------------------------------

FREDERICIA_REVIEW = ReviewSchedule.from_dict({"every": "year", "by": "06-30"})


def test_review_describe(app):
    assert FREDERICIA_REVIEW == ReviewSchedule(every="year", by="06-30")
    with app.test_request_context(), force_locale("da"):
        assert FREDERICIA_REVIEW.describe() == "én gang om året inden 30. juni"
        assert ReviewSchedule("year", "03-01").describe() == "én gang om året inden 1. marts"
    with app.test_request_context(), force_locale("en"):
        assert FREDERICIA_REVIEW.describe() == "once a year before June 30"


@pytest.mark.parametrize(
    "today, due",
    [
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 6, 29), date(2026, 6, 30)),
        (date(2026, 6, 30), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2027, 6, 30)),
        (date(2026, 12, 31), date(2027, 6, 30)),
    ],
)
def test_next_review(today, due):
    assert FREDERICIA_REVIEW.next_review(today) == due


@pytest.mark.parametrize(
    "declared, reason",
    [
        ({"every": "month", "by": "06-30"}, "every: must be one of year, not 'month'"),
        ({"every": "year", "by": "13-40"}, "by: month 13 is not 01-12"),
        ({"every": "year", "by": "06-31"}, "by: day 31 does not exist in month 06"),
        ({"every": "year", "by": "30 June"}, "by: must be 'MM-DD'"),
        ({"every": "year"}, "by: missing"),
        ({"every": "year", "by": "06-30", "before": "Q2"}, "unknown key\\(s\\) 'before'"),
    ],
)
def test_bad_review_declarations(declared, reason):
    with pytest.raises(ValueError, match=reason):
        ReviewSchedule.from_dict(declared)


# --- Governance rhythm -----------------------------------------------------------------------

GOVERNANCE = [
    {"body": "joint_meeting", "every_months": 6},
    {"body": "steering_group", "every_months": 6},
    {"body": "follow_group", "every_months": 3},
]


def test_governance_list(app):
    joint, steering, follow = GovernanceRhythm.from_list(GOVERNANCE)
    assert steering == GovernanceRhythm(body="steering_group", every_months=6)
    with app.test_request_context(), force_locale("da"):
        assert [r.name for r in (joint, steering, follow)] == ["Fællesmøde", "Styregruppe", "Følgegruppe"]
        assert [r.describe() for r in (joint, steering, follow)] == ["halvårligt", "halvårligt", "kvartalsvis"]
    with app.test_request_context(), force_locale("en"):
        assert [r.name for r in (joint, steering, follow)] == ["Joint meeting", "Steering group", "Follow group"]
        assert [r.describe() for r in (joint, steering, follow)] == ["half-yearly", "half-yearly", "quarterly"]


@pytest.mark.parametrize(
    "every_months, text",
    [(1, "månedligt"), (2, "hver anden måned"), (4, "hver fjerde måned"), (12, "årligt")],
)
def test_governance_describe_in_danish(app, every_months, text):
    with app.test_request_context(), force_locale("da"):
        assert GovernanceRhythm("follow_group", every_months).describe() == text


@pytest.mark.parametrize(
    "every_months, today, due",
    [
        (6, date(2026, 2, 10), date(2026, 6, 30)),
        (6, date(2026, 6, 30), date(2026, 6, 30)),
        (6, date(2026, 7, 1), date(2026, 12, 31)),
        (3, date(2026, 1, 1), date(2026, 3, 31)),
        (3, date(2026, 4, 1), date(2026, 6, 30)),
        (3, date(2026, 9, 30), date(2026, 9, 30)),
        (3, date(2026, 11, 15), date(2026, 12, 31)),
        (1, date(2028, 2, 10), date(2028, 2, 29)),  # leap year
        (2, date(2026, 2, 10), date(2026, 2, 28)),
        (4, date(2026, 5, 1), date(2026, 8, 31)),
        (12, date(2026, 3, 3), date(2026, 12, 31)),
    ],
)
def test_governance_next_due(every_months, today, due):
    assert GovernanceRhythm("steering_group", every_months).next_due(today) == due


@pytest.mark.parametrize(
    "declared, reason",
    [
        ({"body": "board", "every_months": 6}, "body: must be one of joint_meeting, "),
        ({"body": "follow_group", "every_months": 5}, "every_months: must be one of 1, 2, 3"),
        ({"body": "follow_group", "every_months": True}, "every_months: must be one of"),
        ({"body": "follow_group", "every_months": "3"}, "every_months: must be one of"),
        ({"body": "follow_group"}, "every_months: missing"),
        ({"body": "follow_group", "every_months": 3, "where": "x"}, "unknown key"),
    ],
)
def test_bad_governance_declarations(declared, reason):
    with pytest.raises(ValueError, match=reason):
        GovernanceRhythm.from_dict(declared)


def test_bad_governance_lists_name_the_entry():
    with pytest.raises(ValueError, match=r"^\[1\]: every_months: must be one of"):
        GovernanceRhythm.from_list([{"body": "steering_group", "every_months": 6}, {"body": "follow_group", "every_months": 5}])
    with pytest.raises(ValueError, match=r"^\[1\]: body: 'steering_group' listed twice"):
        GovernanceRhythm.from_list([{"body": "steering_group", "every_months": 6}, {"body": "steering_group", "every_months": 3}])
    with pytest.raises(ValueError, match="must be a list of tables"):
        GovernanceRhythm.from_list({"body": "steering_group", "every_months": 6})
