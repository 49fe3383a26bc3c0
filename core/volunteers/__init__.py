"""The volunteer registry, shared by every programme (core).

Volunteers belong to a tenant and a partner organisation; the registry keeps
training, insurance and the child-protection certificate (børneattest) life
cycle: requested (with consent), assessed (date, result), valid until, and
when the certificate document was deleted. It stores the assessment, never
the document. A daily job warns 60 and 30 days before a certificate or the
insurance runs out.
"""
from __future__ import annotations

from flask import Flask


def init_volunteers(app: Flask) -> None:
    """Register the registry's pages (the API blueprint is registered by core.api)."""
    from core.volunteers.views import bp

    app.register_blueprint(bp)


def current_volunteer():
    """The registry's volunteer behind the signed-in person, or None.

    Matched by the log-in identity (issuer|subject) stored on the volunteer,
    inside the tenant in context; programmes use it to narrow a volunteer to
    her own courses or shifts.
    """
    from sqlalchemy import select

    from core.db import db
    from core.identity.models import User
    from core.identity.sessions import current_principal
    from core.volunteers.models import Volunteer

    principal = current_principal()
    if principal is None or principal.user_id is None:
        return None
    user = db.session.get(User, principal.user_id)
    return db.session.scalar(select(Volunteer).where(Volunteer.login_subject == f"{user.issuer}|{user.subject}"))
