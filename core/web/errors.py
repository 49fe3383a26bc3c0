"""Error pages: HTML for pages, JSON for the API, the same status either way."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def init_errors(app: Flask) -> None:
    # Registered after flask-smorest's handler, so this one decides:
    # JSON under /api/, an HTML page elsewhere.
    def handle(exc: HTTPException):
        if "/api/" in request.path:
            api = app.extensions.get("samvirke_api")
            if api is not None:
                return api.handle_http_exception(exc)
            return jsonify({"code": exc.code, "status": exc.name}), exc.code
        # The same page for every cause: no tenant name, menu, echoed path or
        # form token, so a foreign tenant or object looks exactly like a missing one.
        return render_template("errors/error.html", error=exc, tenant=None, menu=[], plain=True), exc.code

    app.register_error_handler(HTTPException, handle)
