"""Identity: log-in per tenant (OpenID Connect), sessions, roles, API clients, authorization.

- ``oidc``: the relying party, one authlib client per tenant;
- ``dev_idp``: the development provider (off in production);
- ``sessions``: server-side sessions and the request's ``Principal``;
- ``roles``: the platform's roles; ``authz``: the authorization matrix;
- ``api_clients``: client-credentials API access per tenant.
"""

from __future__ import annotations

from flask import Flask


def init_identity(app: Flask) -> None:
    from core.identity.api_clients import init_api_clients
    from core.identity.authz import init_authz
    from core.identity.oidc import init_oidc
    from core.identity.sessions import current_principal

    init_oidc(app)
    if app.config["DEV_IDP_ENABLED"]:
        from core.identity.dev_idp import init_dev_idp

        init_dev_idp(app)
    init_api_clients(app)
    from core.identity.break_glass import bp as break_glass_bp

    app.register_blueprint(break_glass_bp)
    init_authz(app)

    @app.context_processor
    def _inject_principal() -> dict:
        return {"current_user": current_principal()}
