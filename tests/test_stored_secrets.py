"""Stored bearer secrets (session keys, API tokens) are keyed digests: a row written into the database admits nobody."""

from __future__ import annotations

from core.db import db
from core.tenancy.context import tenant_context


def test_a_session_or_token_row_written_straight_into_the_database_admits_nobody(app, client, tenant_a):
    """What one SQL injection could do at any URL: insert a session (or an API token) for a secret of
    its own choosing. Stored secrets are keyed digests (SECRET_KEY is not in the database), so a row
    with the plain SHA-256 of the chosen secret matches nothing the attacker can send."""
    import hashlib
    from datetime import timedelta

    from core.identity.api_clients import ApiClient, ApiToken
    from core.identity.models import User, UserSession
    from core.tenancy.models import utcnow

    chosen = "attacker-chosen-secret"
    with app.app_context():
        user = User(issuer="https://test-idp.invalid", subject="injected-admin", display_name="Injected")
        db.session.add(user)
        db.session.flush()
        db.session.add(
            UserSession(id=hashlib.sha256(chosen.encode()).hexdigest(), user_id=user.id, tenant_id=None, roles=["platform_admin"])
        )
        db.session.commit()
        with tenant_context(tenant_a):
            api_client = ApiClient(name="Injected", scope="write", client_id="alpha-injected", secret_hash="x" * 64, created_by="test")
            db.session.add(api_client)
            db.session.flush()
            token = hashlib.sha256(chosen.encode()).hexdigest()
            db.session.add(ApiToken(api_client_id=api_client.id, token_hash=token, scope="write", expires_at=utcnow() + timedelta(hours=1)))
            db.session.commit()
    with client.session_transaction() as session:
        session["sid"] = chosen
    assert client.get("/admin/jobs").status_code in (302, 401, 403)  # not signed in as platform administrator
    answer = client.get("/alpha/api/v1/volunteers", headers={"Authorization": f"Bearer {chosen}"})
    assert answer.status_code == 401
