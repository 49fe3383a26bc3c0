"""JSON API: shifts, sign-up and takings. Under /<tenant>/api/v1/volunteer_association/."""

from __future__ import annotations

from flask import Response, abort
from flask_babel import gettext
from sqlalchemy import select

from core.programme import ApiBlueprint, current_volunteer, db, page_of
from plugins.volunteer_association import shifts as shift_views
from plugins.volunteer_association.models import Shift, Takings
from plugins.volunteer_association.organisation import ON_SHIFTS
from plugins.volunteer_association.shift_schemas import ShiftSchema, TakingsSchema

blp = ApiBlueprint("volunteer_association_api", __name__, description="Local association and shop")


def _out(shift: Shift, counts: dict[int, int]) -> dict:
    return {
        "id": shift.id,
        "day": shift.day,
        "starts": shift.starts,
        "ends": shift.ends,
        "needed": shift.needed,
        "signed_up": counts.get(shift.id, 0),
    }


@blp.route("/shifts", roles=ON_SHIFTS)
@blp.response(200, ShiftSchema(many=True))
@blp.paginate()
def list_shifts(pagination_parameters):
    """The shifts by day and time, each with how many have signed up."""
    rows = page_of(select(Shift).order_by(Shift.day, Shift.starts, Shift.id), pagination_parameters)
    counts = shift_views.staffing([s.id for s in rows])
    return [_out(s, counts) for s in rows]


@blp.route("/shifts", methods=["POST"], roles=["programme_managers"])
@blp.arguments(ShiftSchema)
@blp.response(201, ShiftSchema)
@blp.alt_response(409, description="A shift already starts at that day and time")
def create_shift(data):
    from flask_smorest import abort as smorest_abort
    from marshmallow import ValidationError

    try:
        shift = shift_views.add_shift(data)
    except ValidationError as exc:  # the day and time are taken, also by a concurrent request
        smorest_abort(409, errors={"json": exc.messages}, message=str(shift_views.SLOT_TAKEN))
    return _out(shift, {})


@blp.route("/shifts/<int:shift_id>/signups", methods=["POST"], roles=ON_SHIFTS)
@blp.response(201, ShiftSchema)
def sign_up(shift_id: int):
    """Sign the signed-in volunteer up for the shift (idempotent)."""
    shift = shift_views.get_or_404(Shift, shift_id)
    me = current_volunteer()
    if me is None:
        abort(400, description=gettext("Only a volunteer in the registry can sign up."))
    shift_views.sign_up(shift, me)  # idempotent, also for two requests at once
    return _out(shift, shift_views.staffing([shift.id]))


@blp.route("/shifts/<int:shift_id>/takings", methods=["PUT"], roles=ON_SHIFTS)
@blp.arguments(TakingsSchema)
@blp.response(200, TakingsSchema)
def put_takings(data, shift_id: int):
    shift = shift_views.get_or_404(Shift, shift_id)
    me = shift_views._may_record(shift)
    from marshmallow import ValidationError

    try:
        row = shift_views.save_takings(shift, data, me)
    except ValidationError as exc:  # nothing is written: the check comes first, and core rolls a 422 back
        from flask_smorest import abort as smorest_abort

        smorest_abort(422, errors={"json": exc.messages})
    return {**{k: getattr(row, k) for k in ("cash", "card", "mobilepay", "cash_counted")}, "difference": row.cash_counted - row.cash}


@blp.route("/shifts/<int:shift_id>/takings", roles=ON_SHIFTS)
@blp.response(200, TakingsSchema)
@blp.alt_response(204, description="No takings are recorded for the shift yet (a PUT records them)")
def get_takings(shift_id: int):
    """The shift's takings, once recorded."""
    shift = shift_views.get_or_404(Shift, shift_id)
    shift_views._may_record(shift)
    row = db.session.scalar(select(Takings).where(Takings.shift_id == shift.id))
    if row is None:
        return Response(status=204)  # not an empty object: the schema's amounts are required
    return {**{k: getattr(row, k) for k in ("cash", "card", "mobilepay", "cash_counted")}, "difference": row.cash_counted - row.cash}
