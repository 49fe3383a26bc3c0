"""Homework café: two afternoons a week at two schools, children counted by age band, two volunteers each."""

from __future__ import annotations

from datetime import time, timedelta

from bench.fill import Context
from bench.fill.volunteers import add_volunteers
from plugins.homework_cafe.cafe import BANDS, CafeSession, Helper


def fill(ctx: Context) -> None:
    organisation = ctx.organisation("homework_cafe")
    volunteers = add_volunteers(ctx, organisation, 6) if organisation is not None else []
    day, n = ctx.first_day, 0
    while day < ctx.today:
        if day.weekday() in (1, 3):  # Tuesdays and Thursdays
            counts = {band: ctx.rng.randint(0, 9) for band in BANDS}
            place = "Skolen (bench)" if day.weekday() == 1 else "Biblioteket (bench)"
            session = ctx.add(
                CafeSession.__table__, day=day, place=place, starts=time(15), ends=time(17, 30), minutes=150, notes=None, **counts
            )
            for volunteer in volunteers[n % 3 : n % 3 + 2]:
                ctx.add(Helper.__table__, session_id=session, volunteer_id=volunteer)
            n += 1
        day += timedelta(days=1)
