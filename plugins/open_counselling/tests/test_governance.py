"""Governance of open counselling: steering- and follow-group meetings, and the annual review and
meeting rhythm the covering agreement sets (read from its terms, never from the plugin)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from core.programme import GovernanceRhythm, ReviewSchedule, copenhagen_today, db
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import agreement_says, csrf_from
from plugins.open_counselling.governance import agreed_governance, group_flag, months_before, review_status
from plugins.open_counselling.models import GovernanceMeeting

PAGE = "/alpha/open_counselling/governance/"
MEETINGS = f"{PAGE}meetings"
# Fredericia's agreement (seeds/002): reviewed once a year before the end of Q2; a steering group
# half-yearly and a follow group quarterly.
FREDERICIA_TERMS: dict[str, Any] = {
    "review": {"every": "year", "by": "06-30"},
    "governance": [{"body": "steering_group", "every_months": 6}, {"body": "follow_group", "every_months": 3}],
}
BY_Q2 = ReviewSchedule.from_dict(FREDERICIA_TERMS["review"])
STEERING, FOLLOW = (GovernanceRhythm.from_dict(r) for r in FREDERICIA_TERMS["governance"])


@pytest.fixture(autouse=True)
def _clean(app, tenant_a, tenant_b):
    # The test tenants' agreement says what Fredericia's says (tests that need otherwise say so).
    with (
        agreement_says(app, tenant_a, "open_counselling", terms=FREDERICIA_TERMS),
        agreement_says(app, tenant_b, "open_counselling", terms=FREDERICIA_TERMS),
    ):
        yield
    with app.app_context():
        db.session.rollback()
        with cross_tenant("test clean-up: open_counselling governance"):
            db.session.execute(delete(GovernanceMeeting))
        db.session.commit()
        db.session.remove()


def add(
    app, tenant_id: int, kind: str, held_on: date, members: str = "Mødrehjælpen, Fredericia Kommune", minutes: str | None = None
) -> int:
    with app.app_context(), tenant_context(tenant_id):
        row = GovernanceMeeting(kind=kind, held_on=held_on, members=members, minutes=minutes)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def count(app) -> int:
    with app.app_context(), cross_tenant("test: count every tenant's meetings"):
        return db.session.scalars(select(func.count(GovernanceMeeting.id))).one()


def post(client, data: dict[str, str], token_page: str = PAGE):
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    return client.post(MEETINGS, data={**data, "csrf_token": token})


def _first_group(pattern: str, html: str) -> str:
    found = re.search(pattern, html)
    assert found is not None, f"{pattern} is not on the page"
    return found.group(1)


def review_of(html: str) -> str:
    return _first_group(r'data-review-status="(\w+)"', html)


def late(html: str, kind: str) -> bool:
    return _first_group(rf'id="flag-{kind}" data-late="(\w+)"', html) == "true"


# --- the rules ---------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2026, 11, 23), 3) == date(2026, 8, 23)
    assert months_before(date(2026, 2, 15), 6) == date(2025, 8, 15)
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)


def test_annual_review_is_done_by_a_steering_meeting_in_q1_or_q2():
    assert review_status(BY_Q2, [], date(2026, 6, 30)).status == "due"
    assert review_status(BY_Q2, [], date(2026, 7, 1)).status == "overdue"
    done = review_status(BY_Q2, [date(2026, 3, 10)], date(2026, 11, 1))
    assert (done.status, done.held_on, done.deadline) == ("done", date(2026, 3, 10), date(2026, 6, 30))
    assert review_status(BY_Q2, [date(2026, 6, 30)], date(2026, 6, 30)).status == "done"
    assert review_status(BY_Q2, [date(2026, 7, 2)], date(2026, 8, 1)).status == "overdue"  # after Q2: too late
    assert review_status(BY_Q2, [date(2025, 5, 1)], date(2026, 2, 1)).status == "due"  # last year's does not count
    assert review_status(BY_Q2, [date(2026, 5, 1)], date(2026, 4, 1)).status == "due"  # planned, not held yet


def test_the_review_date_is_the_agreements():
    by_q1 = ReviewSchedule.from_dict({"every": "year", "by": "03-31"})
    assert review_status(by_q1, [], date(2026, 3, 31)).deadline == date(2026, 3, 31)
    assert review_status(by_q1, [], date(2026, 4, 1)).status == "overdue"
    assert review_status(by_q1, [date(2026, 4, 2)], date(2026, 5, 1)).status == "overdue"  # after the agreement's date
    assert review_status(by_q1, [date(2026, 2, 2)], date(2026, 5, 1), "follow").kind == "follow"


def test_group_flags_after_the_agreements_three_and_six_months(app):
    from flask_babel import force_locale

    today = date(2026, 11, 23)
    assert group_flag("follow", FOLLOW, date(2026, 8, 23), today).late is False  # exactly three months
    assert group_flag("follow", FOLLOW, date(2026, 8, 22), today).late is True
    assert group_flag("steering", STEERING, date(2026, 5, 23), today).late is False
    assert group_flag("steering", STEERING, date(2026, 5, 22), today).late is True
    assert group_flag("follow", FOLLOW, None, today).late is True
    monthly = GovernanceRhythm.from_dict({"body": "follow_group", "every_months": 1})
    assert group_flag("follow", monthly, date(2026, 10, 22), today).late is True
    with app.test_request_context(), force_locale("da"):
        assert (group_flag("follow", FOLLOW, None, today).months, group_flag("follow", FOLLOW, None, today).rhythm) == (3, "kvartalsvis")
    with app.test_request_context(), force_locale("en"):
        assert group_flag("follow", FOLLOW, None, today).rhythm == "quarterly"


# --- the page ------------------------------------------------------------------------------


def test_create_and_list_meetings_of_both_groups(app, client_for, tenant_a):
    staff = client_for("alpha", "partner_staff")
    steering = post(
        staff, {"kind": "steering", "meeting_date": "2026-03-10", "members": "Direktør, Mødrehjælpen", "minutes": "Aftalen drøftet."}
    )
    follow = post(staff, {"kind": "follow", "meeting_date": "2026-09-01", "members": "Driftsledere"})
    for response in (steering, follow):
        assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    html = staff.get(PAGE).get_data(as_text=True)
    steering_table = html[html.index('id="meetings-steering"') : html.index('id="meetings-follow"')]
    follow_table = html[html.index('id="meetings-follow"') :]
    assert "10.3.2026" in steering_table and "Aftalen drøftet." in steering_table and "Driftsledere" not in steering_table
    assert "1.9.2026" in follow_table and "Driftsledere" in follow_table
    with app.app_context(), tenant_context(tenant_a):
        assert sorted(db.session.scalars(select(GovernanceMeeting.kind)).all()) == ["follow", "steering"]


def test_invalid_meeting_gives_422_danish_errors_and_writes_nothing(app, client_for):
    staff = client_for("alpha", "partner_staff")
    refused = post(staff, {"kind": "board", "meeting_date": "10/3", "members": "Driftsledere"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Vælg en af mulighederne." in html and "Skriv en dato som ÅÅÅÅ-MM-DD." in html
    assert 'value="Driftsledere"' in html
    missing = post(staff, {"kind": "follow", "meeting_date": "2026-09-01"})
    assert missing.status_code == 422 and "Feltet skal udfyldes." in missing.get_data(as_text=True)
    assert 'id="field-members-error"' in missing.get_data(as_text=True)
    assert count(app) == 0


def test_annual_review_and_rhythm_on_the_page(app, client_for, tenant_a):
    today = copenhagen_today()
    staff = client_for("alpha", "municipal_staff")
    html = staff.get(PAGE).get_data(as_text=True)
    assert review_of(html) == ("due" if today <= date(today.year, 6, 30) else "overdue")
    assert f"30. juni {today.year}" in html
    assert late(html, "steering") and late(html, "follow")  # none recorded

    add(app, tenant_a, "follow", months_before(today, 3) - timedelta(days=1))
    add(app, tenant_a, "steering", months_before(today, 6))
    html = staff.get(PAGE).get_data(as_text=True)
    assert late(html, "follow") and not late(html, "steering")

    add(app, tenant_a, "follow", today - timedelta(days=20))
    add(app, tenant_a, "steering", today + timedelta(days=30))  # planned: does not count
    assert not late(staff.get(PAGE).get_data(as_text=True), "follow")


def test_a_steering_meeting_in_the_first_half_year_is_the_review(app, client_for, tenant_a):
    today = copenhagen_today()
    held = date(today.year, 1, 1)
    add(app, tenant_a, "steering", held, minutes="Årlig drøftelse af aftalen")
    html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
    assert review_of(html) == "done" and f"{held.day}. januar {held.year}" in html


def test_last_years_review_does_not_count(app, client_for, tenant_a):
    today = copenhagen_today()
    add(app, tenant_a, "steering", date(today.year - 1, 3, 1))
    assert review_of(client_for("alpha").get(PAGE).get_data(as_text=True)) != "done"


def test_the_page_says_what_the_agreement_sets(client_for):
    html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
    agreed = html[html.index('id="agreed-governance"') :]
    agreed = agreed[: agreed.index("</ul>")]
    assert "Styregruppe: halvårligt" in agreed and "Følgegruppe: kvartalsvis" in agreed
    assert "én gang om året inden 30. juni" in agreed


def test_another_agreements_review_date_and_groups(app, client_for, tenant_a):
    """Kolding-like terms: reviewed by 31 March, a follow group quarterly and no steering group."""
    today = copenhagen_today()
    terms = {"review": {"every": "year", "by": "03-31"}, "governance": [{"body": "follow_group", "every_months": 3}]}
    with agreement_says(app, tenant_a, "open_counselling", terms=terms):
        add(app, tenant_a, "steering", date(today.year, 1, 2))  # no steering group in this agreement: not the review
        html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
        assert review_of(html) == ("due" if today <= date(today.year, 3, 31) else "overdue")
        assert f"31. marts {today.year}" in html and f"30. juni {today.year}" not in html
        assert late(html, "follow") and 'id="flag-steering"' not in html
        add(app, tenant_a, "follow", date(today.year, 1, 3))  # the follow group reviews it here
        html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
        assert review_of(html) == "done" and f"3. januar {today.year}" in html


def test_no_review_and_no_rhythm_when_the_agreement_sets_none(app, client_for, tenant_a):
    with agreement_says(app, tenant_a, "open_counselling", terms={"review": None, "governance": []}):
        with app.app_context(), tenant_context(tenant_a):
            assert agreed_governance().covered and agreed_governance().review is None and agreed_governance().rhythms == {}
        html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
        assert "data-review-status" not in html and "data-late" not in html
        assert 'id="meetings-steering"' in html  # the meetings are still listed and recorded


def test_no_review_and_no_rhythm_without_an_agreement(app, client_for, tenant_a):
    with agreement_says(app, tenant_a, "open_counselling", draft=True):  # a draft covers nothing
        with app.app_context(), tenant_context(tenant_a):
            assert agreed_governance() == agreed_governance().__class__()
        html = client_for("alpha", "tenant_admin").get(PAGE).get_data(as_text=True)
        assert 'data-agreement="none"' in html
        assert "data-review-status" not in html and "data-late" not in html


# --- isolation and roles -----------------------------------------------------------------------


def test_lists_and_flags_use_only_the_own_tenants_meetings(app, client_for, tenant_a, tenant_b):
    today = copenhagen_today()
    add(app, tenant_a, "follow", date(2025, 2, 1), members="Driftsledere alpha")
    add(app, tenant_b, "follow", today, members="Driftsledere beta", minutes="Referat beta")
    add(app, tenant_b, "steering", date(today.year, 1, 2), members="Styregruppe beta")
    html = client_for("alpha").get(PAGE).get_data(as_text=True)
    assert "Driftsledere alpha" in html and "beta" not in html.lower()
    assert late(html, "follow") and review_of(html) != "done"


def test_municipal_staff_read_but_do_not_write(app, client_for):
    staff = client_for("alpha", "municipal_staff")
    page = staff.get(PAGE)
    assert page.status_code == 200 and f'action="{MEETINGS}"' not in page.get_data(as_text=True)
    assert post(staff, {"kind": "follow", "meeting_date": "2026-09-01", "members": "X"}).status_code == 403
    assert count(app) == 0


@pytest.mark.parametrize("role", ["tenant_admin", "partner_staff"])
def test_writers_see_the_form(client_for, role):
    assert f'action="{MEETINGS}"' in client_for("alpha", role).get(PAGE).get_data(as_text=True)


def test_platform_admin_may_add_a_meeting(app, client_for):
    admin = client_for(None)
    assert post(admin, {"kind": "steering", "meeting_date": "2026-02-02", "members": "Styregruppen"}).status_code == 303
    assert count(app) == 1


@pytest.mark.parametrize("role", ["volunteer", "finance"])
def test_other_roles_get_403(client_for, role):
    client = client_for("alpha", role)
    assert client.get(PAGE).status_code == 403
    assert post(client, {"kind": "follow", "meeting_date": "2026-09-01", "members": "X"}, token_page="/alpha/").status_code == 403


def test_another_tenants_page_is_not_found(client_for):
    assert client_for("alpha", "tenant_admin").get("/beta/open_counselling/governance/").status_code == 404


def test_a_tenant_without_the_programme_has_no_governance_page(client_for):
    assert client_for("gamma", "tenant_admin").get("/gamma/open_counselling/governance/").status_code == 404
