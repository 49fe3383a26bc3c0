"""The tenant's audit trail, for its administrators: who did what with whose data, when, and why.

Filtered by the person concerned (``subject``), the actor (a name or a label),
the action and a period of Danish days; a page at a time (``core.audit.browse``:
one statement per page). Reading it is itself recorded.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _

from core.audit import record
from core.audit.browse import BadFilter, count, parse_filters, trail_page
from core.csvsafe import safe_row
from core.schemas import N_
from core.web.pagination import Paged, page_request

bp = Blueprint("audit", __name__)
PER_PAGE = 50
EXPORT_LIMIT = 10_000  # rows in one CSV file; a longer trail is exported per period

ACTION_LABELS = {
    "view": N_("Viewed"),
    "search": N_("Searched"),
    "export": N_("Exported"),
    "change": N_("Changed"),
    "create": N_("Created"),
    "delete": N_("Deleted data"),
    "login": N_("Signed in"),
    "login_failed": N_("Sign-in failed"),
    "logout": N_("Signed out"),
    "refused": N_("Access refused"),
    "break_glass": N_("Broke the glass"),
}
ROLE_LABELS = {
    "platform_admin": N_("Platform administrator"),
    "tenant_admin": N_("Tenant administrator"),
    "municipal_staff": N_("Municipal staff"),
    "partner_staff": N_("Partner staff"),
    "volunteer": N_("Volunteer"),
    "finance": N_("Finance"),
    "partner_finance": N_("Partner finance"),
    "national_coordinator": N_("National coordinator"),
}


def _filters():
    try:
        return parse_filters(request.args)
    except BadFilter as exc:
        abort(400, description=str(exc))


def actor_text(row) -> str:
    """The actor as people read it: "Anne Hansen (Tenant administrator)", "API client X", "Anonymous"."""
    if row.actor == "anonymous":
        return _("Anonymous")
    if row.actor_name is None:
        return row.actor  # a user or client since deleted: the label is all there is
    if row.actor.startswith("api-client:"):
        return _("API client %(name)s", name=row.actor_name)
    roles = ", ".join(_(ROLE_LABELS[r]) if r in ROLE_LABELS else r for r in row.actor_roles)
    return f"{row.actor_name} ({roles})" if roles else row.actor_name


@bp.get("/<tenant>/admin/audit")
def person():
    """The trail, newest first, filtered and a page at a time (two statements: the count, the page)."""
    filters = _filters()
    page, per_page = page_request(PER_PAGE)
    total = count(g.tenant.id, filters)
    page = min(page, max(1, -(-total // per_page)))  # past the last page: the last page
    rows = trail_page(g.tenant.id, filters, page, per_page)
    paged = Paged(rows, page, per_page, total, request.path, tuple(request.args.items(multi=True)))
    # One row for the reading (of the person filtered by, if any); the rows shown are the trail itself.
    record("search", subject=filters.subject, criterion=filters.criterion())
    return render_template(
        "audit/person.html",
        filters=filters,
        subject=filters.subject or "",
        paged=paged,
        action_labels={key: _(label) for key, label in ACTION_LABELS.items()},
        actor_text=actor_text,
    )


@bp.get("/<tenant>/admin/audit.csv")
def export():
    filters = _filters()
    rows = trail_page(g.tenant.id, filters, 1, EXPORT_LIMIT)
    record("export", subject=filters.subject, criterion=filters.criterion() + " (CSV)")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "actor", "actor_name", "action", "subject", "criterion", "purpose", "route"])
    for e in rows:
        # Names, purposes, criteria and references are typed by people: never a formula (core/csvsafe.py).
        writer.writerow(safe_row([e.at.isoformat(), e.actor, actor_text(e), e.action, e.subject, e.criterion, e.purpose, e.route]))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{g.tenant.slug}.csv"'},
    )
