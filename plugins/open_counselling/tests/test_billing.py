"""The fixed annual amount billed quarterly (Fredericia, seeds/002): quarters, start, termination, edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from plugins.open_counselling.billing import (
    QuarterlyRule,
    agreement_end,
    billing_rules,
    termination_date,
)

# The Fredericia agreement: from 1 January 2020, no end, 160,000 DKK a year invoiced quarterly.
FREDERICIA = {"rule": "open_counselling.quarterly", "start": "2020-01-01", "end": None, "amount_per_year": 160000, "notice_given_on": None}
RULE = QuarterlyRule()


@pytest.fixture(autouse=True)
def in_danish(app):
    """Core builds an invoice's lines in Danish (force_locale in core.billing.services.plan); so do these tests."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("da"):
        yield


def quarters(lines):
    return [(line.period_start, line.period_end) for line in lines]


def test_the_rule_is_offered():
    (rule,) = billing_rules()
    assert rule.key == "open_counselling.quarterly" and str(rule.name) == "Fast årligt beløb, faktureret kvartalsvis"


def test_a_year_is_four_quarters_of_40000():
    lines = RULE.lines(FREDERICIA, date(2024, 1, 1), date(2024, 12, 31))
    assert [line.amount for line in lines] == [Decimal("40000.00")] * 4
    assert all(isinstance(line.amount, Decimal) and line.amount.as_tuple().exponent == -2 for line in lines)
    assert quarters(lines) == [
        (date(2024, 1, 1), date(2024, 3, 31)),
        (date(2024, 4, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2024, 9, 30)),
        (date(2024, 10, 1), date(2024, 12, 31)),
    ]
    assert [line.description for line in lines] == [f"Åben rådgivning, {q}. kvartal 2024" for q in (1, 2, 3, 4)]
    assert sum(line.amount for line in lines) == Decimal("160000.00")


def test_billing_starts_with_the_agreement_on_1_january_2020():
    assert RULE.lines(FREDERICIA, date(2019, 1, 1), date(2019, 12, 31)) == []
    lines = RULE.lines(FREDERICIA, date(2019, 7, 1), date(2020, 6, 30))
    assert quarters(lines) == [(date(2020, 1, 1), date(2020, 3, 31)), (date(2020, 4, 1), date(2020, 6, 30))]


def test_dates_may_be_date_objects():
    agreement = {**FREDERICIA, "start": date(2020, 1, 1)}
    assert len(RULE.lines(agreement, "2024-01-01", "2024-12-31")) == 4


def test_a_start_within_the_year_bills_from_the_next_whole_quarter():
    agreement = {**FREDERICIA, "start": "2024-05-01"}
    lines = RULE.lines(agreement, date(2024, 1, 1), date(2024, 12, 31))
    assert quarters(lines) == [(date(2024, 7, 1), date(2024, 9, 30)), (date(2024, 10, 1), date(2024, 12, 31))]
    assert [line.amount for line in lines] == [Decimal("40000.00")] * 2


def test_a_start_on_a_quarters_first_day_bills_that_quarter():
    agreement = {**FREDERICIA, "start": "2024-04-01"}
    assert len(RULE.lines(agreement, date(2024, 1, 1), date(2024, 12, 31))) == 3


@pytest.mark.parametrize(
    ("notice", "last_day"),
    [
        ("2026-06-30", date(2026, 12, 31)),
        ("2026-07-01", date(2027, 12, 31)),
        ("2026-01-15", date(2026, 12, 31)),
        ("2026-12-31", date(2027, 12, 31)),
    ],
)
def test_termination_is_6_months_to_the_end_of_a_calendar_year(notice, last_day):
    assert termination_date(notice) == last_day


def test_notice_given_on_30_june_ends_with_q4_that_year():
    agreement = {**FREDERICIA, "notice_given_on": "2026-06-30"}
    lines = RULE.lines(agreement, date(2026, 1, 1), date(2028, 12, 31))
    assert len(lines) == 4 and lines[-1].period_start == date(2026, 10, 1) and lines[-1].period_end == date(2026, 12, 31)


def test_notice_given_on_1_july_ends_with_q4_the_next_year():
    agreement = {**FREDERICIA, "notice_given_on": date(2026, 7, 1)}
    lines = RULE.lines(agreement, date(2026, 1, 1), date(2028, 12, 31))
    assert len(lines) == 8 and lines[-1].period_start == date(2027, 10, 1) and lines[-1].period_end == date(2027, 12, 31)


def test_an_explicit_end_and_a_notice_take_the_earlier():
    assert agreement_end({**FREDERICIA, "end": "2027-06-30", "notice_given_on": "2026-03-01"}) == date(2026, 12, 31)
    assert agreement_end({**FREDERICIA, "end": "2026-06-30", "notice_given_on": "2026-03-01"}) == date(2026, 6, 30)
    assert agreement_end(FREDERICIA) is None
    lines = RULE.lines({**FREDERICIA, "end": "2026-06-30", "notice_given_on": "2026-03-01"}, date(2026, 1, 1), date(2026, 12, 31))
    assert quarters(lines) == [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))]


def test_an_end_within_a_quarter_bills_that_quarter_in_full_with_its_dates_cut():
    (line,) = RULE.lines({**FREDERICIA, "end": "2026-02-15"}, date(2026, 1, 1), date(2026, 12, 31))
    assert (line.period_start, line.period_end, line.amount) == (date(2026, 1, 1), date(2026, 2, 15), Decimal("40000.00"))


def test_a_period_outside_the_agreement_gives_no_lines():
    assert RULE.lines({**FREDERICIA, "notice_given_on": "2026-03-01"}, date(2027, 1, 1), date(2027, 12, 31)) == []
    assert RULE.lines({**FREDERICIA, "start": "2030-01-01"}, date(2029, 1, 1), date(2029, 12, 31)) == []


def test_a_period_of_one_quarter_gives_one_line():
    (line,) = RULE.lines(FREDERICIA, date(2025, 7, 1), date(2025, 9, 30))
    assert (line.period_start, line.period_end, line.amount) == (date(2025, 7, 1), date(2025, 9, 30), Decimal("40000.00"))
    assert line.description == "Åben rådgivning, 3. kvartal 2025"


def test_periods_cut_anyhow_bill_every_quarter_exactly_once():
    # Monthly periods: each quarter falls in the month holding its first day.
    months = [(date(2024, m, 1), date(2024 + (m == 12), m % 12 + 1, 1)) for m in range(1, 13)]
    lines = [line for start, nxt in months for line in RULE.lines(FREDERICIA, start, date.fromordinal(nxt.toordinal() - 1))]
    assert [line.period_start for line in lines] == [date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    # Periods not aligned to quarters.
    first = RULE.lines(FREDERICIA, date(2024, 2, 15), date(2024, 8, 14))
    second = RULE.lines(FREDERICIA, date(2024, 8, 15), date(2025, 2, 14))
    assert [line.period_start for line in first + second] == [date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1), date(2025, 1, 1)]


def test_rounding_is_half_up_to_ore():
    (line,) = RULE.lines({**FREDERICIA, "amount_per_year": 100000.02}, date(2025, 1, 1), date(2025, 3, 31))
    assert line.amount == Decimal("25000.01")  # 25,000.005 -> 25,000.01


def test_a_reversed_period_is_refused():
    with pytest.raises(ValueError):
        RULE.lines(FREDERICIA, date(2025, 12, 31), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"amount_per_year": -160000}, "must be more than 0"),
        ({"amount_per_year": 0}, "must be more than 0"),
        ({"amount_per_year": "160.000 kr."}, "Not a valid number."),
        ({}, "Missing data for required field."),
    ],
)
def test_the_parameters_schema_refuses_bad_input_with_a_clear_message(parameters, message):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as refused:
        RULE.parameters().load(parameters)
    assert refused.value.messages == {"amount_per_year": [message]}


def test_the_parameters_schema_refuses_a_parameter_of_another_rule():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as refused:
        RULE.parameters().load({"amount_per_year": 160000, "amounts": {"2024": 14000}})
    assert refused.value.messages == {"amounts": ["Unknown field."]}
    assert RULE.parameters().load({"amount_per_year": 160000}) == {"amount_per_year": Decimal("160000")}
