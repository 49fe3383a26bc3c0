"""What an agreement's billing rule yields for a period (no invoices yet: the billing issue writes them).

The rule is looked up by the key the agreement names, among the rules the
installed plugins provide; its parameters are loaded through the rule's own
schema, and it is told the agreement's start and its end (the declared end,
or the earlier end a recorded notice brings).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app

from core.partnerships.models import Agreement
from core.plugins.types import BillingRule, InvoiceLine


class UnknownBillingRule(LookupError):
    pass


def billing_rules() -> dict[str, BillingRule]:
    from core.plugins.host import plugin_host

    return {rule.key: rule for rule in plugin_host(current_app).collect("samvirke_billing_rules")}


def rule_of(agreement: Agreement) -> BillingRule:
    rule = billing_rules().get(agreement.billing_rule)
    if rule is None:
        raise UnknownBillingRule(f"no installed plugin provides the billing rule {agreement.billing_rule!r}")
    return rule


def rule_input(agreement: Agreement, rule: BillingRule) -> dict[str, Any]:
    """The mapping a rule's ``lines`` receives: its loaded parameters, ``start`` and ``end``."""
    return {**rule.parameters().load(agreement.billing_parameters or {}), "start": agreement.starts_on, "end": agreement.end_date()}


def lines_for(agreement: Agreement, period_start: date, period_end: date) -> list[InvoiceLine]:
    rule = rule_of(agreement)
    return rule.lines(rule_input(agreement, rule), period_start, period_end)


def yearly_preview(agreement: Agreement, years: list[int]) -> list[tuple[int, list[InvoiceLine], Decimal]]:
    """Per calendar year: the lines and their total."""
    out = []
    for year in years:
        lines = lines_for(agreement, date(year, 1, 1), date(year, 12, 31))
        out.append((year, lines, sum((line.amount for line in lines), Decimal("0"))))
    return out


def preview_years(agreement: Agreement, today: date) -> list[int]:
    """The years a preview shows: the agreement's whole period, or from its start to next year when open-ended (at most 10)."""
    end = agreement.end_date()
    last = end.year if end is not None else max(today.year + 1, agreement.starts_on.year)
    first = max(agreement.starts_on.year, last - 9)
    return list(range(first, last + 1))
