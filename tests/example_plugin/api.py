from flask import abort
from sqlalchemy import select

from core.api.pagination import Blueprint, page_of
from core.audit import record
from core.db import db
from tests.example_plugin.models import Household
from tests.example_plugin.schemas import HouseholdSchema

blp = Blueprint("example_api", __name__, description="Households (example programme)")


@blp.route("/households")
@blp.response(200, HouseholdSchema(many=True))
@blp.paginate()
def list_households(pagination_parameters):
    record("search", criterion="household list")
    return page_of(select(Household).order_by(Household.id), pagination_parameters)


@blp.route("/households", methods=["POST"])
@blp.arguments(HouseholdSchema)
@blp.response(201, HouseholdSchema)
def create_household(data):
    household = Household(name=data["name"], note=data.get("note"))
    db.session.add(household)
    db.session.commit()
    record("create", subject=f"example.household:{household.id}")
    return household


@blp.route("/households/<int:household_id>")
@blp.response(200, HouseholdSchema)
def get_household(household_id: int):
    household = db.session.get(Household, household_id)
    if household is None:
        abort(404)
    record("view", subject=f"example.household:{household.id}")
    return household
