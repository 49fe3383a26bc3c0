"""Bounded work: a course cannot span centuries, and generating its sessions stays bounded (issue 10).

The domain says 9-10 months (a warning outside that); beyond 24 months a course
is refused with a field error, so "generate sessions" makes at most about 105
weekly sessions. A course stored before that check is refused by "generate
sessions" itself before any date is computed, and nothing is written.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.programme import db
from core.testing import tenant_context
from core.testing.fixtures import csrf_from
from plugins.mother_groups.models import Course, CourseSession

API = "/alpha/api/v1/mother_groups"
MAX_COURSE_MONTHS = 24  # plugins.mother_groups.schemas.MAX_COURSE_MONTHS
TOO_LONG = f"Et forløb kan højst vare {MAX_COURSE_MONTHS} måneder."


def _count(app, tenant, model) -> int:
    with app.app_context(), tenant_context(tenant):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def test_a_course_of_a_thousand_years_is_refused_naming_the_end_date(app, client_for, tenant_a):
    client = client_for("alpha")
    refused = client.post(f"{API}/courses", json={"name": "Forløb Evig", "start_date": "2026-01-05", "end_date": "3026-01-05"})
    assert refused.status_code == 422 and refused.get_json()["errors"]["json"]["end_date"] == [TOO_LONG]
    page = client.get("/alpha/mother_groups/")
    form = client.post(
        "/alpha/mother_groups/courses",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "name": "Forløb Evig",
            "start_date": "2026-01-05",
            "end_date": "9999-12-31",
        },
    )
    assert form.status_code == 422 and TOO_LONG in form.get_data(as_text=True)
    assert _count(app, tenant_a, Course) == 0


def test_the_maximum_is_24_months_to_the_day(client_for):
    client = client_for("alpha")
    longest = client.post(f"{API}/courses", json={"name": "Forløb Langt", "start_date": "2026-01-05", "end_date": "2028-01-05"})
    assert longest.status_code == 201
    one_day_more = client.post(f"{API}/courses", json={"name": "Forløb Længere", "start_date": "2026-01-05", "end_date": "2028-01-06"})
    assert one_day_more.status_code == 422 and "end_date" in one_day_more.get_json()["errors"]["json"]


def test_generate_sessions_refuses_a_course_stored_before_the_bound(app, client_for, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Forløb Gammelt",
            start_date=date(2026, 1, 6),
            end_date=date(3026, 1, 6),
            weekday=1,
            capacity_min=2,
            capacity_max=8,
            status="planned",
        )
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    client = client_for("alpha")
    refused = client.post(f"{API}/courses/{course_id}/sessions")
    problem = refused.get_json()
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert problem["errors"]["json"]["end_date"] == [TOO_LONG]
    page = client.get(f"/alpha/mother_groups/courses/{course_id}")
    form = client.post(f"/alpha/mother_groups/courses/{course_id}/sessions", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert form.status_code == 422 and TOO_LONG in form.get_data(as_text=True)
    assert _count(app, tenant_a, CourseSession) == 0


def test_generated_sessions_are_bounded_by_the_course(app, client_for, tenant_a):
    client = client_for("alpha")
    course = client.post(f"{API}/courses", json={"name": "Forløb Maks", "start_date": "2026-01-05", "end_date": "2028-01-05"}).get_json()
    created = client.post(f"{API}/courses/{course['id']}/sessions")
    assert created.status_code in (200, 201)
    assert 95 <= len(created.get_json()) <= 24 * 31 // 7 + 1  # weekly, holidays skipped


def test_a_housing_area_of_another_tenant_or_none_is_a_field_error(app, client_for, tenant_a, tenant_b):
    from plugins.mother_groups.models import HousingArea

    with app.app_context(), tenant_context(tenant_b):
        area = HousingArea(name="Beta Syd")
        db.session.add(area)
        db.session.commit()
        foreign = area.id
    client = client_for("alpha")
    for housing_area_id in (foreign, 987654):
        body = {"name": "Forløb Syd", "start_date": "2026-01-05", "end_date": "2026-10-15", "housing_area_id": housing_area_id}
        refused = client.post(f"{API}/courses", json=body)
        assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == {"housing_area_id": ["Findes ikke."]}
        assert "Beta Syd" not in refused.get_data(as_text=True)
    assert _count(app, tenant_a, Course) == 0
