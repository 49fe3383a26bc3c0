"""The server-rendered user interface shell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for

from core.partnerships.access import programmes_for_request
from core.plugins.host import plugin_host
from core.tenancy.web import TENANT_URL_PREFIX

_ENDPOINT_ROLES = "samvirke_endpoint_roles"  # endpoint -> roles the matrix admits on its GET (None: no such page)
_STATIC_URLS = "samvirke_static_urls"  # (script root, file) -> its URL


def _get_roles(endpoint: str) -> frozenset[str] | None:
    """The roles the matrix admits on ``endpoint``'s first rule for GET, looked up once per app (the map and matrix are fixed)."""
    from core.identity.authz import allowed_roles

    cache: dict[str, frozenset[str] | None] = current_app.extensions.setdefault(_ENDPOINT_ROLES, {})
    if endpoint not in cache:
        rules = list(current_app.url_map.iter_rules(endpoint)) if endpoint in current_app.view_functions else []
        cache[endpoint] = (allowed_roles(rules[0].rule, "GET") or frozenset()) if rules else None
    return cache[endpoint]


def _may_open(endpoint: str) -> bool:
    """Show a menu entry only to those the authorization matrix lets through."""
    from core.identity.authz import PUBLIC
    from core.identity.sessions import current_principal

    allowed = _get_roles(endpoint)
    if allowed is None:
        return False
    principal = current_principal()
    if principal is None:
        return False
    return PUBLIC in allowed or bool(allowed.intersection(principal.roles))


def static_url(filename: str) -> str:
    """``url_for('static', filename=...)``, built once per process (every page links the same assets)."""
    if not has_request_context():  # rendered by a job: as url_for would, uncached
        return url_for("static", filename=filename)
    key = (request.script_root, filename)
    cache: dict[tuple[str, str], str] = current_app.extensions.setdefault(_STATIC_URLS, {})
    found = cache.get(key)
    if found is None:
        found = cache[key] = url_for("static", filename=filename)
    return found


@dataclass(frozen=True)
class NavEntry:
    """A menu entry as the page shows it: the plugin's entry (its label, endpoint, order) with its link built once per page."""

    entry: Any
    href: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


def _mount_plugin_blueprints(app: Flask) -> None:
    """Each programme's pages under /<tenant>/<programme key>/ (404 where disabled)."""
    programmes = app.extensions["samvirke_blueprint_programmes"]
    from core.plugins.routes import PageBlueprint

    for programme, blueprints in plugin_host(app).with_convention("samvirke_blueprints", PageBlueprint):
        if programme is None:
            raise ValueError("A page blueprint must belong to a programme plugin")
        for bp in blueprints:
            app.register_blueprint(bp, url_prefix=f"{TENANT_URL_PREFIX}/{programme.key}")
            programmes[bp.name] = programme.key


def init_web(app: Flask) -> None:
    from core.web import views
    from core.web.forms import init_forms

    init_forms(app)
    app.jinja_env.globals["may_open"] = _may_open  # a link only for those who may follow it
    app.jinja_env.globals["static_url"] = static_url
    app.register_blueprint(views.platform)
    app.register_blueprint(views.tenant)
    app.register_blueprint(views.admin)
    from core.audit.views import bp as audit_bp
    from core.national.views import bp as national_bp

    app.register_blueprint(audit_bp)
    app.register_blueprint(national_bp)
    from core.volunteers import init_volunteers

    init_volunteers(app)
    from core.partnerships.views import init_partnerships

    init_partnerships(app)
    _mount_plugin_blueprints(app)
    from core.reports import init_reports

    init_reports(app)

    from core.partnerships.labels import status_label

    app.add_template_global(status_label, "agreement_status_label")

    @app.context_processor
    def _tenant_navigation() -> dict:
        tenant = g.get("tenant")
        if tenant is None:
            return {"tenant": None, "menu": []}
        entries = plugin_host().collect("samvirke_menu_entries", enabled=programmes_for_request(), tenant=tenant)
        shown = sorted((e for e in entries if _may_open(e.endpoint)), key=lambda e: e.order)
        return {"tenant": tenant, "menu": [NavEntry(e, url_for(e.endpoint)) for e in shown]}

    @app.after_request
    def _security_headers(response):
        # Assets are vendored, never from a CDN: everything is same-origin.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
