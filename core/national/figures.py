"""The national key figures per municipality and year: one grouped query per programme, across tenants.

Runs inside ``cross_tenant()`` (the caller enters it, with ``reporting_reads``
where a replica is configured). Each query groups by tenant and year, over the
tenants a person covers, so the number of statements is the same for two
municipalities or ninety-eight, and no figure is ever a loop over persons.

A year is a calendar year: a course counts in every year it runs; a mother in
every year she is enrolled (joined by its end, not left before its start); a
contact, a session, a shift or an activity in the year of its day.

A programme's figures are its plugin's (``samvirke_national_figures``, run by
``core.national.contributions``): core never reads a plugin's tables by name.
The co-financing (agreed, invoiced, paid) is core's own, here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import and_, case, func, select

from core.db import db
from core.national import contributions
from core.national.contributions import Figures, percent, years_table

log = logging.getLogger(__name__)

__all__ = ["Figures", "agreed", "invoiced", "percent", "programme", "years_table"]


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query).all())


def programme(key: str, tenant_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """An installed programme's figures over the tenants and years (its plugin's aggregate): one statement."""
    return contributions.run(contributions.installed()[key], tenant_ids, years)


# --- Co-financing ----------------------------------------------------------------------------


def invoiced(agreement_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """Per tenant and year (of the invoiced period's start): invoiced (less credit notes) and paid; one statement."""
    from core.billing.models import Invoice

    y = years_table(years)
    sign = case((Invoice.kind == "credit_note", -1), else_=1)
    query = (
        select(
            Invoice.tenant_id,
            y.c.year,
            func.coalesce(func.sum(sign * Invoice.total), 0),
            func.coalesce(func.sum(case((Invoice.state == "paid", func.coalesce(Invoice.paid_amount, Invoice.total)), else_=0)), 0),
        )
        .select_from(y)
        .join(Invoice, and_(Invoice.period_start >= y.c.first, Invoice.period_start <= y.c.last))
        .where(Invoice.agreement_id.in_(agreement_ids), Invoice.state != "draft")
        .group_by(Invoice.tenant_id, y.c.year)
    )
    return {(t, year): {"invoiced": Decimal(str(i)), "paid": Decimal(str(p))} for t, year, i, p in _rows(query)}


def agreed(agreements: Sequence[Any], years: Sequence[int]) -> Figures:
    """What each agreement's billing rule yields per year (its preview, as ``yearly_preview``; no SQL), summed per tenant.

    The installed rules are collected once, each rule's parameters schema made once, and each agreement's
    parameters loaded once, not per year.
    """
    from core.partnerships.billing import billing_rules

    rules = billing_rules()
    schemas: dict[str, Any] = {}  # one parameters schema per rule: making a marshmallow schema costs more than loading with it
    # A rule's yield is a function of its parameters and the agreement's dates: agreements on the same terms
    # (a programme's standard staircase in many municipalities) are worked out once.
    previews: dict[tuple[Any, ...], list[tuple[int, Decimal]]] = {}
    out: Figures = {}
    for agreement in agreements:
        rule = rules.get(agreement.billing_rule)
        try:
            if rule is None:
                raise LookupError(agreement.billing_rule)
            terms = (
                rule.key,
                json.dumps(agreement.billing_parameters or {}, sort_keys=True, default=str),
                agreement.starts_on,
                agreement.end_date(),
            )
            totals = previews.get(terms)
            if totals is None:
                schema = schemas.get(rule.key) or schemas.setdefault(rule.key, rule.parameters())
                # What core.partnerships.billing.rule_input gives the rule: its loaded parameters, start and end.
                given = {**schema.load(agreement.billing_parameters or {}), "start": agreement.starts_on, "end": agreement.end_date()}
                totals = previews[terms] = [
                    (y, sum((line.amount for line in rule.lines(given, date(y, 1, 1), date(y, 12, 31))), Decimal("0"))) for y in years
                ]
        except (LookupError, ValidationError, ValueError, TypeError, AttributeError):
            # A rule the installation lacks, or parameters it refuses: nothing agreed to show (no personal data here).
            log.warning("national view: agreement %s has no billing preview", agreement.id)
            continue
        for year, total in totals:
            cell = out.setdefault((agreement.tenant_id, year), {"agreed": Decimal("0")})
            cell["agreed"] += total
    return out
