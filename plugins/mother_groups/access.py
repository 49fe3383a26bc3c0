"""Who in the programme may see what, beyond the authorization matrix.

The matrix decides which roles reach a route; these helpers narrow the rows:
a volunteer sees only the courses she is assigned to, a health visitor only
the referrals she made.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from core.programme import Principal, current_principal, current_volunteer, db, get_or_404, role_group
from core.programme import roles as R
from plugins.mother_groups.models import CourseVolunteer

# Who may use the routes (``roles=`` of the pages and the API), by the groups of config/authorization.toml.
MANAGERS = "programme_managers"
ATTENDANCE = [MANAGERS, "volunteer"]  # and the course's volunteers, narrowed to their own courses below
REFERRERS = [MANAGERS, "municipal_staff"]  # and the health visitors, who see only their own referrals
# Those who manage the whole programme in the tenant, for the finer checks below.
PROGRAMME_MANAGERS = role_group(MANAGERS)
__all__ = [
    "ATTENDANCE",
    "MANAGERS",
    "PROGRAMME_MANAGERS",
    "REFERRERS",
    "get_or_404",
    "manages",
    "principal",
    "require_course_access",
    "volunteer_course_ids",
]


def principal() -> Principal:
    found = current_principal()
    if found is None:
        abort(401)
    return found


def manages(p: Principal) -> bool:
    """Partner staff and administrators manage the whole programme in the tenant."""
    return bool(PROGRAMME_MANAGERS.intersection(p.roles)) or p.api_client_id is not None


def volunteer_course_ids(p: Principal) -> set[int]:
    """The courses a signed-in volunteer serves (matched by her log-in identity)."""
    volunteer = current_volunteer() if p.user_id is not None else None
    if volunteer is None:
        return set()
    return set(db.session.scalars(select(CourseVolunteer.course_id).where(CourseVolunteer.volunteer_id == volunteer.id)))


def require_course_access(course_id: int) -> None:
    """Managers see every course; a volunteer only hers (others look missing: 404)."""
    p = principal()
    if manages(p):
        return
    if R.VOLUNTEER in p.roles and course_id in volunteer_course_ids(p):
        return
    abort(404)
