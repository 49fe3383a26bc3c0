"""Every page of every programme and of core sends as many SQL statements with 10x the data as with 1x.

The tenant's data is made by the benchmark's generator (bench/) at
``Profile.tiny()`` and then at ``Profile.tiny().scaled(10)``: ten times the
courses, and ten times the sessions and mothers per course, the reasons per
contact, the shifts per day, the volunteers ... A page that sends one query
per row it shows (an N+1) sends more statements the second time and fails
here, with the statements it sent. Pages are found from the URL map
(bench/pages.py), each tried as every role the authorization matrix admits;
a route whose URL parameters have no sample value fails (``NoSample``), so a
new page cannot slip past unmeasured. The JSON API lists have their own
guard (tests/test_api_statement_counts.py).

Each client opens the tenant's home page and each page is requested once
before anything is counted, so a per-process cache filled by a first request
(per page, person or organisation) does not count against the page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bench.counting import count_statements
from bench.fill import Context
from bench.fill.billing import bill
from bench.generate import clear_tenant, fill_tenant, owner_engine, tenant_plans
from bench.pages import TRIED_ROLES, NoSample, Page, page_rules, roles_for, signed_in_volunteer_id, tenant_pages
from bench.profile import Profile
from core.calendar import copenhagen_today
from core.db import db
from core.identity.models import User
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from core.testing.fixtures import sign_in

SLUG = "alpha"
FACTOR = 10


@pytest.fixture(autouse=True)
def _last_seen_once(monkeypatch):
    """A session's last-seen time is written once a minute: that write would land in whichever page crossed the minute."""
    monkeypatch.setattr("core.identity.sessions.LAST_SEEN_RESOLUTION", timedelta(days=1))


@pytest.fixture(autouse=True)
def _purged_as_owner(app, tenant_a):
    """After each test the tenant's rows go as the tables' owner: issued invoices are never deleted by the app's roles."""
    yield
    from sqlalchemy import text

    engine = owner_engine(app)
    with engine.begin() as connection:
        clear_tenant(connection, tenant_a)
        connection.execute(text("DELETE FROM billing_number_series"))  # the organisations' invoice numbers, used by the runs
    if engine.url.get_backend_name() != "sqlite":
        engine.dispose()


def _example(ctx: Context) -> None:
    """The test plugin's households, as many as a course has mothers, each with as many members."""
    from tests.example_plugin.models import Household, Member

    for n in range(ctx.profile.mothers_per_course):
        household = ctx.add(Household.__table__, name=f"Husstand {n}", note="(bench)")
        for m in range(ctx.profile.mothers_per_course):
            ctx.add(Member.__table__, household_id=household, name=f"Medlem {m}")


def _fill(app, factor: int) -> None:
    """The tenant's data replaced by ``Profile.tiny().scaled(factor)``, and last year's invoices issued."""
    plan = tenant_plans(app, [SLUG])[0]
    engine = owner_engine(app)
    with engine.begin() as connection:
        clear_tenant(connection, plan.tenant_id)
        fill_tenant(connection, plan, Profile.tiny().scaled(factor), copenhagen_today(), extra={"example": _example})
    if engine.url.get_backend_name() != "sqlite":
        engine.dispose()
    bill(app, [plan.tenant_id], years=1)


def _link_volunteer(app, user_id: int, tenant_id: int) -> None:
    """The signed-in volunteer is the registry's volunteer the pages are sampled for (her own pages show her rows)."""
    from core.volunteers.models import Volunteer

    with app.app_context(), tenant_context(tenant_id):
        user = db.session.get_one(User, user_id)
        chosen = db.session.get_one(Volunteer, signed_in_volunteer_id())
        chosen.login_subject = f"{user.issuer}|{user.subject}"
        db.session.commit()
        db.session.remove()


def _clients(app, tenant_id: int) -> tuple[dict[str | None, Any], dict[str | None, int]]:
    """A signed-in client per role tried (the volunteer linked to the registry), an anonymous one, and the users."""
    clients: dict[str | None, Any] = {None: app.test_client()}
    users: dict[str | None, int] = {}
    for role in TRIED_ROLES:
        client = app.test_client()
        users[role] = sign_in(app, client, role, SLUG)
        if role == "volunteer":
            _link_volunteer(app, users[role], tenant_id)
        client.get(f"/{SLUG}/")  # what is cached per person or organisation, cached before anything is counted
        clients[role] = client
    return clients, users


def _pages(app, tenant_id: int, *, users: dict, rules: list | None = None) -> list[tuple[Page, str]]:
    """Each page with its URL, sampled in the tenant's context."""
    from flask import g

    with app.test_request_context(f"/{SLUG}/"), tenant_context(tenant_id):
        g.tenant = db.session.get(Tenant, tenant_id)
        pages = tenant_pages(app, SLUG, rules=rules, users=users)
        urls = [(page, page.url(SLUG)) for page in pages]
        db.session.remove()
    return urls


def _measure(app, tenant_id: int) -> dict[tuple, tuple[int, str, str]]:
    """Statements of each page: key -> (count, URL, the statements)."""
    clients, users = _clients(app, tenant_id)
    warm: set[str] = set()
    found = {}
    for page, url in _pages(app, tenant_id, users=users):
        client = clients[page.role]
        if url not in warm:
            warm.add(url)
            client.get(url)
        with count_statements() as seen:
            response = client.get(url)
        assert response.status_code == 200, f"{page.label}: GET {url} answered {response.status_code}"
        found[page.key] = (seen.count, url, seen.summary())
    return found


def test_every_page_sends_as_many_statements_at_ten_times_the_data(app, tenant_a):
    _fill(app, 1)
    small = _measure(app, tenant_a)
    _fill(app, FACTOR)
    large = _measure(app, tenant_a)
    assert set(small) == set(large)
    grew = [
        f"{key}: {small[key][0]} -> {large[key][0]} statements ({large[key][1]});\nat 1x:\n{small[key][2]}\nat {FACTOR}x:\n{large[key][2]}"
        for key in sorted(small, key=str)
        if large[key][0] != small[key][0]
    ]
    assert not grew, "pages whose statements grow with the data (an N+1):\n\n" + "\n\n".join(grew)


def test_every_page_rule_is_measured(app, tenant_a):
    """Each GET page rule under /<tenant>/ that some role may open yields a measured page."""
    _fill(app, 1)
    measured = {page.rule for page, _ in _pages(app, tenant_a, users=_clients(app, tenant_a)[1])}
    rules = {rule.rule for rule in page_rules(app) if roles_for(app, rule)}
    assert rules and rules == measured


def test_a_route_without_a_sample_value_fails_loudly(app, tenant_a):
    """A new page whose parameter has no sample value is an error, never skipped."""
    from werkzeug.routing import Map, Rule

    _fill(app, 1)
    rule = Rule("/<tenant>/mother_groups/widgets/<int:widget_id>", endpoint="mother_groups.index", methods=["GET"])
    Map([rule])  # bound to a map of its own (the app's stays as it is), so it knows its arguments
    with pytest.raises(NoSample, match="widget_id"):
        _pages(app, tenant_a, users={}, rules=[rule])
