"""Log-in with OpenID Connect: one authlib client per tenant (and one for the platform).

Authorization-code flow with PKCE (S256), state and nonce. The flow's state,
nonce and PKCE verifier live on the server (``login_flows``), keyed by the
state; the callback deletes the row before it exchanges the code, so a flow
completes once only, and the state must also be one this browser was given.
The issuer is pinned: every tenant file names it, the provider's metadata
must name exactly it, and so must the ID token and (RFC 9207) the
authorization response's ``iss``. The ID token's audience, expiry, nonce and
signature are checked, only asymmetric algorithms are accepted (never
``none``) and keys come only from the provider's JWKS. Every call to a
provider has a timeout. Users are (realm, issuer, subject): one tenant's
provider never reaches another tenant's or the platform's users. Failed
log-ins are recorded and throttled per (client address, realm) with
Flask-Limiter. What a municipality's IT team configures: docs/identity.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

from authlib.common.security import generate_token
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    has_app_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter, RateLimitExceeded
from joserfc.errors import JoseError
from sqlalchemy import CursorResult, delete, select
from werkzeug.middleware.proxy_fix import ProxyFix

from core.audit import record
from core.db import db
from core.identity import roles as R
from core.identity.models import LoginFailure, LoginFlow, User, realm_of_tenant
from core.identity.sessions import current_principal, end_session, open_session
from core.tenancy.models import Tenant, utcnow

if TYPE_CHECKING:
    from authlib.integrations.flask_client import OAuth

log = logging.getLogger(__name__)
bp = Blueprint("identity", __name__)

ALLOWED_ALGORITHMS = ["RS256", "PS256", "ES256"]
DEFAULT_SCOPES = ("openid", "profile")
# Log-ins in progress this browser may complete (several tabs at once).
PENDING_STATES_KEPT = 5
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"
_QUERY_SAFE = _PATH_SAFE + "?"


class LoginError(Exception):
    """A log-in that must fail; the message is logged, never shown in detail."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or is misconfigured: not the person's failure."""


# authlib's Flask client brings requests and its HTTP stack (about 5 MB of a worker beside what the app
# loads anyway): a worker loads it with its first log-in, not to serve pages (tests/test_worker_footprint.py).
_oauth_lock = threading.Lock()


def _oauth() -> OAuth:
    """The app's registry of provider clients, made at the first log-in."""
    oauth = current_app.extensions.get("samvirke_oauth")
    if oauth is None:
        from authlib.integrations.flask_client import OAuth

        with _oauth_lock:
            oauth = current_app.extensions.get("samvirke_oauth")
            if oauth is None:
                oauth = OAuth()
                oauth.init_app(current_app._get_current_object())  # type: ignore[attr-defined]
                current_app.extensions["samvirke_oauth"] = oauth
    return oauth


def _oauth_error() -> type[Exception]:
    """authlib's error of a provider exchange (imported with the client, when a log-in fails)."""
    from authlib.integrations.base_client import OAuthError

    return OAuthError


# --- what may be trusted ------------------------------------------------------


def local_path(target: str | None) -> str | None:
    """``target`` reduced to a path on this site (with its query), or None.

    By parsing, the way a browser will read it, not by pattern: backslashes
    count as slashes, tabs and line breaks are dropped (urllib.parse does as
    browsers do), anything with a scheme or host is refused, and what is left
    is percent-encoded, so no character can turn it into another origin or
    break the Location header.
    """
    if not target or len(target) > 2000:
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = "/" + quote(parts.path, safe=_PATH_SAFE).lstrip("/")
    query = quote(parts.query, safe=_QUERY_SAFE)
    result = f"{path}?{query}" if query else path
    return result if len(result) <= 2000 else None


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def provider_url_problem(url: str) -> str | None:
    """Why ``url`` may not be an issuer, metadata URL or provider endpoint here; None if it may.

    HTTPS always; plain HTTP only for a provider on this machine (the
    development provider, a local test provider), and only where the
    development log-in is on: never in production (``DEV_IDP_ENABLED``).
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname:
        allowed = current_app.config["DEV_IDP_ENABLED"] if has_app_context() else True
        if not allowed:
            return "must be an https URL (http is refused in production)"
        if not _loopback(parts.hostname):
            return "must be an https URL (http only for a development provider on 127.0.0.1 or localhost)"
        return None
    return "must be an https URL"


# --- the provider's client ----------------------------------------------------


def _client_secret(idp: dict[str, Any], client_id: str) -> Any:
    secret = os.environ.get(idp["client_secret_env"])
    if idp.get("token_endpoint_auth_method") == "private_key_jwt":
        if not secret:
            raise ProviderUnavailable(f"the environment variable {idp['client_secret_env']} (the private key) is not set")
        from joserfc.jwk import RSAKey, import_key

        try:
            return import_key(json.loads(secret)) if secret.lstrip().startswith("{") else RSAKey.import_key(secret)
        except (ValueError, JoseError) as exc:
            raise ProviderUnavailable(f"{idp['client_secret_env']} holds no usable private key: {type(exc).__name__}") from None
    if secret:
        return secret
    if current_app.config["DEV_IDP_ENABLED"]:
        from core.identity.dev_idp import dev_client_secret

        return dev_client_secret(client_id)
    raise ProviderUnavailable(f"the environment variable {idp['client_secret_env']} is not set")


def _auth_methods(idp: dict[str, Any], secret: Any) -> list:
    if idp.get("token_endpoint_auth_method") != "private_key_jwt":
        return []
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
    from joserfc.jwk import ECKey

    alg = "ES256" if isinstance(secret, ECKey) else "RS256"
    headers = {"kid": secret.kid} if getattr(secret, "kid", None) else None
    return [PrivateKeyJWT(headers=headers, alg=alg)]


def _client(name: str, idp: dict[str, Any]):
    """The registered authlib client for one provider configuration, its metadata checked."""
    for field in ("issuer", "metadata_url"):
        problem = idp.get(field) and provider_url_problem(idp[field])
        if problem:
            raise ProviderUnavailable(f"{field} {problem}")
    if not idp.get("issuer"):
        raise ProviderUnavailable("the provider configuration names no issuer")
    oauth = _oauth()
    client = oauth.create_client(name)
    if client is None:
        metadata_url = idp.get("metadata_url") or idp["issuer"].rstrip("/") + "/.well-known/openid-configuration"
        secret = _client_secret(idp, idp["client_id"])
        client = oauth.register(
            name,
            client_id=idp["client_id"],
            client_secret=secret,
            server_metadata_url=metadata_url,
            client_auth_methods=_auth_methods(idp, secret),
            client_kwargs={
                "scope": " ".join(idp.get("scopes") or DEFAULT_SCOPES),
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": idp.get("token_endpoint_auth_method", "client_secret_basic"),
                # Every call to the provider (metadata, JWKS, token, userinfo) times out.
                "default_timeout": current_app.config["OIDC_HTTP_TIMEOUT"],
            },
        )
    try:
        metadata = client.load_server_metadata()
    except (OSError, ValueError) as exc:
        raise ProviderUnavailable(f"provider metadata unavailable: {type(exc).__name__}") from None
    try:
        _check_metadata(metadata, idp["issuer"])
    except ProviderUnavailable:
        metadata.pop("_loaded_at", None)  # fetched again next time, when it may be fixed
        raise
    # Whatever the provider advertises, only these algorithms are accepted.
    client.server_metadata["id_token_signing_alg_values_supported"] = ALLOWED_ALGORITHMS
    return client


def _check_metadata(metadata: dict[str, Any], issuer: str) -> None:
    if metadata.get("issuer") not in (issuer, issuer.rstrip("/")):
        raise ProviderUnavailable(f"provider metadata names issuer {metadata.get('issuer')!r}, expected {issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise ProviderUnavailable(f"provider metadata has no {key}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint"):
        value = metadata.get(key)
        problem = value is not None and (provider_url_problem(value) if isinstance(value, str) else "is not a URL")
        if problem:
            raise ProviderUnavailable(f"provider metadata {key} {problem}")


def _tenant_client(tenant: Tenant):
    # The digest in the name: an edited tenant file gets a fresh client.
    return _client(f"tenant-{tenant.slug}-{tenant.source_digest[:12]}", tenant.identity_provider)


def _platform_client():
    return _client("platform", current_app.config["PLATFORM_IDENTITY_PROVIDER"])


# --- throttling and failures ----------------------------------------------------


def _realm_name() -> str:
    tenant = g.get("tenant")
    return tenant.slug if tenant is not None else "platform"


def _source(realm: str | None = None) -> str:
    """A keyed hash of the client address and realm: no raw address is stored, in the database or the limiter."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{request.remote_addr}|{realm or _realm_name()}".encode(), hashlib.sha256).hexdigest()


def _failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _start_limit() -> str:
    return current_app.config["LOGIN_START_LIMIT"]


def _counts_as_failure(response) -> bool:
    return response.status_code == 401


@bp.errorhandler(RateLimitExceeded)
def _throttled(exc: RateLimitExceeded):
    tenant = g.get("tenant")
    record("login_failed", criterion="throttled", actor="anonymous", tenant_id=tenant.id if tenant else None)
    return render_template("identity/login_failed.html", throttled=True), 429


def _fail(realm: str, reason: str, tenant_id: int | None) -> Any:
    """A failed log-in: recorded, audited, and counted by the limiter (status 401)."""
    log.warning("log-in failed for realm %s: %s", realm, reason)
    db.session.add(LoginFailure(source=_source(realm), reason=reason[:200]))
    # Its own commit: a 401 rolls the request back, and the failure must stay on the record.
    db.session.commit()
    record("login_failed", criterion=reason[:200], actor="anonymous", tenant_id=tenant_id)
    return render_template("identity/login_failed.html"), 401


def _unavailable(realm: str, reason: str, tenant_id: int | None) -> Any:
    """The provider does not answer or is misconfigured: a clear page at once, not counted against the person."""
    log.warning("log-in provider unavailable for realm %s: %s", realm, reason)
    record("login_failed", criterion=f"provider unavailable: {reason}"[:200], actor="anonymous", tenant_id=tenant_id)
    return render_template("identity/login_failed.html", unavailable=True), 502


# --- the flow -------------------------------------------------------------------


def _flow_id(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _start(realm: str, client_factory, callback: str, tenant_id: int | None) -> Any:
    try:
        client = client_factory()
        redirect_uri = url_for(callback, _external=True)
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        authorization = client.create_authorization_url(redirect_uri, state=state, nonce=nonce, code_verifier=verifier)
    except (ProviderUnavailable, _oauth_error(), OSError, ValueError, RuntimeError) as exc:
        return _unavailable(realm, f"{type(exc).__name__}: {exc}", tenant_id)
    db.session.add(
        LoginFlow(
            id=_flow_id(state),
            realm=realm_of_tenant(tenant_id),
            nonce=nonce,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            next_path=local_path(request.args.get("next")),
        )
    )
    # No commit here: core commits the request (a redirect is below 400) before the answer leaves,
    # so the provider cannot send the browser back before the flow is stored.
    session["login_states"] = [*session.get("login_states", [])[-(PENDING_STATES_KEPT - 1) :], state]
    return redirect(authorization["url"])


@dataclass(frozen=True)
class _Flow:
    realm: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str | None
    created_at: datetime


def _take_flow(state: str, realm: str) -> _Flow | None:
    """The flow of ``state``, deleted in the same step: only one request can ever have it.

    The state must also be one this browser was given (its cookie), so a
    callback URL carried to another browser completes nothing.
    """
    pending = session.get("login_states", [])
    if not state or state not in pending:
        return None
    session["login_states"] = [s for s in pending if s != state]
    row = db.session.get(LoginFlow, _flow_id(state))
    if row is None:
        return None
    flow = _Flow(row.realm, row.nonce, row.code_verifier, row.redirect_uri, row.next_path, row.created_at)
    db.session.expunge(row)
    taken = cast(
        CursorResult,
        db.session.execute(delete(LoginFlow).where(LoginFlow.id == _flow_id(state)), execution_options={"synchronize_session": False}),
    ).rowcount
    # Its own commit: the flow is used up whatever the log-in comes to (a 401 rolls the rest back),
    # and a concurrent callback waiting on the row's lock sees it gone now, not at the end of this one.
    db.session.commit()
    if taken != 1 or flow.realm != realm:
        return None  # a concurrent request took it first, or it was begun for another realm
    created = flow.created_at if flow.created_at.tzinfo else flow.created_at.replace(tzinfo=UTC)
    if utcnow() - created > current_app.config["LOGIN_FLOW_MAX_AGE"]:
        return None
    return flow


def _finish(realm: str, client_factory, idp: dict[str, Any], tenant: Tenant | None) -> Any:
    tenant_id = tenant.id if tenant else None
    flow = _take_flow(request.args.get("state", ""), realm_of_tenant(tenant_id))
    if flow is None:
        return _fail(realm, "unknown, used, expired or foreign log-in state", tenant_id)
    try:
        client = client_factory()
    except (ProviderUnavailable, _oauth_error(), OSError, ValueError) as exc:
        return _unavailable(realm, f"{type(exc).__name__}: {exc}", tenant_id)
    issuer = client.server_metadata["issuer"]
    try:
        claims, id_token = _verified_claims(client, flow, idp, issuer)
        roles, partner = _roles_from_claims(claims, idp, platform=tenant is None)
        organisation_id = _organisation_of(partner, tenant) if partner else None
    except OSError as exc:  # the provider did not answer in time, or not at all
        return _unavailable(realm, f"{type(exc).__name__}", tenant_id)
    except (LoginError, _oauth_error(), JoseError, KeyError, ValueError, TypeError) as exc:
        return _fail(realm, f"{type(exc).__name__}: {exc}", tenant_id)
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    user = _upsert_user(realm_of_tenant(tenant_id), issuer, claims["sub"], name or claims["sub"])
    open_session(user, tenant_id=tenant_id, roles=roles, organisation_id=organisation_id, id_token=id_token)
    record("login", actor=f"user:{user.id}", tenant_id=tenant_id)
    next_url = local_path(flow.next_path)
    if next_url:
        return redirect(next_url)
    if tenant is not None:
        return redirect(url_for("tenant.home", tenant=tenant.slug))
    if R.NATIONAL_COORDINATOR in roles:
        return redirect(url_for("national.index"))
    return redirect(url_for("platform.index"))


def _verified_claims(client, flow: _Flow, idp: dict[str, Any], issuer: str) -> tuple[dict[str, Any], str]:
    """Check the authorization response, exchange the code, verify the ID token: (the claims to use, the ID token)."""
    args = request.args
    # RFC 9207: the issuer named in the response must be ours; required when the provider says it sends it.
    if "iss" in args and args["iss"] != issuer:
        raise LoginError(f"the authorization response names issuer {args['iss']!r}")
    if "iss" not in args and client.server_metadata.get("authorization_response_iss_parameter_supported") is True:
        raise LoginError("the authorization response names no issuer, though the provider says it does")
    if args.get("error"):
        raise LoginError(f"the provider answered {args['error'][:50]!r}")
    if not args.get("code"):
        raise LoginError("no authorization code")
    token = client.fetch_access_token(redirect_uri=flow.redirect_uri, code=args["code"], code_verifier=flow.code_verifier)
    if not token.get("id_token"):
        raise LoginError("no ID token in the token response")
    claims = dict(client.parse_id_token(token, nonce=flow.nonce, claims_options=claims_options({**idp, "issuer": issuer})))
    if idp.get("claims_from") == "userinfo":
        if not client.server_metadata.get("userinfo_endpoint"):
            raise LoginError("claims_from = userinfo, but the provider has no userinfo endpoint")
        info = dict(client.userinfo(token=token))
        if info.get("sub") != claims["sub"]:  # OpenID Connect Core 5.3.2
            raise LoginError("the userinfo response is for another subject")
        claims = {**info, "iss": claims["iss"], "sub": claims["sub"], "aud": claims["aud"]}
    return claims, token["id_token"]


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
    if R.ORGANISATION_ROLES.intersection(roles) and not partner:  # every role that acts for an organisation
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


def _upsert_user(realm: str, issuer: str, subject: str, name: str) -> User:
    """The user of (realm, issuer, subject); the realm keeps each tenant's provider to its own users."""
    user = db.session.scalar(select(User).where(User.realm == realm, User.issuer == issuer, User.subject == subject))
    if user is None:
        user = User(realm=realm, issuer=issuer, subject=subject, display_name=name[:200])
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
    """End the session here, then at the provider.

    The provider's end-session endpoint is on another origin, and the CSP's
    ``form-action 'self'`` rightly stops a form's POST from being redirected
    there (Chromium blocks it, and the provider's session would survive on a
    shared PC). So the POST answers with a page that moves on to the provider
    by itself (a new navigation, not the form's) and offers a link as well.
    """
    principal = current_principal()
    row = end_session()
    if principal is not None and principal.user_id is not None:
        record("logout", actor=principal.audit_label, tenant_id=principal.tenant_id)
    target = url_for("platform.index", _external=True)
    if row is not None and row.id_token_hint:
        try:
            client = _provider_client_for(row.tenant_id)
            if client.server_metadata.get("end_session_endpoint"):
                url = client.create_logout_url(
                    post_logout_redirect_uri=target, id_token_hint=row.id_token_hint, client_id=client.client_id
                )["url"]
                return render_template("identity/provider_logout.html", provider_logout_url=url)
        except (ProviderUnavailable, _oauth_error(), OSError, ValueError, RuntimeError) as exc:
            log.warning("provider log-out not possible: %s", exc)
    return redirect(target)


def _provider_client_for(tenant_id: int | None):
    if tenant_id is None:
        return _platform_client()
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise ProviderUnavailable("the session's tenant is gone")
    return _tenant_client(tenant)


def _trust_proxies(app) -> None:
    """Behind a reverse proxy: believe its X-Forwarded-* headers, as many hops as the settings say (default none)."""
    hops = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0) for name in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": count for name, count in hops.items()})


def _limit_log_ins(app) -> None:
    """Flask-Limiter, per (client address, realm): failed log-ins, and starts (each writes a flow row).

    One limiter per app (its storage is its own): Redis when REDIS_URL is
    set, so every web process counts together; memory otherwise.
    """
    limiter = Limiter(
        key_func=_source,
        storage_uri=app.config.get("LOGIN_LIMIT_STORAGE_URI") or app.config["REDIS_URL"] or "memory://",
        key_prefix="samvirke-login",
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions["samvirke_login_limiter"] = limiter
    failures = limiter.shared_limit(_failure_limit, scope="login-failures", deduct_when=_counts_as_failure)
    starts = limiter.limit(_start_limit)
    for endpoint in ("identity.tenant_login", "identity.platform_login"):
        app.view_functions[endpoint] = starts(failures(app.view_functions[endpoint]))
    for endpoint in ("identity.tenant_callback", "identity.platform_callback"):
        app.view_functions[endpoint] = failures(app.view_functions[endpoint])


def init_oidc(app) -> None:
    app.register_blueprint(bp)
    _trust_proxies(app)
    _limit_log_ins(app)
