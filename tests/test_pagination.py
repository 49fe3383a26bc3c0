"""Long lists page with links (core/web/pagination.py) instead of being cut, and the search boxes find in SQL.

Each list is filled past one page and asked for with a small ``per_page``: the
rows of page 2 are there, those of page 1 are not, the links keep the other
query parameters, and a bad page number is a 400 in Danish, never a 500.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.calendar import copenhagen_today
from core.db import db
from core.tenancy.context import tenant_context
from core.testing.fixtures import organisation_id

PER_PAGE = 3


def _rows(html: str, marker: str) -> list[str]:
    return re.findall(marker, html)


def _nav(html: str) -> str:
    found = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    assert found, "no pagination links on the page"
    return found.group(0)


# --- the helper ----------------------------------------------------------------------


def test_window_and_links_keep_other_parameters(app):
    from core.web.pagination import Paged

    with app.test_request_context("/alpha/x?q=an&page=7&per_page=10"):
        paged = Paged(
            items=[], page=7, per_page=10, total=200, endpoint_path="/alpha/x", args=(("q", "an"), ("page", "7"), ("per_page", "10"))
        )
        assert paged.pages == 20
        assert paged.window() == [1, None, 5, 6, 7, 8, 9, None, 20]
        assert paged.url(8) == "/alpha/x?q=an&per_page=10&page=8"
        assert paged.url(1) == "/alpha/x?q=an&per_page=10"
        assert (paged.first_number, paged.last_number) == (61, 70)
        empty = Paged(items=[], page=1, per_page=10, total=0, endpoint_path="/x", args=())
        assert (empty.pages, empty.first_number, empty.window(), empty.has_next) == (1, 0, [1], False)


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=-1", "page=1.5", "page=%2B2", "per_page=0", "per_page=201", "per_page=x"])
def test_a_bad_page_parameter_is_a_danish_400(client_for, query):
    staff = client_for("alpha", "partner_staff")
    response = staff.get(f"/alpha/mother_groups/mothers/?{query}")
    assert response.status_code == 400
    assert "skal være et helt tal fra 1 til" in response.get_data(as_text=True)


def test_an_overlong_search_is_a_400(client_for):
    response = client_for("alpha", "partner_staff").get("/alpha/volunteers/?q=" + "a" * 101)
    assert response.status_code == 400


# --- mothers: pages, search, audit ----------------------------------------------------------


@pytest.fixture
def mothers(app, tenant_a):
    from plugins.mother_groups.services import create_mother

    names = [f"Pagemor {n:02d}" for n in range(7)] + ["Anna 100% sikker", "Under_streg", "Andersen"]
    with app.app_context(), tenant_context(tenant_a):
        ids = {name: create_mother({"name": name}, "test").id for name in names}
        erased = create_mother({"name": "Slettet"}, "test")
        erased.name, erased.anonymised_at = None, erased.created_at  # anonymised: no name left
        db.session.commit()
    return ids


def test_mothers_page_two_shows_the_next_rows_and_links(client_for, mothers):
    staff = client_for("alpha", "partner_staff")
    first = staff.get(f"/alpha/mother_groups/mothers/?per_page={PER_PAGE}").get_data(as_text=True)
    second = staff.get(f"/alpha/mother_groups/mothers/?per_page={PER_PAGE}&page=2").get_data(as_text=True)
    # Ordered by name: Andersen, Anna 100% sikker, Pagemor 00 | Pagemor 01, 02, 03 | ...
    assert "Andersen" in first and "Pagemor 01" not in first
    assert "Pagemor 01" in second and "Andersen" not in second
    nav = _nav(second)
    assert 'aria-current="page"' in nav and ">2</a>" in nav
    assert "per_page=3&amp;page=3" in nav  # the next page keeps per_page
    assert "Viser 4–6 af 10" in second


def test_a_page_past_the_last_shows_the_last(client_for, mothers):
    html = client_for("alpha", "partner_staff").get(f"/alpha/mother_groups/mothers/?per_page={PER_PAGE}&page=999").get_data(as_text=True)
    assert "Under_streg" in html and "Viser 10–10 af 10" in html


def test_mother_search_is_case_insensitive_and_literal(client_for, mothers):
    staff = client_for("alpha", "partner_staff")

    def found(q: str) -> str:
        response = staff.get("/alpha/mother_groups/mothers/", query_string={"q": q})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "Pagemor 03" in found("pagemor 0") and "Andersen" not in found("pagemor 0")
    percent = found("%")
    assert "Anna 100% sikker" in percent and "Andersen" not in percent and "Pagemor" not in percent
    underscore = found("_")
    assert "Under_streg" in underscore and "Andersen" not in underscore
    assert "Ingen mor passer til søgningen." in found("zzz")


def test_search_and_pages_go_together(client_for, mothers):
    html = client_for("alpha", "partner_staff").get("/alpha/mother_groups/mothers/?q=pagemor&per_page=3&page=2").get_data(as_text=True)
    assert "Pagemor 03" in html and "Pagemor 00" not in html
    assert "q=pagemor" in _nav(html)


def test_the_audit_records_the_mothers_of_the_page_shown(app, client_for, mothers, tenant_a):
    client_for("alpha", "partner_staff").get("/alpha/mother_groups/mothers/?per_page=3&page=2")
    with app.app_context(), tenant_context(tenant_a):
        event = db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "search",
                AuditEvent.criterion == "mother list",
                AuditEvent.subject == f"mother_groups.mother:{mothers['Pagemor 01']}",
            )
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        shown_first = db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.id > event.id - 10, AuditEvent.subject == f"mother_groups.mother:{mothers['Andersen']}")
        )
    assert shown_first is None  # page 1's mother was not shown, so not recorded


# --- every other long list ----------------------------------------------------------------------


def _fill_lists(tenant_id: int, org: int) -> None:
    from core.volunteers.models import Volunteer
    from plugins.mother_groups.models import Course, CourseSession, Referral
    from plugins.mother_groups.services import create_mother
    from plugins.open_counselling.models import Notification
    from plugins.open_counselling.services import register_contact
    from plugins.volunteer_association.models import Activity, GrantApplication

    today = copenhagen_today()
    with tenant_context(tenant_id):
        for n in range(PER_PAGE + 2):
            db.session.add(Volunteer(name=f"Sidefrivillig {n}", organisation_id=org))
            contact = register_contact(
                {
                    "family_number": f"SIDE-{n}",
                    "day": today - timedelta(days=n),
                    "channel": "phone",
                    "duration_minutes": 5,
                    "reasons": ["housing"],
                    "need_level": 1,
                },
                "test",
            )
            db.session.add(
                Notification(
                    family_id=contact.family_id,
                    day=today - timedelta(days=n),
                    ground="g",
                    author="a",
                    recipient_unit=f"Enhed {n}",
                    channel="email",
                )
            )
            db.session.add(Activity(kind="help", title=f"Sideaktivitet {n}", day=today - timedelta(days=n)))
            db.session.add(GrantApplication(funder=f"Sidefond {n}", amount_applied=Decimal(100), applied_on=today - timedelta(days=n)))
            course = Course(name=f"Sideforløb {n}", start_date=today - timedelta(days=30 + n), end_date=today + timedelta(days=90))
            db.session.add(course)
            db.session.flush()
            db.session.add(CourseSession(course_id=course.id, date=today + timedelta(days=7 + n), start_time=time(10)))
            mother = create_mother({"name": f"Sidehenvist {n}"}, "test")
            db.session.add(Referral(mother_id=mother.id, referred_by="test", referred_on=today - timedelta(days=n)))
        db.session.commit()


LISTS = [
    ("/alpha/volunteers/", "partner_staff", "Sidefrivillig 0", "Sidefrivillig 4"),
    ("/alpha/open_counselling/", "partner_staff", "SIDE-0", "SIDE-4"),
    ("/alpha/open_counselling/families/", "partner_staff", "SIDE-0", "SIDE-4"),
    ("/alpha/open_counselling/notifications/", "partner_staff", "Enhed 0", "Enhed 4"),
    ("/alpha/volunteer_association/activities/", "partner_staff", "Sideaktivitet 0", "Sideaktivitet 4"),
    ("/alpha/volunteer_association/grants/", "partner_staff", "Sidefond 0", "Sidefond 4"),
    ("/alpha/mother_groups/", "partner_staff", "Sideforløb 0", "Sideforløb 4"),
    ("/alpha/mother_groups/referrals/", "partner_staff", "Sidehenvist 0", "Sidehenvist 4"),
    ("/alpha/mother_groups/my-sessions", "partner_staff", "Sideforløb 0", "Sideforløb 4"),
]


@pytest.mark.parametrize(("url", "role", "on_first", "on_last"), LISTS, ids=[u for u, *_ in LISTS])
def test_each_long_list_pages(app, client_for, tenant_a, url, role, on_first, on_last):
    with app.app_context():
        _fill_lists(tenant_a, organisation_id(app, "testforeningen"))
    user = client_for("alpha", role)
    first = user.get(f"{url}?per_page={PER_PAGE}")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert on_first in html and on_last not in html
    nav = _nav(html)
    assert f"per_page={PER_PAGE}&amp;page=2" in nav
    last = user.get(f"{url}?per_page={PER_PAGE}&page=2").get_data(as_text=True)
    assert on_last in last and on_first not in last


def test_volunteer_and_family_search(app, client_for, tenant_a):
    with app.app_context():
        _fill_lists(tenant_a, organisation_id(app, "testforeningen"))
    staff = client_for("alpha", "partner_staff")
    volunteers = staff.get("/alpha/volunteers/?q=SIDEFRIVILLIG 3").get_data(as_text=True)
    assert "Sidefrivillig 3" in volunteers and "Sidefrivillig 1" not in volunteers
    families = staff.get("/alpha/open_counselling/families/?q=side-2").get_data(as_text=True)
    assert "SIDE-2" in families and "SIDE-1" not in families


# --- the JSON API -------------------------------------------------------------------------


# Lists bounded by what they belong to: one session's group (at most a course's capacity).
NOT_PAGED = {"/<tenant>/api/v1/mother_groups/sessions/<int:session_id>/attendance"}


def test_every_api_list_is_paginated(app):
    unpaged = []
    for rule in app.url_map.iter_rules():
        if "/api/" not in rule.rule or "GET" not in (rule.methods or ()) or rule.rule in NOT_PAGED:
            continue
        apidoc = getattr(app.view_functions[rule.endpoint], "_apidoc", {})
        responses = apidoc.get("response", {}).get("responses", {})
        many = any(getattr(spec.get("schema"), "many", False) for spec in responses.values() if isinstance(spec, dict))
        if many and "pagination" not in apidoc:
            unpaged.append(rule.rule)
    assert not unpaged, f"API lists without pagination: {unpaged}"


def test_the_failed_jobs_page_pages_instead_of_cutting_at_100(app, client_for):
    from datetime import UTC, datetime

    from core.jobs.models import JobRun
    from core.tenancy.context import cross_tenant

    with app.app_context(), cross_tenant("test: failed runs"):
        for n in range(3):
            db.session.add(
                JobRun(
                    job_name=f"side.job{n}",
                    tenant_id=None,
                    scope_key="platform",
                    status="failed",
                    finished_at=datetime(2026, 1, n + 1, tzinfo=UTC),
                )
            )
        db.session.commit()
    admin = client_for(None, "platform_admin")
    first = admin.get("/admin/jobs?per_page=2").get_data(as_text=True)
    assert "side.job2" in first and "side.job0" not in first
    assert "side.job0" in admin.get("/admin/jobs?per_page=2&page=2").get_data(as_text=True)


def test_every_running_course_has_its_session_to_record_however_many_the_others_have(app, client_for, tenant_a):
    """The latest session of each course is ranked in SQL: once cut at 40 sessions, a quiet course was left out."""
    from plugins.mother_groups.models import Course, CourseSession

    today = copenhagen_today()
    with app.app_context(), tenant_context(tenant_a):
        busy = Course(name="Travlt forløb", start_date=today - timedelta(days=200), end_date=today + timedelta(days=30), status="running")
        quiet = Course(name="Stille forløb", start_date=today - timedelta(days=300), end_date=today + timedelta(days=30), status="running")
        db.session.add_all([busy, quiet])
        db.session.flush()
        db.session.add(CourseSession(course_id=quiet.id, date=today - timedelta(days=100), start_time=time(10)))
        db.session.add_all(CourseSession(course_id=busy.id, date=today - timedelta(days=n), start_time=time(10)) for n in range(1, 51))
        db.session.commit()
    html = client_for("alpha", "partner_staff").get("/alpha/mother_groups/my-sessions").get_data(as_text=True)
    record_now = html[html.index('id="record-now"') : html.index('id="coming"')]
    assert "Travlt forløb" in record_now and "Stille forløb" in record_now
    assert record_now.count("/attendance") == 2  # one session a course
