"""Break-the-glass: a platform administrator's audited way into one tenant's authority-free room.

The authority-free room (e.g. counselling records) is for the running
organisation's staff only. Where law or an emergency requires a platform
administrator to look, they state a reason here; the session then reaches the
routes the matrix marks ``break_glass`` in that one tenant for a short time.
Starting it, and every access while it lasts, is in the audit trail with the
reason (``core.audit.record`` adds it), so it shows in the audit report of
each person whose data was opened.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from marshmallow import fields, validate

from core.audit import record
from core.db import db
from core.identity.authz import signed_in
from core.identity.digests import secret_digest
from core.identity.models import UserSession
from core.schemas import N_, Schema
from core.tenancy.models import utcnow

DURATION = timedelta(minutes=30)
bp = Blueprint("break_glass", __name__)


class BreakGlassSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=20, max=180),
        metadata={"label": N_("Reason (recorded in the audit trail)"), "widget": "textarea"},
    )


def _session_row() -> UserSession:
    """This browser's session row; 401 when there is none (signed out meanwhile)."""
    key = session.get("sid")
    row = db.session.get(UserSession, secret_digest(key, "session")) if isinstance(key, str) else None
    if row is None:
        abort(401)
    return row


@bp.route("/<tenant>/admin/break-glass", methods=["GET", "POST"])
def start():
    from core.web.forms import form_errors, form_fields, load_form

    schema = BreakGlassSchema()
    principal = signed_in()
    if request.method == "GET" or principal.api_client_id is not None:
        return render_template(
            "identity/break_glass.html",
            fields=form_fields(schema),
            active=principal.breaks_glass_in(g.tenant.id),
            reason=principal.break_glass_reason,
        )
    data, errors = load_form(schema, request.form)
    if data is None:
        return render_template(
            "identity/break_glass.html",
            fields=form_fields(schema, request.form, errors),
            general_errors=form_errors(errors),
            active=False,
        ), 422
    row = _session_row()
    row.break_glass = {"tenant_id": g.tenant.id, "reason": data["reason"], "until": (utcnow() + DURATION).isoformat()}
    record("break_glass", criterion=f"started: {data['reason']}")
    flash(gettext("Break-the-glass is on for 30 minutes; every access is recorded with your reason."), "warning")
    return redirect(url_for("tenant.home"))


@bp.post("/<tenant>/admin/break-glass/end")
def end():
    row = _session_row()
    if row.break_glass:
        row.break_glass = None
        record("break_glass", criterion="ended")
    return redirect(url_for("tenant.home"))
