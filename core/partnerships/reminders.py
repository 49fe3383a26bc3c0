"""An agreement's coming deadlines, and the daily job that stores reminders of them.

One place computes the dates the agreement page shows and the job stores, so
they always agree: the next review, each governance body's next meeting, the
last day to give notice (for "N months to the end of a calendar year"), and the
end. The job ``core.agreement_reminders`` stores a reminder once per
(agreement, kind, due date) when the date comes within its window; people
acknowledge it on their dashboard (``reminders_widget``).

Who is concerned by an agreement's reminders: the municipality's
administrators and staff, platform administrators, and the staff of the
organisations party to it; never another organisation's staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext
from sqlalchemy import select

from core.calendar import copenhagen_today
from core.db import db, insert_once
from core.identity import roles as R
from core.partnerships.models import Agreement, AgreementParty, AgreementReminder
from core.partnerships.terms import GovernanceRhythm, NoticeTerms, ReviewSchedule, earliest_end

# How many days ahead a deadline becomes a reminder, by kind ("governance" for every body).
WINDOWS = {"review": 60, "notice_deadline": 60, "end": 90, "governance": 30}
# Roles that see every agreement's reminders of their tenant (partner staff: their organisation's).
MUNICIPAL_CONCERNED = frozenset({R.TENANT_ADMIN, R.MUNICIPAL_STAFF, R.PLATFORM_ADMIN})


class NoticeDateError(ValueError):
    """Notice cannot be given on that date: ``reason`` is "before_start" or "after_end", ``limit`` the date."""

    def __init__(self, reason: str, limit: date):
        super().__init__(f"{reason} {limit.isoformat()}")
        self.reason = reason
        self.limit = limit


@dataclass(frozen=True)
class Deadline:
    kind: str  # review, notice_deadline, end, governance:<body>
    due_on: date
    body: str | None = None  # the governance body (governance:<body>)
    ends_on: date | None = None  # notice_deadline: the end that notice on due_on reaches

    @property
    def window(self) -> int:
        return WINDOWS[self.kind.split(":", 1)[0]]


def notice_terms(agreement: Agreement) -> NoticeTerms:
    return NoticeTerms.from_dict(agreement.terms["notice"])


def earliest_end_for(agreement: Agreement, given: date) -> date:
    """The earliest end when notice is given on ``given``, under the agreement's terms and days off.

    ``NoticeDateError`` when ``given`` is before the start or after the declared end.
    """
    if given < agreement.starts_on:
        raise NoticeDateError("before_start", agreement.starts_on)
    if agreement.ends_on is not None and given > agreement.ends_on:
        raise NoticeDateError("after_end", agreement.ends_on)
    return earliest_end(
        notice_terms(agreement),
        given,
        declared_days_off=(agreement.terms or {}).get("days_off", []),
        agreement_end=agreement.ends_on,
    )


def notice_deadline(agreement: Agreement, today: date) -> tuple[date, date] | None:
    """(last day to give notice, the year end it reaches) for "N months to the year end" notice.

    The first year end that notice given today or later can still reach; None
    for other notice terms, when notice was already given, or when the
    agreement ends by that year end anyway.
    """
    terms = notice_terms(agreement)
    if terms.months is None or terms.to != "year_end" or agreement.notice is not None:
        return None
    earliest = max(today, agreement.starts_on)
    year = earliest.year
    while True:
        year_end = date(year, 12, 31)
        last_day = year_end - relativedelta(months=terms.months)
        if last_day >= earliest:
            break
        year += 1
    if agreement.ends_on is not None and agreement.ends_on <= year_end:
        return None
    return last_day, year_end


def deadlines(agreement: Agreement, today: date) -> list[Deadline]:
    """The agreement's next deadlines on or after ``today`` (none for a draft or an ended agreement)."""
    if agreement.declared_status == "draft" or agreement.status_on(today) == "ended":
        return []
    terms = agreement.terms or {}
    end = agreement.end_date()

    def in_force(day: date) -> bool:
        return day >= agreement.starts_on and (end is None or day <= end)

    found: list[Deadline] = []
    if terms.get("review"):
        day = ReviewSchedule.from_dict(terms["review"]).next_review(today)
        if in_force(day):
            found.append(Deadline("review", day))
    for rhythm in GovernanceRhythm.from_list(terms.get("governance") or []):
        day = rhythm.next_due(today)
        if in_force(day):
            found.append(Deadline(f"governance:{rhythm.body}", day, body=rhythm.body))
    deadline = notice_deadline(agreement, today)
    if deadline is not None:
        found.append(Deadline("notice_deadline", deadline[0], ends_on=deadline[1]))
    if end is not None and end >= today:
        found.append(Deadline("end", end))
    return sorted(found, key=lambda d: (d.due_on, d.kind))


def due_reminders(agreements: Iterable[Agreement], today: date) -> list[tuple[int, str, date]]:
    """(agreement id, kind, due date) of every deadline within its window from ``today``."""
    return [
        (agreement.id, d.kind, d.due_on)
        for agreement in agreements
        for d in deadlines(agreement, today)
        if 0 <= (d.due_on - today).days <= d.window
    ]


def record_agreement_reminders(tenant_id: int, today: str | None = None) -> int:
    """The daily job: store each due reminder once (UNIQUE + ON CONFLICT DO NOTHING; safe to run twice)."""
    day = date.fromisoformat(today) if today else copenhagen_today()
    agreements = db.session.scalars(select(Agreement).where(Agreement.active.is_(True)).order_by(Agreement.id)).all()
    rows = [
        {"tenant_id": tenant_id, "agreement_id": agreement_id, "kind": kind, "due_on": due_on}
        for agreement_id, kind, due_on in due_reminders(agreements, day)
    ]
    stored = insert_once(AgreementReminder, rows, ["agreement_id", "kind", "due_on"])
    from core.notices.producers import agreement_deadline_notices

    agreement_deadline_notices(tenant_id, day)  # to the people the reminders are shown to, by e-mail (core/notices)
    return stored


# --- who sees them ----------------------------------------------------------------------


def concerned(principal) -> bool:
    """Whether ``principal`` is among the people agreement reminders are for (in their tenant)."""
    if principal is None or principal.api_client_id is not None:
        return False
    if principal.acts_for_organisation:
        return R.PARTNER_STAFF in principal.roles and principal.organisation_id is not None
    return bool(MUNICIPAL_CONCERNED.intersection(principal.roles))


def open_reminders_query(principal):
    """Unacknowledged reminders of the tenant in context that ``principal`` is concerned by."""
    query = (
        select(AgreementReminder)
        .join(Agreement, (Agreement.id == AgreementReminder.agreement_id) & (Agreement.tenant_id == AgreementReminder.tenant_id))
        .where(AgreementReminder.acknowledged_at.is_(None), Agreement.active.is_(True))
        .order_by(AgreementReminder.due_on, AgreementReminder.kind, AgreementReminder.id)
    )
    if not concerned(principal):
        return query.where(AgreementReminder.id.is_(None))
    if principal.acts_for_organisation:
        query = query.where(
            AgreementReminder.agreement_id.in_(
                select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == principal.organisation_id)
            )
        )
    return query


def reminders_widget() -> str:
    """The dashboard widget: the open reminders of the agreements the signed-in person is concerned by."""
    from flask import render_template
    from markupsafe import Markup

    from core.identity.sessions import current_principal

    reminders = db.session.scalars(open_reminders_query(current_principal())).all()
    return Markup(render_template("partnerships/reminders_widget.html", reminders=reminders, back="home"))


def dashboard_widgets() -> list:
    """The widget for core.builtin.partnerships, only for the people concerned (no empty card for others)."""
    from flask import has_request_context

    from core.identity.sessions import current_principal
    from core.plugins.types import DashboardWidget

    if not has_request_context() or not concerned(current_principal()):
        return []
    return [DashboardWidget(title=lazy_gettext("Partnership agreements"), render=reminders_widget, order=850)]
