"""Notices: the people of a tenant who can receive them, their choices, and the notices themselves.

All three are tenant data (``TenantScoped``: the ORM filter and forced
row-level security keep them in their tenant).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Model
from core.tenancy.models import utcnow
from core.tenancy.scoped import TenantScoped

# pending: waiting for the delivery job; sending: claimed by a delivery run; sent: handed to the mail
# server; outbox: no mail server configured (the outbox page shows it); no_address: the person gave
# no e-mail address; failed: the mail server refused it, or it kept failing.
STATUSES = ("pending", "sending", "sent", "outbox", "no_address", "failed")


class NoticeRecipient(TenantScoped, Model):
    """A person of the tenant as of their latest log-in there: who notices can go to, and where.

    Written at each log-in into the tenant (``core.notices.people``) and when
    the person saves their notice preferences; the roles and organisation are
    those of that log-in, so a job knows who a reminder concerns without a
    session. ``email`` is the person's own choice (the log-in does not give one).
    """

    __tablename__ = "notice_recipients"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="da")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoticePreference(TenantScoped, Model):
    """A person's choice for one kind of notice; no row means yes (the default)."""

    __tablename__ = "notice_preferences"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "user_id", "kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Notice(TenantScoped, Model):
    """One notice to one person, made once per (recipient, kind, subject key).

    ``subject_key`` names what it is about by reference (``volunteer:3:certificate:30:2027-01-31``),
    the texts say it without personal data of anyone: a link leads to the platform, where access rules apply.
    """

    __tablename__ = "notices"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "recipient_user_id", "kind", "subject_key"),
        Index("ix_notices_status", "tenant_id", "status"),
        Index("ix_notices_recipient", "tenant_id", "recipient_user_id", "created_at"),
    )

    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # a path on the platform; made absolute with PUBLIC_URL in the e-mail
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(300))  # the mail server's answer, never the message


ALL_MODELS = [NoticeRecipient, NoticePreference, Notice]
