"""Demo data for a tenant with mother groups: three overlapping courses that look real.

Deterministic per tenant (seeded by its id) and safe to load twice.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from core.db import db
from core.tenancy.models import Tenant
from core.volunteers.models import Volunteer
from plugins.mother_groups import services
from plugins.mother_groups.models import (
    Attendance,
    Course,
    CourseSession,
    CourseVolunteer,
    Evaluation,
    HousingArea,
    JointMeeting,
    Milestone,
    Referral,
    SessionActivity,
)

FIRST_NAMES = [
    "Amina", "Fatima", "Hodan", "Sahra", "Leila", "Mariam", "Nour", "Rania", "Yasmin", "Zainab", "Hawa", "Ayaan",
    "Shukri", "Khadija", "Rukia", "Samira", "Asma", "Dunia", "Huda", "Iman", "Jamila", "Lina", "Malak", "Salma",
]
LAST_NAMES = ["Ahmed", "Ali", "Hassan", "Mohamed", "Yusuf", "Abdi", "Omar", "Haddad", "Nasser", "Karimi", "Rahimi", "Saleh"]
LANGUAGES = ["arabisk", "somali", "tigrinya", "dari", "farsi", "ukrainsk", "kurdisk", "urdu"]
AREAS = ["Vejleåparken", "Strandgårdsparken", "Gadekæret"]


def load(tenant: Tenant) -> None:
    if db.session.scalar(select(func.count()).select_from(Course)):
        return  # already there
    rng = random.Random(tenant.id)
    today = date.today()
    areas = [HousingArea(name=name) for name in AREAS]
    db.session.add_all(areas)
    db.session.flush()
    volunteers = _volunteers(tenant, rng, today)
    plans = [  # (name, start, end, status): three overlapping courses of 9-10 months
        ("Forløb 1", today - timedelta(days=330), today - timedelta(days=40), "completed"),
        ("Forløb 2", today - timedelta(days=260), today + timedelta(days=25), "running"),
        ("Forløb 3", today - timedelta(days=60), today + timedelta(days=230), "running"),
    ]
    names = iter(rng.sample([f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES], 40))
    for index, (name, start, end, status) in enumerate(plans):
        area = areas[index % len(areas)]
        course = Course(name=f"{name}, {area.name}", housing_area_id=area.id, location=f"Beboerhuset, {area.name}",
                        start_date=start, end_date=end, weekday=[1, 2, 3][index], status=status)
        db.session.add(course)
        db.session.flush()
        for volunteer in volunteers[index : index + 2] if index < 2 else volunteers[1:]:
            db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=volunteer.id))
        services.generate_sessions(course)
        mothers = []
        for n in range(rng.randint(6, 8)):
            mother = services.create_mother(
                {
                    "name": next(names), "phone": f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    "languages": ", ".join(rng.sample(LANGUAGES, 2)), "background": rng.choice(["refugee", "immigrant"]),
                    "housing_area_id": area.id, "baby_birth_date": start - timedelta(days=rng.randint(10, 150)),
                },
                recorded_by="demo",
            )
            joined = start + timedelta(days=7 * rng.randint(0, 6) if n > 3 else 0)  # continuous intake
            enrolment = services.enrol(course, mother, joined)
            mothers.append(enrolment)
            if n == 0 and status == "completed":
                enrolment.status, enrolment.left_on, enrolment.leave_reason = "left", start + timedelta(days=120), "Flyttet til anden kommune"
        sessions = db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id).order_by(CourseSession.date)).all()
        for number, meeting in enumerate(sessions):
            meeting.activities.append(SessionActivity(activity="language_wellbeing"))
            if number % 4 == 2:
                meeting.activities.append(SessionActivity(activity="early_parenthood"))
            if index < 2 and number == len(sessions) // 2:
                meeting.activities.append(SessionActivity(activity="health_visitor_visit"))
            if meeting.date < today:
                meeting.status = "held" if rng.random() > 0.04 else "cancelled"
                if meeting.status == "held":
                    for enrolment in mothers:
                        if enrolment.joined_on and enrolment.joined_on <= meeting.date and not (enrolment.left_on and enrolment.left_on < meeting.date):
                            roll = rng.random()
                            status = "present" if roll < 0.78 else ("excused" if roll < 0.9 else "absent")
                            db.session.add(Attendance(session_id=meeting.id, enrolment_id=enrolment.id, status=status,
                                                      baby_present=status == "present" and rng.random() < 0.85, recorded_by="demo"))
    db.session.flush()
    _referrals(rng, today, areas)
    _governance(today)


def _volunteers(tenant: Tenant, rng: random.Random, today: date) -> list[Volunteer]:
    issuer = (tenant.identity_provider or {}).get("issuer", "")
    people = [
        ("Birgitte Holm", today + timedelta(days=400), f"{issuer}|{tenant.slug}-volunteer"),  # the demo volunteer's own log-in
        ("Hanne Sørensen", today + timedelta(days=45), None),  # certificate runs out soon: a reminder
        ("Karin Lund", today - timedelta(days=10), None),  # expired: shown on her courses
        ("Mette Rasmussen", today + timedelta(days=700), None),
    ]
    volunteers = []
    for name, valid_until, login in people:
        volunteer = Volunteer(
            name=name, phone=f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            partner_organisation="DRC Integration", login_subject=login, training_completed_on=today - timedelta(days=500),
            insured_from=today - timedelta(days=500), insured_until=today + timedelta(days=300),
            certificate_requested_on=valid_until - timedelta(days=760), certificate_consent_given=True,
            certificate_assessed_on=valid_until - timedelta(days=740), certificate_result="approved", certificate_valid_until=valid_until,
            certificate_document_deleted_on=valid_until - timedelta(days=739),
        )
        db.session.add(volunteer)
        volunteers.append(volunteer)
    db.session.flush()
    return volunteers


def _referrals(rng: random.Random, today: date, areas: list[HousingArea]) -> None:
    for n in range(3):
        mother = services.create_mother(
            {"name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "languages": rng.choice(LANGUAGES),
             "background": rng.choice(["refugee", "immigrant"]), "housing_area_id": areas[n % len(areas)].id,
             "baby_due_date": today + timedelta(days=30 * (n + 1))},
            recorded_by="demo:sundhedsplejerske",
        )
        db.session.add(Referral(mother_id=mother.id, source="health_visitor", referred_by="demo:sundhedsplejerske",
                                referred_on=today - timedelta(days=3 * n)))


def _governance(today: date) -> None:
    db.session.add_all([
        JointMeeting(held_on=today - timedelta(days=200), organisations="DRC Integration, kommunen (sundhedsplejen), boligsocial helhedsplan",
                     minutes="Status på rekruttering og de tre forløb. Aftalt flere henvisninger fra sundhedsplejen."),
        JointMeeting(held_on=today - timedelta(days=20), organisations="DRC Integration, kommunen, Mødrehjælpen",
                     minutes="Erfaringer fra forløb 1; plan for forankring."),
        Milestone(title="Politisk proces om videreførelse igangsat", due_on=date(2025, 6, 30), status="done", done_on=date(2025, 5, 20),
                  note="Sag forelagt Børne- og Familieudvalget."),
        Milestone(title="Forankringsmodel beskrevet", due_on=today + timedelta(days=60), status="in_progress"),
        Evaluation(held_on=today - timedelta(days=90), kind="focus_group", notes="Fokusgruppe med seks mødre om sprog og netværk."),
        Evaluation(held_on=today - timedelta(days=30), kind="interview", notes="Interview med sundhedsplejerske om henvisninger."),
    ])
