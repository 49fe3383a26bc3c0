"""Invoices: billing runs for the past years' periods, through core's own run (``core.billing.runs.start_runs``).

Invoices are written by core's billing code only (numbering, immutability,
the agreement's rule), never as raw rows: the generator starts the runs each
organisation's finance officer would, one per tenant, organisation and year,
issued (an organisation's people see its own runs only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import Flask


def bill(app: Flask, tenant_ids: Sequence[int], years: int, today: date | None = None) -> list[int]:
    """Issue each tenant's invoices for the ``years`` calendar years before this one; returns the runs' ids."""
    from sqlalchemy import select

    from core.billing.periods import year as calendar_year
    from core.billing.runs import start_runs
    from core.db import db
    from core.partnerships.models import AgreementParty
    from core.tenancy.context import tenant_context

    today = today or date.today()
    runs: list[int] = []
    with app.app_context():
        for tenant_id in tenant_ids:
            with tenant_context(tenant_id):
                organisations = sorted(set(db.session.scalars(select(AgreementParty.organisation_id))))
            for organisation in organisations:
                for y in range(today.year - years, today.year):
                    runs += start_runs(calendar_year(y), tenant_ids=[tenant_id], organisation_id=organisation, issue=True, actor="bench")
        db.session.remove()
    return runs
