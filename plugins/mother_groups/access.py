"""Who in the programme may see what, beyond the authorization matrix.

The matrix decides which roles reach a route; these helpers narrow the rows:
a volunteer sees only the courses she is assigned to, a health visitor only
the referrals she made.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import and_, select

from core.db import db
from core.identity import roles as R
from core.identity.models import User
from core.identity.sessions import Principal, current_principal
from core.volunteers.models import Volunteer
from plugins.mother_groups.models import CourseVolunteer

PARTNER_ROLES = frozenset({R.PARTNER_STAFF, R.TENANT_ADMIN, R.PLATFORM_ADMIN})
# The roles that manage the programme, as the authorization matrix spells them.
MANAGERS = [R.PARTNER_STAFF, R.TENANT_ADMIN, R.PLATFORM_ADMIN]


def get_or_404(model, ident):
    """Load a row of the tenant in context; another tenant's id looks missing."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def principal() -> Principal:
    found = current_principal()
    if found is None:
        abort(401)
    return found


def manages(p: Principal) -> bool:
    """Partner staff and administrators manage the whole programme in the tenant."""
    return bool(PARTNER_ROLES.intersection(p.roles)) or p.api_client_id is not None


def volunteer_course_ids(p: Principal) -> set[int]:
    """The courses a signed-in volunteer serves (matched by her log-in identity)."""
    if p.user_id is None:
        return set()
    user = db.session.get(User, p.user_id)
    login = f"{user.issuer}|{user.subject}"
    return set(
        db.session.scalars(
            select(CourseVolunteer.course_id)
            .join(Volunteer, and_(Volunteer.id == CourseVolunteer.volunteer_id, Volunteer.tenant_id == CourseVolunteer.tenant_id))
            .where(Volunteer.login_subject == login)
        )
    )


def require_course_access(course_id: int) -> None:
    """Managers see every course; a volunteer only hers (others look missing: 404)."""
    p = principal()
    if manages(p):
        return
    if R.VOLUNTEER in p.roles and course_id in volunteer_course_ids(p):
        return
    abort(404)
