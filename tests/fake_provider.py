"""A small OpenID Connect provider on an origin of its own, for the log-in tests.

It plays a municipality's real provider: another origin than the app,
authorization without a page (it redirects back at once, as a provider does
for a person already signed in there), and knobs a test turns to make it
misbehave: stall an endpoint, name another issuer, honour a code twice, put
the roles only in the userinfo response. It records what the relying party
sent (client authentication, scopes, end-session calls).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

ENDPOINTS = ("metadata", "authorize", "token", "jwks", "userinfo", "logout")


class FakeProvider:
    client_id = "samvirke-fake"
    client_secret = "fake-client-secret"
    secret_env = "SAMVIRKE_OIDC_SECRET_FAKE"

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(
            2048,
            parameters={"kid": "fake-1", "alg": "RS256", "use": "sig"},
            private=True,
        )
        self.claims: dict[str, Any] = {
            "sub": "person-1",
            "name": "Fake Person",
            "roles": ["municipal_staff"],
        }
        self.userinfo_claims: dict[str, Any] | None = None  # None: userinfo answers ``claims``
        self.id_token_claims: dict[str, Any] | None = None  # None: the ID token carries ``claims``
        self.iss_parameter: str | None = None  # sent as RFC 9207 ``iss`` when set
        self.metadata_extra: dict[str, Any] = {}
        self.stall: set[str] = set()  # endpoints that do not answer until the test ends
        self.honour_codes_twice = False
        self.client_public_key: dict | None = None  # for private_key_jwt
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: set[str] = set()
        self.authorize_requests: list[dict[str, str]] = []
        self.token_auth: list[str] = []
        self.logouts: list[dict[str, str]] = []
        self.released = threading.Event()
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self._thread.join(timeout=5)

    def idp(self, **overrides: Any) -> dict[str, Any]:
        """The identity_provider table of a tenant file naming this provider."""
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret_env": self.secret_env,
            **overrides,
        }

    def _hold(self, endpoint: str) -> None:
        if endpoint in self.stall:
            self.released.wait(60)

    def _client_authentication(self) -> str:
        form = request.form
        if request.authorization and request.authorization.type == "basic":
            ok = (request.authorization.username, request.authorization.password) == (
                self.client_id,
                self.client_secret,
            )
            method = "client_secret_basic"
        elif "client_secret" in form:
            ok = (form.get("client_id"), form["client_secret"]) == (
                self.client_id,
                self.client_secret,
            )
            method = "client_secret_post"
        elif "client_assertion" in form and self.client_public_key is not None:
            assertion = jwt.decode(form["client_assertion"], RSAKey.import_key(self.client_public_key))
            claims = assertion.claims
            ok = claims.get("iss") == claims.get("sub") == self.client_id and claims.get("aud") == f"{self.issuer}/token"
            ok = ok and form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            method = "private_key_jwt"
        else:
            ok, method = False, "none"
        if not ok:
            abort(401)
        return method

    def _build(self) -> Flask:
        app = Flask("fake_provider")

        @app.get("/.well-known/openid-configuration")
        def metadata():
            self._hold("metadata")
            return jsonify(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "end_session_endpoint": f"{self.issuer}/logout",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_basic",
                        "client_secret_post",
                        "private_key_jwt",
                    ],
                    **self.metadata_extra,
                }
            )

        @app.get("/authorize")
        def authorize():
            self._hold("authorize")
            args = request.args.to_dict()
            self.authorize_requests.append(args)
            if args.get("client_id") != self.client_id or args.get("response_type") != "code":
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": args.get("nonce"),
                "challenge": args.get("code_challenge"),
                "redirect_uri": args["redirect_uri"],
            }
            back = {"code": code, "state": args["state"]}
            if self.iss_parameter is not None:
                back["iss"] = self.iss_parameter
            return redirect(f"{args['redirect_uri']}?{urlencode(back)}")

        @app.post("/token")
        def token():
            self._hold("token")
            self.token_auth.append(self._client_authentication())
            form = request.form
            grant = self.codes.get(form.get("code", "")) if self.honour_codes_twice else self.codes.pop(form.get("code", ""), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify({"error": "invalid_grant"}), 400
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            now = int(time.time())
            body = {
                "iss": self.issuer,
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                **(self.claims if self.id_token_claims is None else self.id_token_claims),
            }
            access = secrets.token_urlsafe(16)
            self.access_tokens.add(access)
            return jsonify(
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": jwt.encode({"alg": "RS256", "kid": "fake-1"}, body, self.key),
                }
            )

        @app.get("/jwks")
        def jwks():
            self._hold("jwks")
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/userinfo")
        def userinfo():
            self._hold("userinfo")
            bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
            if bearer not in self.access_tokens:
                abort(401)
            return jsonify(self.claims if self.userinfo_claims is None else self.userinfo_claims)

        @app.get("/logout")
        def logout():
            self._hold("logout")
            self.logouts.append(request.args.to_dict())
            target = request.args.get("post_logout_redirect_uri")
            if target:
                return redirect(f"{target}?{urlencode({'state': request.args.get('state', '')})}")
            return "<!doctype html><title>Logged out</title><h1>Logged out at the provider</h1>"

        return app


@contextmanager
def running_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


@contextmanager
def tenant_uses(app, slug: str, idp: dict[str, Any]) -> Iterator[None]:
    """The tenant signs in with ``idp`` for the block's duration (the synced row changed, then restored)."""
    from sqlalchemy import select

    from core.db import db
    from core.tenancy.models import Tenant

    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        saved = (dict(tenant.identity_provider), tenant.source_digest)
        tenant.identity_provider = idp
        tenant.source_digest = secrets.token_hex(32)  # a fresh client for the new settings
        db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
            tenant.identity_provider, tenant.source_digest = saved
            db.session.commit()
            db.session.remove()
