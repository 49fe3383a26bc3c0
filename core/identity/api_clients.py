"""API clients: OAuth2 client credentials, scoped to one tenant and to read or write.

A client belongs to the municipality (created by its tenant administrator; it
acts as municipal staff) or to an organisation (created by that
organisation's staff; it acts as its partner staff), and goes through the same
authorization matrix and organisation checks as a person. Its secret is shown
once and stored only as a hash; its owner can revoke it and sees its last use. The token
endpoint is authlib's authorization server with the client-credentials grant;
bearer tokens are stored hashed and accepted only on that tenant's JSON API.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from marshmallow import fields, validate
from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.identity.digests import secret_digest
from core.model import Model
from core.schemas import N_, Schema
from core.tenancy.models import TenantScoped, tenant_reference, utcnow

if TYPE_CHECKING:
    from core.identity.sessions import Principal

TOKEN_LIFETIME = timedelta(hours=1)
SCOPES = ("read", "write")
LAST_USED_RESOLUTION = timedelta(seconds=60)


def _hash(value: str, purpose: str) -> str:
    return secret_digest(value, purpose)  # keyed: a row injected into the database matches no secret


class ApiClient(TenantScoped, Model):
    __tablename__ = "api_clients"

    name: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(10))
    # The owner: an organisation (acts as its partner staff) or, when None,
    # the municipality (acts as municipal staff). Same checks as a person.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # authlib's client interface
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return self.scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.revoked_at is None and hmac.compare_digest(self.secret_hash, _hash(client_secret, "client-secret"))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ApiToken(TenantScoped, Model):
    __tablename__ = "api_tokens"
    __tenant_table_args__ = (tenant_reference("api_client_id", "api_clients", ondelete="CASCADE"),)

    api_client_id: Mapped[int] = mapped_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiClientSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100), metadata={"label": N_("Name")})
    scope = fields.String(
        required=True,
        validate=validate.OneOf(SCOPES),
        metadata={"label": N_("Access"), "choice_labels": {"read": N_("Read"), "write": N_("Read and write")}},
    )


class _ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _query_client(client_id: str) -> ApiClient | None:
    # Runs inside the tenant of the URL: another tenant's client is not found.
    return db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None)))


def _save_token(token: dict[str, Any], request: Any) -> None:
    db.session.add(
        ApiToken(
            api_client_id=request.client.id,
            token_hash=_hash(token["access_token"], "api-token"),
            scope=request.client.scope,
            expires_at=utcnow() + timedelta(seconds=token["expires_in"]),
        )
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reject() -> NoReturn:
    g.principal = None  # so the error page itself does not try the token again
    abort(401)


def bearer_principal() -> Principal | None:
    """The API client behind ``Authorization: Bearer``, or None without the header."""
    from core.identity.sessions import Principal

    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    tenant = g.get("tenant")
    if tenant is None or "/api/" not in request.path:
        _reject()
    found = db.session.execute(
        select(ApiToken, ApiClient)
        .join(ApiClient, (ApiClient.id == ApiToken.api_client_id) & (ApiClient.tenant_id == ApiToken.tenant_id))
        .where(ApiToken.token_hash == _hash(header[7:].strip(), "api-token"))
    ).first()
    if found is None:
        _reject()
    token, client = found
    now = utcnow()
    if client.revoked_at is not None or _aware(token.expires_at) <= now:
        _reject()
    if client.last_used_at is None or now - _aware(client.last_used_at) > LAST_USED_RESOLUTION:
        client.last_used_at = now  # kept with the request's unit of work: a refused call is not a use
    from core.identity import roles as R

    role = R.PARTNER_STAFF if client.organisation_id is not None else R.MUNICIPAL_STAFF
    return Principal(
        name=client.name,
        roles=(role,),
        tenant_id=tenant.id,
        organisation_id=client.organisation_id,
        api_client_id=client.id,
        api_scope=token.scope,
    )


def _owned_clients():
    """The clients the acting person administers: their organisation's, or the municipality's."""
    from core.identity.authz import signed_in

    principal = signed_in()
    query = select(ApiClient).order_by(ApiClient.created_at.desc())
    if principal.is_platform_admin:
        return query
    if principal.organisation_id is not None:
        return query.where(ApiClient.organisation_id == principal.organisation_id)
    return query.where(ApiClient.organisation_id.is_(None))


# --- the token endpoint and the administration pages ----------------------------

bp = Blueprint("api_clients", __name__)


@bp.post("/<tenant>/api/v1/oauth/token")
def token():
    """Client-credentials token endpoint of the tenant's API."""
    return current_app.extensions["samvirke_api_token_server"].create_token_response()


@bp.get("/<tenant>/admin/api-clients")
def index():
    from core.web.forms import form_fields

    clients = db.session.scalars(_owned_clients()).all()
    return render_template("identity/api_clients.html", clients=clients, fields=form_fields(ApiClientSchema()), secret=None)


@bp.post("/<tenant>/admin/api-clients")
def create():
    from core.identity.authz import signed_in
    from core.web.forms import form_errors, form_fields, load_form

    schema = ApiClientSchema()
    data, errors = load_form(schema, request.form)
    clients = db.session.scalars(_owned_clients()).all()
    if data is None:
        return render_template(
            "identity/api_clients.html",
            clients=clients,
            fields=form_fields(schema, request.form, errors),
            general_errors=form_errors(errors),
            secret=None,
        ), 422
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        name=data["name"],
        scope=data["scope"],
        client_id=f"{g.tenant.slug}-{secrets.token_hex(8)}",
        secret_hash=_hash(secret, "client-secret"),
        created_by=signed_in().audit_label,
        organisation_id=signed_in().organisation_id,
    )
    db.session.add(client)
    db.session.flush()  # its id and creation time, for the page
    clients = [client, *clients]
    # The secret is shown this once; only its hash is kept.
    return render_template("identity/api_clients.html", clients=clients, fields=form_fields(schema), secret=secret, new_client=client), 201


@bp.post("/<tenant>/admin/api-clients/<int:client_id>/revoke")
def revoke(client_id: int):
    client = db.session.scalar(_owned_clients().where(ApiClient.id == client_id))
    if client is None:
        abort(404)  # another owner's client looks missing
    if client.revoked_at is None:
        client.revoked_at = utcnow()
    return redirect(url_for("api_clients.index"))


def init_api_clients(app) -> None:
    from core.web.forms import csrf

    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": int(TOKEN_LIFETIME.total_seconds())})
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(_ClientCredentials)
    app.extensions["samvirke_api_token_server"] = server
    csrf.exempt(token)
    app.register_blueprint(bp)
