"""The volunteer registry, shared by every programme (core).

Volunteers belong to a tenant and a partner organisation; the registry keeps
training, insurance and the child-protection certificate (børneattest) life
cycle: requested (with consent), assessed (date, result), valid until, and
when the certificate document was deleted. It stores the assessment, never
the document. A daily job warns 60 and 30 days before a certificate or the
insurance runs out.
"""
from __future__ import annotations

from flask import Flask


def init_volunteers(app: Flask) -> None:
    """Register the registry's pages (the API blueprint is registered by core.api)."""
    from core.volunteers.views import bp

    app.register_blueprint(bp)
