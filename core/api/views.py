"""Core's own API endpoints."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import fields

from core.partnerships.access import programmes_for_request
from core.plugins.host import plugin_host
from core.schemas import Schema

blp = Blueprint("core_api", __name__, description="Tenant information")


class ProgrammeSchema(Schema):
    key = fields.String()
    # In the platform's language (Danish): an API request has no UI language of its own.
    name = fields.String()


class TenantSchema(Schema):
    slug = fields.String()
    name = fields.String()
    municipality_code = fields.String()
    cvr = fields.String()
    invoice_ean = fields.String()
    programmes = fields.List(fields.Nested(ProgrammeSchema))


@blp.route("/tenant")
@blp.response(200, TenantSchema)
def tenant_info():
    """The tenant this API belongs to, with its enabled programmes."""
    programmes = plugin_host().programmes()
    tenant = g.tenant
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "municipality_code": tenant.municipality_code,
        "cvr": tenant.cvr,
        "invoice_ean": tenant.invoice_ean,
        "programmes": [programmes[k] for k in sorted(programmes_for_request()) if k in programmes],
    }
