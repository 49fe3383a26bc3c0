"""Volunteers and the reminders sent about them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.model import Model
from core.tenancy.models import TenantScoped, tenant_reference, utcnow

if TYPE_CHECKING:
    from core.partnerships.models import Organisation

CERTIFICATE_RESULTS = ("approved", "remarks", "rejected")


class Volunteer(TenantScoped, Model):
    __tablename__ = "volunteers"

    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    # The organisation the volunteer works for; its staff see the volunteer,
    # other organisations' staff do not. None only for rows from before
    # organisations existed.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Lists load it with the volunteers (core.volunteers.visible_volunteers),
    # never one query per row.
    organisation: Mapped[Organisation | None] = relationship("Organisation")
    # The signed-in identity of the volunteer, when they use the platform
    # themselves (issuer|subject), so they can see their own courses.
    login_subject: Mapped[str | None] = mapped_column(String(300), index=True)
    training_completed_on: Mapped[date | None] = mapped_column(Date)
    insured_from: Mapped[date | None] = mapped_column(Date)
    insured_until: Mapped[date | None] = mapped_column(Date)
    # Child-protection certificate (børneattest): the assessment, not the document.
    certificate_requested_on: Mapped[date | None] = mapped_column(Date)
    certificate_consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate_assessed_on: Mapped[date | None] = mapped_column(Date)
    certificate_result: Mapped[str | None] = mapped_column(String(20))
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)
    certificate_document_deleted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def certificate_valid_on(self, day: date) -> bool:
        return self.certificate_result == "approved" and self.certificate_valid_until is not None and self.certificate_valid_until >= day

    def insured_on(self, day: date) -> bool:
        return self.insured_from is not None and self.insured_from <= day and (self.insured_until is None or self.insured_until >= day)

    def ready_on(self, day: date) -> bool:
        """May work with children on ``day``: valid certificate and insurance."""
        return self.certificate_valid_on(day) and self.insured_on(day)


class VolunteerReminder(TenantScoped, Model):
    """A warning that a certificate or insurance runs out; one per (volunteer, kind, threshold, date)."""

    __tablename__ = "volunteer_reminders"
    __tenant_table_args__ = (
        tenant_reference("volunteer_id", "volunteers", ondelete="CASCADE"),
        UniqueConstraint("volunteer_id", "kind", "days_before", "expires_on"),
    )

    volunteer_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))  # "certificate" or "insurance"
    days_before: Mapped[int] = mapped_column()  # 60 or 30
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
