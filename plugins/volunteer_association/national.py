"""The programme's national key figures (``samvirke_national_figures``): its volunteers and the activities held.

Per tenant and year of the window core gives: the volunteers who took a shop
shift or helped at an activity in the year, and the activities held. One
statement for every municipality; core runs it across tenants and puts the
counts under disclosure control.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, union_all

from core.programme import Measure, NationalFigures, Window
from plugins.volunteer_association.models import Activity, ActivityVolunteer, Shift, ShiftSignup

MEASURES = [Measure("volunteers", _l("Volunteers")), Measure("activities", _l("Activities held"), "number")]


def figures_select(window: Window) -> Any:
    y = window.table
    # The tables, not the ORM entities: a plain aggregate outside any tenant's criteria.
    activity_t, helper_t, shift_t, signup_t = Activity.__table__, ActivityVolunteer.__table__, Shift.__table__, ShiftSignup.__table__
    act, av, sh, su = activity_t.c, helper_t.c, shift_t.c, signup_t.c
    held = and_(window.during(act.day), window.of_tenants(act.tenant_id))
    on_shifts = (
        select(su.tenant_id.label("t"), y.c.year.label("y"), su.volunteer_id.label("v"))
        .select_from(y)
        .join(shift_t, and_(window.during(sh.day), window.of_tenants(sh.tenant_id)))
        .join(signup_t, and_(su.tenant_id == sh.tenant_id, su.shift_id == sh.id))
    )
    at_activities = (
        select(av.tenant_id.label("t"), y.c.year.label("y"), av.volunteer_id.label("v"))
        .select_from(y)
        .join(activity_t, held)
        .join(helper_t, and_(av.tenant_id == act.tenant_id, av.activity_id == act.id))
    )
    helpers = union_all(on_shifts, at_activities).subquery("helpers")
    volunteers = (
        select(helpers.c.t, helpers.c.y, func.count(func.distinct(helpers.c.v)).label("n")).group_by(helpers.c.t, helpers.c.y).subquery("v")
    )
    activities = (
        select(act.tenant_id.label("t"), y.c.year.label("y"), func.count(act.id).label("n"))
        .select_from(y)
        .join(activity_t, held)
        .group_by(act.tenant_id, y.c.year)
        .subquery("a")
    )
    keys = union_all(select(volunteers.c.t, volunteers.c.y), select(activities.c.t, activities.c.y)).subquery("k")
    return (
        select(
            keys.c.t.label("tenant_id"),
            keys.c.y.label("year"),
            func.max(func.coalesce(volunteers.c.n, 0)).label("volunteers"),
            func.max(func.coalesce(activities.c.n, 0)).label("activities"),
        )
        .select_from(keys)
        .outerjoin(volunteers, and_(volunteers.c.t == keys.c.t, volunteers.c.y == keys.c.y))
        .outerjoin(activities, and_(activities.c.t == keys.c.t, activities.c.y == keys.c.y))
        .group_by(keys.c.t, keys.c.y)
    )


FIGURES = NationalFigures(MEASURES, figures_select, main="volunteers")
