"""The programme's reports: the figures, isolation between tenants, the national view, the viewer.

Alpha and beta get look-alike data (same names, same course names); beta has
more of it, so any of beta's rows leaking into alpha's report changes a number.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from core.programme import db
from core.testing import AuditEvent, cross_tenant, tenant_context
from core.testing.fixtures import agreement_says, read_csv
from plugins.mother_groups import models as m
from plugins.mother_groups.reports import report_definitions

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
    """The report's tables as its computation gives them (exact figures, before disclosure control)."""
    from flask_babel import force_locale

    from core.testing import load_parameters

    with app.test_request_context("/"), tenant_context(tid), force_locale("da"):
        report = REPORTS[key]
        data = report.compute(load_parameters(report, {"year": "2023", **(params or {})}))
        db.session.remove()
    return data


def by_key(rows, *columns):
    return {row["_key"]: tuple(row.get(c) for c in columns) for row in rows}


# --- Figures and isolation -------------------------------------------------


def test_course_report_counts_only_the_tenants_own_courses(app, data, tenant_a, tenant_b):
    alpha = build(app, tenant_a, "mother_groups.course")
    one, two = str(data["alpha"]["one"]), str(data["alpha"]["two"])
    # Forløb 1: Amira, Sara and Leila joined (Leila left), Noor only wait-listed; Forløb 2: Amira and Noor.
    assert by_key(alpha["courses"], "course", "enrolled", "left", "stayed") == {
        one: ("Forløb 1", 3, 1, 2),
        two: ("Forløb 2", 2, 0, 2),
        "total": (alpha["courses"][-1]["course"], 5, 1, 4),
    }
    sessions = by_key(alpha["sessions"], "held", "language_wellbeing", "early_parenthood", "health_visitor_visit", "other", "attendance")
    assert sessions[one] == (2, 1, 1, 1, 0, Decimal("66.7"))  # 4 present of 6 recorded; the cancelled session is not held
    assert sessions[two] == (1, 0, 0, 0, 1, None)
    # Beta's look-alike course has its extra mother and session; alpha's does not.
    beta = build(app, tenant_b, "mother_groups.course")
    beta_one = by_key(beta["courses"], "enrolled")[str(data["beta"]["one"])]
    beta_sessions = by_key(beta["sessions"], "held", "health_visitor_visit", "attendance")[str(data["beta"]["one"])]
    assert beta_one == (4,) and beta_sessions == (3, 2, Decimal("62.5"))  # 5 present of 8


def test_the_year_picks_the_courses_running_in_it(app, data, tenant_a):
    later = build(app, tenant_a, "mother_groups.course", {"year": "2024"})
    assert [r["course"] for r in later["courses"][:-1]] == ["Forløb 2"]  # Forløb 1 ended in 2023
    assert by_key(later["sessions"], "held")[str(data["alpha"]["two"])] == (0,)  # its one session was in 2023
    assert build(app, tenant_a, "mother_groups.course", {"year": "2022"})["courses"] == []


def test_course_report_for_one_course(app, data, tenant_a):
    rows = build(app, tenant_a, "mother_groups.course", {"course_id": str(data["alpha"]["two"])})["courses"]
    assert [r["course"] for r in rows[:-1]] == ["Forløb 2"]
    # Another tenant's course id finds nothing, not that tenant's course.
    assert build(app, tenant_a, "mother_groups.course", {"course_id": str(data["beta"]["one"])})["courses"] == []
    from core.testing import BadParameters

    with pytest.raises(BadParameters):
        build(app, tenant_a, "mother_groups.course", {"course_id": "1 OR 1=1"})


def test_recruitment_report_by_source_status_and_area(app, data, tenant_a):
    result = build(app, tenant_a, "mother_groups.recruitment")
    columns = ("pending", "enrolled", "waitlisted", "declined", "total")
    assert by_key(result["by_source"], *columns) == {
        "health_visitor": (0, 2, 1, 0, 3),
        "drc": (0, 0, 0, 1, 1),
        "housing_social_unit": (1, 0, 0, 0, 1),
        "other": (0, 0, 0, 0, 0),  # beta has one "other" referral; alpha none
        "total": (1, 2, 1, 1, 5),
    }
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("da"):  # a label is a text, put into words where it is shown
        areas = [(str(r["category"]), *(r[c] for c in columns)) for r in result["by_area"]]
    assert areas == [("Strandparken", 1, 2, 1, 0, 4), ("Intet boligområde", 0, 0, 0, 1, 1), ("Alle henvisninger", 1, 2, 1, 1, 5)]
    assert build(app, tenant_a, "mother_groups.recruitment", {"year": "2024"})["by_source"][-1]["total"] == 0


def _against(app, tid):
    result = build(app, tid, "mother_groups.agreement")
    return by_key([{**r, "_key": r["measure"]} for r in result["targets"]], "target", "achieved"), by_key(
        [{**r, "_key": r["measure"]} for r in result["mothers"]], "mothers", "target", "share"
    )


def test_agreement_report_against_the_targets(app, data, tenant_a, tenant_b):
    courses, mothers = _against(app, tenant_a)
    assert courses["courses"] == ("3", 2)
    assert courses["mothers_per_course"] == ("6–8", 0)  # 3 and 2 mothers joined: neither course within Ishøj's 6-8
    assert courses["volunteers_per_course"] == ("2–3", 0)  # no volunteers on either
    assert courses["visits_per_course"] == ("≥ 1", 1)  # Forløb 1's visit; Forløb 2 had none
    assert mothers == {"mothers_year": (4, "24", Decimal("16.7"))}  # Amira counts once over two courses
    beta_courses, beta_mothers = _against(app, tenant_b)
    assert (beta_courses["courses"][1], beta_mothers["mothers_year"][0]) == (2, 5)  # Forløb 3 runs in 2024


def test_the_targets_are_the_tenants_own_agreements(app, data, tenant_a, tenant_b):
    with agreement_says(app, tenant_b, "mother_groups", targets={"courses": 4, "mothers": 10, "health_visitor_visits_per_course": 1}):
        beta_courses, beta_mothers = _against(app, tenant_b)
        alpha_courses, alpha_mothers = _against(app, tenant_a)
    assert beta_courses["courses"] == ("4", 2) and beta_mothers["mothers_year"] == (5, "10", Decimal("50.0"))
    assert beta_courses["visits_per_course"] == ("≥ 1", 1)  # Forløb 1 had its visits, Forløb 2 none
    assert alpha_courses["courses"] == ("3", 2) and alpha_mothers["mothers_year"][1] == "24"


def test_a_target_the_agreement_does_not_set_is_a_dash_never_a_number(app, data, tenant_a):
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):
        courses, mothers = _against(app, tenant_a)
    assert courses["courses"] == ("3", 2) and mothers["mothers_year"] == (4, "–", "–")
    with agreement_says(app, tenant_a, "mother_groups", draft=True):  # no agreement in force: no targets
        courses, mothers = _against(app, tenant_a)
    assert courses["courses"] == ("–", 2) and mothers["mothers_year"] == (4, "–", "–")


def test_the_page_shows_a_dash_for_a_missing_target_with_danish_labels(app, client_for, data, tenant_a):
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):
        html = client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.agreement?year=2023").get_data(as_text=True)
        csv_rows = read_csv(client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.agreement.csv?year=2023").get_data())
    assert '<th scope="row">Mødre på årets forløb</th><td class="align-text-right">&lt;5</td><td>–</td>' in html
    assert "<td>24</td>" not in html and "mothers_target" not in html and "courses_target" not in html
    assert ["Forløb i gang i året", "3", "2"] in csv_rows


def test_reports_need_a_tenant(app, data):
    from core.testing import TenantContextMissing

    with app.test_request_context("/"), pytest.raises(TenantContextMissing):
        REPORTS["mother_groups.agreement"].compute({"year": 2023})


# --- National view ---------------------------------------------------------


def test_national_builds_one_row_of_counts_per_tenant(app, data, tenant_a, tenant_b):
    from core.testing.fixtures import tenant_id

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


def test_municipal_staff_list_and_read_the_reports(app, client_for, data):
    client = client_for("alpha", "municipal_staff")
    index = client.get("/alpha/reports/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    for title in ("Forløb", "Rekruttering", "Mål i aftalen"):
        assert title in page
    assert "/alpha/reports/mother_groups.agreement" in page

    report = client.get("/alpha/reports/mother_groups.agreement?year=2023")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "1. januar 2023 – 31. december 2023" in html and "<td>24</td>" in html

    course = client.get(f"/alpha/reports/mother_groups.course?year=2023&course_id={data['alpha']['one']}")
    html = course.get_data(as_text=True)
    assert course.status_code == 200 and "66,7 %" in html and "Forløb 2" not in html
    # The export link keeps the filter.
    assert f"/alpha/reports/mother_groups.course.csv?year=2023&amp;course_id={data['alpha']['one']}" in html


def test_csv_export_has_the_figures_and_is_audited(app, client_for, data, tenant_a):
    with app.app_context(), cross_tenant("test: read the audit trail"):
        since = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    response = client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.recruitment.csv?year=2023")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert ["Henvist af", "Afventer", "Indskrevet", "På venteliste", "Afvist", "I alt"] in rows
    assert ["Sundhedsplejerske", "0", "<5", "<5", "0", "<5"] in rows  # small counts, for the municipality
    assert ["Andet", "0", "0", "0", "0", "0"] in rows  # beta's referral stays in beta

    course = read_csv(client_for("alpha", "municipal_staff").get("/alpha/reports/mother_groups.course.csv?year=2023").get_data())
    assert ["Forløb 1", "2", "1", "1", "1", "0", "66,7"] in course and ["Forløb 2", "1", "0", "0", "0", "1", ""] in course

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
