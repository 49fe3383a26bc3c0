"""Opening hours and closures: the staff page, a public page and a public calendar feed.

Mounted by core under /<tenant>/open_counselling/. Offices, hours and
closures hold no personal data, so nothing here is recorded in the audit
trail. The public page and the iCalendar feed need no sign-in: citizens see
when the open counselling is open and, when it is closed, where to call
instead.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date, format_time
from dateutil.relativedelta import relativedelta
from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from sqlalchemy import select

from core.programme import (
    N_,
    PUBLIC,
    PageBlueprint,
    agreement_covering,
    copenhagen_now,
    copenhagen_today,
    db,
    form_errors,
    form_fields,
    load_form,
)
from core.programme import get_or_404 as _get_or_404
from plugins.open_counselling.access import manages
from plugins.open_counselling.models import Closure, Office, OpeningHours
from plugins.open_counselling.schedule import (
    UpcomingClosure,
    agreement_closures,
    is_open,
    next_closures,
)
from plugins.open_counselling.schedule_schemas import (
    WEEKDAY_LABELS,
    ClosureSchema,
    OfficeSchema,
    OpeningHoursSchema,
)

# Read by the agreement's parties (the municipality too: no personal data here), written by those who run the programme.
bp = PageBlueprint("open_counselling_schedule", __name__)
PUBLIC_LIMIT = 10  # fixed closures shown per office on the public page; ad-hoc ones are always shown
HORIZON = relativedelta(years=1)  # the staff page and the calendar feed: the next 12 months
NOT_AN_OFFICE = N_("Choose one of the options.")


def _today() -> date:
    """Today in Denmark (the server may run in UTC)."""
    return copenhagen_today()


def _now() -> datetime:
    return copenhagen_now()


def _danish() -> bool:
    return str(get_locale() or "da") != "en"


@bp.app_template_filter("ocs_day")
def _format_day(day: date) -> str:
    """``fredag den 30. maj 2025`` (Danish) or ``Friday, May 30, 2025``."""
    return format_date(day, "full", locale="da" if _danish() else "en")


@bp.app_template_filter("ocs_time")
def _format_time(moment) -> str:
    """``09.00`` (Danish) or ``09:00``."""
    return format_time(moment, "HH.mm" if _danish() else "HH:mm", locale="da" if _danish() else "en")


@bp.app_template_filter("ocs_weekday")
def _format_weekday(weekday: int) -> str:
    return str(WEEKDAY_LABELS[weekday])


def _may_edit() -> bool:
    return manages()


def _offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.name, Office.id)))


def _office_choices(offices: list[Office]) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in offices]


def _hours_by_office() -> dict[int, list[OpeningHours]]:
    grouped: dict[int, list[OpeningHours]] = defaultdict(list)
    for row in db.session.scalars(select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens, OpeningHours.id)):
        grouped[row.office_id].append(row)
    return grouped


def _declared_days_off() -> list[str]:
    """The days off the agreement covering the open counselling declares (none without one)."""
    agreement = agreement_covering("open_counselling")
    return list((agreement.terms or {}).get("days_off") or []) if agreement is not None else []


def _fixed(today: date) -> list[tuple[date, str]]:
    """The next 12 months' closed days of every office: public holidays and the agreement's days off."""
    return agreement_closures(today, today + HORIZON, _declared_days_off())


def _adhoc_from(today: date) -> list[Closure]:
    return list(db.session.scalars(select(Closure).where(Closure.day >= today).order_by(Closure.day, Closure.id)))


# --- the staff page --------------------------------------------------------------------


@bp.get("/schedule/", roles=["agreement_parties"])
def schedule(errors: dict | None = None, failing: str | None = None, status: int = 200):
    """Offices, weekly hours and the next 12 months' closures; forms for those who may edit.

    ``failing`` names the form whose submission is shown again with ``errors``.
    """
    errors = errors or {}
    today = _today()
    offices = _offices()
    choices = _office_choices(offices)

    def fields_of(name: str, schema, choice_map=None):
        mine = failing == name
        return form_fields(schema, request.form if mine else None, errors if mine else None, choice_map)

    upcoming = [c for c in next_closures(_fixed(today), _adhoc_from(today), today) if c.day < today + HORIZON]
    return render_template(
        "open_counselling/schedule.html",
        offices=offices,
        office_names={o.id: o.name for o in offices},
        hours=_hours_by_office(),
        upcoming=upcoming,
        may_edit=_may_edit(),
        office_fields=fields_of("office", OfficeSchema()),
        hours_fields=fields_of("hours", OpeningHoursSchema(), {"hours_office_id": choices}),
        closure_fields=fields_of("closure", ClosureSchema(), {"closure_office_id": choices}),
        general_errors=form_errors(errors),
        failing=failing,
    ), status


@bp.post("/schedule/offices", roles=["programme_managers"])
def create_office():
    data, errors = load_form(OfficeSchema(), request.form)
    if data is None:
        return schedule(errors, "office", 422)
    db.session.add(Office(**data))
    flash(gettext("The office is saved."), "success")
    return redirect(url_for(".schedule"))


def _overlaps(office_id: int, weekday: int, opens, closes) -> bool:
    """Whether the hours overlap the office's hours that day, holding the office's row lock.

    The lock (PostgreSQL; SQLite writes one at a time anyway) lasts until the request commits, so a
    concurrent submission for the same office waits and then sees these hours: check and insert
    cannot interleave, which no UNIQUE key could guarantee for overlapping ranges.
    """
    db.session.execute(select(Office.id).where(Office.id == office_id).with_for_update())
    return (
        db.session.scalar(
            select(OpeningHours.id)
            .where(
                OpeningHours.office_id == office_id,
                OpeningHours.weekday == weekday,
                OpeningHours.opens < closes,
                OpeningHours.closes > opens,
            )
            .limit(1)
        )
        is not None
    )


@bp.post("/schedule/hours", roles=["programme_managers"])
def add_hours():
    data, errors = load_form(OpeningHoursSchema(), request.form)
    if data is not None and db.session.get(Office, data["office_id"]) is None:
        data, errors = None, {"hours_office_id": [NOT_AN_OFFICE]}
    if data is not None and _overlaps(data["office_id"], data["weekday"], data["opens"], data["closes"]):
        data, errors = None, {"opens": [N_("These hours overlap hours already recorded for that day.")]}
    if data is None:
        return schedule(errors, "hours", 422)
    db.session.add(OpeningHours(**data))
    flash(gettext("The opening hours are saved."), "success")
    return redirect(url_for(".schedule"))


@bp.post("/schedule/hours/<int:hours_id>/delete", roles=["programme_managers"])
def delete_hours(hours_id: int):
    db.session.delete(_get_or_404(OpeningHours, hours_id))
    flash(gettext("The opening hours are removed."), "success")
    return redirect(url_for(".schedule"))


def _already_closed(office_id: int, day) -> bool:
    """A friendly early answer; the UNIQUE key decides when two submissions race (then a 409: the insert is flushed in the view)."""
    return db.session.scalar(select(Closure.id).where(Closure.office_id == office_id, Closure.day == day).limit(1)) is not None


@bp.post("/schedule/closures", roles=["programme_managers"])
def add_closure():
    data, errors = load_form(ClosureSchema(), request.form)
    if data is not None and db.session.get(Office, data["office_id"]) is None:
        data, errors = None, {"closure_office_id": [NOT_AN_OFFICE]}
    if data is not None and _already_closed(data["office_id"], data["day"]):
        data, errors = None, {"day": [N_("The office is already closed that day.")]}
    if data is None:
        return schedule(errors, "closure", 422)
    db.session.add(Closure(**data))
    db.session.flush()  # a concurrent duplicate is refused here, as a 409, not when the request commits
    flash(gettext("The closure is saved and shown on the public page."), "success")
    return redirect(url_for(".schedule"))


@bp.post("/schedule/closures/<int:closure_id>/delete", roles=["programme_managers"])
def delete_closure(closure_id: int):
    db.session.delete(_get_or_404(Closure, closure_id))
    flash(gettext("The closure is removed."), "success")
    return redirect(url_for(".schedule"))


# --- for citizens: no sign-in -------------------------------------------------------------


def _public_closures(fixed: list[tuple[date, str]], adhoc: list[Closure], today: date) -> list[UpcomingClosure]:
    """The next fixed closures (at most PUBLIC_LIMIT entries in all) and every announced ad-hoc one."""
    soon = next_closures(fixed, adhoc, today, PUBLIC_LIMIT)
    later = [c for c in next_closures([], adhoc, today) if c not in soon]
    return sorted(soon + later, key=lambda c: (c.day, not c.fixed))


@bp.get("/public", roles=PUBLIC)
def public():
    today, now = _today(), _now()
    offices = _offices()
    hours = _hours_by_office()
    fixed = _fixed(today)
    adhoc = _adhoc_from(today)
    sections = []
    for office in offices:
        own = [c for c in adhoc if c.office_id == office.id]
        closures = _public_closures(fixed, own, today)
        sections.append(
            {
                "office": office,
                "hours": hours.get(office.id, []),
                "closures": closures,
                "open_now": is_open(hours.get(office.id, []), [c.day for c in closures], now),
                "closed_today": [c for c in closures if c.day == today],
            }
        )
    return render_template("open_counselling/public.html", sections=sections, today=today)


def _ics_description(items: list[UpcomingClosure], office: Office) -> str:
    lines = [c.notice for c in items if c.notice]
    if office.phone_counselling:
        lines.append(gettext("Telephone counselling: %(phone)s", phone=office.phone_counselling))
    if office.phone:
        lines.append(gettext("Telephone: %(phone)s", phone=office.phone))
    return "\n".join(dict.fromkeys(lines))  # each line once, in order


@bp.get("/closures.ics", roles=PUBLIC)
def closures_ics():
    """The next 12 months' closures: one all-day event per closed day and office, stable UIDs."""
    from icalendar import Calendar, Event  # only this feed needs it: not in every worker's memory

    today = _today()
    until = today + HORIZON
    slug = g.tenant.slug
    fixed = _fixed(today)
    adhoc = _adhoc_from(today)
    stamp = datetime.now(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//Samvirke//Åben rådgivning//DA")  # an identifier (RFC 5545 PRODID), not a text
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # A calendar app subscribes without a UI language: the platform's (Danish), or the one chosen on the page.
    calendar.add("x-wr-calname", gettext("Open counselling: closures, %(tenant)s", tenant=g.tenant.name))
    for office in _offices():
        days: dict[date, list[UpcomingClosure]] = defaultdict(list)
        for closure in next_closures(fixed, [c for c in adhoc if c.office_id == office.id], today):
            if closure.day < until:
                days[closure.day].append(closure)
        for day, items in sorted(days.items()):
            reasons = ", ".join(dict.fromkeys(c.reason for c in items))
            event = Event()
            event.add("uid", f"{slug}-{office.id}-{day.isoformat()}@samvirke")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", gettext("%(office)s is closed: %(reasons)s", office=office.name, reasons=reasons))
            description = _ics_description(items, office)
            if description:
                event.add("description", description)
            if office.address:
                event.add("location", office.address)
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    response = Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="lukkedage.ics"'
    return response
