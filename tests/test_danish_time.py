"""'Today' and every scheduled job are Danish time (Europe/Copenhagen), not the server's UTC."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core import calendar as cal
from core.jobs.runner import due_times, latest_due, use_danish_time_for_cron

ROOT = Path(__file__).parents[1]
# A naive "today" or "now" is the server's (UTC on the servers): off by a day from 22:00 or 23:00 UTC.
SERVER_TIME = re.compile(r"\bdate\.today\(|\bdatetime\.now\(\)|\bdatetime\.utcnow\(|\bdatetime\.today\(")


class _FrozenNow(datetime):
    utc: datetime

    @classmethod
    def now(cls, tz=None):
        return cls.utc.astimezone(tz)


@pytest.fixture
def clock(monkeypatch):
    """Freeze core.calendar's clock at a UTC moment."""

    def at(utc: datetime) -> None:
        monkeypatch.setattr(_FrozenNow, "utc", utc, raising=False)
        monkeypatch.setattr(cal, "datetime", _FrozenNow)

    return at


def test_no_code_asks_the_server_for_today():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("core", "plugins", "tests")  # tests too: near midnight the server's date is not Copenhagen's
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in (ROOT / "core" / "calendar.py", Path(__file__).resolve())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SERVER_TIME.search(line)
    ]
    assert offenders == [], "use core.calendar.copenhagen_today()/copenhagen_now():\n" + "\n".join(offenders)


def test_the_guard_sees_date_today():
    assert SERVER_TIME.search("    today = date.today()") and SERVER_TIME.search("datetime.now()")
    assert not SERVER_TIME.search("datetime.now(UTC)") and not SERVER_TIME.search("copenhagen_today()")


def test_at_23_30_utc_on_31_december_it_is_1_january_in_denmark(clock):
    clock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert cal.copenhagen_today() == date(2027, 1, 1)
    assert cal.copenhagen_now().hour == 0 and cal.copenhagen_now().minute == 30


def test_the_helpers_of_the_programmes_follow_the_danish_clock(clock):
    from plugins.open_counselling import schedule_views
    from plugins.volunteer_association import shop_admin_schemas

    clock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert schedule_views._today() == date(2027, 1, 1)
    assert shop_admin_schemas.today() == date(2027, 1, 1)


def test_a_page_shows_danish_today(app, client, clock, tenant_a):
    """The public opening-hours page at 23:30 UTC on 31 December: New Year's Eve is past."""
    from core.db import db
    from core.tenancy.context import tenant_context
    from core.testing.fixtures import agreement_says
    from plugins.open_counselling.models import Office

    with app.app_context(), tenant_context(tenant_a):
        db.session.add(Office(name="Rådgivningen"))
        db.session.commit()
        db.session.remove()
    clock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    with agreement_says(app, tenant_a, "open_counselling", terms={"days_off": ["12-31"]}):
        html = client.get("/alpha/open_counselling/public").get_data(as_text=True)
    assert '<time datetime="2027-01-01">' in html
    assert '<time datetime="2026-12-31">' not in html  # the server's date, already yesterday in Denmark


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # Summer (CEST, +2): 03:30 in Denmark is 01:30 UTC.
        (datetime(2026, 7, 1, 0, 0, tzinfo=UTC), datetime(2026, 7, 2, 0, 0, tzinfo=UTC), ["2026-07-01T01:30+00:00"]),
        # Winter (CET, +1): 02:30 UTC.
        (datetime(2026, 1, 15, 0, 0, tzinfo=UTC), datetime(2026, 1, 16, 0, 0, tzinfo=UTC), ["2026-01-15T02:30+00:00"]),
        # Across the spring change (29 March 2026): one run each day, an hour earlier in UTC after it.
        (
            datetime(2026, 3, 28, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 0, 0, tzinfo=UTC),
            ["2026-03-28T02:30+00:00", "2026-03-29T01:30+00:00"],
        ),
    ],
)
def test_cron_is_read_in_danish_time(since, until, expected):
    assert [t.isoformat(timespec="minutes") for t in due_times("30 3 * * *", since, until)] == expected


def test_a_new_day_at_midnight_in_denmark():
    # "0 0 * * *": midnight in Denmark, 22:00 UTC the evening before in summer.
    assert latest_due("0 0 * * *", datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert latest_due("0 0 * * *", datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


def test_dispatch_without_a_due_time_uses_the_danish_schedule(app, lookalike_data, monkeypatch):
    from sqlalchemy import select

    from core.db import db
    from core.jobs import runner
    from core.jobs.models import JobRun
    from core.tenancy.context import cross_tenant

    # 23:30 UTC on 31 December is 00:30 in Denmark: a "15 0 * * *" job fell due at 23:15 UTC.
    monkeypatch.setattr(runner, "copenhagen_now", lambda: datetime(2026, 12, 31, 23, 30, tzinfo=UTC).astimezone(cal.COPENHAGEN))
    monkeypatch.setattr(runner, "registry", _with_cron(runner.registry, "example.count_households", "15 0 * * *"))
    with app.app_context():
        assert runner.dispatch_periodic("example.count_households") == 2
        with cross_tenant("test: the runs' keys"):
            keys = set(db.session.scalars(select(JobRun.run_key).where(JobRun.job_name == "example.count_households")))
    assert keys == {"2026-12-31T23:15+00:00"}


def _with_cron(registry, name, cron):
    from dataclasses import replace

    def patched(app=None):
        jobs = dict(registry(app))
        programme, job = jobs[name]
        jobs[name] = (programme, replace(job, cron=cron))
        return jobs

    return patched


def test_rq_cron_scheduler_reads_cron_in_danish_time(monkeypatch):
    from rq.cron import CronJob

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        use_danish_time_for_cron()
        assert os.environ["TZ"] == "Europe/Copenhagen"
        job = CronJob(queue_name="samvirke", func=due_times, cron="30 3 * * *")
        job.latest_enqueue_time = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
        assert job.get_next_enqueue_time() == datetime(2026, 7, 1, 1, 30, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
