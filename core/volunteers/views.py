"""The volunteer registry's pages: the list with each volunteer's status, and one volunteer.

Forms come from ``VolunteerSchema`` (core.web.forms). Invalid input renders
the same page again with the errors per field and status 422; nothing is
written. A volunteer of another tenant, or (for an organisation's staff) of
another organisation, is not found, exactly like a missing id: every lookup
goes through ``core.volunteers.visible_volunteers`` on the tenant-scoped
session. An organisation's staff see no organisation field (the volunteer is
their organisation's); administrators choose one from a select.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.audit import record
from core.calendar import copenhagen_today
from core.db import db
from core.i18n import format_day
from core.volunteers import find_volunteer, narrowed_to_organisation, visible_volunteers
from core.volunteers.models import Volunteer, VolunteerReminder
from core.volunteers.schemas import VolunteerSchema, organisation_choices
from core.web.forms import form_errors, form_fields, load_form
from core.web.pagination import contains, paginate, search_text

bp = Blueprint("volunteers", __name__)


@dataclass(frozen=True)
class Status:
    """One cell of the status columns: a label and whether it blocks work with children."""

    label: str
    ok: bool


def certificate_status(volunteer: Volunteer, today: date) -> Status:
    until = volunteer.certificate_valid_until
    if volunteer.certificate_result == "approved" and until is not None:
        if volunteer.certificate_valid_on(today):
            return Status(_("Valid until %(day)s", day=format_day(until)), True)
        return Status(_("Expired %(day)s", day=format_day(until)), False)
    if volunteer.certificate_result == "rejected":
        return Status(_("Rejected"), False)
    if volunteer.certificate_result == "remarks":
        return Status(_("With remarks"), False)
    if volunteer.certificate_requested_on is not None:
        return Status(_("Requested %(day)s", day=format_day(volunteer.certificate_requested_on)), False)
    return Status(_("Missing"), False)


def insurance_status(volunteer: Volunteer, today: date) -> Status:
    if volunteer.insured_on(today):
        if volunteer.insured_until is None:
            return Status(_("Insured"), True)
        return Status(_("Insured until %(day)s", day=format_day(volunteer.insured_until)), True)
    if volunteer.insured_from is not None and volunteer.insured_from > today:
        return Status(_("Insured from %(day)s", day=format_day(volunteer.insured_from)), False)
    if volunteer.insured_until is not None and volunteer.insured_until < today:
        return Status(_("Expired %(day)s", day=format_day(volunteer.insured_until)), False)
    return Status(_("Not insured"), False)


def training_status(volunteer: Volunteer, today: date) -> Status:
    if volunteer.training_completed_on is not None and volunteer.training_completed_on <= today:
        return Status(_("Completed %(day)s", day=format_day(volunteer.training_completed_on)), True)
    return Status(_("Not completed"), False)


def _row(volunteer: Volunteer, today: date) -> dict[str, Any]:
    return {
        "volunteer": volunteer,
        "certificate": certificate_status(volunteer, today),
        "insurance": insurance_status(volunteer, today),
        "training": training_status(volunteer, today),
        "ready": volunteer.ready_on(today),
    }


def _form_values(volunteer: Volunteer) -> dict[str, Any]:
    # Inputs show "" for an empty value, never the text "None".
    return {k: ("" if v is None else v) for k, v in VolunteerSchema().dump(volunteer).items()}


def _load_volunteer(volunteer_id: int) -> Volunteer:
    volunteer = find_volunteer(volunteer_id)
    if volunteer is None:  # missing, another tenant's or another organisation's: the same 404
        abort(404)
    return volunteer


def _form(values: Any, errors: dict[str, Any] | None, keep: int | None = None) -> tuple[list[Any], list[str]]:
    """The form's fields and general errors: the organisation is a select for administrators, absent for an organisation's staff."""
    errors = dict(errors or {})
    narrowed, _own = narrowed_to_organisation()
    if narrowed:
        # Only a hand-made request names an organisation here; its error goes to the top.
        if "organisation_id" in errors:
            errors["_schema"] = [*errors.get("_schema", []), *errors.pop("organisation_id")]
        fields = form_fields(VolunteerSchema(exclude=("organisation_id",)), values, errors)
    else:
        fields = form_fields(VolunteerSchema(), values, errors, {"organisation_id": organisation_choices(keep=keep)})
        for f in fields:
            if f.name == "organisation_id":
                f.required = True  # for administrators; an organisation's staff never choose
    return fields, form_errors(errors)


def _render_index(values: Any = None, errors: dict[str, Any] | None = None):
    today = copenhagen_today()
    query = visible_volunteers().order_by(Volunteer.name, Volunteer.id)
    wanted = search_text()
    if wanted:
        query = query.where(contains(Volunteer.name, wanted))
    paged = paginate(query)
    volunteers = paged.items
    # The persons shown on this page, never the search text (a name) itself.
    record(
        "search",
        criterion="volunteer list, name search" if wanted else "volunteer list",
        subjects=[f"volunteer:{v.id}" for v in volunteers],
    )
    fields, general_errors = _form(values, errors)
    return render_template(
        "volunteers/index.html",
        rows=[_row(v, today) for v in volunteers],
        paged=paged,
        wanted=wanted,
        fields=fields,
        general_errors=general_errors,
    )


def _render_show(volunteer: Volunteer, values: Any = None, errors: dict[str, Any] | None = None):
    reminders = db.session.scalars(
        select(VolunteerReminder)
        .where(VolunteerReminder.volunteer_id == volunteer.id, VolunteerReminder.acknowledged_at.is_(None))
        .order_by(VolunteerReminder.expires_on, VolunteerReminder.days_before)
    ).all()
    fields, general_errors = _form(values if values is not None else _form_values(volunteer), errors, keep=volunteer.organisation_id)
    return render_template(
        "volunteers/show.html",
        volunteer=volunteer,
        status=_row(volunteer, copenhagen_today()),
        reminders=reminders,
        fields=fields,
        general_errors=general_errors,
    )


@bp.get("/<tenant>/volunteers/")
def index():
    return _render_index()


@bp.post("/<tenant>/volunteers/")
def create():
    data, errors = load_form(VolunteerSchema(), request.form)
    if data is None:
        return _render_index(request.form, errors), 422
    volunteer = Volunteer(**data)
    db.session.add(volunteer)
    db.session.flush()  # its id, for the redirect; core commits the request
    record("create", subject=f"volunteer:{volunteer.id}")
    return redirect(url_for("volunteers.show", volunteer_id=volunteer.id), 303)


@bp.get("/<tenant>/volunteers/<int:volunteer_id>")
def show(volunteer_id: int):
    volunteer = _load_volunteer(volunteer_id)
    record("view", subject=f"volunteer:{volunteer.id}")
    return _render_show(volunteer)


@bp.post("/<tenant>/volunteers/<int:volunteer_id>")
def update(volunteer_id: int):
    # Look up before validating: a foreign id must answer 404, never 422.
    volunteer = _load_volunteer(volunteer_id)
    data, errors = load_form(VolunteerSchema(), request.form)
    if data is None:
        return _render_show(volunteer, request.form, errors), 422
    for name, value in data.items():
        setattr(volunteer, name, value)
    record("change", subject=f"volunteer:{volunteer.id}")
    return redirect(url_for("volunteers.show", volunteer_id=volunteer.id), 303)
