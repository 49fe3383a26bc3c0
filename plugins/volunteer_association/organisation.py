"""Who runs the association in the tenant in context: the covering agreement's parties.

The association's volunteers are those of the organisations party to the
agreement covering the programme here; another organisation's volunteers in
the same tenant (say, of the mother groups) are not offered, nor accepted.
"""

from __future__ import annotations

from typing import Any

from core.programme import Volunteer, organisations_of_programme

KEY = "volunteer_association"


def running_organisation_ids() -> set[int]:
    return {o.id for o in organisations_of_programme(KEY)}


def of_running_organisation(ids: set[int] | None = None) -> Any:
    """A ``WHERE`` condition: the volunteer belongs to an organisation running the association here."""
    return Volunteer.organisation_id.in_((running_organisation_ids() if ids is None else ids) or {-1})
