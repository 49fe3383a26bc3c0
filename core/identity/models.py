"""People who sign in, their server-side sessions, log-ins in progress and failed attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Model
from core.tenancy.models import utcnow

# The realm a log-in belongs to: one per tenant ("tenant:<id>") and the platform's.
PLATFORM_REALM = "platform"


def realm_of_tenant(tenant_id: int | None) -> str:
    return PLATFORM_REALM if tenant_id is None else f"tenant:{tenant_id}"


class User(Model):
    """Someone identified by their identity provider, in one realm: (realm, issuer, subject), never e-mail.

    The realm is part of the key, so one tenant's provider can never reach a
    user of another tenant or of the platform, even naming the same issuer
    and subject.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("realm", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The log-in sets it; the default only serves test shortcuts that make users directly.
    realm: Mapped[str] = mapped_column(String(30), default=PLATFORM_REALM)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Model):
    """A signed-in session. The cookie holds only its random id.

    Kept in the database so that log-out ends it everywhere, time-outs are
    enforced on the server, and no web process holds state.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed digest of the cookie value (core.identity.digests)
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


class LoginFlow(Model):
    """A log-in in progress: the state, nonce and PKCE verifier, kept on the server.

    Keyed by a hash of the state; the callback deletes the row before it
    exchanges the code, so a flow can complete once only, whatever the
    browser's cookie says and whether or not the provider honours a code twice.
    """

    __tablename__ = "login_flows"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the state
    realm: Mapped[str] = mapped_column(String(30))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    next_path: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class LoginFailure(Model):
    """A failed log-in, recorded for the audit and purged after a while (throttling is Flask-Limiter's)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A keyed hash of the client address and realm: no raw address is stored.
    source: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(200))
