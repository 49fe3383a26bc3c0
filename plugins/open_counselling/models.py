"""Open counselling (Mødrehjælpen's åben rådgivning) in an "authority-free room".

A family is counted by a family number the counsellor gives at the first
contact (written on the family's card), so repeated contacts count once
without any identity being stored. Identity (name) exists only with recorded
consent; free text and identity are partner-only. Tables prefixed
``open_counselling_``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.programme import Model, TenantScoped, tenant_many_to_one, tenant_one_to_many, tenant_reference, utcnow

P = "open_counselling_"

CHANNELS = ("in_person", "phone", "online")
REASONS = ("parenthood", "housing_economy", "relationship", "violence", "grief_crisis", "other")
REFERRALS = ("legal_aid", "financial_counselling", "municipality", "other_organisation")
FORMATS = ("single", "short_course")
NEED_LEVELS = (1, 2, 3, 4)
AGE_BANDS = ("under_18", "18_24", "25_29", "30_39", "40_plus")
INCOME_BASES = (
    "wages",
    "student_grant",
    "unemployment_benefit",
    "cash_benefit",
    "self_support_return_benefit",
    "pension",
    "leave_benefit",
    "other",
)
EMPLOYMENT = ("employed", "unemployed", "student", "on_leave", "outside_labour_market", "other")
HOUSEHOLDS = ("single", "couple")
NOTIFICATION_CHANNELS = ("digital", "phone", "letter", "in_person")
MEETING_KINDS = ("steering", "follow")


class Office(TenantScoped, Model):
    __tablename__ = P + "offices"

    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    phone_counselling: Mapped[str | None] = mapped_column(String(30))  # the national telephone counselling


class OpeningHours(TenantScoped, Model):
    __tablename__ = P + "opening_hours"
    __tenant_table_args__ = (tenant_reference("office_id", P + "offices", ondelete="CASCADE"),)

    office_id: Mapped[int] = mapped_column()
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(TenantScoped, Model):
    """An ad-hoc closure (illness, ...); the agreement's fixed closures are computed each year."""

    __tablename__ = P + "closures"
    # One closure an office and day, kept by the database: two people closing the same day at
    # once get "already exists" instead of a second row.
    __tenant_table_args__ = (
        tenant_reference("office_id", P + "offices", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "office_id", "day", name="uq_open_counselling_closures_office_day"),
    )

    office_id: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    notice: Mapped[str | None] = mapped_column(String(300))  # e.g. "Ring til telefonrådgivningen i stedet"


class Family(TenantScoped, Model):
    __tablename__ = P + "families"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "family_number"),)

    family_number: Mapped[str] = mapped_column(String(30))
    # Identity only with consent; partner-only; removed by retention.
    name: Mapped[str | None] = mapped_column(String(120))
    consent_given_on: Mapped[date | None] = mapped_column(Date)
    consent_recorded_by: Mapped[str | None] = mapped_column(String(60))
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    # Socio-economic registration (anonymous statistics)
    parent_age_band: Mapped[str | None] = mapped_column(String(12))
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnancy_week: Mapped[int | None] = mapped_column(Integer)
    children_count: Mapped[int] = mapped_column(Integer, default=0)
    children_ages: Mapped[str | None] = mapped_column(String(60))  # "0,2,5" (years)
    income_basis: Mapped[str | None] = mapped_column(String(40))
    employment_status: Mapped[str | None] = mapped_column(String(30))
    household: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contacts: Mapped[list[Contact]] = tenant_one_to_many("Family", "Contact", "family_id", back_populates="family", order_by="Contact.day")


class Contact(TenantScoped, Model):
    """A contact (henvendelse): one conversation, anonymous unless the family consented."""

    __tablename__ = P + "contacts"
    __tenant_table_args__ = (
        tenant_reference("family_id", P + "families", ondelete="CASCADE"),
        # A tenant's contacts by day (lists, the annual report) and a family's contacts (oc03).
        Index("ix_open_counselling_contacts_tenant_day", "tenant_id", "day"),
        Index("ix_open_counselling_contacts_tenant_family", "tenant_id", "family_id"),
    )

    family_id: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(12))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    counsellor: Mapped[str] = mapped_column(String(60))  # audit label of the counsellor
    description: Mapped[str | None] = mapped_column(Text)  # free text: partner-only, removed by retention
    need_level: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(14), default="single")

    family: Mapped[Family] = tenant_many_to_one("Contact", "Family", "family_id", back_populates="contacts")
    reasons: Mapped[list[ContactReason]] = tenant_one_to_many("Contact", "ContactReason", "contact_id", cascade="all, delete-orphan")
    referrals: Mapped[list[ContactReferral]] = tenant_one_to_many("Contact", "ContactReferral", "contact_id", cascade="all, delete-orphan")


class ContactReason(TenantScoped, Model):
    __tablename__ = P + "contact_reasons"
    __tenant_table_args__ = (
        tenant_reference("contact_id", P + "contacts", ondelete="CASCADE"),
        UniqueConstraint("contact_id", "reason"),
    )

    contact_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(20))


class ContactReferral(TenantScoped, Model):
    __tablename__ = P + "contact_referrals"
    __tenant_table_args__ = (
        tenant_reference("contact_id", P + "contacts", ondelete="CASCADE"),
        UniqueConstraint("contact_id", "referral"),
    )

    contact_id: Mapped[int] = mapped_column()
    referral: Mapped[str] = mapped_column(String(24))


class Notification(TenantScoped, Model):
    """A notification of concern (SEL § 153 / Barnets Lov § 133)."""

    __tablename__ = P + "notifications"
    __tenant_table_args__ = (
        tenant_reference("family_id", P + "families"),
        Index("ix_open_counselling_notifications_tenant_day", "tenant_id", "day"),  # by year (oc03)
    )

    family_id: Mapped[int | None] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    ground: Mapped[str] = mapped_column(Text)  # partner-only
    author: Mapped[str] = mapped_column(String(120))
    recipient_unit: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(12))
    receipt_confirmed_on: Mapped[date | None] = mapped_column(Date)


class GovernanceMeeting(TenantScoped, Model):
    """Steering group (half-yearly) and follow group (quarterly) meetings."""

    __tablename__ = P + "meetings"

    kind: Mapped[str] = mapped_column(String(10))
    held_on: Mapped[date] = mapped_column(Date)
    members: Mapped[str] = mapped_column(String(400))
    minutes: Mapped[str | None] = mapped_column(Text)
