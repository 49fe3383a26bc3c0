from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from core.audit import record
from core.db import db
from core.web.forms import form_errors, form_fields, load_form
from tests.example_plugin.models import Household
from tests.example_plugin.schemas import HouseholdSchema

bp = Blueprint("example", __name__, template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
def index():
    schema = HouseholdSchema()
    values, errors = {}, {}
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        if data is not None:
            db.session.add(Household(name=data["name"], note=data.get("note")))
            db.session.commit()
            return redirect(url_for("example.index"))
        values = request.form
    households = db.session.scalars(select(Household).order_by(Household.name)).all()
    record("search", criterion="household list")
    return render_template(
        "example/index.html", households=households, fields=form_fields(schema, values, errors), general_errors=form_errors(errors)
    ), (422 if errors else 200)
