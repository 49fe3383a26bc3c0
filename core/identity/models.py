"""People who sign in, their server-side sessions and failed attempts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.models import utcnow


class User(db.Model):
    """Someone identified by their identity provider: (issuer, subject), never e-mail."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(db.Model):
    """A signed-in session. The cookie holds only its random id.

    Kept in the database so that log-out ends it everywhere, time-outs are
    enforced on the server, and no web process holds state.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The tenant the session was opened for; None for platform-wide roles.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    # The organisation a partner staff member, volunteer or national
    # coordinator acts for (from the log-in claim); None for municipal staff.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    id_token_hint: Mapped[str | None] = mapped_column(String(4000))
    # A platform administrator's break-the-glass into one tenant's
    # authority-free room: {"tenant_id", "reason", "until" (ISO, UTC)}.
    break_glass: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(db.Model):
    """A failed log-in, kept briefly to throttle repeated attempts."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A keyed hash of the client address and realm: no raw address is stored.
    source: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(200))
