"""Mødrehjælpen's local association with a charity shop (lokalforening med butik).

The shop's surplus pays for the association's activities for families. Tables
prefixed ``volunteer_association_``; volunteers come from core's registry.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, Numeric, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.programme import Model, TenantScoped, tenant_many_to_one, tenant_one_to_many, tenant_reference, utcnow

P = "volunteer_association_"
MONEY = Numeric(12, 2)

SIGNUP_STATUSES = ("signed_up", "offered")  # "offered": up for a swap
PAYMENT_METHODS = ("cash", "card", "mobilepay")
EXPENSE_CATEGORIES = ("rent", "utilities", "supplies", "transport", "other")
DONATION_CATEGORIES = ("clothes", "children_clothes", "toys", "prams_equipment", "household", "books", "other")
ACTIVITY_KINDS = ("help", "experience", "network")
FUNDING_SOURCES = ("shop_surplus", "grant")
GRANT_STATUSES = ("draft", "submitted", "granted", "rejected", "reported")


class ShopHours(TenantScoped, Model):
    __tablename__ = P + "shop_hours"

    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Shift(TenantScoped, Model):
    """A shift in the shop; ``needed`` volunteers are wanted on it."""

    __tablename__ = P + "shifts"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day", "starts"),)

    day: Mapped[date] = mapped_column(Date, index=True)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    needed: Mapped[int] = mapped_column(Integer, default=2)

    signups: Mapped[list[ShiftSignup]] = tenant_one_to_many(
        "Shift", "ShiftSignup", "shift_id", back_populates="shift", order_by="ShiftSignup.id"
    )


class ShiftSignup(TenantScoped, Model):
    __tablename__ = P + "shift_signups"
    __tenant_table_args__ = (
        tenant_reference("shift_id", P + "shifts", ondelete="CASCADE"),
        tenant_reference("volunteer_id", "volunteers", ondelete="CASCADE"),
        UniqueConstraint("shift_id", "volunteer_id"),
    )

    shift_id: Mapped[int] = mapped_column()
    volunteer_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="signed_up")
    hours_worked: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    shift: Mapped[Shift] = tenant_many_to_one("ShiftSignup", "Shift", "shift_id", back_populates="signups")


class Takings(TenantScoped, Model):
    """The day's takings recorded by the shift, by payment method, with the cash count."""

    __tablename__ = P + "takings"
    __tenant_table_args__ = (tenant_reference("shift_id", P + "shifts", ondelete="CASCADE"), UniqueConstraint("shift_id"))

    shift_id: Mapped[int] = mapped_column()
    cash: Mapped[Decimal] = mapped_column(MONEY)
    card: Mapped[Decimal] = mapped_column(MONEY)
    mobilepay: Mapped[Decimal] = mapped_column(MONEY)
    cash_counted: Mapped[Decimal] = mapped_column(MONEY)  # the till count at closing
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Expense(TenantScoped, Model):
    __tablename__ = P + "expenses"

    day: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str | None] = mapped_column(String(200))


class Donation(TenantScoped, Model):
    """Donated goods received: counted by category, no donor identity."""

    __tablename__ = P + "donations"

    day: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)


class GrantApplication(TenantScoped, Model):
    __tablename__ = P + "grants"

    funder: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(300))
    amount_applied: Mapped[Decimal] = mapped_column(MONEY)
    applied_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    amount_granted: Mapped[Decimal | None] = mapped_column(MONEY)
    reporting_deadline: Mapped[date | None] = mapped_column(Date)


class Activity(TenantScoped, Model):
    """A help, experience or network-building activity: counts of families and children only."""

    __tablename__ = P + "activities"
    __tenant_table_args__ = (tenant_reference("grant_id", P + "grants"),)

    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    families: Mapped[int] = mapped_column(Integer, default=0)
    children: Mapped[int] = mapped_column(Integer, default=0)
    funding: Mapped[str] = mapped_column(String(14), default="shop_surplus")
    grant_id: Mapped[int | None] = mapped_column()
    cost: Mapped[Decimal] = mapped_column(MONEY, default=0)
    notes: Mapped[str | None] = mapped_column(Text)


class ActivityVolunteer(TenantScoped, Model):
    __tablename__ = P + "activity_volunteers"
    __tenant_table_args__ = (
        tenant_reference("activity_id", P + "activities", ondelete="CASCADE"),
        tenant_reference("volunteer_id", "volunteers", ondelete="CASCADE"),
        UniqueConstraint("activity_id", "volunteer_id"),
    )

    activity_id: Mapped[int] = mapped_column()
    volunteer_id: Mapped[int] = mapped_column()
