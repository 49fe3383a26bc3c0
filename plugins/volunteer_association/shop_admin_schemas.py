"""Form schemas of the shop's staff page: weekly opening hours, expenses, donated goods.

The three forms share one page, so inputs that two forms have carry their
own names (``expense_day``, ``donation_day``, ``expense_category``,
``donation_category``): every input id on the page is unique and each label
points at its own field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema, copenhagen_today
from plugins.volunteer_association.models import DONATION_CATEGORIES, EXPENSE_CATEGORIES

WEEKDAY_LABELS = dict(enumerate([N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")]))
EXPENSE_LABELS = {
    "rent": N_("Rent"),
    "utilities": N_("Utilities"),
    "supplies": N_("Supplies"),
    "transport": N_("Transport"),
    "other": N_("Other"),
}
DONATION_LABELS = {
    "clothes": N_("Clothes"),
    "children_clothes": N_("Children's clothes"),
    "toys": N_("Toys"),
    "prams_equipment": N_("Prams and equipment"),
    "household": N_("Household goods"),
    "books": N_("Books"),
    "other": N_("Other"),
}
assert set(EXPENSE_LABELS) == set(EXPENSE_CATEGORIES) and set(DONATION_LABELS) == set(DONATION_CATEGORIES)

TIME_MESSAGES: dict[str, Any] = {"invalid": N_("Enter a time as HH:MM.")}
NOT_IN_FUTURE = N_("The date cannot be in the future.")
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)


def today() -> date:
    """Today in Denmark (the server may run in UTC)."""
    return copenhagen_today()


def _not_in_future(day: date) -> None:
    if day > today():
        raise ValidationError(NOT_IN_FUTURE)


class Amount(fields.Decimal):
    """Kroner with at most two decimals; accepts ``1234.50``, ``1234,50`` and ``1.234,50``."""

    # Not "invalid": the base schema gives that key its generic "Enter a number.".
    default_error_messages: dict[str, Any] = {  # marshmallow declares it an instance variable
        "not_an_amount": N_("Enter an amount in kroner, for example 250,00."),
        "places": N_("Enter the amount with at most two decimals."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=2, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        text = str(value).strip().replace(" ", "").removesuffix("kr.").removesuffix("kr")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise self.make_error("not_an_amount") from exc
        if not number.is_finite():
            raise self.make_error("not_an_amount")
        if number != number.quantize(Decimal("0.01")):
            raise self.make_error("places")
        return number.quantize(Decimal("0.01"))


class ShopHoursSchema(Schema):
    weekday = fields.Integer(
        required=True,
        validate=validate.OneOf(range(7)),
        metadata={"label": N_("Weekday"), "choice_labels": WEEKDAY_LABELS},
    )
    opens = fields.Time(required=True, error_messages=TIME_MESSAGES, metadata={"label": N_("Opens"), "widget": "time"})
    closes = fields.Time(required=True, error_messages=TIME_MESSAGES, metadata={"label": N_("Closes"), "widget": "time"})

    @validates_schema
    def _closes_after_opening(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("opens") is not None and data.get("closes") is not None and data["closes"] <= data["opens"]:
            raise ValidationError(N_("The closing time must be after the opening time."), "closes")


class ExpenseSchema(Schema):
    day = fields.Date(required=True, data_key="expense_day", validate=_not_in_future, metadata={"label": N_("Date")})
    category = fields.String(
        required=True,
        data_key="expense_category",
        validate=validate.OneOf(EXPENSE_CATEGORIES),
        metadata={"label": N_("Category"), "choice_labels": EXPENSE_LABELS},
    )
    amount = Amount(
        required=True,
        validate=[
            validate.Range(min=Decimal(0), min_inclusive=False, error=N_("Enter an amount greater than 0.")),
            validate.Range(max=MAX_AMOUNT),
        ],
        metadata={"label": N_("Amount (kr.)"), "hint": N_("For example 1250,00")},
    )
    description = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"label": N_("Description")},
    )


class DonationSchema(Schema):
    day = fields.Date(required=True, data_key="donation_day", validate=_not_in_future, metadata={"label": N_("Received on")})
    category = fields.String(
        required=True,
        data_key="donation_category",
        validate=validate.OneOf(DONATION_CATEGORIES),
        metadata={"label": N_("Category"), "choice_labels": DONATION_LABELS},
    )
    count = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=100000),
        metadata={"label": N_("Number of items")},
    )
