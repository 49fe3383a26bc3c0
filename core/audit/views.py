"""The audit trail of one person, for the tenant's administrator."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, g, render_template, request

from core.audit import events_for_subject, record
from core.csvsafe import safe_row

bp = Blueprint("audit", __name__)


@bp.get("/<tenant>/admin/audit")
def person():
    """Who looked at this person's data, when, and why."""
    subject = request.args.get("subject", "").strip()
    events = events_for_subject(g.tenant.id, subject) if subject else []
    if subject:
        record("search", subject=subject, criterion="audit trail")
    return render_template("audit/person.html", subject=subject, events=events)


@bp.get("/<tenant>/admin/audit.csv")
def export():
    subject = request.args.get("subject", "").strip()
    events = events_for_subject(g.tenant.id, subject) if subject else []
    record("export", subject=subject or None, criterion="audit trail export")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "actor", "action", "subject", "criterion", "purpose", "route"])
    for e in events:
        # Purposes, criteria and references are typed by people: never a formula (core/csvsafe.py).
        writer.writerow(safe_row([e.at.isoformat(), e.actor, e.action, e.subject, e.criterion, e.purpose, e.route]))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{g.tenant.slug}.csv"'},
    )
