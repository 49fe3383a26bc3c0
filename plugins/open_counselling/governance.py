"""Governance of the partnership: steering- and follow-group meetings, and the annual review.

The agreement (Mødrehjælpen and Fredericia Kommune) sets up a steering group
meeting half-yearly (strategic) and a follow group meeting quarterly
(operational), and has the agreement reviewed once a year before the end of
the second quarter. The page lists the meetings of both groups, holds a form
to record one, and shows:

- the annual review, dated 30 June of the current year, as
  ``done`` ("done this year") when a steering-group meeting was held between
  1 January and 30 June of this year (the review is the steering group's
  business, so such a meeting counts as the review; its minutes are not
  read), else ``due`` until 30 June and ``overdue`` after;
- a flag when the last follow-group meeting is more than 3 months ago, or the
  last steering-group meeting more than 6 months ago (or none is recorded).
  "More than n months": held before the same day n months back (a day that
  month lacks becomes its last day), so exactly n months ago is not flagged.

Only meetings held on or before today count; a meeting recorded with a later
date is a planned one and is listed, but does not satisfy a rule.

An invalid form renders the page again with status 422 and its errors,
having written nothing. Core mounts the blueprint under
``/<tenant>/open_counselling/`` and answers 404 where the programme is off.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import func, select

from core.db import db
from core.identity.authz import allowed_roles
from core.identity.sessions import current_principal
from core.web.forms import form_errors, form_fields, load_form
from plugins.open_counselling.governance_schemas import (
    MEETING_KIND_LABELS,
    MeetingSchema,
)
from plugins.open_counselling.models import GovernanceMeeting

bp = Blueprint("open_counselling_governance", __name__, template_folder="templates")

_PREFIX = "/<tenant>/open_counselling"
_READERS = ["tenant_admin", "municipal_staff", "partner_staff", "platform_admin"]
_WRITERS = ["tenant_admin", "partner_staff", "platform_admin"]
AUTHORIZATION: dict[str, dict[str, list[str]]] = {
    f"{_PREFIX}/governance/": {"GET": _READERS},
    f"{_PREFIX}/governance/meetings": {"POST": _WRITERS},
}

REVIEW_DEADLINE = (6, 30)  # the agreement is reviewed before the end of Q2
MEETING_INTERVAL_MONTHS = {"steering": 6, "follow": 3}


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier; a day the month lacks becomes its last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Review:
    deadline: date
    status: str  # "done", "due" or "overdue"
    held_on: date | None  # the steering-group meeting that counts as the review


def review_status(steering_held: list[date], today: date) -> Review:
    """The annual review of the agreement in ``today``'s year (see the module's rule)."""
    deadline = date(today.year, *REVIEW_DEADLINE)
    window = [d for d in steering_held if date(today.year, 1, 1) <= d <= min(deadline, today)]
    if window:
        return Review(deadline, "done", max(window))
    return Review(deadline, "due" if today <= deadline else "overdue", None)


@dataclass(frozen=True)
class GroupFlag:
    kind: str
    last_held: date | None
    months: int
    late: bool


def group_flag(kind: str, last_held: date | None, today: date) -> GroupFlag:
    months = MEETING_INTERVAL_MONTHS[kind]
    late = last_held is None or last_held < months_before(today, months)
    return GroupFlag(kind, last_held, months, late)


def _may_edit() -> bool:
    """Whether the signed-in person may record meetings (municipal staff read only)."""
    principal = current_principal()
    allowed = allowed_roles(f"{_PREFIX}/governance/meetings", "POST") or frozenset()
    return principal is not None and bool(allowed.intersection(principal.roles))


def _render(errors: dict[str, Any] | None = None):
    today = date.today()
    meetings = db.session.scalars(
        select(GovernanceMeeting).order_by(GovernanceMeeting.held_on.desc(), GovernanceMeeting.id.desc())
    ).all()
    # The last held meeting of each group, aggregated in SQL.
    last_held = dict(
        db.session.execute(
            select(GovernanceMeeting.kind, func.max(GovernanceMeeting.held_on))
            .where(GovernanceMeeting.held_on <= today)
            .group_by(GovernanceMeeting.kind)
        ).all()
    )
    steering_this_year = db.session.scalars(
        select(GovernanceMeeting.held_on).where(
            GovernanceMeeting.kind == "steering",
            GovernanceMeeting.held_on >= date(today.year, 1, 1),
            GovernanceMeeting.held_on <= today,
        )
    ).all()
    return render_template(
        "open_counselling/governance.html",
        steering=[m for m in meetings if m.kind == "steering"],
        follow=[m for m in meetings if m.kind == "follow"],
        review=review_status(list(steering_this_year), today),
        flags=[group_flag(kind, last_held.get(kind), today) for kind in ("steering", "follow")],
        kind_labels={k: str(v) for k, v in MEETING_KIND_LABELS.items()},  # translated now, in the request's language
        fields=form_fields(MeetingSchema(), request.form if errors is not None else None, errors),
        general_errors=form_errors(errors or {}),
        may_edit=_may_edit(),
    )


@bp.get("/governance/")
def index():
    return _render()


@bp.post("/governance/meetings")
def create_meeting():
    data, errors = load_form(MeetingSchema(), request.form)
    if data is None:
        return _render(errors), 422
    db.session.add(GovernanceMeeting(**data))
    db.session.commit()
    return redirect(url_for("open_counselling_governance.index"), 303)
