"""The association's activities for families and its grant applications.

- ``/activities/``: the activities, newest first, with their kind, the number
  of families and children (counts only: no family is named), what funded
  them and their cost; a form records one. An activity funded by a grant
  names one of the tenant's granted grants; funded by the shop's surplus it
  names none (a grant chosen anyway is dropped).
- ``/grants/``: the grant applications with their status; a form records
  one, and ``/grants/<id>`` updates one (the page shows its form with
  ``?edit=<id>``). A grant not yet reported on (and not rejected) whose
  reporting deadline is within ``DUE_SOON_DAYS`` days is flagged "due soon",
  one whose deadline has passed "overdue".

An invalid form renders the page again with status 422 and its errors,
having written nothing. Another tenant's grant id answers 404 exactly like a
missing one: the ORM filters to the tenant in context, so the row is simply
not found. Partner staff and administrators use these pages; municipal staff
get 403 (they see the reports). Core mounts the blueprint under
``/<tenant>/volunteer_association/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import func, select

from core.programme import N_, PageBlueprint, Volunteer, copenhagen_today, db, form_errors, form_fields, load_form, paginate, parse_id
from plugins.volunteer_association.activity_schemas import (
    FUNDING_LABELS,
    GRANT_STATUS_LABELS,
    KIND_LABELS,
    ActivitySchema,
    GrantSchema,
)
from plugins.volunteer_association.models import (
    Activity,
    ActivityVolunteer,
    GrantApplication,
)
from plugins.volunteer_association.organisation import of_running_organisation

bp = PageBlueprint("volunteer_association_activities", __name__)

DUE_SOON_DAYS = 30
# Grants still owing a report: a rejected grant has none, a reported one has made it.
OPEN_STATUSES = ("draft", "submitted", "granted")
UNKNOWN_CHOICE = N_("Choose one of the options.")


# --- Reporting deadlines -----------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFlag:
    grant_id: int
    funder: str
    deadline: date
    status: str  # "overdue" or "due_soon"
    days_left: int  # negative when overdue


def deadline_status(deadline: date | None, grant_status: str, today: date) -> str | None:
    """ "overdue", "due_soon" (within DUE_SOON_DAYS days, today included) or None."""
    if deadline is None or grant_status not in OPEN_STATUSES:
        return None
    if deadline < today:
        return "overdue"
    if deadline <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return None


def deadline_flags(today: date) -> list[DeadlineFlag]:
    """The tenant's grants with an overdue or soon reporting deadline, earliest first."""
    rows = db.session.execute(
        select(GrantApplication.id, GrantApplication.funder, GrantApplication.reporting_deadline, GrantApplication.status)
        .where(
            GrantApplication.reporting_deadline.is_not(None),
            GrantApplication.reporting_deadline <= today + timedelta(days=DUE_SOON_DAYS),
            GrantApplication.status.in_(OPEN_STATUSES),
        )
        .order_by(GrantApplication.reporting_deadline, GrantApplication.id)
    ).all()
    return [
        DeadlineFlag(gid, funder, deadline, flag, (deadline - today).days)
        for gid, funder, deadline, status in rows
        # Always true for the rows selected (open, with a deadline due soon); narrows the types.
        if deadline is not None and (flag := deadline_status(deadline, status, today)) is not None
    ]


# --- Shared ---------------------------------------------------------------------------


def _labels(labels: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in labels.items()}  # translated now, in the request's language


def _granted_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(GrantApplication.id, GrantApplication.funder, GrantApplication.purpose)
        .where(GrantApplication.status == "granted")
        .order_by(GrantApplication.funder, GrantApplication.id)
    ).all()
    return [(gid, f"{funder}: {purpose}" if purpose else funder) for gid, funder, purpose in rows]


def _volunteer_choices() -> list[tuple[int, str]]:
    """The volunteers of the organisations running the association here (the agreement's parties)."""
    return [
        (vid, name)
        for vid, name in db.session.execute(
            select(Volunteer.id, Volunteer.name).where(of_running_organisation()).order_by(Volunteer.name, Volunteer.id)
        )
    ]


# --- Activities -------------------------------------------------------------------------


def _load_activity(formdata: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The form's data, with the grant checked to be the tenant's own and the volunteers the running organisation's."""
    data, errors = load_form(ActivitySchema(), formdata)
    if data is None:
        return None, errors
    if data["funding"] != "grant":
        data["grant_id"] = None
    elif (
        db.session.scalar(select(GrantApplication.id).where(GrantApplication.id == data["grant_id"], GrantApplication.status == "granted"))
        is None
    ):
        return None, {"grant": [str(UNKNOWN_CHOICE)]}
    wanted = set(data["volunteer_ids"])
    if wanted:
        found = set(db.session.scalars(select(Volunteer.id).where(Volunteer.id.in_(wanted), of_running_organisation())))
        if found != wanted:
            return None, {"volunteers": [str(UNKNOWN_CHOICE)]}
    data["volunteer_ids"] = sorted(wanted)
    return data, {}


def _activity_fields(errors: dict[str, Any] | None):
    fields = form_fields(
        ActivitySchema(),
        request.form if errors is not None else None,
        errors,
        choices={"grant": _granted_choices(), "volunteers": _volunteer_choices()},
    )
    for f in fields:
        if f.name == "volunteers":
            f.input_type = "checkboxes"  # a dynamic choice list is a select by default
            f.value = [str(v) for v in (f.value or [])]
    return fields


def _render_activities(errors: dict[str, Any] | None = None):
    paged = paginate(select(Activity).order_by(Activity.day.desc(), Activity.id.desc()))
    activities = paged.items
    # Counted for the page's activities only; an empty IN list is still one statement.
    volunteer_counts = dict(
        db.session.execute(
            select(ActivityVolunteer.activity_id, func.count(ActivityVolunteer.id))
            .where(ActivityVolunteer.activity_id.in_([a.id for a in activities]))
            .group_by(ActivityVolunteer.activity_id)
        ).all()
    )
    grant_ids = {a.grant_id for a in activities if a.grant_id is not None}
    funders = (
        dict(db.session.execute(select(GrantApplication.id, GrantApplication.funder).where(GrantApplication.id.in_(grant_ids))).all())
        if grant_ids
        else {}
    )
    return render_template(
        "volunteer_association/activities.html",
        activities=activities,
        paged=paged,
        volunteer_counts=volunteer_counts,
        funders=funders,
        kind_labels=_labels(KIND_LABELS),
        funding_labels=_labels(FUNDING_LABELS),
        fields=_activity_fields(errors),
        general_errors=form_errors(errors or {}),
    )


@bp.get("/activities/", roles=["programme_managers"])
def activities():
    return _render_activities()


@bp.post("/activities/", roles=["programme_managers"])
def create_activity():
    data, errors = _load_activity(request.form)
    if data is None:
        return _render_activities(errors), 422
    volunteer_ids = data.pop("volunteer_ids")
    activity = Activity(**data)
    db.session.add(activity)
    db.session.flush()
    db.session.add_all(ActivityVolunteer(activity_id=activity.id, volunteer_id=v) for v in volunteer_ids)
    return redirect(url_for("volunteer_association_activities.activities"), 303)


# --- Grants -----------------------------------------------------------------------------


def _get_grant_or_404(grant_id: int) -> GrantApplication:
    grant = db.session.get(GrantApplication, grant_id)
    if grant is None:
        abort(404)
    return grant


def _grant_values(grant: GrantApplication) -> dict[str, str]:
    def text(value: Any) -> str:
        return "" if value is None else (value.isoformat() if isinstance(value, date) else str(value))

    return {
        "funder": grant.funder,
        "purpose": text(grant.purpose),
        "amount_applied": text(grant.amount_applied),
        "applied_on": text(grant.applied_on),
        "status": grant.status,
        "amount_granted": text(grant.amount_granted),
        "reporting_deadline": text(grant.reporting_deadline),
    }


def _render_grants(errors: dict[str, Any] | None = None, editing: GrantApplication | None = None):
    today = copenhagen_today()
    paged = paginate(select(GrantApplication).order_by(GrantApplication.applied_on.desc().nulls_last(), GrantApplication.id.desc()))
    grants = paged.items
    values: Mapping[str, Any] | None
    if editing is not None:
        values = request.form if errors is not None else _grant_values(editing)
    else:
        values = request.form if errors is not None else None
    return render_template(
        "volunteer_association/grants.html",
        grants=grants,
        paged=paged,
        flags={g.id: deadline_status(g.reporting_deadline, g.status, today) for g in grants},
        deadline_flags=deadline_flags(today),
        status_labels=_labels(GRANT_STATUS_LABELS),
        editing=editing,
        fields=form_fields(GrantSchema(), values, errors),
        general_errors=form_errors(errors or {}),
        due_soon_days=DUE_SOON_DAYS,
    )


@bp.get("/grants/", roles=["programme_managers"])
def grants():
    edit = request.args.get("edit", "")
    editing = None
    if edit:
        grant_id = parse_id(edit)
        if grant_id is None:
            abort(404)
        editing = _get_grant_or_404(grant_id)
    return _render_grants(editing=editing)


@bp.post("/grants/", roles=["programme_managers"])
def create_grant():
    data, errors = load_form(GrantSchema(), request.form)
    if data is None:
        return _render_grants(errors), 422
    db.session.add(GrantApplication(**data))
    return redirect(url_for("volunteer_association_activities.grants"), 303)


@bp.post("/grants/<int:grant_id>", roles=["programme_managers"])
def update_grant(grant_id: int):
    # Look up before validating: another tenant's id answers 404 like a missing one, never 422.
    grant = _get_grant_or_404(grant_id)
    data, errors = load_form(GrantSchema(), request.form)
    if data is None:
        return _render_grants(errors, editing=grant), 422
    for name, value in data.items():
        setattr(grant, name, value)
    return redirect(url_for("volunteer_association_activities.grants"), 303)
