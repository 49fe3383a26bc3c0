"""The programme's reports: the figures, isolation between tenants, the national view, the viewer.

Alpha and beta get look-alike data (same names, same course names); beta has
more of it, so any of beta's rows leaking into alpha's report changes a number.
"""

from __future__ import annotations

import csv
import io
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from plugins.mother_groups import models as m
from plugins.mother_groups.reports import report_definitions
from tests.conftest import agreement_says

REPORTS = {r.key: r for r in report_definitions()}
# Children first: the composite foreign keys refuse the other order.
CLEAN_ORDER = [
    m.Attendance,
    m.SessionActivity,
    m.CourseSession,
    m.Referral,
    m.Enrolment,
    m.CourseVolunteer,
    m.Consent,
    m.Baby,
    m.Course,
    m.Mother,
    m.HousingArea,
]


def _wipe(app) -> None:
    # conftest cleans only core and example tables; this programme's are ours to clean.
    with app.app_context(), cross_tenant("test clean-up: mother_groups"):
        for model in CLEAN_ORDER:
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def _session(course, day, status, activities, attendance=()):
    s = m.CourseSession(course_id=course.id, date=day, start_time=time(10), status=status)
    db.session.add(s)
    db.session.flush()
    db.session.add_all(m.SessionActivity(session_id=s.id, activity=a) for a in activities)
    db.session.add_all(m.Attendance(session_id=s.id, enrolment_id=e.id, status=st, recorded_by="test") for e, st in attendance)
    return s


def _seed(extra: bool) -> dict[str, int]:
    """The same base data in every tenant; ``extra`` adds a fifth mother and more."""
    area = m.HousingArea(name="Strandparken")
    db.session.add(area)
    db.session.flush()
    amira, sara, leila, noor = (
        m.Mother(name=n, housing_area_id=a) for n, a in (("Amira", area.id), ("Sara", area.id), ("Leila", None), ("Noor", area.id))
    )
    one = m.Course(name="Forløb 1", start_date=date(2023, 3, 1), end_date=date(2023, 12, 15), status="running")
    two = m.Course(name="Forløb 2", start_date=date(2023, 9, 1), end_date=date(2024, 6, 15), status="running")
    db.session.add_all([amira, sara, leila, noor, one, two])
    db.session.flush()

    def enrol(course, mother, status="enrolled", joined=date(2023, 3, 1), left=None):
        e = m.Enrolment(course_id=course.id, mother_id=mother.id, status=status, joined_on=joined, left_on=left)
        db.session.add(e)
        db.session.flush()
        return e

    e1, e2 = enrol(one, amira), enrol(one, sara)
    e3 = enrol(one, leila, status="left", left=date(2023, 6, 1))  # left, but did join: counts
    enrol(one, noor, status="waitlisted", joined=None)  # never joined: does not count
    enrol(two, amira, joined=date(2023, 9, 1))  # second course: reached once
    enrol(two, noor, joined=date(2023, 9, 1))

    _session(
        one, date(2023, 3, 1), "held", ["language_wellbeing", "health_visitor_visit"], [(e1, "present"), (e2, "present"), (e3, "absent")]
    )
    _session(one, date(2023, 3, 8), "held", ["early_parenthood"], [(e1, "present"), (e2, "excused"), (e3, "present")])
    _session(one, date(2023, 3, 15), "cancelled", ["health_visitor_visit"], [(e1, "present")])  # not held: ignored
    _session(one, date(2023, 3, 22), "planned", [])
    _session(two, date(2023, 9, 6), "held", ["other"])

    for mother, source, status in (
        (amira, "health_visitor", "enrolled"),
        (sara, "health_visitor", "enrolled"),
        (leila, "drc", "declined"),
        (noor, "health_visitor", "waitlisted"),
        (noor, "housing_social_unit", "pending"),
    ):
        db.session.add(m.Referral(mother_id=mother.id, source=source, status=status, referred_by="test", referred_on=date(2023, 2, 1)))

    if extra:
        fifth = m.Mother(name="Amira", housing_area_id=area.id)
        db.session.add(fifth)
        db.session.flush()
        e5 = enrol(one, fifth)
        _session(one, date(2023, 3, 29), "held", ["health_visitor_visit"], [(e5, "present"), (e1, "absent")])
        db.session.add(m.Referral(mother_id=fifth.id, source="other", status="enrolled", referred_by="test", referred_on=date(2023, 2, 1)))
        db.session.add(m.Course(name="Forløb 3", start_date=date(2024, 3, 1), end_date=date(2024, 12, 15)))
    db.session.commit()
    return {"one": one.id, "two": two.id}


@pytest.fixture
def data(app, tenant_a, tenant_b):
    _wipe(app)
    ids = {}
    with app.app_context():
        for slug, tid, extra in (("alpha", tenant_a, False), ("beta", tenant_b, True)):
            with tenant_context(tid):
                ids[slug] = _seed(extra)
        db.session.remove()
    yield ids
    _wipe(app)


def build(app, tid, key, params=None):
    with app.app_context(), tenant_context(tid):
        result = REPORTS[key].build(params or {})
        db.session.remove()
    return result


def as_dicts(result):
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


# --- Figures and isolation -------------------------------------------------


COURSE_ONE = {
    "course": "Forløb 1",
    "participants": 3,
    "attendance_rate_pct": Decimal("66.7"),
    "sessions_held": 2,
    "held_language_wellbeing": 1,
    "held_early_parenthood": 1,
    "held_health_visitor_visit": 1,
    "held_other": 0,
    "health_visitor_visits": 1,
}
COURSE_TWO = {
    "course": "Forløb 2",
    "participants": 2,
    "attendance_rate_pct": None,
    "sessions_held": 1,
    "held_language_wellbeing": 0,
    "held_early_parenthood": 0,
    "held_health_visitor_visit": 0,
    "held_other": 1,
    "health_visitor_visits": 0,
}


def _without_id(rows):
    return [{k: v for k, v in row.items() if k != "course_id"} for row in rows]


def test_course_report_counts_only_the_tenants_own_courses(app, data, tenant_a, tenant_b):
    alpha = as_dicts(build(app, tenant_a, "mother_groups.course"))
    assert _without_id(alpha) == [COURSE_ONE, COURSE_TWO]
    assert [r["course_id"] for r in alpha] == [data["alpha"]["one"], data["alpha"]["two"]]
    # Beta's look-alike course has its extra mother and session; alpha's does not.
    beta_one = as_dicts(build(app, tenant_b, "mother_groups.course"))[0]
    assert (beta_one["participants"], beta_one["sessions_held"], beta_one["health_visitor_visits"]) == (4, 3, 2)
    assert beta_one["attendance_rate_pct"] == Decimal("62.5")  # 5 present of 8


def test_course_report_for_one_course(app, data, tenant_a):
    (row,) = as_dicts(build(app, tenant_a, "mother_groups.course", {"course_id": str(data["alpha"]["two"])}))
    assert row["course"] == "Forløb 2"
    # Another tenant's course id finds nothing, not that tenant's course.
    assert build(app, tenant_a, "mother_groups.course", {"course_id": str(data["beta"]["one"])}).rows == []
    with pytest.raises(ValueError):
        build(app, tenant_a, "mother_groups.course", {"course_id": "1 OR 1=1"})


def test_recruitment_report_by_source_status_and_area(app, data, tenant_a):
    result = build(app, tenant_a, "mother_groups.recruitment")
    assert list(result.columns) == ["breakdown", "category", "pending", "enrolled", "waitlisted", "declined", "total"]
    assert [tuple(r) for r in result.rows] == [
        ("source", "health_visitor", 0, 2, 1, 0, 3),
        ("source", "drc", 0, 0, 0, 1, 1),
        ("source", "housing_social_unit", 1, 0, 0, 0, 1),
        ("source", "other", 0, 0, 0, 0, 0),  # beta has one "other" referral; alpha none
        ("housing_area", "Strandparken", 1, 2, 1, 0, 4),
        ("housing_area", "Ukendt", 0, 0, 0, 1, 1),
    ]


def test_agreement_report_against_the_targets(app, data, tenant_a, tenant_b):
    alpha = dict(build(app, tenant_a, "mother_groups.agreement").rows)
    assert alpha == {
        "courses": 2,
        "courses_target": 3,
        "courses_with_health_visitor_visit": 1,
        "mothers_reached": 4,
        "mothers_target": 24,
        "mothers_reached_pct_of_target": Decimal("16.7"),
    }
    beta = dict(build(app, tenant_b, "mother_groups.agreement").rows)
    assert (beta["courses"], beta["mothers_reached"]) == (3, 5)


def test_the_targets_are_the_tenants_own_agreements(app, data, tenant_a, tenant_b):
    with agreement_says(app, tenant_b, "mother_groups", targets={"courses": 4, "mothers": 10}):
        beta = dict(build(app, tenant_b, "mother_groups.agreement").rows)
        alpha = dict(build(app, tenant_a, "mother_groups.agreement").rows)
    assert (beta["courses_target"], beta["mothers_target"], beta["mothers_reached_pct_of_target"]) == (4, 10, Decimal("50.0"))
    assert (alpha["courses_target"], alpha["mothers_target"]) == (3, 24)


def test_a_target_the_agreement_does_not_set_is_a_dash_never_a_number(app, data, tenant_a):
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):
        rows = dict(build(app, tenant_a, "mother_groups.agreement").rows)
    assert rows == {
        "courses": 2,
        "courses_target": 3,
        "courses_with_health_visitor_visit": 1,
        "mothers_reached": 4,
        "mothers_target": "–",
        "mothers_reached_pct_of_target": "–",
    }
    with agreement_says(app, tenant_a, "mother_groups", draft=True):  # no agreement in force: no targets
        rows = dict(build(app, tenant_a, "mother_groups.agreement").rows)
    assert (rows["courses_target"], rows["mothers_target"], rows["mothers_reached_pct_of_target"]) == ("–", "–", "–")
    assert rows["mothers_reached"] == 4


def test_the_page_shows_a_dash_for_a_missing_target_with_danish_labels(app, client_for, data, tenant_a):
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):
        html = client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.agreement").get_data(as_text=True)
        csv_rows = _csv(client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.agreement.csv"))
    assert "<td>Mål (mødre)</td><td>–</td>" in html and "<td>Mål (forløb)</td><td>3</td>" in html
    assert "<td>24</td>" not in html
    assert ["mothers_target", "–"] in csv_rows and ["courses_target", "3"] in csv_rows  # the keys stay in the CSV


def test_reports_need_a_tenant(app, data):
    from core.tenancy.context import TenantContextMissing

    with app.app_context(), pytest.raises(TenantContextMissing):
        REPORTS["mother_groups.agreement"].build({})


# --- National view ---------------------------------------------------------


def test_national_builds_one_row_of_counts_per_tenant(app, data, tenant_a, tenant_b):
    from tests.conftest import tenant_id

    gamma = tenant_id(app, "gamma")  # programme not enabled: no row
    expected = {
        "mother_groups.course": {tenant_a: (2, 5, 3, 1), tenant_b: (3, 6, 4, 2)},
        "mother_groups.recruitment": {tenant_a: (5, 1, 2, 1, 1), tenant_b: (6, 1, 3, 1, 1)},
        "mother_groups.agreement": {tenant_a: (2, 3, 4, 24), tenant_b: (3, 3, 5, 24)},
    }
    for key, by_tenant in expected.items():
        with app.app_context(), cross_tenant(f"test: national {key}"):
            result = REPORTS[key].build_national({})
            db.session.remove()
        assert result.columns[0] == "tenant_id"
        ids = [row[0] for row in result.rows]
        assert len(ids) == len(set(ids)) and gamma not in ids
        rows = {row[0]: tuple(row[1:]) for row in result.rows}
        assert {tid: rows[tid] for tid in by_tenant} == by_tenant, key
        # Counts only: no names or other text can be in a national row.
        assert all(type(v) is int for row in result.rows for v in row), key


def _statements(app):
    """Counts the SQL statements run on the app's engine while the block runs."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        seen: list[str] = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)

        with app.app_context():
            engines = list(db.engines.values())  # the cross-tenant bind too
            for engine in engines:
                event.listen(engine, "before_cursor_execute", before)
            try:
                yield seen
            finally:
                for engine in engines:
                    event.remove(engine, "before_cursor_execute", before)

    return counting()


def test_national_measures_each_tenant_against_its_own_agreement_in_one_query(app, data, tenant_a, tenant_b):
    def national():
        with _statements(app) as seen, cross_tenant("test: national agreement report"):
            result = REPORTS["mother_groups.agreement"].build_national({})
            db.session.remove()
        return {row[0]: tuple(row[1:]) for row in result.rows}, seen

    with agreement_says(app, tenant_b, "mother_groups", targets={"courses": 2}):  # beta sets no number of mothers
        rows, seen = national()
    assert rows[tenant_a] == (2, 3, 4, 24) and rows[tenant_b] == (3, 2, 5, "–")
    # the counts, and every tenant's targets (PostgreSQL adds the row-level-security set_config)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT") and "set_config" not in s]) == 2
    assert len([s for s in seen if "agreements" in s]) == 1
    assert all(type(v) is int or v == "–" for row in rows.values() for v in row)  # counts, or "no target"


# --- The viewer --------------------------------------------------------------


def _csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_municipal_staff_list_and_read_the_reports(app, client_for, data):
    client = client_for("alpha", "municipal_staff")
    index = client.get("/alpha/reports/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    for title in ("Forløb", "Rekruttering", "Mål i aftalen"):
        assert title in page
    assert "/alpha/reports/mother_groups.agreement" in page

    report = client.get("/alpha/reports/mother_groups.agreement")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "<td>Mødre nået</td><td>4</td>" in html and "<td>24</td>" in html

    course = client.get(f"/alpha/reports/mother_groups.course?course_id={data['alpha']['one']}")
    html = course.get_data(as_text=True)
    assert course.status_code == 200 and "66.7" in html and "Forløb 2" not in html
    # The export link keeps the filter.
    assert f"/alpha/reports/mother_groups.course.csv?course_id={data['alpha']['one']}" in html


def test_csv_export_has_the_figures_and_is_audited(app, client_for, data, tenant_a):
    with app.app_context(), cross_tenant("test: read the audit trail"):
        since = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    response = client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.recruitment.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["breakdown", "category", "pending", "enrolled", "waitlisted", "declined", "total"]
    assert ["source", "health_visitor", "0", "2", "1", "0", "3"] in rows
    assert ["housing_area", "Ukendt", "0", "0", "0", "1", "1"] in rows
    assert ["source", "other", "0", "0", "0", "0", "0"] in rows  # beta's referral stays in beta

    course = _csv(client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.course.csv"))
    assert [r[1:4] for r in course[1:]] == [["Forløb 1", "3", "66.7"], ["Forløb 2", "2", ""]]

    with app.app_context(), cross_tenant("test: read the audit trail"):
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.tenant_id, AuditEvent.criterion).where(AuditEvent.id > since).order_by(AuditEvent.id)
        ).all()
    assert ("export", tenant_a, "report mother_groups.recruitment") in events
    assert ("export", tenant_a, "report mother_groups.course") in events


def test_a_malformed_parameter_is_a_bad_request(client_for, data):
    assert client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.course?course_id=x").status_code == 400


def test_a_disabled_programmes_report_is_not_found(client_for, data):
    admin = client_for(None)
    assert admin.get("/alpha/reports/mother_groups.course").status_code == 200
    assert admin.get("/gamma/reports/mother_groups.course").status_code == 404
    assert admin.get("/gamma/reports/mother_groups.course.csv").status_code == 404
    index = admin.get("/gamma/reports/")
    assert index.status_code == 200 and "mother_groups." not in index.get_data(as_text=True)


def test_an_unknown_report_is_not_found(client_for, data):
    client = client_for("alpha", "municipal_staff")
    assert client.get("/alpha/reports/mother_groups.nothing").status_code == 404
    assert client.get("/alpha/reports/mother_groups.nothing.csv").status_code == 404


def test_another_tenants_reports_are_not_found(client_for, data):
    assert client_for("alpha", "municipal_staff").get("/beta/reports/mother_groups.course").status_code == 404
