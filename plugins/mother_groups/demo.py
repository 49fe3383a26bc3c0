"""Demo data for a tenant with mother groups: overlapping courses that look real.

Deterministic per tenant (seeded by its id) and safe to load twice. Loaded
only where an agreement covers the programme: the volunteers belong to the
organisation running it there, the number of courses and of mothers per
course follow the agreement's targets, and the demo volunteer's log-in (the
development provider's volunteer of that organisation) serves a running
course with a session on the day the data is loaded, so she can record its
attendance at once.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from core.programme import Organisation, Tenant, Volunteer, copenhagen_today, db, insert_rows, organisations_of_programme, volunteer_subject
from plugins.mother_groups import services
from plugins.mother_groups.agreement import KEY, targets
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
    "Amina",
    "Fatima",
    "Hodan",
    "Sahra",
    "Leila",
    "Mariam",
    "Nour",
    "Rania",
    "Yasmin",
    "Zainab",
    "Hawa",
    "Ayaan",
    "Shukri",
    "Khadija",
    "Rukia",
    "Samira",
    "Asma",
    "Dunia",
    "Huda",
    "Iman",
    "Jamila",
    "Lina",
    "Malak",
    "Salma",
]
LAST_NAMES = ["Ahmed", "Ali", "Hassan", "Mohamed", "Yusuf", "Abdi", "Omar", "Haddad", "Nasser", "Karimi", "Rahimi", "Saleh"]
LANGUAGES = ["arabisk", "somali", "tigrinya", "dari", "farsi", "ukrainsk", "kurdisk", "urdu"]
AREAS = ["Vejleåparken", "Strandgårdsparken", "Gadekæret"]
# Demo only, where the agreement sets no number: a course's size and how many there are.
DEMO_MOTHERS_PER_COURSE = (6, 8)
DEMO_COURSES = 3


def load(tenant: Tenant) -> None:
    if db.session.scalar(select(func.count()).select_from(Course)):
        return  # already there
    organisations = organisations_of_programme(KEY)
    if not organisations:
        return  # no agreement covers the programme here: nobody to run it
    organisation = organisations[0]
    agreed = targets()
    low = agreed.get("mothers_per_course_min", DEMO_MOTHERS_PER_COURSE[0])
    high = max(low, agreed.get("mothers_per_course_max", DEMO_MOTHERS_PER_COURSE[1]))
    rng = random.Random(tenant.id)
    today = copenhagen_today()
    areas = [HousingArea(name=name) for name in AREAS]
    db.session.add_all(areas)
    db.session.flush()
    volunteers = _volunteers(tenant, organisation, rng, today)
    # (name, start, end, status, weekday): overlapping courses of 9-10 months, as many as the
    # agreement sets (the latest ones). The last runs and meets on today's weekday (a Thursday when
    # loaded at a weekend; today gets a session anyway).
    plans = [
        ("Forløb 1", today - timedelta(days=330), today - timedelta(days=40), "completed", 1),
        ("Forløb 2", today - timedelta(days=260), today + timedelta(days=25), "running", 2),
        ("Forløb 3", today - timedelta(days=60), today + timedelta(days=230), "running", today.weekday() if today.weekday() < 5 else 3),
    ][-max(1, min(3, agreed.get("courses", DEMO_COURSES))) :]
    names = iter(rng.sample([f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES], 3 * high + 10))
    for index, (name, start, end, status, weekday) in enumerate(plans):
        area = areas[index % len(areas)]
        course = Course(
            name=f"{name}, {area.name}",
            housing_area_id=area.id,
            location=f"Beboerhuset, {area.name}",
            start_date=start,
            end_date=end,
            weekday=weekday,
            status=status,
            capacity_min=low,
            capacity_max=high,
        )
        db.session.add(course)
        db.session.flush()
        # The demo volunteer (volunteers[0]) serves the last course, which runs and meets today.
        if index == len(plans) - 1:
            served = [volunteers[0], volunteers[1], volunteers[3]]
        else:
            served = volunteers[1:3] if index == 0 else volunteers[2:4]
        for volunteer in served:
            db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=volunteer.id))
        services.generate_sessions(course)
        if index == len(plans) - 1:
            _session_today(course, today)
        mothers = []
        # Continuous intake: the last course keeps a place free for the next referral.
        for n in range(rng.randint(low, max(low, high - 1)) if index == len(plans) - 1 else rng.randint(low, high)):
            mother = services.create_mother(
                {
                    "name": next(names),
                    "phone": f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    "languages": ", ".join(rng.sample(LANGUAGES, 2)),
                    "background": rng.choice(["refugee", "immigrant"]),
                    "housing_area_id": area.id,
                    "baby_birth_date": start - timedelta(days=rng.randint(10, 150)),
                    "evaluation_consent": n % 5 != 4,  # most, not all, also consent to the evaluation
                },
                recorded_by="demo",
            )
            joined = start + timedelta(days=7 * rng.randint(0, 6) if n > 3 else 0)  # continuous intake
            enrolment = services.enrol(course, mother, joined)
            mothers.append(enrolment)
            if n == 0 and status == "completed":
                enrolment.status, enrolment.left_on, enrolment.leave_reason = (
                    "left",
                    start + timedelta(days=120),
                    "Flyttet til anden kommune",
                )
        sessions = db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id).order_by(CourseSession.date)).all()
        # The sessions' activities and attendance as rows, one INSERT per table and course (thousands of rows).
        activities: list[dict] = []
        attendance: list[dict] = []
        for number, meeting in enumerate(sessions):
            activities.append({"session_id": meeting.id, "activity": "language_wellbeing"})
            if number % 4 == 2:
                activities.append({"session_id": meeting.id, "activity": "early_parenthood"})
            if name != "Forløb 3" and number == len(sessions) // 2:  # the older courses had their visit halfway
                activities.append({"session_id": meeting.id, "activity": "health_visitor_visit"})
            if meeting.date < today:
                meeting.status = "held" if rng.random() > 0.04 else "cancelled"
                if meeting.status == "held":
                    for enrolment in mothers:
                        if (
                            enrolment.joined_on
                            and enrolment.joined_on <= meeting.date
                            and not (enrolment.left_on and enrolment.left_on < meeting.date)
                        ):
                            roll = rng.random()
                            status = "present" if roll < 0.78 else ("excused" if roll < 0.9 else "absent")
                            attendance.append(
                                {
                                    "session_id": meeting.id,
                                    "enrolment_id": enrolment.id,
                                    "status": status,
                                    "baby_present": status == "present" and rng.random() < 0.85,
                                    "recorded_by": "demo",
                                }
                            )
        insert_rows(SessionActivity, activities)
        insert_rows(Attendance, attendance)
    db.session.flush()
    _referrals(rng, today, areas)
    _governance(today, tenant, organisation)


def _session_today(course: Course, today: date) -> None:
    """Make sure the course meets today (a public holiday skipped by the weekly dates gets one anyway)."""
    if db.session.scalar(select(CourseSession.id).where(CourseSession.course_id == course.id, CourseSession.date == today)) is None:
        db.session.add(CourseSession(course_id=course.id, date=today, start_time=course.start_time, note="Demo: dagens mødegang"))
        db.session.flush()


def _volunteers(tenant: Tenant, organisation: Organisation, rng: random.Random, today: date) -> list[Volunteer]:
    issuer = (tenant.identity_provider or {}).get("issuer", "")
    people = [
        # The demo volunteer's own log-in: the development provider's volunteer of this organisation here.
        ("Birgitte Holm", today + timedelta(days=400), f"{issuer}|{volunteer_subject(tenant.slug, organisation.slug)}"),
        ("Hanne Sørensen", today + timedelta(days=45), None),  # certificate runs out soon: a reminder
        ("Karin Lund", today - timedelta(days=10), None),  # expired: shown on her courses
        ("Mette Rasmussen", today + timedelta(days=700), None),
    ]
    volunteers = []
    for name, valid_until, login in people:
        record = {
            "organisation_id": organisation.id,
            "training_completed_on": today - timedelta(days=500),
            "insured_from": today - timedelta(days=500),
            "insured_until": today + timedelta(days=300),
            "certificate_requested_on": valid_until - timedelta(days=760),
            "certificate_consent_given": True,
            "certificate_assessed_on": valid_until - timedelta(days=740),
            "certificate_result": "approved",
            "certificate_valid_until": valid_until,
            "certificate_document_deleted_on": valid_until - timedelta(days=739),
        }
        # One person, one volunteer in the registry: where the organisation's demo volunteer already
        # volunteers in another of its programmes here, she is the same volunteer (one log-in, one row).
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.login_subject == login)) if login else None
        if volunteer is None:
            volunteer = Volunteer(
                name=name,
                phone=f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                login_subject=login,
                **record,
            )
            db.session.add(volunteer)
        else:  # the mother groups need her certificate and insurance on record
            for field, value in record.items():
                if getattr(volunteer, field) in (None, False):
                    setattr(volunteer, field, value)
        volunteers.append(volunteer)
    db.session.flush()
    return volunteers


def _referrals(rng: random.Random, today: date, areas: list[HousingArea]) -> None:
    for n in range(3):
        mother = services.create_mother(
            {
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "languages": rng.choice(LANGUAGES),
                "background": rng.choice(["refugee", "immigrant"]),
                "housing_area_id": areas[n % len(areas)].id,
                "baby_due_date": today + timedelta(days=30 * (n + 1)),
            },
            recorded_by="demo:sundhedsplejerske",
        )
        db.session.add(
            Referral(
                mother_id=mother.id,
                source="health_visitor",
                referred_by="demo:sundhedsplejerske",
                referred_on=today - timedelta(days=3 * n),
            )
        )


def _governance(today: date, tenant: Tenant, organisation: Organisation) -> None:
    db.session.add_all(
        [
            JointMeeting(
                held_on=today - timedelta(days=200),
                organisations=f"{organisation.name}, {tenant.name} (sundhedsplejen), boligsocial helhedsplan",
                minutes="Status på rekruttering og forløbene. Aftalt flere henvisninger fra sundhedsplejen.",
            ),
            JointMeeting(
                held_on=today - timedelta(days=20),
                organisations=f"{organisation.name}, {tenant.name}, Mødrehjælpen",
                minutes="Erfaringer fra forløb 1; plan for forankring.",
            ),
            Milestone(
                title="Politisk proces om videreførelse igangsat",
                due_on=date(2025, 6, 30),
                status="done",
                done_on=date(2025, 5, 20),
                note="Sag forelagt Børne- og Familieudvalget.",
            ),
            Milestone(title="Forankringsmodel beskrevet", due_on=today + timedelta(days=60), status="in_progress"),
            Evaluation(held_on=today - timedelta(days=90), kind="focus_group", notes="Fokusgruppe med seks mødre om sprog og netværk."),
            Evaluation(held_on=today - timedelta(days=30), kind="interview", notes="Interview med sundhedsplejerske om henvisninger."),
        ]
    )
