"""A café afternoon (lektiecafé), its children counted by age band and never named: the tables, the schema, the pages, the API."""

from datetime import date, time
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import fields, validate
from sqlalchemy import Date, String, Text, Time, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

import core.programme as kit
from core.programme import N_, Model, Schema, TenantScoped, Volunteer, db, form_errors, form_fields, load_form
from core.programme import tenant_reference as ref

KEY = "homework_cafe"
BANDS = {"children_6_9": N_("6-9 years"), "children_10_12": N_("10-12 years"), "children_13_16": N_("13-16 years")}
BANDS |= {"children_17_plus": N_("17 years or older")}  # a count per age band, never a name: GDPR-minimal by design


class Helper(TenantScoped, Model):
    __tablename__ = "homework_cafe_helpers"
    __tenant_table_args__: tuple = (ref("session_id", "homework_cafe_sessions", ondelete="CASCADE"),)
    __tenant_table_args__ += (ref("volunteer_id", "volunteers", ondelete="CASCADE"), UniqueConstraint("session_id", "volunteer_id"))
    session_id: Mapped[int] = mapped_column()
    volunteer_id: Mapped[int] = mapped_column(index=True)


class CafeSession(TenantScoped, Model):
    __tablename__ = "homework_cafe_sessions"
    day: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(120))
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column()  # ends - starts: volunteer hours add up in SQL on every database
    notes: Mapped[str | None] = mapped_column(Text)
    children_6_9: Mapped[int] = mapped_column(default=0)
    children_10_12: Mapped[int] = mapped_column(default=0)
    children_13_16: Mapped[int] = mapped_column(default=0)
    children_17_plus: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[list[Volunteer]] = relationship(Volunteer, secondary=Helper.__table__, order_by=Volunteer.name)


def volunteers_here(model: Any = Volunteer) -> Any:  # of the organisations running the café here; one's own when acting for one
    ids, principal = {o.id for o in kit.organisations_of_programme(KEY)}, kit.current_principal()
    return model.organisation_id.in_(ids & {principal.organisation_id} if principal and principal.acts_for_organisation else ids)


COUNTS = {band: fields.Integer(load_default=0, validate=validate.Range(0, 500), metadata={"label": label}) for band, label in BANDS.items()}
NOTES = {"label": N_("Notes (never a child's name)"), "partner_only": True}
NEW, RECORDED = ["day", "place", "starts", "ends", "notes"], [*BANDS, "volunteer_ids"]  # the two forms: ``only=``


# A session: the form for a new one (``only=NEW``), the form of what was recorded at it (``RECORDED``), the API's answer.
class CafeSchema(Schema.from_dict(COUNTS)):  # type: ignore[misc]
    id = fields.Integer(dump_only=True)
    day = fields.Date(required=True, metadata={"label": N_("Date")})
    place = fields.String(required=True, validate=validate.Length(min=2, max=120), metadata={"label": N_("Place")})
    starts = fields.Time(required=True, metadata={"label": N_("Starts"), "widget": "time"})
    ends = fields.Time(required=True, metadata={"label": N_("Ends"), "widget": "time"})
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000), metadata=NOTES)  # optional: None when left out
    volunteers = fields.Method("_volunteers", metadata={"partner_only": True})  # who helped, and their certificate that day
    volunteer_ids = fields.List(kit.Reference(Volunteer, where=volunteers_here), load_default=list, load_only=True)

    def _volunteers(self, row: CafeSession) -> list[dict[str, Any]]:
        return [{"id": v.id, "name": v.name, "certificate_valid": v.certificate_valid_on(row.day)} for v in row.volunteers]


bp = kit.PageBlueprint("homework_cafe", __name__)
blp = kit.ApiBlueprint("homework_cafe_api", __name__, description="Homework café sessions: children counted by age band, never named")
NEWEST = (CafeSession.day.desc(), CafeSession.id.desc())


@bp.route("/", methods=["GET", "POST"], roles="programme_managers")
def index() -> Any:
    data, errors = load_form(CafeSchema(only=NEW), request.form) if request.method == "POST" else (None, {})
    if data is not None and data["ends"] <= data["starts"]:
        data, errors = None, {"ends": [gettext("The session must end after it starts.")]}
    if data is not None:
        row = CafeSession(**data, minutes=(data["ends"].hour - data["starts"].hour) * 60 + data["ends"].minute - data["starts"].minute)
        db.session.add(row)
        db.session.flush()
        flash(gettext("The session has been created."), "success")
        return redirect(url_for(".detail", cafe_session_id=row.id))
    fields = form_fields(CafeSchema(only=NEW), request.form if errors else {"day": kit.copenhagen_today().isoformat()}, errors)
    paged = kit.paginate(select(CafeSession).order_by(*NEWEST))
    return render_template("homework_cafe/index.html", paged=paged, fields=fields, errors=form_errors(errors)), 422 if errors else 200


@bp.route("/sessions/<int:cafe_session_id>", methods=["GET", "POST"], roles="programme_managers")
def detail(cafe_session_id: int) -> Any:
    row = kit.get_or_404(CafeSession, cafe_session_id)
    data, errors = load_form(CafeSchema(only=RECORDED), request.form) if request.method == "POST" else (None, {})
    if data is not None:  # the counts and who helped, in the request's one transaction
        row.volunteers = list(db.session.scalars(select(Volunteer).where(Volunteer.id.in_(data.pop("volunteer_ids")))))
        db.session.execute(update(CafeSession).where(CafeSession.id == row.id).values(**data))
        flash(gettext("The session's figures have been saved."), "success")
        return redirect(url_for(".detail", cafe_session_id=row.id))
    volunteers = db.session.scalars(select(Volunteer).where(volunteers_here()).order_by(Volunteer.name, Volunteer.id)).all()
    kit.record("search", criterion="homework café volunteers", subjects=[f"volunteer:{v.id}" for v in volunteers])
    fields = form_fields(CafeSchema(only=list(BANDS)), request.form if errors else {band: getattr(row, band) for band in BANDS}, errors)
    errors_shown = form_errors(errors) + form_errors({"_schema": errors.get("volunteer_ids", [])})
    shown = {"row": row, "out": CafeSchema().dump(row), "volunteers": volunteers}
    return render_template("homework_cafe/session.html", fields=fields, errors=errors_shown, **shown), 422 if errors else 200


@blp.route("/sessions", roles="agreement_parties")
@blp.response(200, CafeSchema(many=True))
@blp.paginate()
def list_sessions(pagination_parameters: Any) -> list[CafeSession]:
    rows = kit.page_of(select(CafeSession).options(selectinload(CafeSession.volunteers)).order_by(*NEWEST), pagination_parameters)
    kit.record("search", criterion="homework café sessions", subjects=sorted({f"volunteer:{v.id}" for r in rows for v in r.volunteers}))
    return rows


@blp.route("/sessions/<int:cafe_session_id>", roles="agreement_parties")
@blp.response(200, CafeSchema)
def get_session(cafe_session_id: int) -> CafeSession:
    row = kit.get_or_404(CafeSession, cafe_session_id)
    kit.record("search", criterion="homework café session", subjects=[f"volunteer:{v.id}" for v in row.volunteers])
    return row
