from marshmallow import fields, validate

from core.schemas import N_, Schema


class HouseholdSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=100), metadata={"label": N_("Name")})
    note = fields.String(validate=validate.Length(max=2000), metadata={"label": N_("Note"), "partner_only": True, "widget": "textarea"})
    size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20), metadata={"label": N_("Number of people")})
