"""The volunteer registry's JSON API (core registers ``blp`` under ``/<tenant>/api/v1``).

A PUT replaces the whole record with the same schema as a create. The item
routes look the volunteer up before the body is parsed, so another tenant's
id, or (for an organisation's staff and API clients) another organisation's,
answers 404 exactly like a missing one, never 422. Lists and items go through
``core.volunteers.visible_volunteers``, the same helper as the pages.

A volunteer is shown with ``organisation_id`` and ``organisation`` (slug
and name). Partner staff leave ``organisation_id`` out (it is their own);
the municipality names one of the organisations party to its agreements.
"""

from __future__ import annotations

from flask import abort, request

from core.api.pagination import Blueprint, page_of
from core.audit import record
from core.db import db
from core.volunteers import find_volunteer, visible_volunteers
from core.volunteers.models import Volunteer
from core.volunteers.schemas import VolunteerSchema

blp = Blueprint("volunteers_api", __name__, description="The volunteer registry")


@blp.before_request
def _find_volunteer() -> None:
    # Runs after the tenant is resolved and the request authorized, before
    # flask-smorest parses the body.
    volunteer_id = (request.view_args or {}).get("volunteer_id")
    if volunteer_id is not None and find_volunteer(volunteer_id) is None:
        abort(404)


@blp.route("/volunteers")
@blp.response(200, VolunteerSchema(many=True))
@blp.paginate()
def list_volunteers(pagination_parameters):
    """The tenant's volunteers (an organisation's staff and API clients: only their organisation's), by name."""
    volunteers = page_of(visible_volunteers().order_by(Volunteer.name, Volunteer.id), pagination_parameters)
    record("search", criterion="volunteer list", subjects=[f"volunteer:{v.id}" for v in volunteers])
    return volunteers


@blp.route("/volunteers", methods=["POST"])
@blp.arguments(VolunteerSchema)
@blp.response(201, VolunteerSchema)
def create_volunteer(data):
    """Register a volunteer (of the caller's own organisation, or, for the municipality, of the organisation named)."""
    volunteer = Volunteer(**data)
    db.session.add(volunteer)
    db.session.flush()  # its id; core commits the request
    record("create", subject=f"volunteer:{volunteer.id}")
    return volunteer


@blp.route("/volunteers/<int:volunteer_id>")
@blp.response(200, VolunteerSchema)
@blp.alt_response(404, description="No such volunteer in this tenant")
def get_volunteer(volunteer_id: int):
    """One volunteer."""
    volunteer = find_volunteer(volunteer_id)
    if volunteer is None:
        abort(404)
    record("view", subject=f"volunteer:{volunteer.id}")
    return volunteer


@blp.route("/volunteers/<int:volunteer_id>", methods=["PUT"])
@blp.arguments(VolunteerSchema)
@blp.response(200, VolunteerSchema)
@blp.alt_response(404, description="No such volunteer in this tenant")
def replace_volunteer(data, volunteer_id: int):
    """Replace every field of a volunteer (fields left out become empty; partner staff keep their organisation)."""
    volunteer = find_volunteer(volunteer_id)
    if volunteer is None:
        abort(404)
    for name, value in data.items():
        setattr(volunteer, name, value)
    db.session.flush()  # the answer shows the row as written
    record("change", subject=f"volunteer:{volunteer.id}")
    return volunteer
