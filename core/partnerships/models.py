"""Partner organisations and the partnership agreements that bind them to a municipality.

Organisations are platform data (one file each in ``organisations/``); an
agreement is a tenant's data (declared in its tenant file). Both are written
only by ``samvirke tenants sync``. What people record about an agreement
afterwards (a notice given, a reminder acknowledged) lives in tables of its
own, so a sync never overwrites it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.model import Model
from core.tenancy.models import utcnow
from core.tenancy.scoped import TenantScoped, tenant_many_to_one, tenant_one_to_many, tenant_reference

# What the file may declare; "active", "under notice" and "ended" follow
# from the dates and from a recorded notice (see Agreement.status).
DECLARED_STATUSES = ("draft", "approved")
STATUSES = ("draft", "approved", "active", "under_notice", "ended")
MUNICIPALITY = "municipality"  # a notice given by the municipality (not an organisation)


class Organisation(Model):
    """A partner organisation (DRC Integration, Mødrehjælpen, ...)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    cvr: Mapped[str] = mapped_column(String(8))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    invoicing: Mapped[dict] = mapped_column(JSON, default=dict)
    # The value of the log-in claim that names this organisation's people.
    login_claim: Mapped[str] = mapped_column(String(120), unique=True)
    login: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source_file: Mapped[str] = mapped_column(String(255))
    source_digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Agreement(TenantScoped, Model):
    """A partnership agreement between the tenant (the municipality) and one or more organisations."""

    __tablename__ = "agreements"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_status: Mapped[str] = mapped_column(String(20))
    signed_by_municipality_on: Mapped[date | None] = mapped_column(Date)
    signed_by_partner_on: Mapped[date | None] = mapped_column(Date)
    political_approval_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # None: open-ended
    # notice, remedy, review, governance, days_off: see core.partnerships.terms
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per programme: {"mother_groups": {"courses": 3, "mothers": 24, ...}}
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    billing_rule: Mapped[str] = mapped_column(String(100))
    billing_parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    payer: Mapped[dict] = mapped_column(JSON, default=dict)
    # False once the agreement is gone from its tenant file: kept, never used.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source_digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parties: Mapped[list[AgreementParty]] = tenant_one_to_many(
        "Agreement",
        "AgreementParty",
        "agreement_id",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="AgreementParty.id",
    )
    programmes: Mapped[list[AgreementProgramme]] = tenant_one_to_many(
        "Agreement",
        "AgreementProgramme",
        "agreement_id",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="AgreementProgramme.programme_key",
    )
    notices: Mapped[list[AgreementNotice]] = tenant_one_to_many(
        "Agreement",
        "AgreementNotice",
        "agreement_id",
        lazy="selectin",
        order_by="AgreementNotice.id",
    )

    @property
    def programme_keys(self) -> list[str]:
        return [p.programme_key for p in self.programmes]

    @property
    def organisations(self) -> list[Organisation]:
        return [p.organisation for p in self.parties]

    @property
    def notice(self) -> AgreementNotice | None:
        """The notice in force (there is at most one: UNIQUE(agreement_id))."""
        return self.notices[0] if self.notices else None

    def end_date(self) -> date | None:
        """The last day: the earlier of the declared end and the end a notice brings."""
        ends = [d for d in (self.ends_on, self.notice.earliest_end if self.notice else None) if d is not None]
        return min(ends) if ends else None

    def status_on(self, day: date) -> str:
        if self.declared_status == "draft":
            return "draft"
        end = self.end_date()
        if end is not None and day > end:
            return "ended"
        if self.notice is not None:
            return "under_notice"
        return "active" if day >= self.starts_on else "approved"

    def __repr__(self) -> str:
        return f"<Agreement {self.key}>"


class AgreementParty(TenantScoped, Model):
    """An organisation that is party to an agreement (the municipality always is)."""

    __tablename__ = "agreement_parties"
    __tenant_table_args__ = (
        tenant_reference("agreement_id", "agreements", ondelete="CASCADE"),
        UniqueConstraint("agreement_id", "organisation_id"),
    )

    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class AgreementProgramme(TenantScoped, Model):
    """A programme an agreement covers in its tenant."""

    __tablename__ = "agreement_programmes"
    __tenant_table_args__ = (
        tenant_reference("agreement_id", "agreements", ondelete="CASCADE"),
        UniqueConstraint("agreement_id", "programme_key"),
    )

    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    programme_key: Mapped[str] = mapped_column(String(60))


class AgreementNotice(TenantScoped, Model):
    """That notice of termination was given, when and by which party (recorded by a person)."""

    __tablename__ = "agreement_notices"
    # One notice per agreement, checked by the database in the same transaction as the insert.
    __tenant_table_args__ = (tenant_reference("agreement_id", "agreements", ondelete="CASCADE"), UniqueConstraint("agreement_id"))

    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    given_on: Mapped[date] = mapped_column(Date)
    # MUNICIPALITY or the slug of the organisation that gave it.
    given_by: Mapped[str] = mapped_column(String(40))
    earliest_end: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgreementReminder(TenantScoped, Model):
    """A dated reminder of an agreement's deadline, stored once and acknowledged by a person."""

    __tablename__ = "agreement_reminders"
    __tenant_table_args__ = (
        tenant_reference("agreement_id", "agreements", ondelete="CASCADE"),
        UniqueConstraint("agreement_id", "kind", "due_on"),
    )

    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))  # review, notice_deadline, end, governance:<body>
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))

    agreement: Mapped[Agreement] = tenant_many_to_one("AgreementReminder", "Agreement", "agreement_id", lazy="joined")


ALL_MODELS = [Organisation, Agreement, AgreementParty, AgreementProgramme, AgreementNotice, AgreementReminder]
