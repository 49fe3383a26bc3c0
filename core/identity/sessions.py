"""Who is making this request: a signed-in person or an API client.

The session cookie (Flask's signed cookie) holds only a random session key;
the session itself lives in ``user_sessions``, so log-out ends it on every
web process, idle and absolute time-outs are enforced on the server, and a
new key is issued at every log-in.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, g, session
from sqlalchemy import select

from core.db import db
from core.identity import roles as R
from core.identity.models import User, UserSession
from core.tenancy.models import Tenant, utcnow

LAST_SEEN_RESOLUTION = timedelta(seconds=60)  # write last_seen at most once a minute


@dataclass(frozen=True)
class Principal:
    """The acting party of a request."""

    name: str
    roles: tuple[str, ...]
    tenant_id: int | None
    user_id: int | None = None
    partner_organisation: str | None = None
    session_key_hash: str | None = None
    api_client_id: int | None = None
    api_scope: str | None = None  # "read" or "write" for API clients

    @property
    def is_platform_admin(self) -> bool:
        return R.PLATFORM_ADMIN in self.roles

    @property
    def is_national_coordinator(self) -> bool:
        return R.NATIONAL_COORDINATOR in self.roles

    def may_enter(self, tenant: Tenant) -> bool:
        """Tenant pages are for that tenant's people and platform administrators."""
        if self.api_client_id is not None:
            return self.tenant_id == tenant.id
        return self.is_platform_admin or (self.tenant_id == tenant.id and any(r in R.TENANT_ROLES for r in self.roles))

    def may_see_partner_only(self) -> bool:
        return bool(R.PARTNER_ONLY_READERS.intersection(self.roles))

    @property
    def audit_label(self) -> str:
        if self.api_client_id is not None:
            return f"api-client:{self.api_client_id}"
        return f"user:{self.user_id}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def open_session(
    user: User, *, tenant_id: int | None, roles: tuple[str, ...], partner_organisation: str | None, id_token: str | None
) -> Principal:
    """Start a session after a successful log-in; the old cookie is discarded."""
    key = secrets.token_urlsafe(32)
    row = UserSession(
        id=_hash(key),
        user_id=user.id,
        tenant_id=tenant_id,
        roles=list(roles),
        partner_organisation=partner_organisation,
        id_token_hint=id_token,
    )
    db.session.add(row)
    user.last_login_at = utcnow()
    db.session.commit()
    session.clear()
    session["sid"] = key
    session.permanent = True
    principal = _principal(row, user)
    g.principal = principal
    return principal


def end_session() -> UserSession | None:
    """Log out: end the server-side session and forget the cookie."""
    key = session.get("sid")
    session.clear()
    g.principal = None
    if not key:
        return None
    row = db.session.get(UserSession, _hash(key))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.session.commit()
    return row


def _principal(row: UserSession, user: User) -> Principal:
    return Principal(
        name=user.display_name,
        roles=R.known_roles(row.roles),
        tenant_id=row.tenant_id,
        user_id=user.id,
        partner_organisation=row.partner_organisation,
        session_key_hash=row.id,
    )


def _session_principal() -> Principal | None:
    key = session.get("sid")
    if not key:
        return None
    found = db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.id == _hash(key))
    ).first()
    if found is None:
        session.clear()
        return None
    row, user = found
    now = utcnow()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    if row.ended_at is not None or now - _aware(row.last_seen_at) > idle or now - _aware(row.created_at) > absolute:
        if row.ended_at is None:
            row.ended_at = now
            db.session.commit()
        session.clear()
        return None
    if now - _aware(row.last_seen_at) > LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        db.session.commit()
    return _principal(row, user)


def current_principal() -> Principal | None:
    """The signed-in person or API client of this request, or None."""
    if "principal" not in g:
        from core.identity.api_clients import bearer_principal

        g.principal = bearer_principal() or _session_principal()
    return g.principal
