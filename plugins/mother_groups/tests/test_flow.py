"""Courses, enrolment and wait-list, sessions, attendance, referral: through the pages and the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from core.programme import Volunteer, copenhagen_today, db
from core.testing import cross_tenant, secret_digest, tenant_context
from core.testing.fixtures import agreement_says, csrf_from, organisation_id
from plugins.mother_groups.models import Attendance, Course, CourseSession, CourseVolunteer, Enrolment, Mother, Referral

API = "/alpha/api/v1/mother_groups"


@pytest.fixture
def course_id(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Forløb A",
            start_date=date(2026, 1, 6),
            end_date=date(2026, 10, 20),
            weekday=1,
            capacity_min=2,
            capacity_max=2,
            status="running",
        )
        db.session.add(course)
        db.session.commit()
        return course.id


def _mother(app, tenant, name="Amina Ali"):
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant):
        mother = create_mother({"name": name}, "test")
        db.session.commit()
        return mother.id


def test_course_created_through_the_form_with_danish_errors(app, client_for):
    client = client_for("alpha")
    page = client.get("/alpha/mother_groups/")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post(
        "/alpha/mother_groups/courses", data={"csrf_token": token, "name": "X", "start_date": "2026-05-01", "end_date": "2026-04-01"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'aria-invalid="true"' in html
    good = client.post(
        "/alpha/mother_groups/courses",
        data={"csrf_token": token, "name": "Forløb Nord", "start_date": "2026-01-05", "end_date": "2026-10-15", "weekday": "2"},
    )
    assert good.status_code == 302
    with app.app_context(), cross_tenant("test"):
        assert db.session.scalars(select(Course.name)).all() == ["Forløb Nord"]


def test_at_most_three_overlapping_courses(client_for):
    client = client_for("alpha")
    body = {"name": "Forløb", "start_date": "2026-01-05", "end_date": "2026-10-15"}
    for _ in range(3):
        assert client.post(f"{API}/courses", json=body).status_code == 201
    refused = client.post(f"{API}/courses", json=body)
    assert refused.status_code == 422 and "start_date" in refused.get_json()["errors"]["json"]


def test_sessions_are_generated_without_holidays_and_twice_is_harmless(app, client_for, course_id):
    client = client_for("alpha")
    first = client.post(f"{API}/courses/{course_id}/sessions").get_json()
    second = client.post(f"{API}/courses/{course_id}/sessions").get_json()
    assert len(first) == len(second) > 30
    dates = {s["date"] for s in first}
    assert "2026-05-05" in dates and "2026-06-02" in dates
    # Tuesdays 2026: none is a public holiday except none; check a Thursday course instead below


def test_a_single_session_can_be_moved_or_cancelled(app, client_for, course_id):
    client = client_for("alpha")
    sessions = client.post(f"{API}/courses/{course_id}/sessions").get_json()
    first = sessions[0]
    moved = client.put(
        f"{API}/sessions/{first['id']}", json={"date": "2026-01-08", "status": "planned", "activities": ["health_visitor_visit"]}
    )
    assert moved.status_code == 200 and moved.get_json()["moved_from"] == first["date"]
    cancelled = client.put(f"{API}/sessions/{sessions[1]['id']}", json={"date": sessions[1]["date"], "status": "cancelled"})
    assert cancelled.get_json()["status"] == "cancelled"
    regenerated = client.post(f"{API}/courses/{course_id}/sessions").get_json()
    assert len(regenerated) == len(sessions)  # the moved one is not recreated on its old date


def test_full_course_puts_her_on_the_wait_list(app, client_for, course_id, tenant_a):
    client = client_for("alpha")
    ids = [_mother(app, tenant_a, f"Mor {n}") for n in range(3)]
    statuses = [client.post(f"{API}/courses/{course_id}/enrolments", json={"mother_id": m}).get_json()["status"] for m in ids]
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    again = client.post(f"{API}/courses/{course_id}/enrolments", json={"mother_id": ids[0]})
    assert again.status_code == 422


def test_attendance_for_the_whole_group_in_one_form(app, client_for, course_id, tenant_a):
    client = client_for("alpha")
    mothers = [_mother(app, tenant_a, f"Mor {n}") for n in range(2)]
    enrolments = [client.post(f"{API}/courses/{course_id}/enrolments", json={"mother_id": m}).get_json()["id"] for m in mothers]
    session_id = client.post(f"{API}/courses/{course_id}/sessions").get_json()[0]["id"]
    page = client.get(f"/alpha/mother_groups/sessions/{session_id}/attendance")
    token = csrf_from(page.get_data(as_text=True))
    incomplete = client.post(
        f"/alpha/mother_groups/sessions/{session_id}/attendance", data={"csrf_token": token, f"status-{enrolments[0]}": "present"}
    )
    assert incomplete.status_code == 422
    done = client.post(
        f"/alpha/mother_groups/sessions/{session_id}/attendance",
        data={
            "csrf_token": token,
            f"status-{enrolments[0]}": "present",
            f"baby-{enrolments[0]}": "on",
            f"status-{enrolments[1]}": "excused",
        },
    )
    assert done.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        rows = {a.enrolment_id: (a.status, a.baby_present) for a in db.session.scalars(select(Attendance))}
    assert rows == {enrolments[0]: ("present", True), enrolments[1]: ("excused", False)}
    bad = client.put(f"{API}/sessions/{session_id}/attendance", json={"entries": [{"enrolment_id": 999999, "status": "present"}]})
    assert bad.status_code == 422


def test_volunteer_records_attendance_only_on_her_own_course(app, client_for, course_id, tenant_a):
    from core.testing.fixtures import sign_in

    client = app.test_client()
    user_id = sign_in(app, client, "volunteer", "alpha")
    with app.app_context(), tenant_context(tenant_a):
        from core.testing import User
        from plugins.mother_groups.models import CourseVolunteer

        user = db.session.get(User, user_id)
        other = Course(name="Andet forløb", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), status="running")
        volunteer = Volunteer(
            name="Birgitte", organisation_id=organisation_id(app, "testforeningen"), login_subject=f"{user.issuer}|{user.subject}"
        )
        db.session.add_all([other, volunteer])
        db.session.flush()
        db.session.add(CourseVolunteer(course_id=course_id, volunteer_id=volunteer.id))
        from plugins.mother_groups.services import generate_sessions

        generate_sessions(db.session.get(Course, course_id))
        generate_sessions(other)
        db.session.commit()  # the test is the unit of work here: services never commit
        own = db.session.scalar(select(CourseSession.id).where(CourseSession.course_id == course_id))
        foreign = db.session.scalar(select(CourseSession.id).where(CourseSession.course_id == other.id))
    assert client.get(f"/alpha/mother_groups/sessions/{own}/attendance").status_code == 200
    assert client.get(f"/alpha/mother_groups/sessions/{foreign}/attendance").status_code == 404
    assert client.get(f"/alpha/mother_groups/courses/{course_id}").status_code == 403  # no course pages
    assert "Andet forløb" not in client.get("/alpha/mother_groups/my-sessions").get_data(as_text=True)


def test_referral_from_health_visitor_to_coordinator_decision(app, client_for, course_id):
    visitor = client_for("alpha", "municipal_staff")
    page = visitor.get("/alpha/mother_groups/referrals/")
    token = csrf_from(page.get_data(as_text=True))
    no_consent = visitor.post("/alpha/mother_groups/referrals/", data={"csrf_token": token, "name": "Hodan Abdi"})
    assert no_consent.status_code == 422
    bad_cpr = visitor.post(
        "/alpha/mother_groups/referrals/", data={"csrf_token": token, "name": "Hodan Abdi", "consent": "1", "cpr": "311399-1234"}
    )
    assert bad_cpr.status_code == 422
    sent = visitor.post(
        "/alpha/mother_groups/referrals/", data={"csrf_token": token, "name": "Hodan Abdi", "consent": "1", "cpr": "010190-1234"}
    )
    assert sent.status_code == 302
    own = visitor.get(f"{API}/referrals").get_json()
    assert [r["status"] for r in own] == ["pending"] and "name" not in own[0]
    listed = visitor.get("/alpha/mother_groups/referrals/").get_data(as_text=True)
    assert "Hodan Abdi" in listed and "/alpha/mother_groups/mothers/" not in listed  # her referral's name and status (issue 14), no more
    coordinator = client_for("alpha", "partner_staff")
    queue = coordinator.get(f"{API}/referrals").get_json()
    decision = coordinator.post(f"{API}/referrals/{queue[0]['id']}", json={"decision": "enrol", "course_id": course_id})
    assert decision.status_code == 200 and decision.get_json()["status"] == "enrolled"
    assert visitor.get(f"{API}/referrals").get_json()[0]["status"] == "enrolled"
    with app.app_context(), cross_tenant("test: the stored CPR"):
        raw = db.session.execute(text("SELECT cpr FROM mother_groups_mothers WHERE cpr IS NOT NULL")).scalar()
        assert raw and "0101901234" not in raw and "010190" not in raw  # encrypted at rest
        assert db.session.scalars(select(Mother.cpr)).one() == "0101901234"


def test_decline_needs_a_reason(client_for, course_id, app, tenant_a):
    visitor = client_for("alpha", "municipal_staff")
    visitor.post(f"{API}/referrals", json={"name": "Sahra", "consent": True})
    coordinator = client_for("alpha")
    referral = coordinator.get(f"{API}/referrals").get_json()[0]
    assert coordinator.post(f"{API}/referrals/{referral['id']}", json={"decision": "decline"}).status_code == 422
    assert (
        coordinator.post(
            f"{API}/referrals/{referral['id']}", json={"decision": "decline", "decline_reason": "Bor uden for området"}
        ).get_json()["status"]
        == "declined"
    )


def test_course_page_warns_about_volunteers_and_flags_a_missing_visit(app, client_for, tenant_a):
    today = copenhagen_today()
    with app.app_context(), tenant_context(tenant_a):
        course = Course(name="Slutter snart", start_date=today - timedelta(days=270), end_date=today + timedelta(days=10), status="running")
        expired = Volunteer(
            name="Karin Udløbet",
            organisation_id=organisation_id(app, "testforeningen"),
            certificate_result="approved",
            certificate_valid_until=today - timedelta(days=1),
            insured_from=today - timedelta(days=100),
        )
        db.session.add_all([course, expired])
        db.session.flush()
        from plugins.mother_groups.models import CourseVolunteer

        db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=expired.id))
        db.session.commit()
        cid = course.id
    html = client_for("alpha").get(f"/alpha/mother_groups/courses/{cid}").get_data(as_text=True)
    assert "Kun 0 frivillige" in html and "Karin Udløbet" in html and "sidste måned uden besøg" in html
    home = client_for("alpha").get("/alpha/").get_data(as_text=True)
    assert "Mangler besøg af sundhedsplejersken" in home and "Slutter snart" in home


def test_erasure_keeps_the_statistics(app, client_for, course_id, tenant_a):
    client = client_for("alpha")
    mother_id = _mother(app, tenant_a, "Leila Omar")
    client.post(f"{API}/courses/{course_id}/enrolments", json={"mother_id": mother_id})
    page = client.get(f"/alpha/mother_groups/mothers/{mother_id}")
    assert "Leila Omar" in page.get_data(as_text=True)
    client.post(f"/alpha/mother_groups/mothers/{mother_id}/erase", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    with app.app_context(), tenant_context(tenant_a):
        mother = db.session.get(Mother, mother_id)
        assert mother.name is None and mother.anonymised_at is not None
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.mother_id == mother_id)) == 1


def test_retention_job_anonymises_after_the_course(app, tenant_a):
    from core.testing import enqueue
    from plugins.mother_groups.services import create_mother, enrol

    with app.app_context():
        with tenant_context(tenant_a):
            old = Course(name="Gammelt", start_date=date(2020, 1, 1), end_date=date(2020, 10, 1), status="completed")
            db.session.add(old)
            db.session.flush()
            mother = create_mother({"name": "Gammel Mor"}, "test")
            enrol(old, mother, date(2020, 1, 1))
            db.session.commit()
            mid = mother.id
        assert enqueue("mother_groups.retention", tenant_a).status == "succeeded"
        with tenant_context(tenant_a):
            assert db.session.get(Mother, mid).name is None


def test_foreign_course_and_session_ids_look_missing(app, client_for, tenant_b, course_id):
    with app.app_context(), tenant_context(tenant_b):
        foreign = Course(name="B's", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20))
        db.session.add(foreign)
        db.session.commit()
        fid = foreign.id
    client = client_for("alpha")
    for url in (f"/alpha/mother_groups/courses/{fid}", f"{API}/courses/{fid}", f"{API}/courses/{fid}/sessions"):
        foreign_response, missing = client.get(url), client.get(url.replace(str(fid), "987654"))
        assert foreign_response.status_code == missing.status_code == 404
        assert foreign_response.get_data() == missing.get_data()


def test_demo_data_has_three_overlapping_courses_with_attendance(app, runner, tenant_a):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # twice is harmless
    with app.app_context(), tenant_context(tenant_a):
        courses = db.session.scalars(select(Course).order_by(Course.start_date)).all()
        assert len(courses) == 3
        assert courses[1].start_date <= courses[0].end_date and courses[2].start_date <= courses[1].end_date
        assert db.session.scalar(select(func.count()).select_from(Attendance)) > 100
        assert db.session.scalar(select(func.count()).select_from(Referral).where(Referral.status == "pending")) == 3


def test_course_page_flags_a_baby_older_than_one_at_the_start(app, client_for, course_id, tenant_a):
    from plugins.mother_groups.services import create_mother, enrol

    with app.app_context(), tenant_context(tenant_a):
        mother = create_mother({"name": "Nour Hassan", "baby_birth_date": date(2024, 6, 1)}, "test")
        enrol(db.session.get(Course, course_id), mother, date(2026, 1, 6))
        db.session.commit()
    assert "Nour Hassans barn var over 1 år ved start." in client_for("alpha").get(f"/alpha/mother_groups/courses/{course_id}").get_data(
        as_text=True
    )


def test_consent_withdrawal_is_recorded_with_its_date(app, client_for, tenant_a):
    from plugins.mother_groups.models import Consent

    mother_id = _mother(app, tenant_a, "Iman Saleh")
    client = client_for("alpha")
    page = client.get(f"/alpha/mother_groups/mothers/{mother_id}").get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a):
        consent_id = db.session.scalar(select(Consent.id).where(Consent.mother_id == mother_id))
    assert client.post(f"/alpha/mother_groups/consents/{consent_id}/withdraw", data={"csrf_token": csrf_from(page)}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.get(Consent, consent_id).withdrawn_on == copenhagen_today()


# --- the agreement's numbers --------------------------------------------------------------


def test_a_new_course_takes_its_capacity_from_the_agreement(client_for, app, tenant_a):
    client = client_for("alpha")
    body = {"name": "Forløb", "start_date": "2026-01-05", "end_date": "2026-10-15"}
    created = client.post(f"{API}/courses", json=body).get_json()
    assert (created["capacity_min"], created["capacity_max"]) == (6, 8)  # Ishøj's 6-8 mothers
    page = client.get("/alpha/mother_groups/").get_data(as_text=True)
    import re

    assert re.search(r'name="capacity_min"[^>]*value="6"', page) and re.search(r'name="capacity_max"[^>]*value="8"', page)  # pre-filled
    with agreement_says(app, tenant_a, "mother_groups", targets={"mothers_per_course_min": 5, "mothers_per_course_max": 10}):
        other = client.post(f"{API}/courses", json=body).get_json()
        assert (other["capacity_min"], other["capacity_max"]) == (5, 10)
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):  # no number of mothers
        refused = client.post(f"{API}/courses", json=body)
        assert refused.status_code == 422
        assert set(refused.get_json()["errors"]["json"]) == {"capacity_min", "capacity_max"}
        given = client.post(f"{API}/courses", json={**body, "capacity_min": 4, "capacity_max": 9})
        assert given.status_code == 201 and given.get_json()["capacity_max"] == 9


def test_the_number_of_overlapping_courses_is_the_agreements(app, client_for, tenant_a):
    client = client_for("alpha")
    body = {"name": "Forløb", "start_date": "2026-01-05", "end_date": "2026-10-15"}
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 2, "mothers_per_course_min": 6, "mothers_per_course_max": 8}):
        assert [client.post(f"{API}/courses", json=body).status_code for _ in range(3)] == [201, 201, 422]
    with agreement_says(app, tenant_a, "mother_groups", targets={"mothers_per_course_min": 6, "mothers_per_course_max": 8}):
        assert client.post(f"{API}/courses", json=body).status_code == 201  # no such target: no limit


def _ending_course_with_an_expired_volunteer(app, tenant_a) -> int:
    today = copenhagen_today()
    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Slutter snart",
            start_date=today - timedelta(days=270),
            end_date=today + timedelta(days=10),
            status="running",
            capacity_min=6,
            capacity_max=8,
        )
        expired = Volunteer(
            name="Karin Udløbet",
            organisation_id=organisation_id(app, "testforeningen"),
            certificate_result="approved",
            certificate_valid_until=today - timedelta(days=1),
            insured_from=today - timedelta(days=100),
        )
        db.session.add_all([course, expired])
        db.session.flush()
        db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=expired.id))
        db.session.commit()
        return course.id


def test_the_warnings_use_the_agreements_numbers(app, client_for, tenant_a):
    cid = _ending_course_with_an_expired_volunteer(app, tenant_a)
    targets = {
        "mothers_per_course_min": 1,
        "mothers_per_course_max": 4,
        "volunteers_per_course_min": 3,
        "health_visitor_visits_per_course": 2,
    }
    with agreement_says(app, tenant_a, "mother_groups", targets=targets):
        html = client_for("alpha").get(f"/alpha/mother_groups/courses/{cid}").get_data(as_text=True)
    assert "0 mødre er indskrevet; mindst 1 er aftalt." in html
    assert "Kun 0 frivillige med gyldig børneattest og forsikring; mindst 3 er aftalt." in html
    assert "sidste måned uden besøg" in html


def test_no_warning_for_a_target_the_agreement_does_not_set(app, client_for, tenant_a):
    cid = _ending_course_with_an_expired_volunteer(app, tenant_a)
    with agreement_says(app, tenant_a, "mother_groups", targets={"courses": 3}):
        html = client_for("alpha").get(f"/alpha/mother_groups/courses/{cid}").get_data(as_text=True)
        home = client_for("alpha").get("/alpha/").get_data(as_text=True)
    assert "mødre er indskrevet" not in html and "Kun 0 frivillige" not in html and "sidste måned" not in html
    assert "Mangler besøg af sundhedsplejersken" not in home
    assert "Børneattesten for Karin Udløbet er ikke gyldig." in html  # the certificate is the law's, not a target
    with agreement_says(app, tenant_a, "mother_groups", draft=True):  # no agreement in force: no targets at all
        html = client_for("alpha", "tenant_admin").get(f"/alpha/mother_groups/courses/{cid}").get_data(as_text=True)
    assert "er aftalt" not in html and "sidste måned" not in html


def test_only_the_running_organisations_volunteers_serve_a_course(app, client_for, course_id, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        ours = Volunteer(name="Vores Frivillige", organisation_id=organisation_id(app, "testforeningen"))
        theirs = Volunteer(name="Anden Forenings Frivillige", organisation_id=organisation_id(app, "andenforening"))
        db.session.add_all([ours, theirs])
        db.session.commit()
        ids = {"ours": ours.id, "theirs": theirs.id}
    client = client_for("alpha")
    page = client.get(f"/alpha/mother_groups/courses/{course_id}").get_data(as_text=True)
    assert "Vores Frivillige" in page and "Anden Forenings Frivillige" not in page
    token = csrf_from(page)
    url = f"/alpha/mother_groups/courses/{course_id}/volunteers"
    assert client.post(url, data={"csrf_token": token, "volunteer_id": str(ids["theirs"])}).status_code == 422
    assert client.post(url, data={"csrf_token": token, "volunteer_id": str(ids["ours"])}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(CourseVolunteer.volunteer_id).where(CourseVolunteer.course_id == course_id)).all() == [ids["ours"]]


# --- the demo volunteer's walk-through (README: "as Frivillig to record a session's attendance on a phone") ---


def _sign_in_as(app, client, issuer: str, subject: str, role: str, slug: str, organisation: str) -> None:
    """A session as the development provider's user ``subject`` would get after log-in."""
    import secrets

    from core.testing import User, UserSession
    from core.testing.fixtures import tenant_id

    key = secrets.token_urlsafe(16)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.issuer == issuer, User.subject == subject))
        if user is None:
            user = User(issuer=issuer, subject=subject, display_name=subject)
            db.session.add(user)
            db.session.flush()
        tid = tenant_id(app, slug)
        with tenant_context(tid):  # a tenant's session is opened in its context
            db.session.add(
                UserSession(
                    id=secret_digest(key, "session"),
                    user_id=user.id,
                    tenant_id=tid,
                    roles=[role],
                    organisation_id=organisation_id(app, organisation),
                )
            )
            db.session.commit()
    with client.session_transaction() as session:
        session["sid"] = key


def test_the_demo_volunteer_records_todays_attendance(app, runner, tenant_a):
    from core.programme import Tenant, volunteer_subject

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    today = copenhagen_today()
    with app.app_context():
        issuer = db.session.get(Tenant, tenant_a).identity_provider["issuer"]
        subject = volunteer_subject("alpha", "testforeningen")
        with tenant_context(tenant_a):
            (volunteer,) = db.session.scalars(select(Volunteer).where(Volunteer.login_subject == f"{issuer}|{subject}")).all()
            assert volunteer.organisation_id == organisation_id(app, "testforeningen")
            (served,) = db.session.scalars(
                select(Course)
                .join(CourseVolunteer, CourseVolunteer.course_id == Course.id)
                .where(CourseVolunteer.volunteer_id == volunteer.id)
            ).all()
            assert served.status == "running"
            session_id = db.session.scalar(
                select(CourseSession.id).where(CourseSession.course_id == served.id, CourseSession.date == today)
            )
            assert session_id is not None  # a session on the day the demo was loaded
            enrolled = db.session.scalars(
                select(Enrolment.id).where(Enrolment.course_id == served.id, Enrolment.status == "enrolled")
            ).all()
            assert 6 <= len(enrolled) <= 8
    phone = app.test_client()
    _sign_in_as(app, phone, issuer, subject, "volunteer", "alpha", "testforeningen")
    home = phone.get("/alpha/").get_data(as_text=True)
    assert f"/alpha/mother_groups/sessions/{session_id}/attendance" in home and "Registrér fremmøde" in home
    sessions = phone.get("/alpha/mother_groups/my-sessions").get_data(as_text=True)
    assert f"/alpha/mother_groups/sessions/{session_id}/attendance" in sessions
    form = phone.get(f"/alpha/mother_groups/sessions/{session_id}/attendance")
    assert form.status_code == 200
    data = {"csrf_token": csrf_from(form.get_data(as_text=True)), **{f"status-{e}": "present" for e in enrolled}}
    assert phone.post(f"/alpha/mother_groups/sessions/{session_id}/attendance", data=data).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)) == len(enrolled)
        assert db.session.get(CourseSession, session_id).status == "held"
