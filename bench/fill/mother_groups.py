"""Mother groups: overlapping weekly courses with mothers, babies, consents, referrals, sessions and attendance."""

from __future__ import annotations

from datetime import date, time, timedelta

from bench.fill import Context
from bench.fill.volunteers import add_volunteers
from plugins.mother_groups.models import (
    Attendance,
    Baby,
    Consent,
    Course,
    CourseSession,
    CourseVolunteer,
    Enrolment,
    Evaluation,
    HousingArea,
    JointMeeting,
    Milestone,
    Mother,
    Referral,
    SessionActivity,
)

AREAS = ("Vestparken", "Søndergården", "Nørrevænget")
NAMES = ("Amina", "Fatima", "Hodan", "Sahra", "Leila", "Mariam", "Nour", "Rania", "Yasmin", "Zainab", "Hawa", "Samira")
SURNAMES = ("Ahmed", "Ali", "Hassan", "Mohamed", "Yusuf", "Abdi", "Omar", "Haddad", "Nasser", "Karimi")
LANGUAGES = ("arabisk", "somali", "tigrinya", "dari", "farsi", "ukrainsk", "kurdisk", "urdu")


def _status(start: date, end: date, today: date) -> str:
    if end < today:
        return "completed"
    if start <= today:
        return "running"
    return "recruiting" if start <= today + timedelta(days=30) else "planned"


def fill(ctx: Context) -> None:
    p, rng, today = ctx.profile, ctx.rng, ctx.today
    organisation = ctx.organisation("mother_groups")
    volunteers = add_volunteers(ctx, organisation, p.drc_volunteers) if organisation else []
    areas = [ctx.add(HousingArea.__table__, name=name, vulnerable=True) for name in AREAS]
    courses = max(1, round(p.courses_per_year * p.years))
    # Courses start evenly over the years up to one halfway through now (every size has a running course);
    # from three courses on, the last is recruiting, starting in a fortnight.
    recruiting = 1 if courses >= 3 else 0
    last_running = today - timedelta(weeks=p.course_weeks // 2)
    span = max(0, (last_running - ctx.first_day).days)
    mother_number = 0
    for index in range(courses):
        running = courses - recruiting
        if index < running:
            start = ctx.first_day + timedelta(days=span * index // max(1, running - 1)) if running > 1 else last_running
        else:
            start = today + timedelta(days=14)
        start -= timedelta(days=start.weekday() - 1 if start.weekday() >= 1 else -1)  # Tuesdays
        end = start + timedelta(weeks=p.course_weeks) - timedelta(days=1)
        area = areas[index % len(areas)]
        course = ctx.add(
            Course.__table__,
            name=f"Forløb {index + 1}, {AREAS[index % len(AREAS)]}",
            housing_area_id=area,
            location=f"Beboerhuset, {AREAS[index % len(AREAS)]}",
            start_date=start,
            end_date=end,
            weekday=start.weekday(),
            start_time=time(10, 0),
            capacity_min=max(1, p.mothers_per_course - 2),
            capacity_max=p.mothers_per_course + 2,
            status=_status(start, end, today),
        )
        for volunteer in rng.sample(volunteers, min(len(volunteers), p.volunteers_per_course)):
            ctx.add(CourseVolunteer.__table__, course_id=course, volunteer_id=volunteer)
        enrolments: list[tuple[int, date, date | None]] = []
        for n in range(p.mothers_per_course):
            mother_number += 1
            # Half join at the start, the others in the first weeks (continuous intake); a few leave.
            joined = start + timedelta(weeks=rng.randint(0, max(0, min(6, p.course_weeks - 1))) if n >= p.mothers_per_course // 2 else 0)
            left = joined + timedelta(weeks=rng.randint(4, max(5, p.course_weeks))) if rng.random() < 0.08 and start <= today else None
            mother = _mother(ctx, mother_number, area, start)
            status = "left" if left and left <= today else "enrolled"
            enrolment = ctx.add(
                Enrolment.__table__,
                course_id=course,
                mother_id=mother,
                status=status,
                joined_on=joined or start,
                left_on=left if status == "left" else None,
                leave_reason="Flyttet" if status == "left" else None,
            )
            ctx.add(
                Referral.__table__,
                mother_id=mother,
                source=rng.choice(("health_visitor", "health_visitor", "drc", "housing_social_unit")),
                referred_by="bench",
                referred_on=start - timedelta(days=rng.randint(7, 60)),
                status="enrolled",
                decided_on=start - timedelta(days=3),
                course_id=course,
            )
            enrolments.append((enrolment, joined or start, left if status == "left" else None))
        _sessions(ctx, course, start, enrolments)
    for _ in range(p.pending_referrals_per_year * p.years):
        mother_number += 1
        mother = _mother(ctx, mother_number, rng.choice(areas), today)
        ctx.add(
            Referral.__table__,
            mother_id=mother,
            source="health_visitor",
            referred_by="bench",
            referred_on=today - timedelta(days=rng.randint(0, 20)),
        )
    _governance(ctx)


def _mother(ctx: Context, number: int, area: int, around: date) -> int:
    rng = ctx.rng
    mother = ctx.add(
        Mother.__table__,
        name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {number}",
        phone=f"+45 {rng.randint(20000000, 99999999)}",
        languages=", ".join(rng.sample(LANGUAGES, 2)),
        background=rng.choice(("refugee", "immigrant")),
        housing_area_id=area,
    )
    ctx.add(Baby.__table__, mother_id=mother, birth_date=around - timedelta(days=rng.randint(10, 150)))
    ctx.add(
        Consent.__table__,
        mother_id=mother,
        scope="Deltagelse i mødregruppe (bench)",
        given_on=around - timedelta(days=7),
        recorded_by="bench",
    )
    return mother


def _sessions(ctx: Context, course: int, start: date, enrolments: list[tuple[int, date, date | None]]) -> None:
    p, rng, today = ctx.profile, ctx.rng, ctx.today
    for week in range(p.course_weeks):
        day = start + timedelta(weeks=week)
        status = ("held" if rng.random() > 0.03 else "cancelled") if day < today else "planned"
        session = ctx.add(CourseSession.__table__, course_id=course, date=day, start_time=time(10, 0), status=status)
        ctx.add(SessionActivity.__table__, session_id=session, activity="language_wellbeing")
        if week % 4 == 2:
            ctx.add(SessionActivity.__table__, session_id=session, activity="early_parenthood")
        if week == p.course_weeks // 2:
            ctx.add(SessionActivity.__table__, session_id=session, activity="health_visitor_visit")
        if status != "held":
            continue
        for enrolment, joined, left in enrolments:
            if joined <= day and not (left and left < day):
                roll = rng.random()
                mark = "present" if roll < 0.78 else ("excused" if roll < 0.9 else "absent")
                ctx.add(
                    Attendance.__table__,
                    session_id=session,
                    enrolment_id=enrolment,
                    status=mark,
                    baby_present=mark == "present" and roll < 0.7,
                    recorded_by="bench",
                )


def _governance(ctx: Context) -> None:
    p = ctx.profile
    for n in range(max(1, p.meetings_per_year * p.years // 3)):
        ctx.add(
            JointMeeting.__table__,
            held_on=ctx.first_day + timedelta(days=180 * n),
            organisations="DRC Integration, kommunen",
            minutes="Referat (bench)",
        )
    for n in range(p.years):
        ctx.add(
            Milestone.__table__, title=f"Politisk behandling {n + 1}", due_on=ctx.first_day + timedelta(days=365 * n + 200), status="done"
        )
        ctx.add(Evaluation.__table__, held_on=ctx.first_day + timedelta(days=365 * n + 300), kind="interview", notes="(bench)")
