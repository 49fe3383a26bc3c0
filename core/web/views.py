"""Core pages: the platform's list of tenants, a tenant's home, administration."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from sqlalchemy import select, text

from core.db import db
from core.identity.oidc import local_path
from core.partnerships.access import programmes_for_request
from core.plugins.host import plugin_host
from core.tenancy.models import Tenant
from core.tenancy.web import TENANT_URL_PREFIX

platform = Blueprint("platform", __name__)
tenant = Blueprint("tenant", __name__, url_prefix=TENANT_URL_PREFIX)
admin = Blueprint("admin", __name__, url_prefix="/admin")


@platform.get("/")
def index():
    tenants = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)).all()
    programmes = plugin_host().programmes()
    from core.web.links import public_pages

    return render_template("platform/index.html", tenants=tenants, programmes=programmes, public_pages=public_pages())


@platform.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        abort(400)
    session["lang"] = lang
    # Parsed as a browser reads it (the log-in's own rule), so "/\t/evil.host" cannot leave the site.
    return redirect(local_path(request.form.get("next")) or "/")


@platform.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@tenant.get("/")
def home():
    host = plugin_host()
    enabled = programmes_for_request()
    programmes = [p for key, p in sorted(host.programmes().items()) if key in enabled]
    widgets = sorted(host.collect("samvirke_dashboard_widgets", enabled=enabled, tenant=g.tenant), key=lambda w: w.order)
    from core.partnerships.access import programme_organisations

    return render_template("tenant/home.html", programmes=programmes, widgets=widgets, runners=programme_organisations())


@admin.get("/jobs")
def jobs():
    from core.jobs.models import JobRun
    from core.tenancy.context import cross_tenant
    from core.web.pagination import paginate

    # Every tenant's failed runs, a page at a time (no longer cut at 100).
    with cross_tenant("administration: failed job runs"):
        paged = paginate(select(JobRun).where(JobRun.status == "failed").order_by(JobRun.finished_at.desc(), JobRun.id.desc()))
    return render_template("admin/jobs.html", runs=paged.items, paged=paged)
