"""An open-ended staircase agreement (no end date, as a tenant file may say): billed for the years it names, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest

from core.programme import db
from core.testing import tenant_context
from core.testing.fixtures import sign_in, tenant_id
from plugins.mother_groups.billing import StaircaseRule

RULE = StaircaseRule()
STEPS = {"2023": 14000, "2024": 28000, "2025": 42000}
OPEN_ENDED = {"start": "2023-01-01", "end": None, "amounts": STEPS}


def amounts(lines):
    return [(line.period_start.year, line.amount) for line in lines]


@pytest.mark.parametrize("agreement", [OPEN_ENDED, {"start": "2023-01-01", "amounts": STEPS}], ids=["end None", "no end key"])
def test_an_open_ended_agreement_bills_the_named_years_up_to_the_period_asked(agreement):
    lines = RULE.lines(agreement, date(2023, 1, 1), date(2030, 12, 31))
    assert amounts(lines) == [(2023, Decimal("14000.00")), (2024, Decimal("28000.00")), (2025, Decimal("42000.00"))]
    assert lines[-1].period_end == date(2025, 12, 31)  # the year's own end, not the (absent) agreement's


def test_after_its_last_step_the_staircase_bills_nothing_until_a_year_is_added_in_writing():
    assert RULE.lines(OPEN_ENDED, date(2026, 1, 1), date(2026, 12, 31)) == []
    longer = {**OPEN_ENDED, "amounts": {**STEPS, "2026": 42000}}
    assert amounts(RULE.lines(longer, date(2026, 1, 1), date(2026, 12, 31))) == [(2026, Decimal("42000.00"))]


def test_an_open_ended_agreement_starting_mid_year_bills_its_whole_months():
    agreement = {"start": "2024-07-01", "end": None, "amounts": {"2024": 28000, "2025": 42000}}
    assert amounts(RULE.lines(agreement, date(2024, 1, 1), date(2025, 6, 30))) == [
        (2024, Decimal("14000.00")),  # 6 of 12 months
        (2025, Decimal("21000.00")),  # the period asked ends mid-year: 6 of 12 months
    ]


@contextmanager
def staircase_agreement(app, slug: str, parameters: dict) -> Iterator[None]:
    """The test tenant's (open-ended) agreement billed on the staircase model for the block's duration."""
    from core.programme import agreement_covering

    with app.app_context(), tenant_context(tenant_id(app, slug)):
        agreement = agreement_covering("mother_groups")
        assert agreement is not None and agreement.ends_on is None  # alpha's testaftale has no end date
        agreement_id, saved = agreement.id, (agreement.billing_rule, dict(agreement.billing_parameters or {}))
        agreement.billing_rule, agreement.billing_parameters = "mother_groups.staircase", parameters
        db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        from core.programme import Agreement

        with app.app_context(), tenant_context(tenant_id(app, slug)):
            agreement = db.session.get_one(Agreement, agreement_id)
            agreement.billing_rule, agreement.billing_parameters = saved
            db.session.commit()
            db.session.remove()


def test_the_statement_of_an_open_ended_staircase_agreement_answers_with_its_amounts(app, monkeypatch):
    monkeypatch.setattr("core.billing.views.copenhagen_today", lambda: date(2026, 6, 1))
    client = app.test_client()
    sign_in(app, client, "finance", "alpha")
    with staircase_agreement(app, "alpha", {"amounts": STEPS}):
        response = client.get("/alpha/billing/statement")
        html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    agreed = {
        year: re.findall(r'<td class="align-text-right">([^<]*)</td>', row)[0]
        for year, row in re.findall(r'<tr data-year="(\d{4})">(.*?)</tr>', html, re.S)
    }
    # The named years, and nothing agreed for 2026 and 2027 (the preview runs to next year).
    assert agreed == {"2023": "14.000,00 kr.", "2024": "28.000,00 kr.", "2025": "42.000,00 kr."}
    assert re.search(r"data-agreed><strong>84\.000,00 kr\.</strong>", html)
