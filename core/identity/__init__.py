"""Identity: log-in per tenant (OpenID Connect), sessions, roles, API clients, authorization.

- ``oidc``: the relying party, one authlib client per tenant;
- ``dev_idp``: the development provider (off in production);
- ``sessions``: server-side sessions and the request's ``Principal``;
- ``roles``: the platform's roles; ``authz``: the authorization matrix;
- ``api_clients``: client-credentials API access per tenant.
"""

from __future__ import annotations

from flask import Flask

from core.schemas import PARTNER_ONLY_READER


def _sees_partner_only() -> bool:
    """Whether the person acting in this request may see partner-only data in the tenant in context."""
    from core.identity.sessions import current_principal
    from core.tenancy.context import current_tenant_id

    principal = current_principal()
    return principal is not None and principal.may_see_partner_only(current_tenant_id())


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
    from core.identity.permissions import init_permissions

    init_permissions(app)  # a permission granted to a role that does not exist stops the start-up
    app.extensions[PARTNER_ONLY_READER] = _sees_partner_only  # asked by core.schemas, which does not import identity

    @app.context_processor
    def _inject_principal() -> dict:
        return {"current_user": current_principal()}
