"""Two people editing the same office's schedule at once: no duplicate closure, no overlapping hours."""

from __future__ import annotations

import os
import threading
import time as clock
from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.programme import db
from core.testing import tenant_context
from core.testing.fixtures import csrf_from
from plugins.open_counselling.models import Closure, Office, OpeningHours

BASE = "/alpha/open_counselling"


@pytest.fixture
def office(app, tenant_a) -> int:
    with app.app_context(), tenant_context(tenant_a):
        office = Office(name="Rådgivningen Samtidig", phone_counselling="55 66 77 88")
        db.session.add(office)
        db.session.commit()
        return office.id


def test_the_database_keeps_one_closure_an_office_and_day(app, tenant_a, office):
    with app.app_context(), tenant_context(tenant_a):
        db.session.add(Closure(office_id=office, day=date(2026, 5, 20), reason="Kursus"))
        db.session.commit()
        db.session.add(Closure(office_id=office, day=date(2026, 5, 20), reason="Sygdom"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Closure).where(Closure.office_id == office)) == 1


def test_a_closure_that_slipped_past_the_page_check_is_a_clear_409(app, client_for, tenant_a, office, monkeypatch):
    # As if a concurrent submission committed between the page's check and its insert.
    client = client_for("alpha")
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    with app.app_context(), tenant_context(tenant_a):
        db.session.add(Closure(office_id=office, day=date(2026, 5, 20), reason="Kursus"))
        db.session.commit()
    from plugins.open_counselling import schedule_views

    monkeypatch.setattr(schedule_views, "_already_closed", lambda *args: False)
    answer = client.post(
        f"{BASE}/schedule/closures",
        data={"csrf_token": token, "closure_office_id": office, "day": "2026-05-20", "reason": "Sygdom"},
    )
    assert answer.status_code in (409, 422)
    assert "Internal Server Error" not in answer.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Closure).where(Closure.office_id == office)) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL): row locks")
def test_concurrent_overlapping_hours_are_refused_not_both_saved(app, client_for, tenant_a, office):
    client = client_for("alpha")
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    answers = []

    def submit() -> None:
        answers.append(
            client.post(
                f"{BASE}/schedule/hours",
                data={"csrf_token": token, "hours_office_id": office, "weekday": "1", "opens": "10:00", "closes": "14:00"},
            )
        )

    with app.app_context(), tenant_context(tenant_a):
        # Another person's request, mid-way: it has checked and locked the office, not yet committed.
        db.session.execute(select(Office.id).where(Office.id == office).with_for_update())
        other = threading.Thread(target=submit)
        other.start()
        clock.sleep(1.0)  # the submission reaches the lock and waits (without the lock it would insert now)
        db.session.add(OpeningHours(office_id=office, weekday=1, opens=time(9), closes=time(12)))
        db.session.commit()
    other.join(timeout=30)
    assert answers and answers[0].status_code == 422
    assert "overlap" in answers[0].get_data(as_text=True).lower() or "overlapper" in answers[0].get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(OpeningHours).where(OpeningHours.office_id == office)) == 1
