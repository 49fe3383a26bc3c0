"""Governance of the partnership: steering- and follow-group meetings, and the annual review.

What the groups must do is the covering agreement's business, read from its
terms (``agreement_covering("open_counselling").terms``): ``review`` (e.g.
once a year before 30 June, Fredericia) and ``governance`` (e.g. a steering
group half-yearly and a follow group quarterly). The page lists the meetings
of both groups, holds a form to record one, and shows:

- the annual review, when the agreement has one, dated its by-date of the
  current year, as ``done`` ("done this year") when a meeting of the
  reviewing group was held between 1 January and that date (the steering
  group where the agreement sets one up, else the follow group; its minutes
  are not read), else ``due`` until the date and ``overdue`` after;
- per group the agreement sets up, a flag when its last meeting is more than
  its interval ago (or none is recorded). "More than n months": held before
  the same day n months back (a day that month lacks becomes its last day),
  so exactly n months ago is not flagged.

No agreement (or no such term): no review reminder, no rhythm flags.
Only meetings held on or before today count; a meeting recorded with a later
date is a planned one and is listed, but does not satisfy a rule.

An invalid form renders the page again with status 422 and its errors,
having written nothing. Core mounts the blueprint under
``/<tenant>/open_counselling/`` and answers 404 where the programme is off.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select

from core.programme import (
    GovernanceRhythm,
    PageBlueprint,
    ReviewSchedule,
    agreement_covering,
    copenhagen_today,
    db,
    form_errors,
    form_fields,
    load_form,
    parse_month_day,
)
from plugins.open_counselling.access import manages
from plugins.open_counselling.governance_schemas import (
    MEETING_KIND_LABELS,
    MeetingSchema,
)
from plugins.open_counselling.models import MEETING_KINDS, GovernanceMeeting

# Followed by the agreement's parties, recorded by those who run the programme.
bp = PageBlueprint("open_counselling_governance", __name__)

KEY = "open_counselling"

# The agreement's governance bodies (core.partnerships.terms) as this page's meeting kinds.
KIND_OF_BODY = {"steering_group": "steering", "follow_group": "follow"}


@dataclass(frozen=True)
class AgreedGovernance:
    """What the covering agreement sets: the review (None: none) and each group's rhythm by meeting kind."""

    covered: bool = False  # an agreement covers the programme here
    review: ReviewSchedule | None = None
    rhythms: dict[str, GovernanceRhythm] = field(default_factory=dict)

    @property
    def review_kind(self) -> str:
        """The group whose meeting counts as the review: the steering group, else the follow group."""
        return next((k for k in ("steering", "follow") if k in self.rhythms), "steering")


def agreed_governance() -> AgreedGovernance:
    """The covering agreement's review and rhythms (empty when no agreement covers the programme)."""
    agreement = agreement_covering(KEY)
    if agreement is None:
        return AgreedGovernance()
    terms = agreement.terms or {}
    review = ReviewSchedule.from_dict(terms["review"]) if terms.get("review") else None
    rhythms = {
        KIND_OF_BODY[rhythm.body]: rhythm
        for rhythm in GovernanceRhythm.from_list(terms.get("governance") or [])
        if rhythm.body in KIND_OF_BODY
    }
    return AgreedGovernance(True, review, rhythms)


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
    held_on: date | None  # the meeting that counts as the review
    kind: str = "steering"  # the group whose meeting counts


def review_status(schedule: ReviewSchedule, held: list[date], today: date, kind: str = "steering") -> Review:
    """The annual review of the agreement in ``today``'s year (see the module's rule).

    ``held``: the days the reviewing group (``kind``) met.
    """
    deadline = date(today.year, *parse_month_day(schedule.by))
    window = [d for d in held if date(today.year, 1, 1) <= d <= min(deadline, today)]
    if window:
        return Review(deadline, "done", max(window), kind)
    return Review(deadline, "due" if today <= deadline else "overdue", None, kind)


@dataclass(frozen=True)
class GroupFlag:
    kind: str
    last_held: date | None
    months: int
    late: bool
    rhythm: str = ""  # e.g. "half-yearly", from the agreement, in the viewer's language


def group_flag(kind: str, rhythm: GovernanceRhythm, last_held: date | None, today: date) -> GroupFlag:
    """Late when the group's last meeting is more than the agreement's interval ago (or none is recorded)."""
    months = rhythm.every_months
    late = last_held is None or last_held < months_before(today, months)
    return GroupFlag(kind, last_held, months, late, rhythm.describe())


def _may_edit() -> bool:
    """Whether the signed-in person may record meetings (municipal staff read only)."""
    return manages()


def _render(errors: dict[str, Any] | None = None):
    today = copenhagen_today()
    agreed = agreed_governance()
    meetings = db.session.scalars(select(GovernanceMeeting).order_by(GovernanceMeeting.held_on.desc(), GovernanceMeeting.id.desc())).all()
    # The last held meeting of each group, aggregated in SQL.
    last_held = dict(
        db.session.execute(
            select(GovernanceMeeting.kind, func.max(GovernanceMeeting.held_on))
            .where(GovernanceMeeting.held_on <= today)
            .group_by(GovernanceMeeting.kind)
        ).all()
    )
    review = None
    if agreed.review is not None:
        held_this_year = db.session.scalars(
            select(GovernanceMeeting.held_on).where(
                GovernanceMeeting.kind == agreed.review_kind,
                GovernanceMeeting.held_on >= date(today.year, 1, 1),
                GovernanceMeeting.held_on <= today,
            )
        ).all()
        review = review_status(agreed.review, list(held_this_year), today, agreed.review_kind)
    return render_template(
        "open_counselling/governance.html",
        steering=[m for m in meetings if m.kind == "steering"],
        follow=[m for m in meetings if m.kind == "follow"],
        agreed=agreed,
        review=review,
        review_text=agreed.review.describe() if agreed.review else None,
        flags=[group_flag(kind, agreed.rhythms[kind], last_held.get(kind), today) for kind in MEETING_KINDS if kind in agreed.rhythms],
        kind_labels={k: str(v) for k, v in MEETING_KIND_LABELS.items()},  # translated now, in the request's language
        fields=form_fields(MeetingSchema(), request.form if errors is not None else None, errors),
        general_errors=form_errors(errors or {}),
        may_edit=_may_edit(),
    )


@bp.get("/governance/", roles=["agreement_parties"])
def index():
    return _render()


@bp.post("/governance/meetings", roles=["programme_managers"])
def create_meeting():
    data, errors = load_form(MeetingSchema(), request.form)
    if data is None:
        return _render(errors), 422
    db.session.add(GovernanceMeeting(**data))
    return redirect(url_for("open_counselling_governance.index"), 303)
