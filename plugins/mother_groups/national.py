"""The programme's national key figures (``samvirke_national_figures``): one statement for every municipality.

Per tenant and year of the window core gives: courses running in the year,
mothers enrolled in it (joined by its end, not left before its start),
attendance (present of recorded, at the year's held sessions), courses with a
health visitor's visit (at any held session of the course), and the
volunteers on the year's courses. Counts only; core runs it across tenants,
computes the rates and puts the counts under disclosure control.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from core.programme import Measure, NationalFigures, Window
from plugins.mother_groups.models import Attendance, Course, CourseSession, CourseVolunteer, Enrolment, SessionActivity

MEASURES = [
    Measure("courses", _l("Courses"), "number"),
    Measure("mothers", _l("Mothers enrolled")),
    Measure("attendance", _l("Attendance (%)"), "percent", derived_from=("mothers",), rate_of=("present", "recorded")),
    Measure("visits", _l("Courses with a health-visitor visit (%)"), "percent", rate_of=("visited", "courses")),
    Measure("volunteers", _l("Volunteers")),
]


def figures_select(window: Window) -> Any:
    y = window.table
    # The models' tables, not the ORM entities: a plain aggregate, outside any tenant's criteria.
    courses_t, sessions_t, activities_t = Course.__table__, CourseSession.__table__, SessionActivity.__table__
    enrolments_t, volunteers_t, attendance_t = Enrolment.__table__, CourseVolunteer.__table__, Attendance.__table__
    c, s, a, e, v, at = courses_t.c, sessions_t.c, activities_t.c, enrolments_t.c, volunteers_t.c, attendance_t.c
    running = and_(window.overlapping(c.start_date, c.end_date), window.of_tenants(c.tenant_id))
    # Courses that had a visit, at any of their held sessions (not only the year's).
    visited = (
        select(s.tenant_id, s.course_id)
        .join(
            activities_t,
            and_(
                a.tenant_id == s.tenant_id,
                a.session_id == s.id,
                a.activity == "health_visitor_visit",
            ),
        )
        .where(s.status == "held", window.of_tenants(s.tenant_id))
        .distinct()
        .subquery("visited")
    )
    courses = (
        select(
            c.tenant_id.label("t"), y.c.year.label("y"), func.count(c.id).label("courses"), func.count(visited.c.course_id).label("visited")
        )
        .select_from(y)
        .join(courses_t, running)
        .outerjoin(visited, and_(visited.c.tenant_id == c.tenant_id, visited.c.course_id == c.id))
        .group_by(c.tenant_id, y.c.year)
        .subquery("courses")
    )
    mothers = (
        select(e.tenant_id.label("t"), y.c.year.label("y"), func.count(func.distinct(e.mother_id)).label("n"))
        .select_from(y)
        .join(courses_t, running)
        .join(enrolments_t, and_(e.tenant_id == c.tenant_id, e.course_id == c.id))
        .where(
            e.joined_on.is_not(None),
            e.joined_on <= y.c.last,
            or_(e.left_on.is_(None), e.left_on >= y.c.first),
        )
        .group_by(e.tenant_id, y.c.year)
        .subquery("mothers")
    )
    volunteers = (
        select(v.tenant_id.label("t"), y.c.year.label("y"), func.count(func.distinct(v.volunteer_id)).label("n"))
        .select_from(y)
        .join(courses_t, running)
        .join(volunteers_t, and_(v.tenant_id == c.tenant_id, v.course_id == c.id))
        .group_by(v.tenant_id, y.c.year)
        .subquery("volunteers")
    )
    attendance = (
        select(
            s.tenant_id.label("t"),
            y.c.year.label("y"),
            window.count_if(at.status == "present").label("present"),
            func.count(at.id).label("recorded"),
        )
        .select_from(y)
        .join(sessions_t, and_(window.during(s.date), window.of_tenants(s.tenant_id)))
        .join(attendance_t, and_(at.tenant_id == s.tenant_id, at.session_id == s.id))
        .where(s.status == "held", at.status.in_(("present", "absent", "excused")))
        .group_by(s.tenant_id, y.c.year)
        .subquery("attendance")
    )
    return (
        select(
            courses.c.t.label("tenant_id"),
            courses.c.y.label("year"),
            courses.c.courses,
            courses.c.visited,
            func.coalesce(mothers.c.n, 0).label("mothers"),
            func.coalesce(volunteers.c.n, 0).label("volunteers"),
            func.coalesce(attendance.c.present, 0).label("present"),
            func.coalesce(attendance.c.recorded, 0).label("recorded"),
        )
        .outerjoin(mothers, and_(mothers.c.t == courses.c.t, mothers.c.y == courses.c.y))
        .outerjoin(volunteers, and_(volunteers.c.t == courses.c.t, volunteers.c.y == courses.c.y))
        .outerjoin(attendance, and_(attendance.c.t == courses.c.t, attendance.c.y == courses.c.y))
    )


FIGURES = NationalFigures(MEASURES, figures_select, main="mothers")
