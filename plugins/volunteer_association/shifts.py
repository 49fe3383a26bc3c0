"""Shop shifts: the roster, sign-up, swaps, hours worked, and the day's takings.

Volunteers sign themselves up and record the takings of their own shift;
partner staff manage the roster. A shift in the next few days without enough
volunteers is flagged.

Two submissions at once (a double click, two staff, the page and the API) are
decided by the database's UNIQUE constraints in the same transaction, never by
a look-up first: one shift per day and start time (the other submission gets a
field error), one sign-up per volunteer and shift (signing up twice is the same
as once), and an offered slot goes to one taker. Core commits the request; the
writes whose clash is caught here are flushed in a savepoint, so the clash is
found on the spot and the rest of the request's work is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from marshmallow import ValidationError
from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from core.programme import (
    PageBlueprint,
    Volunteer,
    copenhagen_today,
    current_volunteer,
    db,
    field_errors,
    form_errors,
    form_fields,
    get_or_404,
    load_form,
    parse_id,
    record,
    signed_in,
)
from plugins.volunteer_association.models import Shift, ShiftSignup, Takings
from plugins.volunteer_association.organisation import ON_SHIFTS, manages, of_running_organisation
from plugins.volunteer_association.shift_schemas import ShiftSchema, TakingsSchema

bp = PageBlueprint("volunteer_association", __name__)
FLAG_DAYS = 3  # a short-handed shift this many days ahead is flagged


def staffing(shift_ids: list[int]) -> dict[int, int]:
    """Signed-up volunteers per shift (offered slots still count until taken)."""
    if not shift_ids:
        return {}
    return dict(
        db.session.execute(
            select(ShiftSignup.shift_id, func.count()).where(ShiftSignup.shift_id.in_(shift_ids)).group_by(ShiftSignup.shift_id)
        ).all()
    )


def short_handed(today: date, days: int = FLAG_DAYS) -> list[tuple[Shift, int]]:
    shifts = db.session.scalars(
        select(Shift).where(Shift.day >= today, Shift.day <= today + timedelta(days=days)).order_by(Shift.day, Shift.starts)
    ).all()
    counts = staffing([s.id for s in shifts])
    return [(s, counts.get(s.id, 0)) for s in shifts if counts.get(s.id, 0) < s.needed]


SLOT_TAKEN = lazy_gettext("There is already a shift at that time.")


def add_shift(data: dict) -> Shift:
    """A new shift, or ``ValidationError`` on ``starts`` when the day and time are taken (also by a concurrent submission)."""
    shift = Shift(**data)
    try:
        with db.session.begin_nested():  # UNIQUE (tenant_id, day, starts) decides, at the flush
            db.session.add(shift)
    except IntegrityError:
        raise ValidationError({"starts": [str(SLOT_TAKEN)]}) from None
    return shift


def sign_up(shift: Shift, volunteer: Volunteer) -> bool:
    """Sign her up; False when she already is (also when a concurrent submission got there first)."""
    exists = db.session.scalar(select(ShiftSignup.id).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer.id))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():  # UNIQUE (shift_id, volunteer_id) decides, at the flush
            db.session.add(ShiftSignup(shift_id=shift.id, volunteer_id=volunteer.id))
    except IntegrityError:
        return False
    return True


def _me() -> Volunteer | None:
    return current_volunteer()


@bp.get("/", roles=ON_SHIFTS)
def index(values=None, errors=None, status=200):
    today = copenhagen_today()
    shifts = db.session.scalars(
        select(Shift).where(Shift.day >= today, Shift.day < today + timedelta(days=28)).order_by(Shift.day, Shift.starts)
    ).all()
    counts = staffing([s.id for s in shifts])
    me = _me()
    mine = set()
    offered: dict[int, list[ShiftSignup]] = {}
    if shifts:
        for signup in db.session.scalars(select(ShiftSignup).where(ShiftSignup.shift_id.in_([s.id for s in shifts]))):
            if me is not None and signup.volunteer_id == me.id:
                mine.add(signup.shift_id)
            if signup.status == "offered":
                offered.setdefault(signup.shift_id, []).append(signup)
    flagged = {s.id for s, _ in short_handed(today)}
    return render_template(
        "volunteer_association/index.html",
        shifts=shifts,
        counts=counts,
        mine=mine,
        offered=offered,
        flagged=flagged,
        me=me,
        manager=manages(),
        fields=form_fields(ShiftSchema(), values, errors),
        general_errors=form_errors(errors or {}),
    ), status


@bp.post("/shifts", roles=["programme_managers"])
def create_shift():
    data, errors = load_form(ShiftSchema(), request.form)
    if data is not None:
        try:
            add_shift(data)
        except ValidationError as exc:
            data, errors = None, field_errors(exc)
    if data is None:
        return index(request.form, errors, 422)
    return redirect(url_for("volunteer_association.index"))


def _volunteer_for_action() -> Volunteer:
    """The volunteer an action is for: herself, or (for staff) the one chosen in the form."""
    if manages() and request.form.get("volunteer_id"):
        # Staff choose among the running organisation's volunteers only (the covering agreement's parties).
        chosen = parse_id(request.form["volunteer_id"])
        volunteer = (
            db.session.scalar(select(Volunteer).where(Volunteer.id == chosen, of_running_organisation())) if chosen is not None else None
        )
    else:
        volunteer = _me()
    if volunteer is None:
        # Staff must choose a volunteer; a signed-in volunteer must be in the registry.
        abort(400, description=gettext("Choose a volunteer, or ask the association to register you as a volunteer."))
    return volunteer


@bp.post("/shifts/<int:shift_id>/signup", roles=ON_SHIFTS)
def signup(shift_id: int):
    shift = get_or_404(Shift, shift_id)
    volunteer = _volunteer_for_action()
    if sign_up(shift, volunteer):
        flash(gettext("You are signed up for the shift."), "success")
    return redirect(url_for("volunteer_association.index"))


@bp.post("/shifts/<int:shift_id>/offer", roles=ON_SHIFTS)
def offer(shift_id: int):
    """Offer one's own slot for a swap: it stays hers until someone takes it."""
    shift = get_or_404(Shift, shift_id)
    volunteer = _volunteer_for_action()
    row = db.session.scalar(select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer.id))
    if row is None:
        abort(404)
    row.status = "offered"
    flash(gettext("The shift is offered for swapping."), "success")
    return redirect(url_for("volunteer_association.index"))


@bp.post("/shifts/<int:shift_id>/take", roles=ON_SHIFTS)
def take(shift_id: int):
    """Take a slot someone offered: the swap happens in one transaction."""
    shift = get_or_404(Shift, shift_id)
    volunteer = _volunteer_for_action()
    offered = db.session.scalar(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "offered").order_by(ShiftSignup.id).limit(1)
    )
    already = db.session.scalar(select(ShiftSignup.id).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer.id))
    if offered is None or already is not None:
        flash(gettext("There is no shift to take over."), "warning")
        return redirect(url_for("volunteer_association.index"))
    # Only while it is still offered: of two takers at once, one gets it (the other waits for its row, then finds it taken).
    try:
        with db.session.begin_nested():
            taken = cast(  # an UPDATE's result is a cursor result, which has the row count
                "CursorResult[Any]",
                db.session.execute(
                    update(ShiftSignup)
                    .where(ShiftSignup.id == offered.id, ShiftSignup.status == "offered")
                    .values(volunteer_id=volunteer.id, status="signed_up")
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
    except IntegrityError:  # she signed up for it meanwhile
        taken = 0
    if not taken:
        flash(gettext("There is no shift to take over."), "warning")
        return redirect(url_for("volunteer_association.index"))
    flash(gettext("You have taken over the shift."), "success")
    return redirect(url_for("volunteer_association.index"))


def _may_record(shift: Shift) -> Volunteer | None:
    """Staff, or a volunteer on this shift; anyone else finds no such shift (404)."""
    me = _me()
    if manages():
        return me
    if me is not None and db.session.scalar(
        select(ShiftSignup.id).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == me.id)
    ):
        return me
    abort(404)


@bp.route("/shifts/<int:shift_id>/takings", methods=["GET", "POST"], roles=ON_SHIFTS)
def takings(shift_id: int):
    shift = get_or_404(Shift, shift_id)
    me = _may_record(shift)
    existing = db.session.scalar(select(Takings).where(Takings.shift_id == shift.id))
    values: Mapping[str, Any] | None = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(TakingsSchema(), request.form)
        if data is not None:
            try:
                save_takings(shift, data, me)
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                record("change", criterion=f"takings shift {shift.id}")
                flash(gettext("The day's takings are saved."), "success")
                return redirect(url_for("volunteer_association.takings", shift_id=shift.id))
        values = request.form
    elif existing is not None:
        values = {k: getattr(existing, k) for k in ("cash", "card", "mobilepay", "cash_counted")}
    difference = (existing.cash_counted - existing.cash) if existing else None
    return render_template(
        "volunteer_association/takings.html",
        shift=shift,
        existing=existing,
        difference=difference,
        fields=form_fields(TakingsSchema(), values, errors),
        general_errors=form_errors(errors),
    ), (422 if errors else 200)


def save_takings(shift: Shift, data: dict, me: Volunteer | None) -> Takings:
    """Record (or correct) the shift's takings and the recorder's hours, in the request's transaction."""
    if shift.day > copenhagen_today():
        raise ValidationError({"cash": [gettext("The takings can only be recorded on the day of the shift.")]})
    row = db.session.scalar(select(Takings).where(Takings.shift_id == shift.id))
    if row is None:
        row = Takings(shift_id=shift.id, recorded_by=signed_in().audit_label)
        db.session.add(row)
    for key in ("cash", "card", "mobilepay", "cash_counted"):
        setattr(row, key, Decimal(data[key]))
    row.recorded_by = signed_in().audit_label
    if me is not None:
        signup = db.session.scalar(select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == me.id))
        if signup is not None:
            signup.hours_worked = Decimal(data["hours_worked"]) if data.get("hours_worked") not in (None, "") else None
    return row


def signups_in(shift_ids: list[int]) -> list[tuple[int, str]]:
    return [
        (row[0], row[1])
        for row in db.session.execute(
            select(ShiftSignup.shift_id, Volunteer.name)
            .join(Volunteer, and_(Volunteer.id == ShiftSignup.volunteer_id, Volunteer.tenant_id == ShiftSignup.tenant_id))
            .where(ShiftSignup.shift_id.in_(shift_ids))
        )
    ]
