"""The audit trail: who touched whose personal data, when and why. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Model
from core.tenancy.models import utcnow


class AuditEvent(Model):
    """One use of personal data, a log-in or log-out, or a refused access.

    Never holds values of sensitive fields: the person concerned is a
    reference (``subject``, e.g. ``mother_groups.mother:42``), a search is its
    criterion. The application's database role may insert but never update
    or delete (see migrations 0003); retention deletes through a function
    that refuses anything younger than the legal minimum.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_subject", "tenant_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    actor: Mapped[str] = mapped_column(String(60))  # "user:12", "api-client:3", "anonymous"
    action: Mapped[str] = mapped_column(String(40))  # view, search, export, change, login, logout, refused, ...
    subject: Mapped[str | None] = mapped_column(String(120))
    criterion: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    route: Mapped[str | None] = mapped_column(String(200))


# The table, for Core inserts and deletes (bulk, and inside flush events where the ORM may not run).
AUDIT_EVENTS = cast(Table, AuditEvent.__table__)
