"""A list page or API list records every person it shows, so each person's audit report has it."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.context import tenant_context


def _subjects(app, tenant_id: int, route_part: str) -> set[str]:
    with app.app_context(), tenant_context(tenant_id):  # the audit trail is under RLS on PostgreSQL
        return set(
            db.session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "search", AuditEvent.route.contains(route_part)))
        )


def test_counselling_lists_record_each_family_shown(app, client_for, tenant_a):
    from plugins.open_counselling.services import register_contact

    with app.app_context(), tenant_context(tenant_a):
        contact = register_contact(
            {
                "family_number": "L-1",
                "day": date(2026, 11, 2),
                "channel": "phone",
                "duration_minutes": 10,
                "reasons": ["housing"],
                "need_level": 1,
            },
            "test",
        )
        db.session.commit()
        family = f"open_counselling.family:{contact.family_id}"
    counsellor = client_for("alpha", "partner_staff")
    assert counsellor.get("/alpha/open_counselling/families/").status_code == 200
    assert family in _subjects(app, tenant_a, "/open_counselling/families/")
    assert counsellor.get("/alpha/api/v1/open_counselling/families").status_code == 200
    assert family in _subjects(app, tenant_a, "/api/v1/open_counselling/families")
    assert counsellor.get("/alpha/api/v1/open_counselling/contacts").status_code == 200
    assert family in _subjects(app, tenant_a, "/api/v1/open_counselling/contacts")


def test_mother_and_volunteer_lists_record_each_person_shown(app, client_for, tenant_a):
    from core.testing.fixtures import organisation_id
    from core.volunteers.models import Volunteer
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant_a):
        mother = create_mother({"name": "Listemor"}, "test")
        volunteer = Volunteer(name="Listefrivillig", organisation_id=organisation_id(app, "testforeningen"))
        db.session.add(volunteer)
        db.session.commit()
        mother_subject, volunteer_subject = f"mother_groups.mother:{mother.id}", f"volunteer:{volunteer.id}"
    staff = client_for("alpha", "partner_staff")
    assert staff.get("/alpha/mother_groups/mothers/").status_code == 200
    assert mother_subject in _subjects(app, tenant_a, "/mother_groups/mothers/")
    assert staff.get("/alpha/volunteers/").status_code == 200
    assert volunteer_subject in _subjects(app, tenant_a, "/volunteers/")
    assert staff.get("/alpha/api/v1/volunteers").status_code == 200
    assert volunteer_subject in _subjects(app, tenant_a, "/api/v1/volunteers")


def test_course_and_attendance_pages_record_each_mother_shown(app, client_for, tenant_a):
    from plugins.mother_groups.models import Course, CourseSession
    from plugins.mother_groups.services import create_mother, enrol

    with app.app_context(), tenant_context(tenant_a):
        course = Course(name="Revisionsforløb", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), weekday=1)
        course.capacity_min, course.capacity_max, course.status = 2, 8, "running"
        db.session.add(course)
        db.session.flush()
        mother = create_mother({"name": "Kursusmor"}, "test")
        enrol(course, mother, date(2026, 1, 6))
        meeting = CourseSession(course_id=course.id, date=date(2026, 1, 13), start_time=time(10))
        db.session.add(meeting)
        db.session.commit()
        subject, course_id, session_id = f"mother_groups.mother:{mother.id}", course.id, meeting.id
    staff = client_for("alpha", "partner_staff")
    assert staff.get(f"/alpha/mother_groups/courses/{course_id}").status_code == 200
    assert subject in _subjects(app, tenant_a, "/mother_groups/courses/<int:course_id>")
    assert staff.get(f"/alpha/mother_groups/sessions/{session_id}/attendance").status_code == 200
    assert subject in _subjects(app, tenant_a, "/mother_groups/sessions/<int:session_id>/attendance")
