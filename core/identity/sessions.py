"""Who is making this request: a signed-in person or an API client.

The session cookie (Flask's signed cookie) holds only a random session key;
the session itself lives in ``user_sessions``, so log-out ends it on every
web process, idle and absolute time-outs are enforced on the server, and a
new key is issued at every log-in (ending the browser's previous session).
Ended and expired rows are purged by the platform job
``core.purge_login_records``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app, g, session
from sqlalchemy import CursorResult, Delete, delete, or_, select, update

from core.db import db
from core.identity import roles as R
from core.identity.models import LoginFailure, LoginFlow, User, UserSession
from core.tenancy.models import Tenant, utcnow

LAST_SEEN_RESOLUTION = timedelta(seconds=60)  # write last_seen at most once a minute


@dataclass(frozen=True)
class Principal:
    """The acting party of a request."""

    name: str
    roles: tuple[str, ...]
    tenant_id: int | None
    user_id: int | None = None
    # The organisation acted for (partner staff, volunteers, national
    # coordinators, an organisation's API client); None for the municipality.
    organisation_id: int | None = None
    organisation: str | None = None  # its slug
    session_key_hash: str | None = None
    # A platform administrator's break-the-glass: the tenant and the stated reason.
    break_glass_tenant_id: int | None = None
    break_glass_reason: str | None = None
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

    @property
    def acts_for_organisation(self) -> bool:
        """Narrowed to what the organisation's agreements cover (core.partnerships.access)."""
        return bool(R.ORGANISATION_ROLES.intersection(self.roles)) or (self.api_client_id is not None and self.organisation_id is not None)

    def breaks_glass_in(self, tenant_id: int | None) -> bool:
        return self.is_platform_admin and tenant_id is not None and self.break_glass_tenant_id == tenant_id

    def may_see_partner_only(self, tenant_id: int | None = None) -> bool:
        """Partner-only data (the authority-free room) is for the running organisation's staff.

        On a programme's routes an organisation's staff reach only programmes
        their organisation is party to, so the role plus an organisation is
        enough here; municipal roles, tenant administrators included, never.
        """
        if self.breaks_glass_in(tenant_id):
            return True
        return self.organisation_id is not None and bool(R.PARTNER_ONLY_READERS.intersection(self.roles))

    @property
    def audit_label(self) -> str:
        if self.api_client_id is not None:
            return f"api-client:{self.api_client_id}"
        return f"user:{self.user_id}"


def _hash(key: str) -> str:
    from core.identity.digests import secret_digest

    return secret_digest(key, "session")  # keyed: a row injected into the database matches no cookie


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_session(
    user: User, *, tenant_id: int | None, roles: tuple[str, ...], organisation_id: int | None, id_token: str | None
) -> Principal:
    """Start a session after a successful log-in; the browser's previous session ends and its cookie is discarded."""
    previous = session.get("sid")
    if previous:
        old = db.session.get(UserSession, _hash(previous))
        if old is not None and old.ended_at is None:
            old.ended_at = utcnow()
    key = secrets.token_urlsafe(32)
    row = UserSession(
        id=_hash(key),
        user_id=user.id,
        tenant_id=tenant_id,
        roles=list(roles),
        organisation_id=organisation_id,
        id_token_hint=id_token,
    )
    db.session.add(row)
    user.last_login_at = utcnow()
    if tenant_id is not None:  # notices reach the tenant's people with the roles of their latest log-in (core.notices.people)
        from core.notices.people import remember_log_in

        remember_log_in(tenant_id, user.id, roles, organisation_id)
    db.session.flush()  # core commits with the redirect, before the cookie that names the session goes out
    session.clear()
    session["sid"] = key
    session.permanent = True
    principal = _principal(row, user.display_name, _organisation_slug(organisation_id))
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
        row.ended_at = utcnow()  # committed with the request's answer (core.audit.trail)
    return row


def _delete(statement: Delete) -> int:
    """Run a bulk DELETE (the identity map is not consulted); the number of rows deleted."""
    result = cast(CursorResult, db.session.execute(statement, execution_options={"synchronize_session": False}))
    return result.rowcount


def purge_login_records(tenant_id: None = None) -> dict[str, int]:
    """Delete sessions that ended or timed out, finished or abandoned log-in flows, and old failures.

    A platform job (``core.purge_login_records``); safe to run twice.
    """
    config = current_app.config
    now = utcnow()
    counts = {
        "user_sessions": _delete(
            delete(UserSession).where(
                or_(
                    UserSession.ended_at.is_not(None),
                    UserSession.last_seen_at < now - config["SESSION_IDLE_TIMEOUT"],
                    UserSession.created_at < now - config["SESSION_ABSOLUTE_TIMEOUT"],
                )
            )
        ),
        "login_flows": _delete(delete(LoginFlow).where(LoginFlow.created_at < now - config["LOGIN_FLOW_MAX_AGE"])),
        "login_failures": _delete(delete(LoginFailure).where(LoginFailure.at < now - config["LOGIN_FAILURE_RETENTION"])),
    }
    return counts


def _organisation_slug(organisation_id: int | None) -> str | None:
    from core.partnerships.models import Organisation

    return None if organisation_id is None else db.session.scalar(select(Organisation.slug).where(Organisation.id == organisation_id))


def _break_glass(row: Any) -> tuple[int | None, str | None]:
    grant = row.break_glass or {}
    until = grant.get("until")
    if not until or datetime.fromisoformat(until) < utcnow():
        return None, None
    return grant.get("tenant_id"), grant.get("reason")


def _principal(row: Any, name: str, organisation: str | None) -> Principal:
    """The principal of a session: ``row`` is the ORM session or ``_session_row``'s plain columns."""
    glass_tenant, glass_reason = _break_glass(row)
    return Principal(
        break_glass_tenant_id=glass_tenant,
        break_glass_reason=glass_reason,
        name=name,
        roles=R.known_roles(row.roles),
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        organisation_id=row.organisation_id,
        organisation=organisation,
        session_key_hash=row.id,
    )


def _session_row(session_id: str) -> Any:
    """The session, its user's name and its organisation's slug, as plain columns in one statement.

    Columns, not the three ORM entities: this runs on every signed-in request,
    and what it needs is ten values, not objects in the identity map.
    """
    from core.partnerships.models import Organisation

    return db.session.execute(
        select(
            UserSession.id,
            UserSession.user_id,
            UserSession.tenant_id,
            UserSession.roles,
            UserSession.organisation_id,
            UserSession.break_glass,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ended_at,
            User.display_name,
            Organisation.slug.label("organisation"),
        )
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Organisation, Organisation.id == UserSession.organisation_id)
        .where(UserSession.id == session_id)
    ).first()


def _stamp(session_id: str, **values: Any) -> None:
    """Write ``values`` on the session's row (its ending, its last-seen time), in the request's unit of work."""
    db.session.execute(
        update(UserSession).where(UserSession.id == session_id).values(**values), execution_options={"synchronize_session": False}
    )


def _session_principal() -> Principal | None:
    key = session.get("sid")
    if not key:
        return None
    found = _session_row(_hash(key))
    if found is None:
        session.clear()
        return None
    now = utcnow()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    if found.ended_at is not None or now - _aware(found.last_seen_at) > idle or now - _aware(found.created_at) > absolute:
        if found.ended_at is None:
            _stamp(found.id, ended_at=now)
        session.clear()
        return None
    if now - _aware(found.last_seen_at) > LAST_SEEN_RESOLUTION:
        _stamp(found.id, last_seen_at=now)
    return _principal(found, found.display_name, found.organisation)


def current_principal() -> Principal | None:
    """The signed-in person or API client of this request, or None."""
    if "principal" not in g:
        from core.identity.api_clients import bearer_principal

        g.principal = bearer_principal() or _session_principal()
    return g.principal
