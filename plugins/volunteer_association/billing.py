"""Billing of the local association: none.

The agreement between Mødrehjælpen and Fredericia Kommune bills the
municipality for the open counselling only; the association and its shop are
not invoiced (the shop's surplus pays for the activities, and allocating it
is not an invoice). The rule exists so an agreement can name it explicitly;
it yields no lines for any period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema

from core.plugins.types import InvoiceLine


class NoBillingRule:
    key = "volunteer_association.none"
    name_da = "Ingen fakturering: foreningen faktureres ikke"
    parameters = Schema.from_dict({}, name="NoBillingParameters")  # takes none

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        return []


def billing_rules() -> list:
    return [NoBillingRule()]
