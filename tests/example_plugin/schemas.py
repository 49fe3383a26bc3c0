from marshmallow import fields, validate

from core.schemas import N_, Schema


class HouseholdSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=100), metadata={"label": N_("Name")})
    size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20), metadata={"label": N_("Number of people")})
