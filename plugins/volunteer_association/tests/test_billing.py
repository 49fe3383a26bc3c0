"""The association is never invoiced: its billing rule yields no lines."""

from __future__ import annotations

from datetime import date

import pytest

from plugins.volunteer_association.billing import NoBillingRule, billing_rules


def test_the_rule_is_offered_with_its_key_and_danish_name(app):
    from flask_babel import force_locale

    (rule,) = billing_rules()
    assert rule.key == "volunteer_association.none"
    with app.test_request_context(), force_locale("da"):
        assert str(rule.name) == "Ingen fakturering: foreningen faktureres ikke"
    with app.test_request_context(), force_locale("en"):
        assert str(rule.name) == "No billing: the association is not invoiced"


@pytest.mark.parametrize(
    "agreement",
    [
        {"rule": "volunteer_association.none"},
        {"rule": "volunteer_association.none", "start": "2020-01-01", "amounts": {"2025": 160000}},
        {},
    ],
)
@pytest.mark.parametrize(
    "period",
    [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2020, 1, 1), date(2030, 12, 31)),
        (date(2025, 5, 5), date(2025, 5, 5)),
    ],
)
def test_no_lines_ever(agreement, period):
    assert NoBillingRule().lines(agreement, *period) == []


@pytest.mark.parametrize("parameters", [{"amount_per_year": 160000}, {"amounts": {"20x4": -1}}])
def test_the_parameters_schema_takes_none_and_says_so(parameters):
    from marshmallow import ValidationError

    rule = NoBillingRule()
    assert rule.parameters().load({}) == {}
    with pytest.raises(ValidationError) as refused:
        rule.parameters().load(parameters)
    assert refused.value.messages == {key: ["Unknown field."] for key in parameters}
