"""Governance of the partnership: joint meetings, milestones and evaluations.

One page lists the three and holds a form for each; every form posts to its
own URL and, when invalid, renders the page again with status 422 and that
form's errors, having written nothing. Core mounts the blueprint under
``/<tenant>/mother_groups/`` and answers 404 where the programme is off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from core.programme import PageBlueprint, copenhagen_today, current_principal, db, form_errors, form_fields, load_form, role_group
from plugins.mother_groups.governance_schemas import (
    EVALUATION_KIND_LABELS,
    MILESTONE_STATUS_LABELS,
    EvaluationSchema,
    JointMeetingSchema,
    MilestoneSchema,
    MilestoneStatusSchema,
)
from plugins.mother_groups.models import Evaluation, JointMeeting, Milestone

bp = PageBlueprint("mother_groups_governance", __name__)
# The agreement's parties read the governance page; those who run the programme write on it.
READERS = "agreement_parties"
WRITERS = "programme_managers"

_FORMS = {"meeting": JointMeetingSchema, "milestone": MilestoneSchema, "evaluation": EvaluationSchema}
_EMPTY_FORM_VALUES = {"milestone": {"status": "open"}}  # a new milestone starts open


def _may_edit() -> bool:
    """Whether the signed-in person may post the forms (read-only roles see the lists only)."""
    principal = current_principal()
    return principal is not None and bool(role_group(WRITERS).intersection(principal.roles))


def is_overdue(milestone: Milestone, today: date) -> bool:
    return milestone.status != "done" and milestone.due_on < today


def _status_form(milestone: Milestone, failed_milestone: int | None, errors: dict[str, Any] | None) -> list[Any]:
    """The small status form of one milestone: its current values, or the refused input and errors."""
    if milestone.id == failed_milestone:
        return form_fields(MilestoneStatusSchema(), request.form, errors)
    values = {"status": milestone.status, "done_on": milestone.done_on.isoformat() if milestone.done_on else ""}
    return form_fields(MilestoneStatusSchema(), values)


def _render(failed: str | None = None, errors: dict[str, Any] | None = None, failed_milestone: int | None = None):
    """The page; ``failed`` names the create form (or ``failed_milestone`` the status form)
    that was just refused, shown with its input and errors."""
    today = copenhagen_today()
    forms = {}
    for name, schema_class in _FORMS.items():
        mine = name == failed
        schema = schema_class()
        forms[name] = {
            "fields": form_fields(schema, request.form if mine else _EMPTY_FORM_VALUES.get(name), errors if mine else None),
            "errors": form_errors(errors or {}) if mine else [],
        }
    meetings = db.session.scalars(select(JointMeeting).order_by(JointMeeting.held_on.desc(), JointMeeting.id.desc())).all()
    milestones = db.session.scalars(select(Milestone).order_by(Milestone.due_on, Milestone.id)).all()
    evaluations = db.session.scalars(select(Evaluation).order_by(Evaluation.held_on.desc(), Evaluation.id.desc())).all()
    return render_template(
        "mother_groups/governance.html",
        forms=forms,
        meetings=meetings,
        milestones=[
            {"milestone": m, "overdue": is_overdue(m, today), "fields": _status_form(m, failed_milestone, errors)} for m in milestones
        ],
        evaluations=evaluations,
        # str() translates the labels now, in the request's language.
        status_labels={k: str(v) for k, v in MILESTONE_STATUS_LABELS.items()},
        kind_labels={k: str(v) for k, v in EVALUATION_KIND_LABELS.items()},
        may_edit=_may_edit(),
    )


def _create(form: str, build: Callable[[dict[str, Any]], Any]):
    data, errors = load_form(_FORMS[form](), request.form)
    if data is None:
        return _render(form, errors), 422
    db.session.add(build(data))
    return redirect(url_for("mother_groups_governance.index"), 303)


def _with_done_date(data: dict[str, Any]) -> dict[str, Any]:
    # Marking a milestone done without a date means done today; reopening it clears the date.
    if data["status"] == "done":
        return {**data, "done_on": data.get("done_on") or copenhagen_today()}
    return {**data, "done_on": None}


@bp.get("/governance/", roles=READERS)
def index():
    return _render()


@bp.post("/governance/meetings", roles=WRITERS)
def create_meeting():
    return _create("meeting", lambda d: JointMeeting(**d))


@bp.post("/governance/milestones", roles=WRITERS)
def create_milestone():
    return _create("milestone", lambda d: Milestone(**_with_done_date(d)))


@bp.post("/governance/evaluations", roles=WRITERS)
def create_evaluation():
    return _create("evaluation", lambda d: Evaluation(**d))


@bp.post("/governance/milestones/<int:milestone_id>", roles=WRITERS)
def update_milestone(milestone_id: int):
    # Look up before validating: another tenant's id answers 404 like a missing one.
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    data, errors = load_form(MilestoneStatusSchema(), request.form)
    if data is None:
        return _render(errors=errors, failed_milestone=milestone.id), 422
    data = _with_done_date(data)
    milestone.status, milestone.done_on = data["status"], data["done_on"]
    return redirect(url_for("mother_groups_governance.index", _anchor=f"milestone-{milestone.id}"), 303)
