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

from flask_babel import lazy_gettext
from marshmallow import Schema

from core.programme import InvoiceLine


class NoBillingRule:
    key = "volunteer_association.none"
    name = lazy_gettext("No billing: the association is not invoiced")
    parameters = Schema.from_dict({}, name="NoBillingParameters")  # takes none

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        return []


def billing_rules() -> list:
    return [NoBillingRule()]
