"""The log-in as an attacker and a careless user meet it (issue 10, "Log-in").

Open redirects through ``next``, a callback replayed with an earlier cookie,
a provider that names someone else's issuer, a stalled provider, throttling
behind a proxy, http providers in production, RFC 9207's ``iss``, the purge
of old rows, and what a tenant file may say (scopes, claim source, client
authentication). Providers on another origin are tests/fake_provider.py.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.db import db
from core.identity.digests import secret_digest
from core.identity.models import LoginFailure, User, UserSession
from core.tenancy.context import cross_tenant
from core.tenancy.models import Tenant, utcnow
from core.testing.fixtures import create_app_for_tests, csrf_from
from tests.fake_provider import running_provider, tenant_uses


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    limiter = app.extensions.get("samvirke_login_limiter")
    if limiter is not None:
        limiter.reset()
    yield
    if limiter is not None:
        limiter.reset()


@pytest.fixture
def provider(monkeypatch):
    with running_provider() as fake:
        monkeypatch.setenv(fake.secret_env, fake.client_secret)
        yield fake


def dev_idp_consent(client, tenant: str, subject: str, next_raw: str | None = None):
    """Through the development provider up to its redirect back: the callback URL (path and query)."""
    start = client.get(f"/{tenant}/auth/login" + (f"?next={next_raw}" if next_raw is not None else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    page = client.get(_path(start.headers["Location"]))
    consent = client.post(
        _path(start.headers["Location"]),
        data={"subject": subject, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert consent.status_code == 302
    return _path(consent.headers["Location"])


def via_provider(client, tenant: str = "gamma"):
    """Start at the app, let the fake provider answer, return the app's answer to the callback."""
    start = client.get(f"/{tenant}/auth/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return client.get(_path(back.headers["Location"]))


def sessions_open(app) -> int | None:
    with app.app_context(), cross_tenant("test: every open session"):
        return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None)))


# --- no open redirect ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "/%09/evil.host/x",  # a tab a browser drops: //evil.host/x
        "/%0A/evil.host/x",  # a line break (a 500 after the session row, before)
        "/%0D%0ASet-Cookie:%20sid=x",  # header injection
        "%5C%5Cevil.host",  # \\evil.host
        "/%5Cevil.host",  # /\evil.host
        "//evil.host/x",
        "///evil.host/x",
        "https://evil.host/x",
        "javascript:alert(1)",
        "/%2F%2Fevil.host",
        "%20//evil.host",
    ],
)
def test_next_never_leaves_the_site_after_a_real_log_in(app, client, raw):
    done = client.get(dev_idp_consent(client, "alpha", "alpha-health-visitor", next_raw=raw))
    assert done.status_code == 302, done.get_data(as_text=True)
    location = done.headers["Location"]
    # What a browser makes of it: tabs and line breaks dropped, backslashes as slashes.
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/").lstrip(" ")
    parts = urlsplit(seen)
    assert not parts.scheme and not parts.netloc, location
    assert seen.startswith("/") and not seen.startswith("//"), location
    assert all(ord(c) > 0x20 and c != "\\" for c in location), location


def test_a_local_next_with_its_query_is_kept(client):
    done = client.get(
        dev_idp_consent(
            client,
            "alpha",
            "alpha-health-visitor",
            next_raw=quote("/alpha/example/?side=2&q=æ", safe=""),
        )
    )
    assert done.headers["Location"] == "/alpha/example/?side=2&q=%C3%A6"


def test_local_path_parses_rather_than_matches():
    from core.identity.oidc import local_path

    assert local_path("/alpha/?") == "/alpha/"
    assert local_path("/a b") == "/a%20b"
    for hostile in (
        "/\t/evil",
        "\\\\evil",
        "/\\evil",
        "//evil",
        "https://evil/",
        "evil",
        "",
        None,
        "/" + "a" * 2001,
    ):
        result = local_path(hostile)
        assert result is None or (result.startswith("/") and not result.startswith("//")), hostile


# --- the flow is one-time and server-side ----------------------------------------


def test_a_replayed_callback_with_the_earlier_cookie_opens_no_second_session(app, client):
    # The development provider's codes are signed, not stored: it honours a code twice.
    callback = dev_idp_consent(client, "alpha", "alpha-health-visitor")
    earlier = client.get_cookie("session").value
    assert client.get(callback).status_code == 302
    assert sessions_open(app) == 1
    attacker = app.test_client()
    attacker.set_cookie("session", earlier)
    replay = attacker.get(callback)
    assert replay.status_code == 401 and "Login mislykkedes" in replay.get_data(as_text=True)
    with app.app_context(), cross_tenant("test: every session"):
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_the_flow_lives_on_the_server_and_is_gone_after_use(app, client):
    from core.identity.models import LoginFlow

    callback = dev_idp_consent(client, "alpha", "alpha-health-visitor")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    with app.app_context(), cross_tenant("test: the stored flow"):
        flow = db.session.get(LoginFlow, hashlib.sha256(state.encode()).hexdigest())
        assert flow is not None and flow.nonce and flow.code_verifier
        nonce, verifier = flow.nonce, flow.code_verifier
    with client.session_transaction() as cookie:
        carried = repr(dict(cookie))
    assert nonce not in carried and verifier not in carried  # the cookie holds only the state
    client.get(callback)
    with app.app_context(), cross_tenant("test: the stored flows"):
        assert db.session.scalar(select(func.count()).select_from(LoginFlow)) == 0


def test_a_callback_carried_to_another_browser_completes_nothing(app, client):
    callback = dev_idp_consent(client, "alpha", "alpha-health-visitor")
    other = app.test_client()
    assert other.get(callback).status_code == 401
    assert sessions_open(app) == 0


def test_a_flow_begun_for_one_tenant_does_not_complete_in_another(app, client):
    callback = dev_idp_consent(client, "alpha", "alpha-health-visitor")
    assert client.get(callback.replace("/alpha/auth/callback", "/beta/auth/callback")).status_code == 401
    assert sessions_open(app) == 0


def test_an_expired_flow_is_refused(app, client):
    from core.identity.models import LoginFlow

    callback = dev_idp_consent(client, "alpha", "alpha-health-visitor")
    with app.app_context(), cross_tenant("test: age the flows"):
        for flow in db.session.scalars(select(LoginFlow)):
            flow.created_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    assert client.get(callback).status_code == 401
    assert sessions_open(app) == 0


# --- the issuer is pinned; users are (realm, issuer, subject) ------------------------


def test_a_tenant_file_must_name_its_issuer_also_with_a_metadata_url():
    from core.tenancy.files import IdentityProviderSchema

    with pytest.raises(ValidationError) as refused:
        IdentityProviderSchema().load(
            {
                "metadata_url": "https://login.example.dk/.well-known/openid-configuration",
                "client_id": "samvirke",
                "client_secret_env": "SAMVIRKE_OIDC_SECRET_X",
            }
        )
    assert "issuer" in refused.value.messages
    loaded = IdentityProviderSchema().load(
        {
            "issuer": "https://login.example.dk",
            "metadata_url": "https://login.example.dk/.well-known/openid-configuration",
            "client_id": "samvirke",
            "client_secret_env": "SAMVIRKE_OIDC_SECRET_X",
        }
    )
    assert loaded["issuer"] == "https://login.example.dk"


def test_metadata_naming_another_issuer_is_refused(app, client, provider):
    provider.metadata_extra = {"issuer": app.config["PLATFORM_IDENTITY_PROVIDER"]["issuer"]}
    with tenant_uses(app, "gamma", provider.idp()):
        response = client.get("/gamma/auth/login")
    assert response.status_code == 502 and "svarer ikke" in response.get_data(as_text=True)


def test_a_tenants_provider_never_reaches_the_platforms_or_another_tenants_user(app, provider):
    with app.app_context():
        platform_user = User(
            realm="platform",
            issuer=provider.issuer,
            subject="person-1",
            display_name="Platformens administrator",
        )
        db.session.add(platform_user)
        db.session.commit()
        platform_id = platform_user.id
    with (
        tenant_uses(app, "gamma", provider.idp()),
        tenant_uses(app, "beta", provider.idp()),
    ):
        gamma, beta = app.test_client(), app.test_client()
        assert via_provider(gamma, "gamma").status_code == 302
        assert via_provider(beta, "beta").status_code == 302
    with app.app_context(), cross_tenant("test: every session"):
        users = db.session.scalars(select(User).where(User.issuer == provider.issuer, User.subject == "person-1")).all()
        by_realm = {u.realm: u for u in users}
        gamma_id, beta_id = (db.session.scalar(select(Tenant.id).where(Tenant.slug == s)) for s in ("gamma", "beta"))
        assert set(by_realm) == {"platform", f"tenant:{gamma_id}", f"tenant:{beta_id}"}
        assert by_realm["platform"].display_name == "Platformens administrator"  # not renamed
        session_users = set(db.session.scalars(select(UserSession.user_id)))
        assert platform_id not in session_users and len(session_users) == 2


def test_the_users_table_is_unique_per_realm_issuer_and_subject(app):
    from sqlalchemy import inspect

    with app.app_context():
        constraints = inspect(db.engine).get_unique_constraints("users")
    assert [sorted(c["column_names"]) for c in constraints] == [["issuer", "realm", "subject"]]


# --- http providers only on this machine, never in production ------------------------


def _production_context() -> Flask:
    production = Flask("production_like")
    production.config["DEV_IDP_ENABLED"] = False
    return production


def test_provider_urls_are_https_except_a_development_provider_on_this_machine(app):
    from core.identity.oidc import provider_url_problem

    with app.app_context():  # development/test: the development log-in is on
        assert provider_url_problem("http://127.0.0.1:5000/dev-idp/alpha") is None
        assert provider_url_problem("http://localhost:8080/realms/x") is None
        assert provider_url_problem("http://login.example.dk") is not None
        assert provider_url_problem("https://login.example.dk") is None
        assert provider_url_problem("ftp://login.example.dk") is not None
    with _production_context().app_context():
        assert "production" in provider_url_problem("http://127.0.0.1:5000/dev-idp/alpha")
        assert provider_url_problem("https://login.example.dk") is None


def test_production_refuses_http_issuers_and_metadata_urls_in_tenant_files():
    from core.tenancy.files import IdentityProviderSchema

    base = {"client_id": "samvirke", "client_secret_env": "SAMVIRKE_OIDC_SECRET_X"}
    with _production_context().app_context():
        for idp in (
            {"issuer": "http://127.0.0.1:5000/dev-idp/alpha"},
            {
                "issuer": "https://login.example.dk",
                "metadata_url": "http://login.example.dk/.well-known/openid-configuration",
            },
        ):
            with pytest.raises(ValidationError, match="https"):
                IdentityProviderSchema().load({**base, **idp})
    with pytest.raises(ValidationError, match="https"):  # http elsewhere than this machine: not even in development
        IdentityProviderSchema().load({**base, "issuer": "http://login.example.dk"})


def test_production_refuses_http_endpoints_in_an_https_providers_metadata():
    from core.identity.oidc import ProviderUnavailable, _check_metadata

    issuer = "https://login.example.dk"
    metadata = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "jwks_uri": f"{issuer}/jwks",
        "token_endpoint": "http://login.example.dk/token",
    }
    with (
        _production_context().app_context(),
        pytest.raises(ProviderUnavailable, match="token_endpoint"),
    ):
        _check_metadata(metadata, issuer)


def test_production_refuses_an_http_platform_issuer(monkeypatch):
    from config import ConfigurationError, ProductionConfig

    for key, value in {
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql+psycopg://u:p@db/s",
        "REDIS_URL": "redis://r:6379/0",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SAMVIRKE_PLATFORM_OIDC_ISSUER", "http://login.example.dk/realms/samvirke")
    with pytest.raises(ConfigurationError, match="SAMVIRKE_PLATFORM_OIDC_ISSUER"):
        ProductionConfig.validate()


def test_a_log_in_at_an_http_provider_is_refused_in_production(app, client, provider):
    with tenant_uses(app, "gamma", provider.idp()):
        app.config["DEV_IDP_ENABLED"] = False
        try:
            response = client.get("/gamma/auth/login")
        finally:
            app.config["DEV_IDP_ENABLED"] = True
    assert response.status_code == 502
    assert provider.authorize_requests == []


# --- RFC 9207 ----------------------------------------------------------------------------


def test_the_authorization_responses_issuer_must_be_ours(app, client, provider):
    provider.iss_parameter = "https://evil.example"
    with tenant_uses(app, "gamma", provider.idp()):
        assert via_provider(client).status_code == 401
        provider.iss_parameter = provider.issuer
        assert via_provider(client).status_code == 302
    assert sessions_open(app) == 1


def test_a_provider_that_promises_iss_must_send_it(app, client, provider):
    provider.metadata_extra = {"authorization_response_iss_parameter_supported": True}
    with tenant_uses(app, "gamma", provider.idp()):
        assert via_provider(client).status_code == 401
    assert sessions_open(app) == 0


# --- timeouts ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["metadata", "jwks", "token", "userinfo"])
def test_a_stalled_provider_fails_the_log_in_fast_with_a_clear_page(app, provider, monkeypatch, endpoint):
    monkeypatch.setitem(app.config, "OIDC_HTTP_TIMEOUT", 0.5)
    provider.stall = {endpoint}
    answers: list = []

    def attempt():
        client = app.test_client()
        if endpoint == "metadata":
            answers.append(client.get("/gamma/auth/login"))
        else:
            answers.append(via_provider(client))

    with tenant_uses(app, "gamma", provider.idp(claims_from="userinfo")):
        began = time.monotonic()
        worker = threading.Thread(target=attempt, daemon=True)
        worker.start()
        worker.join(timeout=8)
        assert not worker.is_alive(), f"the log-in hangs on a stalled {endpoint} call"
    assert time.monotonic() - began < 8
    assert answers[0].status_code == 502
    assert "Log-in-tjenesten svarer ikke lige nu" in answers[0].get_data(as_text=True)
    assert sessions_open(app) == 0


# --- throttling --------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(app):
    """The same database, served behind one reverse proxy (PROXY_FIX_X_FOR = 1)."""
    proxied = create_app_for_tests(
        (app.config["SQLALCHEMY_DATABASE_URI"], app.config["MIGRATION_DATABASE_URL"]),
        PROXY_FIX_X_FOR=1,
        DEV_IDP_KEY_FILE=app.config["DEV_IDP_KEY_FILE"],
    )
    return proxied


def test_failures_behind_a_proxy_throttle_one_address_not_the_municipality(app, behind_proxy):
    limit = int(behind_proxy.config["LOGIN_FAILURE_LIMIT"].split()[0])
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = behind_proxy.test_client()
    colleague = behind_proxy.test_client()
    for _ in range(limit):
        bad = attacker.get(
            "/alpha/auth/callback?code=x&state=y",
            environ_base=proxy,
            headers={"X-Forwarded-For": "203.0.113.5"},
        )
        assert bad.status_code == 401
    throttled = attacker.get(
        "/alpha/auth/login",
        environ_base=proxy,
        headers={"X-Forwarded-For": "203.0.113.5"},
    )
    assert throttled.status_code == 429
    # Another person in the municipality, through the same proxy, still signs in.
    assert (
        colleague.get(
            "/alpha/auth/login",
            environ_base=proxy,
            headers={"X-Forwarded-For": "203.0.113.6"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == limit  # kept for the audit


def test_without_proxy_settings_forwarded_headers_are_not_believed(app):
    limit = int(app.config["LOGIN_FAILURE_LIMIT"].split()[0])
    client = app.test_client()
    for n in range(limit):
        assert (
            client.get(
                "/alpha/auth/callback?code=x&state=y",
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            == 401
        )
    assert client.get("/alpha/auth/login", headers={"X-Forwarded-For": "198.51.100.200"}).status_code == 429


def test_the_limiter_counts_in_redis_when_redis_url_is_set(app):
    import os

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set")
    with_redis = create_app_for_tests(
        (app.config["SQLALCHEMY_DATABASE_URI"], app.config["MIGRATION_DATABASE_URL"]),
        REDIS_URL=url,
        DEV_IDP_KEY_FILE=app.config["DEV_IDP_KEY_FILE"],
    )
    limiter = with_redis.extensions["samvirke_login_limiter"]
    assert type(limiter.storage).__name__ == "RedisStorage"
    limiter.reset()
    client = with_redis.test_client()
    for _ in range(int(with_redis.config["LOGIN_FAILURE_LIMIT"].split()[0])):
        client.get("/alpha/auth/callback?code=x&state=y")
    assert client.get("/alpha/auth/login").status_code == 429
    limiter.reset()


# --- purge ---------------------------------------------------------------------------------


def test_a_platform_job_purges_ended_and_expired_sessions_flows_and_old_failures(app):
    from core.identity.models import LoginFlow
    from core.jobs.runner import enqueue

    now = utcnow()
    with app.app_context():
        user = User(
            realm="platform",
            issuer="https://purge.invalid",
            subject="p",
            display_name="P",
        )
        db.session.add(user)
        db.session.flush()
        rows = {
            "live": {},
            "ended": {"ended_at": now - timedelta(minutes=1)},
            "idle": {"last_seen_at": now - timedelta(minutes=31)},
            "absolute": {"created_at": now - timedelta(hours=11), "last_seen_at": now},
        }
        for key, values in rows.items():
            db.session.add(
                UserSession(
                    id=secret_digest(key, "session"),
                    user_id=user.id,
                    tenant_id=None,
                    roles=["platform_admin"],
                    **values,
                )
            )
        db.session.add_all(
            [
                LoginFlow(
                    id="a" * 64,
                    realm="platform",
                    nonce="n",
                    code_verifier="v",
                    redirect_uri="http://x/",
                    created_at=now - timedelta(hours=1),
                ),
                LoginFlow(
                    id="b" * 64,
                    realm="platform",
                    nonce="n",
                    code_verifier="v",
                    redirect_uri="http://x/",
                ),
                LoginFailure(source="s", reason="old", at=now - timedelta(days=31)),
                LoginFailure(source="s", reason="recent"),
            ]
        )
        db.session.commit()
        run = enqueue("core.purge_login_records", None)
        assert run is not None and run.status == "succeeded"
        db.session.expire_all()
        with cross_tenant("test: read what is left"):
            assert db.session.scalars(select(UserSession.id)).all() == [secret_digest("live", "session")]
            assert db.session.scalars(select(LoginFlow.id)).all() == ["b" * 64]
            assert db.session.scalars(select(LoginFailure.reason)).all() == ["recent"]


# --- log-out at the provider ---------------------------------------------------------------


def test_log_out_sends_the_browser_on_to_the_providers_end_session_endpoint(app, client, provider):
    with tenant_uses(app, "gamma", provider.idp()):
        assert via_provider(client).status_code == 302
        token = csrf_from(client.get("/gamma/").get_data(as_text=True))
        out = client.post("/auth/logout", data={"csrf_token": token})
    assert out.status_code == 200
    page = out.get_data(as_text=True)
    assert f'http-equiv="refresh" content="0; url={provider.issuer}/logout?' in page
    assert f'href="{provider.issuer}/logout?' in page
    assert "id_token_hint=" in page and "post_logout_redirect_uri=" in page and f"client_id={provider.client_id}" in page
    assert sessions_open(app) == 0


# --- what a tenant file may say ----------------------------------------------------------


def test_a_tenant_file_sets_the_scopes(app, client, provider):
    with tenant_uses(app, "gamma", provider.idp(scopes=["openid", "profile", "groups"])):
        assert via_provider(client).status_code == 302
    assert provider.authorize_requests[-1]["scope"] == "openid profile groups"


def test_scopes_must_include_openid():
    from core.tenancy.files import IdentityProviderSchema

    with pytest.raises(ValidationError, match="openid"):
        IdentityProviderSchema().load(
            {
                "issuer": "https://x.dk",
                "client_id": "c",
                "client_secret_env": "S",
                "scopes": ["profile"],
            }
        )


def test_roles_from_the_userinfo_endpoint_when_the_tenant_file_says_so(app, provider):
    provider.id_token_claims = {"sub": "person-1"}  # no roles in the ID token
    provider.userinfo_claims = {
        "sub": "person-1",
        "name": "Fra Userinfo",
        "groups": ["SP"],
    }
    idp = provider.idp(
        claims_from="userinfo",
        role_claims={"claim": "groups", "map": {"SP": "municipal_staff"}},
    )
    with tenant_uses(app, "gamma", idp):
        assert via_provider(app.test_client()).status_code == 302
        with tenant_uses(app, "gamma", provider.idp(role_claims=idp["role_claims"])):  # from the ID token: no role
            assert via_provider(app.test_client()).status_code == 401
    with app.app_context(), cross_tenant("test: the users"):
        assert db.session.scalars(select(User.display_name).where(User.issuer == provider.issuer)).all() == ["Fra Userinfo"]


def test_userinfo_for_another_subject_is_refused(app, client, provider):
    provider.userinfo_claims = {"sub": "someone-else", "roles": ["municipal_staff"]}
    with tenant_uses(app, "gamma", provider.idp(claims_from="userinfo")):
        assert via_provider(client).status_code == 401
    assert sessions_open(app) == 0


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_authentication_by_secret(app, client, provider, method):
    with tenant_uses(app, "gamma", provider.idp(token_endpoint_auth_method=method)):
        assert via_provider(client).status_code == 302
    assert provider.token_auth == [method]


def test_client_authentication_by_private_key_jwt(app, client, provider, monkeypatch):
    import json

    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "samvirke-gamma-1"}, private=True)
    provider.client_public_key = key.as_dict(private=False)
    monkeypatch.setenv(provider.secret_env, json.dumps(key.as_dict(private=True)))
    with tenant_uses(app, "gamma", provider.idp(token_endpoint_auth_method="private_key_jwt")):
        assert via_provider(client).status_code == 302
    assert provider.token_auth == ["private_key_jwt"]


def test_the_migration_gives_existing_users_the_realm_of_their_sessions(
    database_factory,
):
    """0008 on a database with people in it: each user gets a realm, sessions survive (SQLite and PostgreSQL)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from core.migrations import alembic_config

    database = database_factory()
    migrating = create_app_for_tests(database)
    with migrating.app_context():
        command.upgrade(alembic_config(), "0007_partnerships")
        owner = create_engine(database[1]) if database[1] else db.engine
        with owner.begin() as c:
            c.execute(
                text(
                    "INSERT INTO tenants (id, slug, name, municipality_code, cvr, invoice_ean, identity_provider, active,"
                    " source_file, source_digest, updated_at) VALUES (7, 'a', 'A', '901', '1', '1', '{}', true, 'f', 'd', CURRENT_TIMESTAMP)"
                )
            )
            for uid in (1, 2):
                c.execute(
                    text(
                        "INSERT INTO users (id, issuer, subject, display_name, created_at)"
                        " VALUES (:i, 'https://idp', :s, 'N', CURRENT_TIMESTAMP)"
                    ),
                    {"i": uid, "s": f"s{uid}"},
                )
            c.execute(
                text(
                    "INSERT INTO user_sessions (id, user_id, tenant_id, roles, created_at, last_seen_at)"
                    " VALUES ('x', 1, 7, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        command.upgrade(alembic_config(), "0008_login_hardening")
        with owner.begin() as c:
            assert c.execute(text("SELECT id, realm FROM users ORDER BY id")).all() == [
                (1, "tenant:7"),
                (2, "platform"),
            ]
            assert c.execute(text("SELECT id, user_id FROM user_sessions")).all() == [("x", 1)]
            # The same issuer and subject may now exist once per realm.
            c.execute(
                text(
                    "INSERT INTO users (id, realm, issuer, subject, display_name, created_at)"
                    " VALUES (3, 'platform', 'https://idp', 's1', 'N', CURRENT_TIMESTAMP)"
                )
            )
        if database[1]:
            owner.dispose()
        db.session.remove()
