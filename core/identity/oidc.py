"""Log-in with OpenID Connect: one authlib client per tenant (and one for the platform).

Authorization-code flow with PKCE (S256), state and nonce (authlib keeps them
in the session under a key that includes the client's name, so two tenants'
flows never mix). The provider's metadata must name exactly the issuer in
the tenant file; the ID token's issuer, audience, expiry and signature are
checked, only asymmetric algorithms are accepted (never ``none``) and keys
come only from the provider's JWKS. Users are (issuer, subject).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
from datetime import timedelta
from typing import Any

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from sqlalchemy import func, select

from core.audit import record
from core.db import db
from core.identity import roles as R
from core.identity.models import LoginFailure, User
from core.identity.sessions import current_principal, end_session, open_session
from core.tenancy.models import Tenant, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("identity", __name__)

ALLOWED_ALGORITHMS = ["RS256", "PS256", "ES256"]
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5


class LoginError(Exception):
    """A log-in that must fail; the message is logged, never shown in detail."""


def _oauth() -> OAuth:
    return current_app.extensions["samvirke_oauth"]


def _client_secret(idp: dict[str, Any], client_id: str) -> str:
    secret = os.environ.get(idp["client_secret_env"])
    if secret:
        return secret
    if current_app.config["DEV_IDP_ENABLED"]:
        from core.identity.dev_idp import dev_client_secret

        return dev_client_secret(client_id)
    raise LoginError(f"the environment variable {idp['client_secret_env']} is not set")


def _client(name: str, idp: dict[str, Any]):
    """The registered authlib client for one provider configuration."""
    oauth = _oauth()
    client = oauth.create_client(name)
    if client is None:
        metadata_url = idp.get("metadata_url") or idp["issuer"].rstrip("/") + "/.well-known/openid-configuration"
        client = oauth.register(
            name,
            client_id=idp["client_id"],
            client_secret=_client_secret(idp, idp["client_id"]),
            server_metadata_url=metadata_url,
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
        )
    metadata = client.load_server_metadata()
    expected = idp.get("issuer")
    if expected and metadata.get("issuer") != expected.rstrip("/") and metadata.get("issuer") != expected:
        raise LoginError(f"provider metadata names issuer {metadata.get('issuer')!r}, expected {expected!r}")
    # Whatever the provider advertises, only these algorithms are accepted.
    client.server_metadata["id_token_signing_alg_values_supported"] = ALLOWED_ALGORITHMS
    return client


def _tenant_client(tenant: Tenant):
    # The digest in the name: an edited tenant file gets a fresh client.
    return _client(f"tenant-{tenant.slug}-{tenant.source_digest[:12]}", tenant.identity_provider)


def _platform_client():
    return _client("platform", current_app.config["PLATFORM_IDENTITY_PROVIDER"])


def _source(realm: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{request.remote_addr}|{realm}".encode(), hashlib.sha256).hexdigest()


def _throttled(realm: str) -> bool:
    since = utcnow() - THROTTLE_WINDOW
    count = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.source == _source(realm), LoginFailure.at >= since)
    )
    return count >= THROTTLE_LIMIT


def _fail(realm: str, reason: str, tenant_id: int | None) -> Any:
    log.warning("log-in failed for realm %s: %s", realm, reason)
    db.session.add(LoginFailure(source=_source(realm), reason=reason[:200]))
    db.session.commit()
    record("login_failed", criterion=reason[:200], actor="anonymous", tenant_id=tenant_id)
    return render_template("identity/login_failed.html"), 401


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//"):
        return target.rstrip("?") or "/"
    return None


def _start(realm: str, client_factory, callback: str, tenant_id: int | None) -> Any:
    if _throttled(realm):
        record("login_failed", criterion="throttled", actor="anonymous", tenant_id=tenant_id)
        return render_template("identity/login_failed.html", throttled=True), 429
    try:
        client = client_factory()
    except (LoginError, OAuthError, OSError, ValueError) as exc:
        return _fail(realm, f"provider unavailable: {exc}", tenant_id)
    session["login_next"] = _safe_next(request.args.get("next"))
    return client.authorize_redirect(url_for(callback, _external=True))


def _finish(realm: str, client_factory, idp: dict[str, Any], tenant: Tenant | None) -> Any:
    tenant_id = tenant.id if tenant else None
    if _throttled(realm):
        return render_template("identity/login_failed.html", throttled=True), 429
    try:
        client = client_factory()
        # A tenant file may give only a metadata URL; then the issuer that
        # metadata names (checked to be HTTPS-fetched from that URL) is the one.
        expected = {**idp, "issuer": idp.get("issuer") or client.server_metadata["issuer"]}
        token = client.authorize_access_token(claims_options=claims_options(expected))
        claims = token.get("userinfo")
        if not claims:
            raise LoginError("no ID token in the token response")
        roles, partner = _roles_from_claims(claims, idp, platform=tenant is None)
        organisation_id = _organisation_of(partner, tenant) if partner else None
    except (LoginError, OAuthError, JoseError, KeyError, ValueError) as exc:
        return _fail(realm, f"{type(exc).__name__}: {exc}", tenant_id)
    user = _upsert_user(claims["iss"], claims["sub"], claims.get("name") or claims["sub"])
    next_url = session.get("login_next")
    open_session(user, tenant_id=tenant_id, roles=roles, organisation_id=organisation_id, id_token=token.get("id_token"))
    record("login", actor=f"user:{user.id}", tenant_id=tenant_id)
    if next_url:
        return redirect(next_url)
    if tenant is not None:
        return redirect(url_for("tenant.home", tenant=tenant.slug))
    if R.NATIONAL_COORDINATOR in roles:
        return redirect(url_for("national.index"))
    return redirect(url_for("platform.index"))


def _roles_from_claims(claims: dict[str, Any], idp: dict[str, Any], *, platform: bool) -> tuple[tuple[str, ...], str | None]:
    """Map the provider's role claim to platform roles.

    A tenant's provider can grant only tenant roles; only the platform's
    provider can grant platform administration or national coordination.
    """
    mapping = idp.get("role_claims", {}) or {}
    claim = mapping.get("claim", "roles")
    translate = mapping.get("map", {})
    raw = claims.get(claim) or []
    if isinstance(raw, str):
        raw = [raw]
    permitted = R.PLATFORM_ROLES if platform else R.TENANT_ROLES
    roles = tuple(r for r in R.known_roles(translate.get(v, v) for v in raw) if r in permitted)
    if not roles:
        raise LoginError("the provider granted no role on this platform")
    partner = claims.get("partner_organisation")
    if (R.PARTNER_STAFF in roles or R.NATIONAL_COORDINATOR in roles or R.VOLUNTEER in roles) and not partner:
        raise LoginError("partner roles need a partner_organisation claim")
    return roles, partner


def _organisation_of(claim: str, tenant: Tenant | None) -> int:
    """The organisation the claim names; a municipality's provider may name only its partners.

    A tenant's provider vouches for the municipality's own people, so it may
    assert membership only of an organisation party to an agreement in that
    tenant; the platform's provider (national coordinators) may name any.
    """
    from core.partnerships.models import Agreement, AgreementParty, Organisation
    from core.tenancy.context import tenant_context

    organisation = db.session.scalar(select(Organisation).where(Organisation.login_claim == claim, Organisation.active.is_(True)))
    if organisation is None:
        raise LoginError(f"the provider named an unknown organisation {claim!r}")
    if tenant is not None:
        with tenant_context(tenant.id):
            party = db.session.scalar(
                select(AgreementParty.id)
                .join(Agreement, (Agreement.id == AgreementParty.agreement_id) & (Agreement.tenant_id == AgreementParty.tenant_id))
                .where(AgreementParty.organisation_id == organisation.id, Agreement.active.is_(True), Agreement.declared_status != "draft")
                .limit(1)
            )
        if party is None:
            raise LoginError(f"organisation {claim!r} has no agreement with this municipality")
    return organisation.id


def claims_options(idp: dict[str, Any]) -> dict[str, Any]:
    """What the ID token must say: exactly this issuer, this client, not expired."""
    issuer = idp["issuer"]
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": idp["client_id"]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }


def _upsert_user(issuer: str, subject: str, name: str) -> User:
    user = db.session.scalar(select(User).where(User.issuer == issuer, User.subject == subject))
    if user is None:
        user = User(issuer=issuer, subject=subject, display_name=name[:200])
        db.session.add(user)
    else:
        user.display_name = name[:200]
    db.session.flush()
    return user


@bp.get("/<tenant>/auth/login")
def tenant_login():
    principal = current_principal()
    if principal is not None and not principal.may_enter(g.tenant):
        abort(404)  # signed in elsewhere: this tenant does not exist for them
    tenant = g.tenant
    return _start(tenant.slug, lambda: _tenant_client(tenant), "identity.tenant_callback", tenant.id)


@bp.get("/<tenant>/auth/callback")
def tenant_callback():
    tenant = g.tenant
    return _finish(tenant.slug, lambda: _tenant_client(tenant), tenant.identity_provider, tenant)


@bp.get("/auth/login")
def platform_login():
    return _start("platform", _platform_client, "identity.platform_callback", None)


@bp.get("/auth/callback")
def platform_callback():
    return _finish("platform", _platform_client, current_app.config["PLATFORM_IDENTITY_PROVIDER"], None)


@bp.post("/auth/logout")
def logout():
    principal = current_principal()
    row = end_session()
    if principal is not None and principal.user_id is not None:
        record("logout", actor=principal.audit_label, tenant_id=principal.tenant_id)
    target = url_for("platform.index", _external=True)
    if row is not None and row.id_token_hint:
        try:
            client = _provider_client_for(row.tenant_id)
            end = client.server_metadata.get("end_session_endpoint")
            if end:
                return redirect(client.create_logout_url(post_logout_redirect_uri=target, id_token_hint=row.id_token_hint)["url"])
        except (LoginError, OAuthError, OSError, RuntimeError) as exc:
            log.warning("provider log-out not possible: %s", exc)
    return redirect(target)


def _provider_client_for(tenant_id: int | None):
    if tenant_id is None:
        return _platform_client()
    tenant = db.session.get(Tenant, tenant_id)
    return _tenant_client(tenant)


def init_oidc(app) -> None:
    oauth = OAuth()
    oauth.init_app(app)
    app.extensions["samvirke_oauth"] = oauth
    app.register_blueprint(bp)
