"""JSON API: the association's activities and grant applications. Under /<tenant>/api/v1/volunteer_association/.

The same rules as the pages (``activities.py``): partner staff and
administrators; the municipality gets 403 (it sees the reports). The same
checks as the forms: an activity funded by a grant names one of the tenant's
granted grants (funded by the shop's surplus, a grant given anyway is
dropped), and its volunteers are the running organisation's; each refusal
is a 422 naming the field, and an activity is written with its volunteers in
one transaction. As on the page, an activity shows how many volunteers were
involved, never who, and a grant carries its deadline flag. Nothing here is
person-level data, so, like the pages, nothing is audited. An item route
looks the row up before the body is parsed, so another tenant's id answers
404 exactly like a missing one, never 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_smorest import abort as smorest_abort
from sqlalchemy import func, select

from core.programme import ApiBlueprint, Volunteer, copenhagen_today, db, get_or_404, page_of
from plugins.volunteer_association import activities as pages
from plugins.volunteer_association.activity_schemas import (
    ActivityApiSchema,
    GrantApiSchema,
)
from plugins.volunteer_association.models import (
    Activity,
    ActivityVolunteer,
    GrantApplication,
)
from plugins.volunteer_association.organisation import of_running_organisation

blp = ApiBlueprint("volunteer_association_activities_api", __name__, description="The association's activities and grant applications")
_ITEMS = {"activity_id": Activity, "grant_id": GrantApplication}


@blp.before_request
def _find_item() -> None:
    for name, value in (request.view_args or {}).items():
        if name in _ITEMS:
            get_or_404(_ITEMS[name], value)


def _refuse(field: str) -> None:
    smorest_abort(422, errors={"json": {field: [str(pages.UNKNOWN_CHOICE)]}})


# --- activities ----------------------------------------------------------------------------------


def _activity_out(activity: Activity, volunteer_counts: dict[int, int]) -> dict[str, Any]:
    return {
        "id": activity.id,
        "kind": activity.kind,
        "title": activity.title,
        "day": activity.day,
        "place": activity.place,
        "families": activity.families,
        "children": activity.children,
        "funding": activity.funding,
        "grant_id": activity.grant_id,
        "cost": activity.cost,
        "notes": activity.notes,
        "volunteer_count": volunteer_counts.get(activity.id, 0),
    }


def _volunteer_counts(activity_ids: list[int]) -> dict[int, int]:
    if not activity_ids:
        return {}
    return dict(
        db.session.execute(
            select(ActivityVolunteer.activity_id, func.count(ActivityVolunteer.id))
            .where(ActivityVolunteer.activity_id.in_(activity_ids))
            .group_by(ActivityVolunteer.activity_id)
        ).all()
    )


def _checked_activity(data: dict[str, Any]) -> dict[str, Any]:
    """The body with its references checked, as the page's form is (422 naming the field)."""
    if data["funding"] != "grant":
        data["grant_id"] = None
    elif (
        db.session.scalar(select(GrantApplication.id).where(GrantApplication.id == data["grant_id"], GrantApplication.status == "granted"))
        is None
    ):
        _refuse("grant_id")
    wanted = set(data["volunteer_ids"])
    if wanted and set(db.session.scalars(select(Volunteer.id).where(Volunteer.id.in_(wanted), of_running_organisation()))) != wanted:
        _refuse("volunteer_ids")
    data["volunteer_ids"] = sorted(wanted)
    return data


@blp.route("/activities", roles=["programme_managers"])
@blp.response(200, ActivityApiSchema(many=True))
@blp.paginate()
def list_activities(pagination_parameters):
    """The activities, newest first."""
    rows = page_of(select(Activity).order_by(Activity.day.desc(), Activity.id.desc()), pagination_parameters)
    counts = _volunteer_counts([a.id for a in rows])
    return [_activity_out(a, counts) for a in rows]


@blp.route("/activities", methods=["POST"], roles=["programme_managers"])
@blp.arguments(ActivityApiSchema)
@blp.response(201, ActivityApiSchema)
def create_activity(data):
    """Record an activity with the volunteers involved (all of it or nothing)."""
    volunteer_ids = _checked_activity(data).pop("volunteer_ids")
    activity = Activity(**data)
    db.session.add(activity)
    db.session.flush()
    db.session.add_all(ActivityVolunteer(activity_id=activity.id, volunteer_id=v) for v in volunteer_ids)
    return _activity_out(activity, {activity.id: len(volunteer_ids)})


@blp.route("/activities/<int:activity_id>", roles=["programme_managers"])
@blp.response(200, ActivityApiSchema)
@blp.alt_response(404, description="No such activity in this tenant")
def get_activity(activity_id: int):
    activity = get_or_404(Activity, activity_id)
    return _activity_out(activity, _volunteer_counts([activity.id]))


# --- grants ------------------------------------------------------------------------------------------


def _grant_out(grant: GrantApplication, today: date) -> dict[str, Any]:
    return {
        "id": grant.id,
        "funder": grant.funder,
        "purpose": grant.purpose,
        "amount_applied": grant.amount_applied,
        "applied_on": grant.applied_on,
        "status": grant.status,
        "amount_granted": grant.amount_granted,
        "reporting_deadline": grant.reporting_deadline,
        "deadline_status": pages.deadline_status(grant.reporting_deadline, grant.status, today),
    }


@blp.route("/grants", roles=["programme_managers"])
@blp.response(200, GrantApiSchema(many=True))
@blp.paginate()
def list_grants(pagination_parameters):
    """The grant applications, most recently applied for first, each with its deadline flag."""
    query = select(GrantApplication).order_by(GrantApplication.applied_on.desc().nulls_last(), GrantApplication.id.desc())
    rows = page_of(query, pagination_parameters)
    today = copenhagen_today()
    return [_grant_out(g, today) for g in rows]


@blp.route("/grants", methods=["POST"], roles=["programme_managers"])
@blp.arguments(GrantApiSchema)
@blp.response(201, GrantApiSchema)
def create_grant(data):
    grant = GrantApplication(**data)
    db.session.add(grant)
    db.session.flush()  # its id, for the answer
    return _grant_out(grant, copenhagen_today())


@blp.route("/grants/<int:grant_id>", roles=["programme_managers"])
@blp.response(200, GrantApiSchema)
@blp.alt_response(404, description="No such grant application in this tenant")
def get_grant(grant_id: int):
    return _grant_out(get_or_404(GrantApplication, grant_id), copenhagen_today())


@blp.route("/grants/<int:grant_id>", methods=["PUT"], roles=["programme_managers"])
@blp.arguments(GrantApiSchema)
@blp.response(200, GrantApiSchema)
@blp.alt_response(404, description="No such grant application in this tenant")
def replace_grant(data, grant_id: int):
    """Replace every field of a grant application (e.g. when it is granted or reported on)."""
    grant = get_or_404(GrantApplication, grant_id)
    for name, value in data.items():
        setattr(grant, name, value)
    return _grant_out(grant, copenhagen_today())
