"""DEVELOPMENT OpenID Connect provider, built from authlib's server components.

Served by the platform itself under ``/dev-idp/<realm>/`` so that log-in works
offline: one realm per tenant (its issuer is the tenant file's issuer) and a
``platform`` realm for platform administrators and national coordinators.
Users are demo users picked from a list, without passwords. Production
configuration switches it off (``DEV_IDP_ENABLED``).

Authorization codes are signed and short-lived instead of stored, so the
provider keeps no state of its own; that makes a code replayable within its
two minutes, which is acceptable for a development provider only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from core.db import db
from core.identity import roles as R
from core.tenancy.models import Tenant

bp = Blueprint("dev_idp", __name__, url_prefix="/dev-idp/<realm>")
PLATFORM_REALM = "platform"
CODE_MAX_AGE = 120
SIGNING_ALG = "RS256"


@dataclass(frozen=True)
class DemoUser:
    subject: str
    name: str
    roles: tuple[str, ...]
    partner_organisation: str | None = None


def volunteer_subject(realm: str, organisation_slug: str) -> str:
    """The subject of the demo volunteer of ``organisation_slug`` in a tenant realm (demo data links to it)."""
    return f"{realm}-{organisation_slug}-volunteer"


def _organisations(tenant_id: int | None) -> list[Any]:
    """Active organisations; with a tenant, only those party to its agreements (as the log-in requires)."""
    from core.partnerships.models import Agreement, AgreementParty, Organisation
    from core.tenancy.context import tenant_context

    query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    if tenant_id is None:
        return list(db.session.scalars(query))
    with tenant_context(tenant_id):
        party_ids = (
            select(AgreementParty.organisation_id)
            .join(Agreement, (Agreement.id == AgreementParty.agreement_id) & (Agreement.tenant_id == AgreementParty.tenant_id))
            .where(Agreement.active.is_(True), Agreement.declared_status != "draft")
        )
        return list(db.session.scalars(query.where(Organisation.id.in_(party_ids))))


def demo_users(realm: str, tenant_name: str = "", tenant_id: int | None = None) -> list[DemoUser]:
    """The demo users of a realm: one per municipal role, and per organisation party there a staff member and a volunteer.

    Their names are written in the language of the page that lists them (the provider's log-in page); an
    organisation's own staff title (``login.staff_title_da`` in its file) is the organisation's data, in Danish.
    """
    if realm == PLATFORM_REALM:
        return [DemoUser("platform-admin", _("Platform administrator (demo)"), (R.PLATFORM_ADMIN,))] + [
            DemoUser(
                f"national-{o.slug}",
                _("National coordinator, %(organisation)s (demo)", organisation=o.name),
                (R.NATIONAL_COORDINATOR,),
                o.login_claim,
            )
            for o in _organisations(None)
        ]
    users = [
        DemoUser(f"{realm}-tenant-admin", _("Municipal administrator, %(tenant)s (demo)", tenant=tenant_name), (R.TENANT_ADMIN,)),
        DemoUser(f"{realm}-health-visitor", _("Health visitor, %(tenant)s (demo)", tenant=tenant_name), (R.MUNICIPAL_STAFF,)),
        DemoUser(f"{realm}-finance", _("Finance officer, %(tenant)s (demo)", tenant=tenant_name), (R.FINANCE,)),
    ]
    if tenant_id is None:
        return users
    for o in _organisations(tenant_id):
        names = {"organisation": o.name, "tenant": tenant_name}
        title = (o.login or {}).get("staff_title_da") or _("Staff member")
        users.append(
            DemoUser(
                f"{realm}-{o.slug}",
                _("%(title)s, %(organisation)s, %(tenant)s (demo)", title=title, **names),
                (R.PARTNER_STAFF,),
                o.login_claim,
            )
        )
        users.append(
            DemoUser(
                f"{realm}-{o.slug}-finance", _("Finance, %(organisation)s, %(tenant)s (demo)", **names), (R.PARTNER_FINANCE,), o.login_claim
            )
        )
        users.append(
            DemoUser(
                volunteer_subject(realm, o.slug),
                _("Volunteer, %(organisation)s, %(tenant)s (demo)", **names),
                (R.VOLUNTEER,),
                o.login_claim,
            )
        )
    return users


def dev_client_secret(client_id: str) -> str:
    """The secret a development client uses when its environment variable is unset."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"dev-idp:{client_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Realm:
    name: str
    title: str
    issuer: str
    client_id: str
    client_secret_env: str
    tenant_id: int | None = None


def realm_of(name: str) -> Realm | None:
    if name == PLATFORM_REALM:
        idp = current_app.config["PLATFORM_IDENTITY_PROVIDER"]
        return Realm(name, "Samvirke", idp["issuer"], idp["client_id"], idp["client_secret_env"])
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == name, Tenant.active.is_(True)))
    if tenant is None or not tenant.identity_provider.get("issuer"):
        return None
    idp = tenant.identity_provider
    # Only realms whose tenant file points at this development provider.
    if "/dev-idp/" not in idp["issuer"]:
        return None
    return Realm(name, tenant.name, idp["issuer"].rstrip("/"), idp["client_id"], idp["client_secret_env"], tenant.id)


class DevClient(ClientMixin):
    def __init__(self, realm: Realm):
        self.realm = realm

    def get_client_id(self) -> str:
        return self.realm.client_id

    def get_default_redirect_uri(self) -> str:
        return ""  # none: authlib then refuses a request that names no redirect_uri

    def get_allowed_scope(self, scope: Collection[str] | str) -> str:
        allowed = {"openid", "profile"}
        requested = scope.split() if isinstance(scope, str) else scope
        return " ".join(s for s in requested if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Development only: the relying party's callback on a loopback host.
        parts = urlsplit(redirect_uri)
        expected = "/auth/callback" if self.realm.name == PLATFORM_REALM else f"/{self.realm.name}/auth/callback"
        return parts.hostname in {"127.0.0.1", "localhost"} and parts.path == expected

    def check_client_secret(self, client_secret: str) -> bool:
        import os

        expected = os.environ.get(self.realm.client_secret_env) or dev_client_secret(self.realm.client_id)
        return hmac.compare_digest(client_secret, expected)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class SignedCode:
    data: dict[str, Any]

    def get_redirect_uri(self) -> str:
        return self.data["redirect_uri"]

    def get_scope(self) -> str:
        return self.data["scope"]

    def get_nonce(self) -> str | None:
        return self.data.get("nonce")

    def get_auth_time(self) -> int:
        return self.data["auth_time"]

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None

    @property
    def code_challenge(self) -> str | None:
        return self.data.get("code_challenge")

    @property
    def code_challenge_method(self) -> str | None:
        return self.data.get("code_challenge_method")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="dev-idp-code")


class DevCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def generate_authorization_code(self) -> str:
        payload, client, user = self.request.payload, self.request.client, self.request.user
        if payload is None or not isinstance(client, DevClient) or not isinstance(user, DemoUser):
            raise RuntimeError("authlib asked for a code before it had validated the client and the user")
        return _serializer().dumps(
            {
                "client_id": client.get_client_id(),
                "realm": client.realm.name,
                "redirect_uri": payload.redirect_uri,
                "scope": payload.scope,
                "nonce": payload.data.get("nonce"),
                "code_challenge": payload.data.get("code_challenge"),
                "code_challenge_method": payload.data.get("code_challenge_method"),
                "auth_time": int(time.time()),
                "user": {
                    "subject": user.subject,
                    "name": user.name,
                    "roles": list(user.roles),
                    "partner_organisation": user.partner_organisation,
                },
            }
        )

    def save_authorization_code(self, code: str, request: Any) -> None:
        pass  # the code carries its own data, signed

    def query_authorization_code(self, code: str, client: ClientMixin) -> SignedCode | None:
        try:
            data = _serializer().loads(code, max_age=CODE_MAX_AGE)
        except BadSignature:
            return None
        if data["client_id"] != client.get_client_id():
            return None
        return SignedCode(data)

    def delete_authorization_code(self, authorization_code: SignedCode) -> None:
        pass

    def authenticate_user(self, authorization_code: SignedCode) -> DemoUser:
        user = authorization_code.data["user"]
        return DemoUser(user["subject"], user["name"], tuple(user["roles"]), user["partner_organisation"])


class DevOpenIDCode(OpenIDCode):
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False

    def resolve_client_private_key(self, client: DevClient) -> dict:
        return signing_key().as_dict(private=True)

    def get_client_algorithm(self, client: DevClient) -> str:
        return SIGNING_ALG

    def get_encode_header(self, client: DevClient) -> dict:
        return {"alg": SIGNING_ALG, "kid": signing_key().kid}

    def get_client_claims(self, client: DevClient) -> dict:
        return {"iss": client.realm.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + 600}

    def generate_user_info(self, user: DemoUser, scope: str) -> UserInfo:
        info = UserInfo(sub=user.subject, name=user.name, roles=list(user.roles))
        if user.partner_organisation:
            info["partner_organisation"] = user.partner_organisation
        return info


def signing_key() -> RSAKey:
    """The provider's key, kept in a file so every process and restart shares it."""
    cached = current_app.extensions.get("dev_idp_key")
    if cached is not None:
        return cached
    path = Path(current_app.config["DEV_IDP_KEY_FILE"])
    if path.exists():
        key = RSAKey.import_key(json.loads(path.read_text()))
    else:
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": SIGNING_ALG}, private=True)
        key.ensure_kid()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(key.as_dict(private=True)))
        path.chmod(0o600)
    current_app.extensions["dev_idp_key"] = key
    return key


def _server() -> AuthorizationServer:
    return current_app.extensions["dev_idp_server"]


def _query_client(client_id: str) -> DevClient | None:
    realm = g.get("dev_idp_realm")
    if realm is None or realm.client_id != client_id:
        return None
    return DevClient(realm)


@bp.url_value_preprocessor
def _pull_realm(endpoint: str | None, values: dict | None) -> None:
    realm = realm_of((values or {}).pop("realm", ""))
    if realm is None:
        abort(404)
    g.dev_idp_realm = realm


@bp.get("/.well-known/openid-configuration")
def configuration():
    issuer = g.dev_idp_realm.issuer
    return jsonify(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SIGNING_ALG],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
            "claims_supported": ["sub", "name", "roles", "partner_organisation"],
        }
    )


@bp.get("/jwks")
def jwks():
    return jsonify(KeySet([signing_key()]).as_dict(private=False))


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    realm = g.dev_idp_realm
    users = demo_users(realm.name, realm.title, realm.tenant_id)
    try:
        grant = _server().get_consent_grant(end_user=None)
    except Exception as error:  # an invalid request is shown, not redirected
        return render_template("identity/dev_idp_error.html", error=error), 400
    if request.method == "GET":
        return render_template("identity/dev_idp_authorize.html", realm=realm, users=users)
    chosen = next((u for u in users if u.subject == request.form.get("subject")), None)
    return _server().create_authorization_response(grant=grant, grant_user=chosen)


@bp.post("/token")
def token():
    return _server().create_token_response()


@bp.get("/logout")
def logout():
    # RP-initiated log-out: nothing to end here (no provider session); go back.
    target = request.args.get("post_logout_redirect_uri", "")
    if urlsplit(target).hostname in {"127.0.0.1", "localhost"}:
        return redirect(target)
    return render_template("identity/dev_idp_logged_out.html", realm=g.dev_idp_realm)


def init_dev_idp(app) -> None:
    from core.web.forms import csrf

    server = AuthorizationServer(app, query_client=_query_client, save_token=lambda token, request: None)
    server.register_grant(DevCodeGrant, [CodeChallenge(required=True), DevOpenIDCode(require_nonce=True)])
    app.extensions["dev_idp_server"] = server
    csrf.exempt(token)  # called server-to-server by the relying party, with client authentication
    app.register_blueprint(bp)
