"""Schemas for shifts, sign-ups and the day's takings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema


class ShiftSchema(Schema):
    id = fields.Integer(dump_only=True)
    day = fields.Date(required=True, metadata={"label": N_("Date")})
    starts = fields.Time(required=True, metadata={"label": N_("From"), "widget": "time"})
    ends = fields.Time(required=True, metadata={"label": N_("To"), "widget": "time"})
    needed = fields.Integer(load_default=2, validate=validate.Range(min=1, max=10), metadata={"label": N_("Volunteers needed")})
    signed_up = fields.Integer(dump_only=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise ValidationError(N_("The shift must end after it starts."), field_name="ends")


class SignupSchema(Schema):
    volunteer_id = fields.Integer(allow_none=True, metadata={"label": N_("Volunteer")})


def money(label: str) -> fields.Decimal:
    """A required amount in kroner, two decimals, up to a million."""
    return fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(min=0, max=1_000_000), metadata={"label": label})


class TakingsSchema(Schema):
    """The day's takings by payment method and the cash counted at closing."""

    cash = money(N_("Cash sales (DKK)"))
    card = money(N_("Card (DKK)"))
    mobilepay = money(N_("MobilePay (DKK)"))
    cash_counted = money(N_("Cash counted in the till (DKK)"))
    hours_worked = fields.Decimal(
        allow_none=True,
        places=2,
        as_string=True,
        validate=validate.Range(min=0, max=14),
        metadata={"label": N_("Your hours on this shift"), "hint": N_("Leave empty for the whole shift.")},
    )
    difference = fields.Decimal(dump_only=True, places=2, as_string=True)


def shift_hours(starts, ends) -> float:
    return (datetime.combine(datetime.min, ends) - datetime.combine(datetime.min, starts)).seconds / 3600
