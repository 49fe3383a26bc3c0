"""The agreement pages: the tenant's agreements, one agreement, recording notice, acknowledging reminders.

Who sees what: the municipality's people (tenant administrators, municipal
staff, finance) and platform administrators see every agreement of their
tenant; partner staff only the agreements their organisation is party to. Any
other agreement, like another tenant's, answers 404 exactly like a missing id.
The authorization matrix (config/authorization.toml) decides the roles.

Notice is recorded once per agreement (tenant administrators and platform
administrators for any party, partner staff for their own organisation); the
earliest end is computed from the agreement's terms and stored with it. The
calculator on the page (``?given=YYYY-MM-DD``) computes without writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit import record
from core.calendar import copenhagen_today
from core.db import db
from core.i18n import format_amount, format_day_long
from core.identity.authz import signed_in
from core.identity.sessions import current_principal
from core.partnerships.labels import status_label
from core.partnerships.models import MUNICIPALITY, Agreement, AgreementNotice, AgreementParty, AgreementReminder
from core.partnerships.reminders import (
    NoticeDateError,
    concerned,
    deadlines,
    earliest_end_for,
    notice_terms,
    open_reminders_query,
)
from core.partnerships.terms import GOVERNANCE_BODIES, GovernanceRhythm, ReviewSchedule, earliest_end
from core.schemas import N_, Schema
from core.tenancy.models import utcnow
from core.tenancy.web import get_or_404
from core.web.forms import form_errors, form_fields, load_form

bp = Blueprint("agreements", __name__)
NOTICE_RULE = "/<tenant>/agreements/<int:agreement_id>/notice"

STATUS_BADGES = {"draft": "", "approved": "badge-info", "active": "badge-success", "under_notice": "badge-warning", "ended": ""}
BODY_LABELS = {
    "joint_meeting": N_("Joint meeting"),
    "steering_group": N_("Steering group"),
    "follow_group": N_("Follow group"),
}
TARGET_LABELS = {
    "courses": N_("Courses"),
    "mothers": N_("Mothers in all"),
    "mothers_per_course_min": N_("Mothers per course, at least"),
    "mothers_per_course_max": N_("Mothers per course, at most"),
    "volunteers_per_course_min": N_("Volunteers per course, at least"),
    "volunteers_per_course_max": N_("Volunteers per course, at most"),
    "health_visitor_visits_per_course": N_("Health-visitor visits per course"),
}


def init_partnerships(app: Flask) -> None:
    """Register the agreement pages."""
    app.register_blueprint(bp)


# --- formatting --------------------------------------------------------------------------


def _locale() -> str:
    return "en" if str(get_locale() or "da") == "en" else "da"


@bp.app_template_filter("agreement_kroner")
def format_kroner(amount: Decimal) -> str:
    """``84.000,00 kr.`` (Danish) or ``DKK 84,000.00``: the platform's one amount format."""
    return format_amount(amount)


@bp.app_template_filter("agreement_day")
def format_day(day: date) -> str:
    """``31. december 2025`` (Danish) or ``December 31, 2025``: the platform's long date."""
    return format_day_long(day)


def body_label(body: str) -> str:
    return str(BODY_LABELS.get(body, GOVERNANCE_BODIES.get(body, body)))


@bp.app_template_global("agreement_reminder_text")
def reminder_text(reminder: AgreementReminder) -> str:
    """What a stored reminder is about, in the UI language."""
    day = format_day(reminder.due_on)
    kind = reminder.kind
    if kind == "review":
        return _("The agreement is to be reviewed by %(day)s.", day=day)
    if kind == "end":
        return _("The agreement ends on %(day)s.", day=day)
    if kind == "notice_deadline":
        end = earliest_end(notice_terms(reminder.agreement), reminder.due_on)
        return _("Last day to give notice for the agreement to end on %(end)s: %(day)s.", end=format_day(end), day=day)
    if kind.startswith("governance:"):
        return _("%(body)s: the next meeting is due by %(day)s.", body=body_label(kind.split(":", 1)[1]), day=day)
    return f"{kind}: {day}"


# --- who sees which agreement -----------------------------------------------------------


def _visible_query(principal):
    query = select(Agreement).where(Agreement.active.is_(True))
    if principal is not None and principal.acts_for_organisation:
        if principal.organisation_id is None:
            return query.where(Agreement.id.is_(None))
        query = query.where(
            Agreement.id.in_(select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == principal.organisation_id))
        )
    return query


def may_see(agreement: Agreement, principal) -> bool:
    if not agreement.active:
        return False
    if principal is not None and principal.acts_for_organisation:
        return principal.organisation_id is not None and any(p.organisation_id == principal.organisation_id for p in agreement.parties)
    return True


def _load(agreement_id: int) -> Agreement:
    agreement = get_or_404(Agreement, agreement_id)
    if not may_see(agreement, current_principal()):  # not a party: exactly like a missing id
        abort(404)
    return agreement


def _may_record_notice(principal) -> bool:
    from core.identity.authz import allowed_roles

    allowed = allowed_roles(NOTICE_RULE, "POST") or frozenset()
    return principal is not None and bool(allowed.intersection(principal.roles))


def notice_parties(agreement: Agreement, principal) -> list[tuple[str, str]]:
    """(value, label) of the parties ``principal`` may record notice for."""
    everyone = [(MUNICIPALITY, g.tenant.name)] + [(o.slug, o.name) for o in agreement.organisations]
    if principal is not None and principal.acts_for_organisation:
        return [(slug, name) for slug, name in everyone if slug == principal.organisation]
    return everyone


def party_name(agreement: Agreement, given_by: str) -> str:
    if given_by == MUNICIPALITY:
        return g.tenant.name
    return next((o.name for o in agreement.organisations if o.slug == given_by), given_by)


# --- the notice form --------------------------------------------------------------------


class NoticeSchema(Schema):
    given_on = fields.Date(required=True, metadata={"label": N_("Notice given on"), "hint": N_("The date the written notice was given.")})
    given_by = fields.String(required=True, metadata={"label": N_("Given by")})


def _date_error(exc: NoticeDateError) -> str:
    if exc.reason == "before_start":
        return _("Notice cannot be given before the agreement starts on %(day)s.", day=format_day(exc.limit))
    return _("The agreement ends on %(day)s: notice cannot be given after that.", day=format_day(exc.limit))


@dataclass
class Calculation:
    given: str = ""
    given_on: date | None = None
    earliest_end: date | None = None
    error: str | None = None


def _calculate(agreement: Agreement, raw: str | None) -> Calculation | None:
    """The calculator of ``?given=``: the earliest end, or a message (never a 500)."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return Calculation(given=raw, error=_("Enter the date notice would be given."))
    try:
        given = date.fromisoformat(raw)
    except ValueError:
        return Calculation(given=raw, error=str(_("Enter a date as YYYY-MM-DD.")))
    if len(raw) != 10:  # fromisoformat also takes 20260105: only the form's own format
        return Calculation(given=raw, error=str(_("Enter a date as YYYY-MM-DD.")))
    try:
        return Calculation(given=raw, given_on=given, earliest_end=earliest_end_for(agreement, given))
    except NoticeDateError as exc:
        return Calculation(given=raw, given_on=given, error=_date_error(exc))


# --- the page's content -----------------------------------------------------------------


def _programme_names(keys: list[str]) -> list[str]:
    from core.plugins.host import plugin_host

    programmes = plugin_host().programmes()
    return [str(programmes[k].name) if k in programmes else k for k in keys]


def _period(agreement: Agreement) -> dict[str, Any]:
    return {"start": agreement.starts_on, "end": agreement.end_date(), "declared_end": agreement.ends_on}


def _row(agreement: Agreement, today: date) -> dict[str, Any]:
    status = agreement.status_on(today)
    return {
        "agreement": agreement,
        "status": status,
        "status_label": status_label(status),
        "status_badge": STATUS_BADGES.get(status, ""),
        "programmes": _programme_names(agreement.programme_keys),
        "period": _period(agreement),
    }


def _timeline(agreement: Agreement, today: date) -> list[dict[str, Any]]:
    events: list[tuple[date | None, str]] = [
        (agreement.signed_by_municipality_on, _("Signed by the municipality")),
        (agreement.signed_by_partner_on, _("Signed by the partner organisation")),
        (agreement.political_approval_on, _("Political approval")),
        (agreement.starts_on, _("Starts")),
    ]
    notice = agreement.notice
    if notice is not None:
        events.append((notice.given_on, _("Notice given by %(party)s", party=party_name(agreement, notice.given_by))))
    end = agreement.end_date()
    if end is not None:
        events.append((end, _("Ends (after notice)") if notice is not None and end != agreement.ends_on else _("Ends")))
    dated = [(day, label) for day, label in events if day is not None]
    return [{"day": day, "label": label, "past": day <= today} for day, label in sorted(dated, key=lambda e: e[0])]


def _deadline_rows(agreement: Agreement, today: date) -> list[dict[str, Any]]:
    rows = []
    for d in deadlines(agreement, today):
        if d.kind == "review":
            label = _("Review of the agreement")
        elif d.kind == "end":
            label = _("The agreement ends")
        elif d.kind == "notice_deadline" and d.ends_on is not None:
            label = _("Last day to give notice for the agreement to end on %(day)s", day=format_day(d.ends_on))
        elif d.body is not None:
            label = _("Next meeting: %(body)s", body=body_label(d.body))
        else:
            raise ValueError(f"deadline {d.kind!r} lacks the day or body it is about")
        rows.append({"deadline": d, "label": label, "days": (d.due_on - today).days})
    return rows


def _billing(agreement: Agreement, today: date) -> dict[str, Any]:
    from core.partnerships.billing import UnknownBillingRule, preview_years, rule_of, yearly_preview

    try:
        rule = rule_of(agreement)
        years = yearly_preview(agreement, preview_years(agreement, today))
    except UnknownBillingRule:
        return {"error": _("No installed programme provides the billing rule %(rule)s.", rule=agreement.billing_rule)}
    return {
        "rule": rule,
        "years": years,
        "total": sum((total for _year, _lines, total in years), Decimal("0")),
        "open_ended": agreement.end_date() is None,
    }


def _terms(agreement: Agreement) -> dict[str, Any]:
    terms = agreement.terms or {}
    remedy = (terms.get("remedy") or {}).get("working_days")
    return {
        "notice": notice_terms(agreement).describe(),
        "remedy": remedy,
        "review": ReviewSchedule.from_dict(terms["review"]).describe() if terms.get("review") else None,
        "governance": [
            {"label": body_label(r.body), "rhythm": r.describe()} for r in GovernanceRhythm.from_list(terms.get("governance") or [])
        ],
        "days_off": [_day_off_label(value) for value in terms.get("days_off") or []],
    }


def _day_off_label(value: str) -> str:
    """A declared day off: ``"12-24"`` as "24. december", the day after Ascension Day by name."""
    from core.calendar import BETWEEN_CHRISTMAS_AND_NEW_YEAR, DAY_AFTER_ASCENSION, parse_month_day

    if value == DAY_AFTER_ASCENSION:
        return _("the day after Ascension Day")
    if value == BETWEEN_CHRISTMAS_AND_NEW_YEAR:
        return _("between Christmas and New Year")
    month, day = parse_month_day(value)
    return format_date(date(2001, month, day), "d. MMMM" if _locale() == "da" else "MMMM d", locale=_locale())


def _targets(agreement: Agreement) -> list[dict[str, Any]]:
    out = []
    for key, targets in sorted((agreement.targets or {}).items()):
        out.append(
            {
                "programme": _programme_names([key])[0],
                "targets": [(str(TARGET_LABELS.get(name, name)), value) for name, value in targets.items()],
            }
        )
    return out


def _render_show(
    agreement: Agreement,
    *,
    values: Any = None,
    errors: dict[str, Any] | None = None,
    general_errors: list[str] | None = None,
    calculation: Calculation | None = None,
):
    principal = current_principal()
    today = copenhagen_today()
    status = agreement.status_on(today)
    may_record = (
        _may_record_notice(principal)
        and agreement.notice is None
        and status not in ("draft", "ended")
        and bool(notice_parties(agreement, principal))
    )
    fields_ = []
    if may_record:
        fields_ = form_fields(NoticeSchema(), values or {}, errors, choices={"given_by": notice_parties(agreement, principal)})
    reminders: Sequence[AgreementReminder] = []
    if concerned(principal):
        reminders = db.session.scalars(open_reminders_query(principal).where(AgreementReminder.agreement_id == agreement.id)).all()
    return render_template(
        "partnerships/show.html",
        agreement=agreement,
        row=_row(agreement, today),
        today=today,
        terms=_terms(agreement),
        targets=_targets(agreement),
        timeline=_timeline(agreement, today),
        deadlines=_deadline_rows(agreement, today),
        billing=_billing(agreement, today),
        notice=agreement.notice,
        notice_by=party_name(agreement, agreement.notice.given_by) if agreement.notice else None,
        may_record=may_record,
        notice_fields=fields_,
        notice_errors=general_errors or [],
        calculation=calculation,
        reminders=reminders,
    )


# --- routes -----------------------------------------------------------------------------


@bp.get("/<tenant>/agreements/")
def index():
    today = copenhagen_today()
    agreements = db.session.scalars(_visible_query(current_principal()).order_by(Agreement.starts_on, Agreement.id)).all()
    return render_template("partnerships/index.html", rows=[_row(a, today) for a in agreements])


@bp.get("/<tenant>/agreements/<int:agreement_id>")
def show(agreement_id: int):
    agreement = _load(agreement_id)
    calculation = _calculate(agreement, request.args.get("given"))
    response = _render_show(agreement, calculation=calculation)
    return (response, 422) if calculation is not None and calculation.error else response


@bp.post("/<tenant>/agreements/<int:agreement_id>/notice")
def give_notice(agreement_id: int):
    # Look up before validating: another tenant's or party's id answers 404, never 422.
    agreement = _load(agreement_id)
    principal = signed_in()
    # One notice per agreement: lock the agreement row (PostgreSQL), so two requests cannot both record one.
    db.session.execute(select(Agreement.id).where(Agreement.id == agreement.id).with_for_update())
    existing = db.session.scalar(
        select(AgreementNotice).where(AgreementNotice.agreement_id == agreement.id).order_by(AgreementNotice.id).limit(1)
    )
    if existing is not None:
        message = _(
            "Notice was already given on %(day)s by %(party)s; a second notice cannot be recorded.",
            day=format_day(existing.given_on),
            party=party_name(agreement, existing.given_by),
        )
        return _render_show(agreement, general_errors=[message]), 422
    today = copenhagen_today()
    status = agreement.status_on(today)
    if status in ("draft", "ended"):
        message = _("A draft agreement cannot be given notice.") if status == "draft" else _("The agreement has ended.")
        return _render_show(agreement, general_errors=[message]), 422
    data, errors = load_form(NoticeSchema(), request.form)
    end: date | None = None
    if data is not None:
        if data["given_by"] not in {value for value, _label in notice_parties(agreement, None)}:
            errors = {"given_by": [_("Choose one of the parties to the agreement.")]}
        elif data["given_by"] not in {value for value, _label in notice_parties(agreement, principal)}:
            record("refused", subject=f"agreement:{agreement.id}", criterion="notice for another party")
            abort(403)
        elif data["given_on"] > today:
            errors = {"given_on": [_("The date cannot be later than today: record notice once it is given.")]}
        else:
            try:
                end = earliest_end_for(agreement, data["given_on"])
            except NoticeDateError as exc:
                errors = {"given_on": [_date_error(exc)]}
    if data is None or errors or end is None:
        return _render_show(agreement, values=request.form, errors=errors, general_errors=form_errors(errors)), 422
    try:
        with db.session.begin_nested():  # a savepoint: the clash is caught here, and core rolls back the 422
            db.session.add(
                AgreementNotice(
                    agreement_id=agreement.id,
                    given_on=data["given_on"],
                    given_by=data["given_by"],
                    earliest_end=end,
                    recorded_by=principal.audit_label,
                )
            )
    except IntegrityError:  # another request recorded one first (UNIQUE(agreement_id))
        return _render_show(_load(agreement_id), general_errors=[_("A notice was recorded at the same time; reload the page.")]), 422
    record("change", subject=f"agreement:{agreement.id}", criterion="notice given")
    flash(_("The notice is recorded. The agreement ends on %(day)s at the earliest.", day=format_day(end)), "success")
    return redirect(url_for("agreements.show", agreement_id=agreement.id), 303)


@bp.post("/<tenant>/agreements/reminders/<int:reminder_id>/acknowledge")
def acknowledge(reminder_id: int):
    reminder = get_or_404(AgreementReminder, reminder_id)
    principal = signed_in()
    if not may_see(reminder.agreement, principal) or not concerned(principal):
        abort(404)
    if reminder.acknowledged_at is None:  # acknowledging twice changes nothing
        reminder.acknowledged_at = utcnow()
        reminder.acknowledged_by = principal.audit_label
        record("change", subject=f"agreement:{reminder.agreement_id}", criterion="reminder acknowledged")
        flash(_("The reminder is acknowledged."), "success")
    if request.form.get("back") == "agreement":
        return redirect(url_for("agreements.show", agreement_id=reminder.agreement_id), 303)
    return redirect(url_for("tenant.home"), 303)
