"""Log-in through the development OpenID provider, sessions, log-out, throttling.

These go through the real flow: the test client follows the browser's
redirects, and the relying party calls the provider's token endpoint over
HTTP on the session's live server.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.db import db
from core.identity.digests import secret_digest
from core.identity.models import LoginFailure, User, UserSession
from core.identity.oidc import claims_options
from core.tenancy.context import cross_tenant
from core.testing.fixtures import csrf_from


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    """The session's app keeps its limiter's counts in memory: each test starts and ends with none."""
    limiter = app.extensions.get("samvirke_login_limiter")
    if limiter is not None:
        limiter.reset()
    yield
    if limiter is not None:
        limiter.reset()


def failure_limit(app) -> int:
    return int(app.config["LOGIN_FAILURE_LIMIT"].split()[0])


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def log_in(client, tenant: str | None, subject: str):
    """Follow the flow as a browser would; returns the final response."""
    start = client.get(f"/{tenant}/auth/login" if tenant else "/auth/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["state"] and query["nonce"]
    page = client.get(_path(authorize))
    assert page.status_code == 200, page.get_data(as_text=True)
    consent = client.post(_path(authorize), data={"subject": subject, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert consent.status_code == 302, consent.get_data(as_text=True)
    return client.get(_path(consent.headers["Location"]))


def test_health_visitor_logs_in_sees_own_tenant_not_another_and_logs_out(app, client):
    done = log_in(client, "alpha", "alpha-health-visitor")
    assert done.status_code == 302 and done.headers["Location"].endswith("/alpha/")
    assert "Sundhedsplejerske" in client.get("/alpha/").get_data(as_text=True)
    assert client.get("/beta/").status_code == 404
    assert client.get("/beta/auth/login").status_code == 404  # not a log-in page for B
    with app.app_context(), cross_tenant("test: every session"):
        user = db.session.scalars(select(User)).one()
        assert user.subject == "alpha-health-visitor" and user.issuer.endswith("/dev-idp/alpha")
        assert db.session.scalars(select(UserSession.roles)).one() == ["municipal_staff"]
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    out = client.post("/auth/logout", data={"csrf_token": token})
    # The provider's log-out, reached by a page of its own (CSP form-action would stop a redirect).
    assert out.status_code == 200 and "/dev-idp/alpha/logout?" in out.get_data(as_text=True)
    assert client.get("/alpha/").status_code == 302  # the session is over
    with app.app_context(), cross_tenant("test: read the audit trail"):
        assert db.session.scalars(select(UserSession.ended_at)).one() is not None
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == f"user:{user.id}")).all()
        assert {"login", "logout"} <= set(actions)


def test_a_new_session_key_at_every_log_in_and_the_previous_session_ends(app, client):

    log_in(client, "alpha", "alpha-testforeningen")
    with client.session_transaction() as s:
        first = s["sid"]
    log_in(client, "alpha", "alpha-testforeningen")
    with client.session_transaction() as s:
        assert s["sid"] != first
    with app.app_context(), cross_tenant("test: every session"):
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2
        # The browser's earlier session is over, not left open beside the new one.
        previous = db.session.get(UserSession, secret_digest(first, "session"))
        assert previous.ended_at is not None
        assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 1


def test_platform_realm_gives_national_coordinators_their_view(client):
    done = log_in(client, None, "national-testforeningen")
    assert done.headers["Location"].endswith("/national/")
    assert client.get("/national/").status_code == 200
    assert client.get("/alpha/").status_code == 404


@pytest.mark.parametrize(("shift", "field"), [(timedelta(minutes=31), "last_seen_at"), (timedelta(hours=11), "created_at")])
def test_idle_and_absolute_time_outs(app, client, shift, field):
    log_in(client, "alpha", "alpha-tenant-admin")
    assert client.get("/alpha/").status_code == 200
    with app.app_context(), cross_tenant("test: age the session"):
        row = db.session.scalars(select(UserSession)).one()
        setattr(row, field, getattr(row, field) - shift)
        db.session.commit()
    response = client.get("/alpha/")
    assert response.status_code == 302 and "/alpha/auth/login" in response.headers["Location"]


def test_failed_log_ins_are_logged_and_throttled(app, client):
    limit = failure_limit(app)
    client.get("/alpha/auth/login")
    for _ in range(limit):
        bad = client.get("/alpha/auth/callback?code=forged&state=forged")
        assert bad.status_code == 401
    throttled = client.get("/alpha/auth/login")
    assert throttled.status_code == 429 and "For mange mislykkede forsøg" in throttled.get_data(as_text=True)
    assert client.get("/alpha/auth/callback?code=forged&state=forged").status_code == 429
    assert client.get("/beta/auth/login").status_code == 302  # another realm is not affected
    with app.app_context(), cross_tenant("test: read the audit trail"):
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == limit
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed")) >= limit


def test_security_headers_and_cookie_flags(client):
    response = client.get("/alpha/auth/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# --- the ID token checks, on tokens made to fail -------------------------------


@pytest.fixture
def provider(app):
    """A relying-party client for a fake provider whose key we hold."""
    from authlib.integrations.flask_client import OAuth

    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True)
    issuer = "https://idp.example.test"
    oauth = OAuth(app)
    client = oauth.register(
        "fake",
        client_id="samvirke-alpha",
        client_secret="s",
        issuer=issuer,
        jwks={"keys": [key.as_dict(private=False)]},
        id_token_signing_alg_values_supported=["RS256"],
    )
    idp = {"issuer": issuer, "client_id": "samvirke-alpha"}
    return client, key, idp


def _token(key, claims: dict, header: dict | None = None) -> str:
    now = int(time.time())
    body = {"iss": "https://idp.example.test", "aud": "samvirke-alpha", "sub": "u1", "iat": now, "exp": now + 300, "nonce": "n", **claims}
    return jwt.encode(header or {"alg": "RS256", "kid": "k1"}, body, key)


def _parse(provider, id_token: str):
    client, _, idp = provider
    return client.parse_id_token({"id_token": id_token, "access_token": "a"}, nonce="n", claims_options=claims_options(idp))


def test_a_valid_id_token_is_accepted(app, provider):
    with app.test_request_context():
        assert _parse(provider, _token(provider[1], {}))["sub"] == "u1"


@pytest.mark.parametrize(
    "claims",
    [{"iss": "https://idp.example.test.evil"}, {"aud": "another-client"}, {"exp": int(time.time()) - 3600}, {"nonce": "other"}],
)
def test_wrong_issuer_audience_expiry_or_nonce_is_refused(app, provider, claims):
    with app.test_request_context(), pytest.raises(JoseError):
        _parse(provider, _token(provider[1], claims))


def test_alg_none_is_refused(app, provider):
    import base64
    import json

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    unsigned = f"{b64({'alg': 'none'})}.{b64({'iss': 'https://idp.example.test', 'aud': 'samvirke-alpha', 'sub': 'u1', 'exp': now + 300, 'iat': now, 'nonce': 'n'})}."
    with app.test_request_context(), pytest.raises(JoseError):
        _parse(provider, unsigned)


def test_a_key_embedded_in_the_token_is_not_trusted(app, provider):
    attacker = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    forged = _token(attacker, {}, header={"alg": "RS256", "kid": "k1", "jwk": attacker.as_dict(private=False)})
    with app.test_request_context(), pytest.raises(JoseError):
        _parse(provider, forged)


@pytest.mark.parametrize("role", ["partner_staff", "volunteer", "partner_finance"])
def test_every_organisation_role_needs_its_organisation_claim(role):
    from core.identity.oidc import LoginError, _roles_from_claims
    from core.identity.roles import ORGANISATION_ROLES

    assert role in ORGANISATION_ROLES
    with pytest.raises(LoginError):
        _roles_from_claims({"roles": [role]}, {}, platform=False)


def test_claims_map_to_roles_and_a_tenant_provider_cannot_grant_platform_roles():
    from core.identity.oidc import LoginError, _roles_from_claims

    idp = {"role_claims": {"claim": "groups", "map": {"SP": "municipal_staff", "Admin": "platform_admin"}}}
    assert _roles_from_claims({"groups": ["SP"]}, idp, platform=False) == (("municipal_staff",), None)
    with pytest.raises(LoginError):
        _roles_from_claims({"groups": ["Admin"]}, idp, platform=False)  # dropped: not a tenant role
    with pytest.raises(LoginError):
        _roles_from_claims({"roles": ["partner_staff"]}, {}, platform=False)  # partner roles name their organisation
    assert _roles_from_claims({"roles": ["national_coordinator"], "partner_organisation": "Mødrehjælpen"}, {}, platform=True) == (
        ("national_coordinator",),
        "Mødrehjælpen",
    )


def test_a_municipalitys_provider_may_name_only_organisations_party_to_its_agreements(app, tenant_a):
    from core.identity.oidc import LoginError, _organisation_of
    from core.tenancy.models import Tenant
    from core.testing.fixtures import organisation_id

    with app.app_context():
        alpha = db.session.get(Tenant, tenant_a)
        assert _organisation_of("testforeningen", alpha) == organisation_id(app, "testforeningen")
        with pytest.raises(LoginError, match="no agreement with this municipality"):
            _organisation_of("andenforening", alpha)
        with pytest.raises(LoginError, match="unknown organisation"):
            _organisation_of("DRC Integration", alpha)
        # The platform's provider (national coordinators) may name any active organisation.
        assert _organisation_of("andenforening", None) == organisation_id(app, "andenforening")


def test_demo_users_of_a_tenant_follow_its_agreements(app, tenant_a):
    from core.identity.dev_idp import demo_users

    with app.app_context():
        names = [u.name for u in demo_users("alpha", "Alfa Kommune", tenant_a)]
        platform = [u.subject for u in demo_users("platform")]
    assert "Testmedarbejder, Testforeningen, Alfa Kommune (demo)" in names
    assert "Frivillig, Testforeningen, Alfa Kommune (demo)" in names
    assert not any("Anden Forening" in n for n in names)  # party to no agreement in alpha
    assert {"national-testforeningen", "national-andenforening"} <= set(platform)
