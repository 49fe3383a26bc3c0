"""The staircase co-financing rule: the agreement's figures, pro-rating by whole months, edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from plugins.mother_groups.billing import StaircaseRule, billing_rules

# The Ishøj agreement (seeds/000): 14,000 + 28,000 + 42,000 = 84,000 DKK.
ISHOJ = {
    "rule": "mother_groups.staircase",
    "start": "2023-01-01",
    "end": "2025-12-31",
    "amounts": {"2023": 14000, "2024": 28000, "2025": 42000},
}
RULE = StaircaseRule()


@pytest.fixture(autouse=True)
def in_danish(app):
    """Core builds an invoice's lines in Danish (force_locale in core.billing.services.plan); so do these tests."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("da"):
        yield


def amounts(lines):
    return [(line.period_start.year, line.amount) for line in lines]


def test_the_rule_is_offered():
    (rule,) = billing_rules()
    assert rule.key == "mother_groups.staircase" and str(rule.name) == "Trappemodel (kommunal medfinansiering)"


def test_the_whole_agreement_is_84000_in_three_yearly_steps():
    lines = RULE.lines(ISHOJ, date(2023, 1, 1), date(2025, 12, 31))
    assert amounts(lines) == [(2023, Decimal("14000.00")), (2024, Decimal("28000.00")), (2025, Decimal("42000.00"))]
    assert sum(line.amount for line in lines) == Decimal("84000.00")
    assert [(line.period_start, line.period_end) for line in lines] == [(date(y, 1, 1), date(y, 12, 31)) for y in (2023, 2024, 2025)]
    assert all(isinstance(line.amount, Decimal) and line.amount.as_tuple().exponent == -2 for line in lines)


@pytest.mark.parametrize(("year", "expected"), [(2023, "14000.00"), (2024, "28000.00"), (2025, "42000.00")])
def test_each_single_year(year, expected):
    (line,) = RULE.lines(ISHOJ, date(year, 1, 1), date(year, 12, 31))
    assert line.amount == Decimal(expected)
    assert str(year) in line.description


def test_half_a_year_is_half_the_amount():
    (line,) = RULE.lines(ISHOJ, date(2024, 1, 1), date(2024, 6, 30))
    assert line.amount == Decimal("14000.00")
    assert (line.period_start, line.period_end) == (date(2024, 1, 1), date(2024, 6, 30))
    assert "6 af 12" in line.description


def test_a_quarter_is_a_quarter():
    (line,) = RULE.lines(ISHOJ, date(2025, 7, 1), date(2025, 9, 30))
    assert line.amount == Decimal("10500.00")


def test_one_month_is_rounded_half_up_to_ore():
    # 14,000 / 12 = 1,166.666... -> 1,166.67
    (line,) = RULE.lines(ISHOJ, date(2023, 3, 1), date(2023, 3, 31))
    assert line.amount == Decimal("1166.67")


def test_a_partly_covered_month_does_not_count():
    # 15 Jan - 30 Jun: January is not whole, so February to June, 5 months.
    (line,) = RULE.lines(ISHOJ, date(2024, 1, 15), date(2024, 6, 30))
    assert line.amount == Decimal("11666.67")
    assert line.period_start == date(2024, 1, 15)
    # No whole month at all: nothing to bill for that year.
    assert RULE.lines(ISHOJ, date(2024, 3, 2), date(2024, 3, 31)) == []


def test_a_period_wider_than_the_agreement_is_cut_to_it():
    lines = RULE.lines(ISHOJ, date(2022, 7, 1), date(2026, 6, 30))
    assert amounts(lines) == [(2023, Decimal("14000.00")), (2024, Decimal("28000.00")), (2025, Decimal("42000.00"))]
    assert lines[0].period_start == date(2023, 1, 1) and lines[-1].period_end == date(2025, 12, 31)


def test_an_agreement_starting_mid_year_bills_its_whole_months():
    agreement = {**ISHOJ, "start": date(2023, 7, 1)}
    lines = RULE.lines(agreement, date(2023, 1, 1), date(2023, 12, 31))
    assert amounts(lines) == [(2023, Decimal("7000.00"))]


@pytest.mark.parametrize(("start", "end"), [(date(2022, 1, 1), date(2022, 12, 31)), (date(2026, 1, 1), date(2026, 3, 31))])
def test_a_period_outside_the_agreement_gives_no_lines(start, end):
    assert RULE.lines(ISHOJ, start, end) == []


def test_a_year_missing_from_the_amounts_gives_no_line():
    agreement = {**ISHOJ, "amounts": {"2023": 14000, "2025": 42000}}
    lines = RULE.lines(agreement, date(2023, 1, 1), date(2025, 12, 31))
    assert amounts(lines) == [(2023, Decimal("14000.00")), (2025, Decimal("42000.00"))]


def test_dates_as_date_objects_and_years_as_integers():
    agreement = {"rule": RULE.key, "start": date(2023, 1, 1), "end": date(2025, 12, 31), "amounts": {2024: 28000.5}}
    (line,) = RULE.lines(agreement, date(2024, 1, 1), date(2024, 12, 31))
    assert line.amount == Decimal("28000.50")


def test_an_inverted_period_is_refused():
    with pytest.raises(ValueError):
        RULE.lines(ISHOJ, date(2024, 12, 31), date(2024, 1, 1))


def test_ishoj_tenant_file_agreement_bills_the_seed_figures():
    """The real tenant file, read the new way: the agreement's billing rule and its parameters."""
    from config import ROOT
    from core.testing import read_tenant_files

    ishoj = next(t.data for t in read_tenant_files(ROOT / "tenants") if t.data["slug"] == "ishoj")
    (agreement,) = [a for a in ishoj["agreements"] if a["billing"]["rule"] == RULE.key]
    (rule,) = [r for r in billing_rules() if r.key == agreement["billing"]["rule"]]
    params = rule.parameters().load(agreement["billing"]["parameters"])
    lines = rule.lines({**params, "start": agreement["start"], "end": agreement["end"]}, date(2023, 1, 1), date(2025, 12, 31))
    assert [line.amount for line in lines] == [Decimal("14000.00"), Decimal("28000.00"), Decimal("42000.00")]
    assert sum(line.amount for line in lines) == Decimal("84000.00")
    assert (agreement["start"], agreement["end"]) == (date(2023, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"amounts": {"2024": -14000}}, "amounts", "an amount cannot be negative"),
        ({"amounts": {"20x4": 14000}}, "amounts", 'a year must be four digits, e.g. "2024"'),
        ({"amounts": {}}, "amounts", "name the amount of at least one year"),
        ({"amounts": {"2024": "fjorten tusind"}}, "amounts", "Not a valid number."),
        ({}, "amounts", "Missing data for required field."),
        ({"amounts": {"2024": 14000}, "amount_per_year": 14000}, "amount_per_year", "Unknown field."),
    ],
)
def test_the_parameters_schema_refuses_bad_input_with_a_clear_message(parameters, field, message):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as refused:
        RULE.parameters().load(parameters)
    errors = refused.value.messages
    assert list(errors) == [field]
    assert message in repr(errors[field]), errors


def test_the_parameters_schema_loads_the_tenant_files_form():
    assert RULE.parameters().load({"amounts": {"2023": 14000, "2024": 28000.5}}) == {
        "amounts": {"2023": Decimal("14000"), "2024": Decimal("28000.5")},
    }
