"""The volunteer registry, shared by every programme (core).

Volunteers belong to a tenant and a partner organisation (``organisation_id``):
that organisation's staff see them, another organisation's staff do not
(``visible_volunteers``); tenant and platform administrators see all of the
tenant's. The registry keeps training, insurance and the child-protection
certificate (børneattest) life cycle: requested (with consent), assessed
(date, result), valid until, and when the certificate document was deleted.
It stores the assessment, never the document. A daily job warns 60 and 30
days before a certificate or the insurance runs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from sqlalchemy import Select

    from core.volunteers.models import Volunteer


def init_volunteers(app: Flask) -> None:
    """Register the registry's pages (the API blueprint is registered by core.api)."""
    from core.volunteers.views import bp

    app.register_blueprint(bp)


def narrowed_to_organisation() -> tuple[bool, int | None]:
    """(narrowed, organisation id) for the acting principal.

    Anyone acting for an organisation (partner staff, volunteers, an
    organisation's API client) sees only that organisation's volunteers;
    narrowed with organisation None sees none. Tenant and platform
    administrators (and code outside a request: jobs, commands) see every
    volunteer of the tenant in context.
    """
    from flask import has_request_context

    from core.identity.sessions import current_principal

    if not has_request_context():
        return False, None
    principal = current_principal()
    if principal is None or not principal.acts_for_organisation:
        return False, None
    return True, principal.organisation_id


def visible_criterion() -> Any:
    """The WHERE criterion on ``Volunteer`` of what the acting principal may see (the tenant is scoped already)."""
    from sqlalchemy import false, true

    from core.volunteers.models import Volunteer

    narrowed, organisation_id = narrowed_to_organisation()
    if not narrowed:
        return true()
    if organisation_id is None:  # never "IS NULL": that would show the rows of no organisation
        return false()
    return Volunteer.organisation_id == organisation_id


def visible_volunteers() -> Select:
    """``select(Volunteer)`` narrowed to what the acting principal may see, with each organisation loaded in the same query.

    Every page, API route and count of the registry starts here, so an
    organisation's staff never see another organisation's volunteer: its id
    answers exactly like a missing one.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from core.volunteers.models import Volunteer

    return select(Volunteer).options(joinedload(Volunteer.organisation)).where(visible_criterion())


def find_volunteer(volunteer_id: int) -> Volunteer | None:
    """The volunteer with that id if the acting principal may see it (else None: missing, another tenant's or organisation's)."""
    from core.db import db
    from core.volunteers.models import Volunteer

    return db.session.scalar(visible_volunteers().where(Volunteer.id == volunteer_id))


def current_volunteer() -> Volunteer | None:
    """The registry's volunteer behind the signed-in person, or None.

    Matched by the log-in identity (issuer|subject) stored on the volunteer
    and by the organisation the person acts for, inside the tenant in
    context: a log-in of one organisation never resolves to another
    organisation's volunteer. Programmes use it to narrow a volunteer to her
    own courses or shifts.
    """
    from sqlalchemy import select

    from core.db import db
    from core.identity.models import User
    from core.identity.sessions import current_principal
    from core.volunteers.models import Volunteer

    principal = current_principal()
    if principal is None or principal.user_id is None or principal.organisation_id is None:
        return None
    user = db.session.get(User, principal.user_id)
    if user is None:
        return None
    return db.session.scalar(
        select(Volunteer)
        .where(
            Volunteer.login_subject == f"{user.issuer}|{user.subject}",
            Volunteer.organisation_id == principal.organisation_id,
        )
        .order_by(Volunteer.id)
        .limit(1)
    )
