"""A national coordinator reaches no page that shows a person: every route of the app, tried."""

from __future__ import annotations

import re

from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.testing.fixtures import sign_in

PERSONS = ("Familien Hansen", "Amira", "Fortroligt notat", "Mor Alfa")


def _url(rule, ids: dict[str, int]) -> str:
    def sample(match: re.Match) -> str:
        converter, name = (match.group(1) or "string"), match.group(2)
        if name == "tenant":
            return "alpha"
        if converter == "int":
            return str(ids.get(name, 1))
        return {"realm": "alpha", "filename": "x.css"}.get(name, "x")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", sample, rule.rule)


def test_no_route_shows_a_national_coordinator_a_person(app, lookalike_data, tenant_a):
    from core.db import db
    from core.tenancy.context import tenant_context
    from tests.national.test_dashboard import _course

    with app.app_context(), tenant_context(tenant_a):
        _course("Alfa hold", 6, [6], visit=True)
        db.session.remove()
    client = app.test_client()
    sign_in(app, client, R.NATIONAL_COORDINATOR, None, "testforeningen")
    ids = {"household_id": lookalike_data["alpha"]["household"], "member_id": lookalike_data["alpha"]["member"]}
    tried, opened = 0, []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/dev-idp") or "logout" in rule.rule:
            continue
        url = _url(rule, ids)
        response = client.get(url)
        tried += 1
        body = response.get_data(as_text=True)
        for name in PERSONS:
            assert name not in body, f"{url} showed {name!r} to a national coordinator"
        allowed = allowed_roles(rule.rule, "GET", app) or frozenset()
        if PUBLIC in allowed:
            continue  # what anyone may read (the front page, a programme's opening hours)
        if response.status_code == 200:
            opened.append(rule.rule)
    assert tried > 80
    # Besides what is public, only the national view and the list of one's own exports answer.
    assert sorted(opened) == ["/national/", "/national/exports"], opened  # its files need a format: tried in test_dashboard
