"""Each tenant's JSON API under ``/<tenant>/api/v1/``, documented by OpenAPI.

flask-smorest builds one specification from the marshmallow schemas of every
registered endpoint; ``openapi.tenant_document`` cuts from it the document of
one tenant: its own server URL and only the programmes it has enabled.
Invalid input gets 422 with the errors per field, before a view runs, so
nothing is written.
"""
from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api

from core.api import openapi, views
from core.plugins.host import plugin_host
from core.tenancy.web import TENANT_URL_PREFIX
from core.web.forms import csrf

API_PREFIX = f"{TENANT_URL_PREFIX}/api/v1"


class JSONProvider(DefaultJSONProvider):
    @staticmethod
    def default(o):  # lazy translated messages become text in the request's language
        if hasattr(o, "__html__") or type(o).__name__ in {"LazyString", "_Translated"}:
            return str(o)
        return DefaultJSONProvider.default(o)


def init_api(app: Flask) -> None:
    app.json = JSONProvider(app)
    api = Api(app)
    app.extensions["samvirke_api"] = api
    host = plugin_host(app)
    programmes_by_blueprint = app.extensions["samvirke_blueprint_programmes"]

    # Named schemas first, so endpoints that use them refer to these names.
    for _, schemas in host.call_each("samvirke_schemas"):
        for name, schema in schemas.items():
            api.spec.components.schema(name, schema=schema)

    csrf.exempt(views.blp)
    api.register_blueprint(views.blp, url_prefix=API_PREFIX)
    # The volunteer registry is core: every tenant has it, whatever its programmes.
    from core.volunteers.api import blp as volunteers_blp

    csrf.exempt(volunteers_blp)
    api.register_blueprint(volunteers_blp, url_prefix=API_PREFIX)
    for programme, blueprints in host.call_each("samvirke_api_blueprints"):
        if programme is None:
            raise ValueError("An API blueprint must belong to a programme plugin")
        for blp in blueprints:
            csrf.exempt(blp)
            api.register_blueprint(blp, url_prefix=f"{API_PREFIX}/{programme.key}")
            programmes_by_blueprint[blp.name] = programme.key

    app.register_blueprint(openapi.bp, url_prefix=API_PREFIX)
