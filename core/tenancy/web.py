"""Resolving the tenant of a request from its URL, in one place.

Every tenant URL starts with ``/<tenant>/``. The slug is resolved once, before
any view runs; an unknown or inactive slug is a 404. There is no default
tenant: a URL without a slug never acts for one. Blueprints of a programme
the tenant has not enabled answer 404 as if they did not exist.
"""

from __future__ import annotations

import contextlib

from flask import Flask, abort, current_app, g, render_template, request
from werkzeug.exceptions import NotFound

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


def _tenant_of_path() -> Tenant | None:
    """The tenant a URL is under: the resolved one, else (no route matched, or a path refused before the
    slug was read) its first segment's."""
    tenant = g.get("tenant")
    if tenant is not None or (request.url_rule is not None and "<tenant>" not in request.url_rule.rule):
        return tenant
    slug = request.path.split("/", 2)[1]
    return tenant_by_slug(slug) if slug else None


def other_tenant_page() -> tuple[str, int] | None:
    """For someone signed in who may not enter the tenant of this URL: a page that says so; else None.

    The same page for every path under that tenant, whatever route or row it
    names (the matrix refuses before any view, and a path no route matches
    gets the same), so it never tells whether something exists there. That
    the municipality exists is no secret: the front page lists it. A missing
    row of one's own tenant, an API call, and someone not signed in get the
    plain 404.
    """
    if "/api/" in request.path:
        return None
    from core.identity.sessions import current_principal

    try:
        principal = current_principal()
        tenant = _tenant_of_path()
    except Exception:  # an error page must not fail in its turn
        db.session.rollback()
        return None
    if principal is None or principal.api_client_id is not None or tenant is None or principal.may_enter(tenant):
        return None
    own = db.session.get(Tenant, principal.tenant_id) if principal.tenant_id is not None else None
    # No menu or name of the other tenant in the header: it is not hers to use.
    return render_template("tenant/other_tenant.html", own=own, other=tenant, tenant=None, menu=[]), 404


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

    def _not_found(exc: NotFound):
        from core.web.errors import _problem_or_page  # the page every other error gets

        return other_tenant_page() or _problem_or_page(exc)

    # By status: it is chosen before the handler of every HTTPException (core.web.errors), which it falls back on.
    app.register_error_handler(404, _not_found)

    @app.teardown_request
    def _leave_tenant(exc: BaseException | None) -> None:
        stack = g.pop("_tenant_stack", None)
        if stack is not None:
            stack.close()
