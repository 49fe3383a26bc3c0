"""Who is signed in, and the default that every page needs a signed-in user.

Views are private unless marked ``@public``. A tenant's pages are for that
tenant's users (and platform administrators); a user of another tenant gets
404, exactly as for a tenant that does not exist.

Until the identity issue lands, the only way in is the development log-in in
``core.auth.dev``, which is clearly marked and off in production.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

F = TypeVar("F", bound=Callable[..., Any])

PLATFORM_ADMIN = "platform_admin"
TENANT_STAFF = "tenant_staff"
ROLES = (PLATFORM_ADMIN, TENANT_STAFF)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    tenant_slug: str | None  # None for platform-wide roles

    @property
    def is_platform_admin(self) -> bool:
        return self.role == PLATFORM_ADMIN

    def may_enter(self, tenant_slug: str) -> bool:
        return self.is_platform_admin or self.tenant_slug == tenant_slug


def public(view: F) -> F:
    """Mark a view as reachable without signing in."""
    view.samvirke_public = True  # type: ignore[attr-defined]
    return view


def platform_admin_only(view: F) -> F:
    view.samvirke_platform_admin = True  # type: ignore[attr-defined]
    return view


def current_user() -> User | None:
    if "user" not in g:
        data = session.get("user")
        g.user = User(**data) if data else None
    return g.user


def sign_in(user: User) -> None:
    session.clear()  # a fresh session at sign-in
    session["user"] = {"id": user.id, "name": user.name, "role": user.role, "tenant_slug": user.tenant_slug}
    g.user = user


def sign_out() -> None:
    session.clear()
    g.user = None


def _is_api_request() -> bool:
    return "/api/" in request.path


def init_auth(app: Flask) -> None:
    from core.auth import dev

    if app.config["DEV_LOGIN_ENABLED"]:
        app.register_blueprint(dev.bp)

    @app.before_request
    def _require_sign_in() -> Any:
        endpoint = request.endpoint or ""
        if endpoint == "static" or endpoint.endswith(".static"):
            return None  # design-system assets hold no data
        view = current_app.view_functions.get(endpoint)
        if view is None or getattr(view, "samvirke_public", False):
            return None
        user = current_user()
        if user is None:
            if _is_api_request() or "auth.sign_in_page" not in current_app.view_functions:
                abort(401)
            return redirect(url_for("auth.sign_in_page", next=request.full_path))
        tenant = g.get("tenant")
        if tenant is not None and not user.may_enter(tenant.slug):
            abort(404)
        if getattr(view, "samvirke_platform_admin", False) and not user.is_platform_admin:
            abort(403)
        return None

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": current_user()}
