"""Who runs the association in the tenant in context, and who manages it.

The association's volunteers are those of the organisations party to the
agreement covering the programme here; another organisation's volunteers in
the same tenant (say, of the mother groups) are not offered, nor accepted.
The routes name their roles themselves (``config/authorization.toml``'s
groups); the views' finer checks use the constants here.
"""

from __future__ import annotations

from typing import Any

from core.programme import Volunteer, current_principal, organisations_of_programme, role_group
from core.programme import roles as R

KEY = "volunteer_association"
# Those who run the roster, the shop, the activities and the grants.
MANAGERS = role_group("programme_managers")
# The shifts' pages and API: the managers and the volunteers who work the shifts.
ON_SHIFTS = ["programme_managers", R.VOLUNTEER]


def manages() -> bool:
    """The signed-in person manages the association (as opposed to a volunteer on a shift)."""
    principal = current_principal()
    return bool(principal and MANAGERS.intersection(principal.roles))


def running_organisation_ids() -> set[int]:
    return {o.id for o in organisations_of_programme(KEY)}


def of_running_organisation(ids: set[int] | None = None) -> Any:
    """A ``WHERE`` condition: the volunteer belongs to an organisation running the association here."""
    return Volunteer.organisation_id.in_((running_organisation_ids() if ids is None else ids) or {-1})
