"""API clients: client credentials per tenant, read or write, revocable, last use shown."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import db
from core.identity.api_clients import ApiClient
from core.tenancy.context import cross_tenant
from core.testing.fixtures import csrf_from


def found(pattern: str, html: str) -> str:
    match = re.search(pattern, html)
    assert match, f"{pattern} not in the page"
    return match.group(1)


def create_client(admin, scope: str) -> tuple[str, str]:
    token = csrf_from(admin.get("/alpha/admin/api-clients").get_data(as_text=True))
    page = admin.post("/alpha/admin/api-clients", data={"name": "Fagsystem", "scope": scope, "csrf_token": token})
    assert page.status_code == 201, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    client_id = found(r"<code>(alpha-[0-9a-f]+)</code>", html)
    secret = found(r'<code id="client-secret">([^<]+)</code>', html)
    return client_id, secret


def bearer(client, client_id: str, secret: str, tenant: str = "alpha") -> str:
    response = client.post(f"/{tenant}/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] > 0
    return body["access_token"]


def test_admin_creates_client_and_the_api_accepts_its_bearer_token(app, client_for, lookalike_data):
    admin = client_for("alpha", "tenant_admin")
    client_id, secret = create_client(admin, "read")
    anonymous = app.test_client()
    token = bearer(anonymous, client_id, secret)
    listed = anonymous.get("/alpha/api/v1/example/households", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and [h["id"] for h in listed.get_json()] == [lookalike_data["alpha"]["household"]]
    with app.app_context(), cross_tenant("test: read the client"):
        stored = db.session.scalars(select(ApiClient)).one()
        assert stored.last_used_at is not None and stored.secret_hash != secret  # only a hash is kept
    assert "Aldrig" not in admin.get("/alpha/admin/api-clients").get_data(as_text=True)


def test_read_only_client_cannot_write_and_write_client_can(app, client_for):
    # An organisation's client acts as its partner staff (who may write households).
    admin = client_for("alpha", "partner_staff")
    anonymous = app.test_client()
    read_token = bearer(anonymous, *create_client(admin, "read"))
    refused = anonymous.post(
        "/alpha/api/v1/example/households", json={"name": "Familien Berg"}, headers={"Authorization": f"Bearer {read_token}"}
    )
    assert refused.status_code == 403
    write_token = bearer(anonymous, *create_client(admin, "write"))
    created = anonymous.post(
        "/alpha/api/v1/example/households", json={"name": "Familien Berg"}, headers={"Authorization": f"Bearer {write_token}"}
    )
    assert created.status_code == 201


def test_token_is_worthless_in_another_tenant_and_secret_is_checked(app, client_for):
    admin = client_for("alpha", "tenant_admin")
    client_id, secret = create_client(admin, "read")
    anonymous = app.test_client()
    token = bearer(anonymous, client_id, secret)
    assert anonymous.get("/beta/api/v1/example/households", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert anonymous.post("/beta/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)).status_code in (
        400,
        401,
    )
    assert anonymous.post(
        "/alpha/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "wrong")
    ).status_code in (400, 401)
    assert anonymous.get("/alpha/", headers={"Authorization": f"Bearer {token}"}).status_code == 401  # API only


def test_revoked_client_loses_access(app, client_for):
    admin = client_for("alpha", "tenant_admin")
    client_id, secret = create_client(admin, "read")
    anonymous = app.test_client()
    token = bearer(anonymous, client_id, secret)
    with app.app_context(), cross_tenant("test: find the client"):
        pk = db.session.scalar(select(ApiClient.id).where(ApiClient.client_id == client_id))
    page = admin.get("/alpha/admin/api-clients").get_data(as_text=True)
    assert admin.post(f"/alpha/admin/api-clients/{pk}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert anonymous.get("/alpha/api/v1/example/households", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert anonymous.post("/alpha/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)).status_code in (
        400,
        401,
    )
    assert "Tilbagekaldt" in admin.get("/alpha/admin/api-clients").get_data(as_text=True)


def test_invalid_client_form_shows_danish_errors(client_for):
    admin = client_for("alpha", "tenant_admin")
    token = csrf_from(admin.get("/alpha/admin/api-clients").get_data(as_text=True))
    page = admin.post("/alpha/admin/api-clients", data={"name": "", "scope": "admin", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Feltet skal udfyldes." in html and "Vælg en af mulighederne." in html
