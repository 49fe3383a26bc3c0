"""Every JSON API list sends as many SQL statements for 3N rows as for N (no query per row: no N+1).

Each list route of the API (a GET whose 200 answer is a list, found from the
URL map, so a new one without a seed here fails ``test_every_api_list_is_measured``)
has a seed that adds N rows of what the list shows, with what each row's dump
walks (a contact's family, reasons and referrals; a session's activities; an
office's hours ...). The list is requested with N rows and again with 3N, each
time twice and the second request counted (a per-process cache filled by the
first does not count against it). Both sizes fit on one page, so paging does
not hide a query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.api.pagination import DEFAULT_PAGE_SIZE
from core.calendar import copenhagen_today
from core.db import db
from core.tenancy.context import tenant_context
from core.testing.fixtures import organisation_id
from core.testing.kit_checks import statements

N = 3
API = "/<tenant>/api/v1"
# A list that is deliberately not paged (core.api.pagination): a session's register, replaced whole by a PUT.
UNPAGED = {f"{API}/mother_groups/sessions/<int:session_id>/attendance"}
Seed = Callable[[dict[str, Any], int], str]


# --- seeds: each adds ``n`` rows of its list (and what they show) and returns the list's URL ------------


def _volunteers(state: dict[str, Any], n: int) -> str:
    from core.volunteers.models import Volunteer

    for i in range(n):
        db.session.add(Volunteer(name=f"Frivillig {state['serial']()}-{i}", organisation_id=state["organisation"]))
    return "/alpha/api/v1/volunteers"


def _course_id(state: dict[str, Any]) -> int:
    """One course for both sizes of a course's list (kept by id: the rows outlive their session)."""
    from plugins.mother_groups.models import Course

    if "course_id" not in state:
        course = Course(name="Hold", start_date=date(2026, 1, 5), end_date=date(2026, 10, 5))
        db.session.add(course)
        db.session.flush()
        state["course_id"] = course.id
    return state["course_id"]


def _mother(state: dict[str, Any]) -> Any:
    from plugins.mother_groups.models import Mother

    mother = Mother(name=f"Mor {state['serial']()}")
    db.session.add(mother)
    db.session.flush()
    return mother


def _courses(state: dict[str, Any], n: int) -> str:
    from plugins.mother_groups.models import Course

    for i in range(n):
        db.session.add(
            Course(name=f"Hold {state['serial']()}", start_date=date(2026, 1, 5) + timedelta(days=i), end_date=date(2026, 10, 5))
        )
    return "/alpha/api/v1/mother_groups/courses"


def _enrolments(state: dict[str, Any], n: int) -> str:
    from plugins.mother_groups.models import Enrolment

    course_id = _course_id(state)
    for _ in range(n):
        db.session.add(Enrolment(course_id=course_id, mother_id=_mother(state).id, joined_on=date(2026, 1, 5)))
    return f"/alpha/api/v1/mother_groups/courses/{course_id}/enrolments"


def _sessions(state: dict[str, Any], n: int) -> str:
    from plugins.mother_groups.models import CourseSession, SessionActivity

    course_id = _course_id(state)
    for _ in range(n):
        meeting = CourseSession(course_id=course_id, date=date(2026, 1, 5) + timedelta(weeks=state["serial"]()), start_time=time(10))
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all(SessionActivity(session_id=meeting.id, activity=a) for a in ("language_wellbeing", "other"))
    return f"/alpha/api/v1/mother_groups/courses/{course_id}/sessions"


def _attendance(state: dict[str, Any], n: int) -> str:
    from plugins.mother_groups.models import Attendance, CourseSession, Enrolment

    course_id = _course_id(state)
    if "session_id" not in state:
        meeting = CourseSession(course_id=course_id, date=date(2026, 1, 7), start_time=time(10))
        db.session.add(meeting)
        db.session.flush()
        state["session_id"] = meeting.id
    for _ in range(n):
        enrolment = Enrolment(course_id=course_id, mother_id=_mother(state).id)
        db.session.add(enrolment)
        db.session.flush()
        db.session.add(Attendance(session_id=state["session_id"], enrolment_id=enrolment.id, status="present", recorded_by="test"))
    return f"/alpha/api/v1/mother_groups/sessions/{state['session_id']}/attendance"


def _referrals(state: dict[str, Any], n: int) -> str:
    from plugins.mother_groups.models import Referral

    for _ in range(n):
        db.session.add(Referral(mother_id=_mother(state).id, referred_by="Sundhedsplejerske", referred_on=date(2026, 2, 1)))
    return "/alpha/api/v1/mother_groups/referrals"


def _family(state: dict[str, Any]) -> Any:
    from plugins.open_counselling.models import Family

    family = Family(family_number=f"F-{state['serial']()}")
    db.session.add(family)
    db.session.flush()
    return family


def _contacts(state: dict[str, Any], n: int) -> str:
    from plugins.open_counselling.models import Contact, ContactReason, ContactReferral

    for _ in range(n):
        contact = Contact(
            family_id=_family(state).id, day=date(2026, 3, 2), channel="phone", duration_minutes=30, counsellor="test", need_level=1
        )
        db.session.add(contact)
        db.session.flush()
        db.session.add_all(ContactReason(contact_id=contact.id, reason=r) for r in ("parenthood", "housing_economy"))
        db.session.add(ContactReferral(contact_id=contact.id, referral="municipality"))
    return "/alpha/api/v1/open_counselling/contacts"


def _families(state: dict[str, Any], n: int) -> str:
    for _ in range(n):
        _family(state)
    return "/alpha/api/v1/open_counselling/families"


def _notifications(state: dict[str, Any], n: int) -> str:
    from plugins.open_counselling.models import Notification

    for _ in range(n):
        db.session.add(
            Notification(
                family_id=_family(state).id,
                day=date(2026, 3, 2),
                ground="Bekymring",
                author="Rådgiver",
                recipient_unit="Familie",
                channel="phone",
            )
        )
    return "/alpha/api/v1/open_counselling/notifications"


def _office(state: dict[str, Any]) -> Any:
    from plugins.open_counselling.models import Office

    office = Office(name=f"Kontor {state['serial']()}")
    db.session.add(office)
    db.session.flush()
    return office


def _offices(state: dict[str, Any], n: int) -> str:
    from plugins.open_counselling.models import OpeningHours

    for _ in range(n):
        office = _office(state)
        db.session.add_all(OpeningHours(office_id=office.id, weekday=d, opens=time(9), closes=time(15)) for d in (0, 2))
    return "/alpha/api/v1/open_counselling/offices"


def _hours(state: dict[str, Any], n: int) -> str:
    from plugins.open_counselling.models import OpeningHours

    for _ in range(n):
        db.session.add(OpeningHours(office_id=_office(state).id, weekday=1, opens=time(9), closes=time(12)))
    return "/alpha/api/v1/open_counselling/hours"


def _closures(state: dict[str, Any], n: int) -> str:
    from plugins.open_counselling.models import Closure

    for _ in range(n):
        db.session.add(Closure(office_id=_office(state).id, day=copenhagen_today() + timedelta(days=3), reason="Sygdom"))
    return "/alpha/api/v1/open_counselling/closures"


def _volunteer(state: dict[str, Any]) -> Any:
    from core.volunteers.models import Volunteer

    volunteer = Volunteer(name=f"Frivillig {state['serial']()}", organisation_id=state["organisation"])
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


def _activities(state: dict[str, Any], n: int) -> str:
    from plugins.volunteer_association.models import Activity, ActivityVolunteer

    for _ in range(n):
        activity = Activity(kind="help", title=f"Aktivitet {state['serial']()}", day=date(2026, 4, 1))
        db.session.add(activity)
        db.session.flush()
        db.session.add_all(ActivityVolunteer(activity_id=activity.id, volunteer_id=_volunteer(state).id) for _ in range(2))
    return "/alpha/api/v1/volunteer_association/activities"


def _grants(state: dict[str, Any], n: int) -> str:
    from plugins.volunteer_association.models import GrantApplication

    for _ in range(n):
        db.session.add(GrantApplication(funder=f"Fond {state['serial']()}", amount_applied=Decimal("1000.00"), status="granted"))
    return "/alpha/api/v1/volunteer_association/grants"


def _shifts(state: dict[str, Any], n: int) -> str:
    from plugins.volunteer_association.models import Shift, ShiftSignup

    for _ in range(n):
        shift = Shift(day=date(2026, 5, 1) + timedelta(days=state["serial"]()), starts=time(10), ends=time(14))
        db.session.add(shift)
        db.session.flush()
        db.session.add_all(ShiftSignup(shift_id=shift.id, volunteer_id=_volunteer(state).id) for _ in range(2))
    return "/alpha/api/v1/volunteer_association/shifts"


def _households(state: dict[str, Any], n: int) -> str:
    from tests.example_plugin.models import Household, Member

    for _ in range(n):
        household = Household(name=f"Husstand {state['serial']()}", members=[Member(name="Amira"), Member(name="Sara")])
        db.session.add(household)
    return "/alpha/api/v1/example/households"


SEEDS: dict[str, Seed] = {
    f"{API}/volunteers": _volunteers,
    f"{API}/mother_groups/courses": _courses,
    f"{API}/mother_groups/courses/<int:course_id>/enrolments": _enrolments,
    f"{API}/mother_groups/courses/<int:course_id>/sessions": _sessions,
    f"{API}/mother_groups/sessions/<int:session_id>/attendance": _attendance,
    f"{API}/mother_groups/referrals": _referrals,
    f"{API}/open_counselling/contacts": _contacts,
    f"{API}/open_counselling/families": _families,
    f"{API}/open_counselling/notifications": _notifications,
    f"{API}/open_counselling/offices": _offices,
    f"{API}/open_counselling/hours": _hours,
    f"{API}/open_counselling/closures": _closures,
    f"{API}/volunteer_association/activities": _activities,
    f"{API}/volunteer_association/grants": _grants,
    f"{API}/volunteer_association/shifts": _shifts,
    f"{API}/example/households": _households,
}


def api_lists(app) -> dict[str, Any]:
    """Every API route whose GET answers a list (flask-smorest's doc of its 200 response), with its view."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or "GET" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        documented = getattr(view, "_apidoc", {}).get("response", {}).get("responses", {}).get(200, [])
        if any(getattr(r.get("schema"), "many", False) for r in documented):
            found[rule.rule] = view
    return found


def kit_measured(app) -> set[str]:
    """The API lists of programmes with sample rows: the test kit measures them (core.testing.kit, check e)."""
    from core.plugins.host import plugin_host

    sampled: set[str] = set()
    host = plugin_host(app)
    for name, plugin in host.pm.list_name_plugin():
        programme = host.programme_of(name)
        if programme is not None and hasattr(plugin, "samvirke_sample_rows"):
            sampled.add(programme.key)
    return {rule for rule in api_lists(app) if rule.split("/")[4] in sampled}


def test_every_api_list_is_measured_and_paged(app):
    lists = api_lists(app)
    unmeasured = set(lists) - set(SEEDS) - kit_measured(app)
    assert unmeasured == set(), "an API list without a seed here, nor sample rows for the test kit"
    assert set(SEEDS) <= set(lists), "a seed of no list"
    unpaged = {rule for rule, view in lists.items() if "pagination" not in view._apidoc}
    assert unpaged == UNPAGED, "every API list pages with @blp.paginate() (core.api.pagination)"


@pytest.mark.parametrize("rule", sorted(SEEDS))
def test_statements_of_an_api_list_do_not_grow_with_its_rows(app, client_for, tenant_a, rule):
    counter = iter(range(1, 10_000))
    state: dict[str, Any] = {"serial": lambda: next(counter), "organisation": organisation_id(app, "testforeningen")}
    staff = client_for("alpha")  # the organisation's staff may read every one of these lists

    def grow(n: int) -> str:
        with app.app_context(), tenant_context(tenant_a):
            url = SEEDS[rule](state, n)
            db.session.commit()
            db.session.remove()
        return url

    def measured(url: str, rows: int) -> list[str]:
        assert staff.get(url).status_code == 200  # fills what a process caches
        with statements() as seen:
            response = staff.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(response.get_json()) >= rows, f"the seed did not show {rows} rows"
        return seen

    url = grow(N)
    few = measured(url, N)
    url = grow(2 * N)
    many = measured(url, 3 * N)
    assert 3 * N <= DEFAULT_PAGE_SIZE
    assert len(many) == len(few), f"{rule}: {len(few)} statements for {N} rows, {len(many)} for {3 * N}:\n" + "\n".join(many)
