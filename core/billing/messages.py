"""What billing says to people: refusals and outcomes as codes, rendered in the UI language.

A run stores codes and parameters (``BillingRun.results``), never sentences,
so the same run reads in Danish or English; the CLI renders in Danish.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from core.i18n import format_amount, format_day
from core.schemas import N_

REASONS: dict[str, Any] = {
    "outside": N_("The period %(period)s lies outside the agreement (%(start)s – %(end)s): nothing to invoice."),
    "not_approved": N_("The agreement is a draft: a draft is never invoiced."),
    "issuer": N_("The agreement has %(count)s partner organisations; exactly one must issue the invoice."),
    "ean_format": N_("The payer's EAN number %(ean)s must be 13 digits."),
    "ean_check_digit": N_("The payer's EAN number %(ean)s has a wrong check digit (GS1 modulus 10): correct it in the tenant file."),
    "buyer_reference": N_(
        "The agreement names no buyer reference for the payer (payer.buyer_reference); the Danish Peppol rules require one."
    ),
    "supplier_details": N_("%(organisation)s has no %(field)s in its organisation file's invoicing details."),
    "unknown_rule": N_("No installed programme provides the billing rule %(rule)s."),
    "rule_error": N_("The billing rule could not compute the period: %(error)s"),
    "line_outside": N_("The billing rule gives a line for %(start)s – %(end)s, outside the agreement (%(first)s – %(last)s)."),
    "line_across_years": N_("The billing rule gives a line across a year's end (%(start)s – %(end)s); an invoice covers one year at most."),
    "negative_total": N_("The billing rule gives a negative total of %(total)s for %(period)s; an invoice is never negative."),
    "overlap": N_("Invoice %(number)s already covers %(other)s, which overlaps %(period)s: nothing is invoiced twice."),
    "nothing": N_("Nothing to invoice for %(period)s."),
    "exists": N_("Already invoiced: invoice %(number)s for %(period)s."),
    "exists_draft": N_("A draft for %(period)s already exists."),
    "created": N_("Invoice %(number)s for %(period)s: %(total)s"),
    "drafted": N_("Draft for %(period)s: %(total)s"),
    "not_draft": N_("Only a draft can be issued."),
    "state": N_("An invoice that is %(state)s cannot be %(action)s."),
    "paid_amount": N_("The amount must be more than 0 and at most the outstanding amount, %(open)s"),
    "paid_on": N_("The payment date cannot be before the invoice date %(issued)s or after today."),
    "credit_amount": N_("The credit note's amount must be more than 0 and at most what is not yet credited, %(open)s"),
    "credit_reason": N_("Give the reason for the credit note."),
    "invalid_document": N_("The document fails %(count)s of the Peppol rules and cannot be marked as sent."),
}

STATE_LABELS = {
    "draft": N_("Draft"),
    "issued": N_("Issued"),
    "sent": N_("Sent"),
    "paid": N_("Paid"),
    "credited": N_("Credited"),
}
KIND_LABELS = {"invoice": N_("Invoice"), "credit_note": N_("Credit note")}
ACTION_LABELS = {"sent": N_("marked as sent"), "paid": N_("marked as paid"), "credited": N_("credited"), "issued": N_("issued")}
OUTCOME_LABELS = {
    "created": N_("Invoiced"),
    "drafted": N_("Draft"),
    "exists": N_("Already invoiced"),
    "exists_draft": N_("Draft exists"),
    "nothing": N_("Nothing to invoice"),
    "outside": N_("Outside the agreement"),
    "refused": N_("Refused"),
}


def kroner(amount: Decimal | str | int) -> str:
    """``40.000,00 kr.`` (Danish) or ``DKK 40,000.00``: the platform's one amount format."""
    return format_amount(amount)


def day(value: date | str) -> str:
    """``1.12.2026`` (Danish) or ``Dec 1, 2026``: the platform's date (``core.i18n``), in the UI language."""
    return format_day(value)


def reason_text(code: str, params: dict[str, Any] | None = None) -> str:
    """The sentence of a reason code in the UI language (Danish outside a request)."""
    template = REASONS.get(code)
    if template is None:
        return code
    values = {k: _format(k, v) for k, v in (params or {}).items()}
    return _(str.__str__(template), **values)


def _format(key: str, value: Any) -> Any:
    if key in ("total", "open") and value is not None:
        return kroner(value)
    if key in ("start", "end", "first", "last", "issued") and isinstance(value, str) and len(value) == 10:
        return day(value)
    if key in ("state", "action"):
        labels = STATE_LABELS if key == "state" else ACTION_LABELS
        return str(labels.get(value, value)).lower()
    return value


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))
