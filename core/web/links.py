"""A link to a page, for those who may open it: counters on the home page lead to the list behind them.

``link_to(text, endpoint)`` is the ``<a>`` when the authorization matrix lets
the signed-in person open ``endpoint`` (the rule menus use too), else the
text alone: a count is never a link to a 403.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from markupsafe import Markup


def may_open(endpoint: str) -> bool:
    from core.web import _may_open  # the menu's own rule

    return _may_open(endpoint)


def link_to(text: Any, endpoint: str, **values: Any) -> Markup:
    if not may_open(endpoint):
        return Markup("{}").format(text)
    return Markup('<a href="{}">{}</a>').format(url_for(endpoint, **values), text)


def public_pages() -> dict[str, list[str]]:
    """Per programme, the endpoints of its public pages: GET, open to everyone in the matrix, no parameter but the tenant.

    Files (a calendar feed, ``.ics``) are left out: the front page links pages.
    """
    from flask import current_app

    from core.identity.authz import PUBLIC, allowed_roles
    from core.tenancy.web import programme_of_blueprint

    found: dict[str, list[str]] = {}
    for rule in current_app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        programme = programme_of_blueprint(current_app, blueprint)
        if (
            programme is None
            or "GET" not in (rule.methods or ())
            or set(rule.arguments) != {"tenant"}
            or "." in rule.rule.rsplit("/", 1)[-1]
        ):
            continue
        if PUBLIC in (allowed_roles(rule.rule, "GET") or ()):
            found.setdefault(programme, []).append(rule.endpoint)
    return found
