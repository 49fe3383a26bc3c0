"""DEVELOPMENT LOG-IN: pick a demo user, no password. Off in production.

It exists so the embedded default can be used offline until the identity
issue brings real OpenID Connect log-in (and its own development provider).
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from core.auth import PLATFORM_ADMIN, TENANT_STAFF, User, public, sign_in, sign_out
from core.db import db
from core.tenancy.models import Tenant

bp = Blueprint("auth", __name__, url_prefix="/auth")


def demo_users() -> list[User]:
    users = [User(id="dev:admin", name="Platform Admin (demo)", role=PLATFORM_ADMIN, tenant_slug=None)]
    for tenant in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)):
        users.append(
            User(id=f"dev:{tenant.slug}:staff", name=f"Medarbejder, {tenant.name} (demo)", role=TENANT_STAFF, tenant_slug=tenant.slug)
        )
    return users


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths; never an absolute URL (open redirect).
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.get("/sign-in")
@public
def sign_in_page():
    return render_template("auth/dev_sign_in.html", users=demo_users(), next=_safe_next(request.args.get("next")))


@bp.post("/sign-in")
@public
def sign_in_submit():
    wanted = request.form.get("user_id", "")
    user = next((u for u in demo_users() if u.id == wanted), None)
    if user is None:
        abort(400)
    sign_in(user)
    target = _safe_next(request.form.get("next"))
    if target:
        return redirect(target)
    if user.tenant_slug:
        return redirect(url_for("tenant.home", tenant=user.tenant_slug))
    return redirect(url_for("platform.index"))


@bp.post("/sign-out")
@public
def sign_out_submit():
    sign_out()
    return redirect(url_for("platform.index"))
