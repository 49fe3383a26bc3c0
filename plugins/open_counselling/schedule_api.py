"""JSON API: offices, opening hours and closures. Under /<tenant>/api/v1/open_counselling/.

The same rules as the opening-hours page (``schedule_views.py``): read by
whoever reads that page (the municipality too: there is no personal data
here, so nothing is audited), written by its managers. The same checks as
the page's forms: the office must be the tenant's own, hours may not overlap
hours of the same office and day, an office is closed at most once a day;
each refusal is a 422 naming the field. ``/closures`` lists what the page
lists: the next 12 months' closed days, the agreement's fixed ones (every
office) and the ad-hoc ones. An item route looks the row up before anything
else, so another tenant's id answers 404 exactly like a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import request
from flask_smorest import abort as smorest_abort
from sqlalchemy import select

from core.programme import N_, ApiBlueprint, db, get_or_404, page_of, page_of_list
from plugins.open_counselling import schedule_views as page
from plugins.open_counselling.models import Closure, Office, OpeningHours
from plugins.open_counselling.schedule import next_closures
from plugins.open_counselling.schedule_schemas import (
    ClosureApiSchema,
    OfficeApiSchema,
    OpeningHoursApiSchema,
    UpcomingClosureSchema,
)

blp = ApiBlueprint("open_counselling_schedule_api", __name__, description="Opening hours and closures of the open counselling")
OVERLAPPING_HOURS = N_("These hours overlap hours already recorded for that day.")
ALREADY_CLOSED = N_("The office is already closed that day.")
_ITEMS = {"office_id": Office, "hours_id": OpeningHours, "closure_id": Closure}


@blp.before_request
def _find_item() -> None:
    for name, value in (request.view_args or {}).items():
        if name in _ITEMS:
            get_or_404(_ITEMS[name], value)


def _refuse(field: str, message: Any) -> None:
    smorest_abort(422, errors={"json": {field: [str(message)]}})


def _own_office(data: dict[str, Any]) -> None:
    if db.session.get(Office, data["office_id"]) is None:
        _refuse("office_id", page.NOT_AN_OFFICE)


def _office_out(office: Office, hours: list[OpeningHours]) -> dict[str, Any]:
    return {
        "id": office.id,
        "name": office.name,
        "address": office.address,
        "phone": office.phone,
        "phone_counselling": office.phone_counselling,
        "hours": hours,
    }


def _hours_of(office_ids: list[int]) -> dict[int, list[OpeningHours]]:
    """The weekly hours of these offices, in one query."""
    grouped: dict[int, list[OpeningHours]] = defaultdict(list)
    if office_ids:
        query = select(OpeningHours).where(OpeningHours.office_id.in_(office_ids))
        for row in db.session.scalars(query.order_by(OpeningHours.weekday, OpeningHours.opens, OpeningHours.id)):
            grouped[row.office_id].append(row)
    return grouped


# --- offices -----------------------------------------------------------------------------------


@blp.route("/offices", roles=["agreement_parties"])
@blp.response(200, OfficeApiSchema(many=True))
@blp.paginate()
def list_offices(pagination_parameters):
    """The offices with their weekly hours, by name."""
    offices = page_of(select(Office).order_by(Office.name, Office.id), pagination_parameters)
    hours = _hours_of([o.id for o in offices])
    return [_office_out(o, hours.get(o.id, [])) for o in offices]


@blp.route("/offices", methods=["POST"], roles=["programme_managers"])
@blp.arguments(OfficeApiSchema)
@blp.response(201, OfficeApiSchema)
def create_office(data):
    office = Office(**data)
    db.session.add(office)
    db.session.flush()  # its id, for the answer
    return _office_out(office, [])


@blp.route("/offices/<int:office_id>", roles=["agreement_parties"])
@blp.response(200, OfficeApiSchema)
@blp.alt_response(404, description="No such office in this tenant")
def get_office(office_id: int):
    office = get_or_404(Office, office_id)
    return _office_out(office, _hours_of([office.id]).get(office.id, []))


# --- weekly hours --------------------------------------------------------------------------------


@blp.route("/hours", roles=["agreement_parties"])
@blp.response(200, OpeningHoursApiSchema(many=True))
@blp.paginate()
def list_hours(pagination_parameters):
    """Every office's weekly hours, by office, weekday and time."""
    query = select(OpeningHours).order_by(OpeningHours.office_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.id)
    return page_of(query, pagination_parameters)


@blp.route("/hours", methods=["POST"], roles=["programme_managers"])
@blp.arguments(OpeningHoursApiSchema)
@blp.response(201, OpeningHoursApiSchema)
def add_hours(data):
    """Add weekly hours to an office; they may not overlap its hours that day."""
    _own_office(data)
    if page._overlaps(data["office_id"], data["weekday"], data["opens"], data["closes"]):
        _refuse("opens", OVERLAPPING_HOURS)
    hours = OpeningHours(**data)
    db.session.add(hours)
    db.session.flush()
    return hours


@blp.route("/hours/<int:hours_id>", methods=["DELETE"], roles=["programme_managers"])
@blp.response(204)
@blp.alt_response(404, description="No such opening hours in this tenant")
def delete_hours(hours_id: int):
    db.session.delete(get_or_404(OpeningHours, hours_id))


# --- closures ------------------------------------------------------------------------------------


@blp.route("/closures", roles=["agreement_parties"])
@blp.response(200, UpcomingClosureSchema(many=True))
@blp.paginate()
def list_closures(pagination_parameters):
    """The closed days of the next 12 months, soonest first: the agreement's (every office) and the ad-hoc ones."""
    today = page._today()
    upcoming = [c for c in next_closures(page._fixed(today), page._adhoc_from(today), today) if c.day < today + page.HORIZON]
    return [
        {"day": c.day, "reason": c.reason, "notice": c.notice, "fixed": c.fixed, "office_id": c.office_id, "closure_id": c.closure_id}
        for c in page_of_list(upcoming, pagination_parameters)
    ]


@blp.route("/closures", methods=["POST"], roles=["programme_managers"])
@blp.arguments(ClosureApiSchema)
@blp.response(201, ClosureApiSchema)
def add_closure(data):
    """Close an office for a day (shown on the public page and in the calendar feed)."""
    _own_office(data)
    if db.session.scalar(select(Closure.id).where(Closure.office_id == data["office_id"], Closure.day == data["day"]).limit(1)) is not None:
        _refuse("day", ALREADY_CLOSED)
    closure = Closure(**data)
    db.session.add(closure)
    db.session.flush()  # its id; a concurrent duplicate is refused here, as a 409
    return closure


@blp.route("/closures/<int:closure_id>", methods=["DELETE"], roles=["programme_managers"])
@blp.response(204)
@blp.alt_response(404, description="No such closure in this tenant")
def delete_closure(closure_id: int):
    db.session.delete(get_or_404(Closure, closure_id))
