"""Resolving the tenant of a request from its URL, in one place.

Every tenant URL starts with ``/<tenant>/``. The slug is resolved once, before
any view runs; an unknown or inactive slug is a 404. There is no default
tenant: a URL without a slug never acts for one. Blueprints of a programme
the tenant has not enabled answer 404 as if they did not exist.
"""

from __future__ import annotations

import contextlib

from flask import Flask, abort, current_app, g, request

from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.directory import tenant_by_slug, watch_directory_writes
from core.tenancy.models import Tenant

TENANT_URL_PREFIX = "/<tenant>"


def current_tenant() -> Tenant | None:
    return g.get("tenant")


def get_or_404(model, ident):
    """Load one row of the tenant in context, or answer 404.

    The session filters to the tenant, so another tenant's id gets exactly
    the answer a missing id gets. Every view that loads by id uses this.
    """
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def _resolve(slug: str) -> Tenant:
    # From the process's copy of the directory, checked current in the request's
    # first statement (core/tenancy/directory.py).
    tenant = tenant_by_slug(slug)
    if tenant is None:
        abort(404)
    return tenant


def programme_of_blueprint(app: Flask, blueprint_name: str | None) -> str | None:
    return app.extensions["samvirke_blueprint_programmes"].get(blueprint_name)


def init_tenant_routing(app: Flask) -> None:
    app.extensions.setdefault("samvirke_blueprint_programmes", {})
    watch_directory_writes()  # keeps the directory's counter, which the cache above checks

    @app.url_value_preprocessor
    def _enter_tenant(endpoint: str | None, values: dict | None) -> None:
        if not values or "tenant" not in values:
            return
        tenant = _resolve(values.pop("tenant"))
        g.tenant = tenant
        stack = contextlib.ExitStack()
        stack.enter_context(tenant_context(tenant.id))
        g._tenant_stack = stack

    @app.before_request
    def _hide_programmes() -> None:
        # A programme the tenant has not enabled, or that the acting
        # organisation is not party to here, does not exist for this request.
        from core.identity.authz import PUBLIC, allowed_roles
        from core.partnerships.access import programmes_for_request

        tenant = g.get("tenant")
        rule = request.url_rule
        public = rule is not None and PUBLIC in (allowed_roles(rule.rule, request.method) or ())
        for name in request.blueprints:
            key = programme_of_blueprint(current_app, name)
            if key is None:
                continue
            # Public pages (opening hours) follow the tenant alone; the rest the acting principal too.
            visible = (tenant.enabled_programmes if tenant else frozenset()) if public else programmes_for_request()
            if key not in visible:
                if tenant is not None and key in tenant.enabled_programmes:
                    from core.audit import record

                    # Enabled here, but the acting organisation is not party: a refused access.
                    record("refused", criterion=f"{request.method} organisation not party to {key}")
                abort(404)

    @app.url_defaults
    def _add_tenant(endpoint: str, values: dict) -> None:
        tenant = g.get("tenant")
        if "tenant" in values or tenant is None:
            return
        if current_app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = tenant.slug

    @app.teardown_request
    def _leave_tenant(exc: BaseException | None) -> None:
        stack = g.pop("_tenant_stack", None)
        if stack is not None:
            stack.close()
