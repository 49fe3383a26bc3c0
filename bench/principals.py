"""Who the load run is: signed-in sessions and an API client's bearer token, made through core's own models.

A session is what a log-in leaves behind: a ``users`` row of the tenant's (or
the platform's) realm and a ``user_sessions`` row under the keyed digest core
checks, in the tenant's context (row-level security admits it only there).
The cookie is Flask's signed session cookie holding the key, signed with the
bench's SECRET_KEY, which the served app shares. No identity provider is
involved: the log-in itself is not what is measured.
"""

from __future__ import annotations

import secrets
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select


@dataclass(frozen=True)
class Credentials:
    headers: dict[str, str]
    user_id: int | None = None


def _organisation_id(slug: str | None) -> int | None:
    from core.db import db
    from core.partnerships.models import Organisation

    if slug is None:
        return None
    found = db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))
    if found is None:
        raise LookupError(f"no organisation {slug!r}")
    return found


def _tenant_id(slug: str | None) -> int | None:
    from core.db import db
    from core.tenancy.models import Tenant

    if slug is None:
        return None
    found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if found is None:
        raise LookupError(f"no tenant {slug!r}")
    return found


def session_for(app: Flask, role: str, tenant: str | None, organisation: str | None = None) -> Credentials:
    """A signed-in session as ``role`` of ``tenant`` (None: the platform realm), acting for ``organisation``."""
    from core.db import db
    from core.identity.models import User, UserSession, realm_of_tenant
    from core.identity.sessions import _hash
    from core.tenancy.context import tenant_context

    key = secrets.token_urlsafe(32)
    with app.app_context():
        tenant_id = _tenant_id(tenant)
        organisation_id = _organisation_id(organisation)
        user = User(
            realm=realm_of_tenant(tenant_id),
            issuer="https://idp.bench.invalid",
            subject=f"bench-{role}-{uuid.uuid4().hex[:8]}",
            display_name=f"Benchmark {role}",
        )
        # In the tenant's scope from the first write: row-level security admits a tenant's users only there (realm policies).
        with tenant_context(tenant_id) if tenant_id is not None else nullcontext():
            db.session.add(user)
            db.session.flush()
            user_id = user.id  # read before the commit expires it (outside the scope the row is not visible)
            db.session.add(UserSession(id=_hash(key), user_id=user_id, tenant_id=tenant_id, roles=[role], organisation_id=organisation_id))
            db.session.commit()
        cookie = app.session_interface.get_signing_serializer(app).dumps({"sid": key})  # type: ignore[attr-defined]
        name = app.config["SESSION_COOKIE_NAME"]
        db.session.remove()
    return Credentials({"Cookie": f"{name}={cookie}"}, user_id)


def api_token_for(app: Flask, tenant: str, organisation: str | None, lifetime: timedelta = timedelta(hours=12)) -> Credentials:
    """A read-only API client of ``organisation`` (None: the municipality's) in ``tenant``, with a bearer token."""
    from core.db import db
    from core.identity.api_clients import ApiClient, ApiToken
    from core.identity.digests import secret_digest
    from core.tenancy.context import tenant_context
    from core.tenancy.models import utcnow

    token = secrets.token_urlsafe(32)
    with app.app_context():
        tenant_id = _tenant_id(tenant)
        assert tenant_id is not None
        with tenant_context(tenant_id):
            client = ApiClient(
                name="Benchmark",
                client_id=f"{tenant}-bench-{secrets.token_hex(4)}",
                secret_hash=secret_digest(secrets.token_urlsafe(16), "client-secret"),
                scope="read",
                organisation_id=_organisation_id(organisation),
                created_by="bench",
            )
            db.session.add(client)
            db.session.flush()
            db.session.add(
                ApiToken(
                    api_client_id=client.id, token_hash=secret_digest(token, "api-token"), scope="read", expires_at=utcnow() + lifetime
                )
            )
            db.session.commit()
        db.session.remove()
    return Credentials({"Authorization": f"Bearer {token}"})
