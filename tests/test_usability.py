"""Everyday usability (issue 14): the referral list and its duplicate warning, another municipality's page,
counters that lead to their lists, and the public pages linked from the front page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy.context import tenant_context
from core.testing.fixtures import csrf_from
from plugins.mother_groups.models import Course, Enrolment, Mother, Referral
from tests.test_browser import page  # noqa: F401  (the browser fixture: skipped without Chromium)

REFERRALS = "/alpha/mother_groups/referrals/"


def _refer(client, **fields):
    token = csrf_from(client.get(REFERRALS).get_data(as_text=True))
    return client.post(REFERRALS, data={"csrf_token": token, "consent": "1", **fields})


def _referrals(app, tenant_id: int) -> int:
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(Referral)) or 0


# --- the health visitor's referral list -------------------------------------------------------------


def test_the_health_visitor_sees_the_names_of_her_own_referrals_only(app, client_for, tenant_a):
    mine, colleague = client_for("alpha", "municipal_staff"), client_for("alpha", "municipal_staff")
    assert _refer(mine, name="Henvist Hansen").status_code == 302
    assert _refer(mine, name="Henvist Jensen").status_code == 302
    assert _refer(colleague, name="Kollegas Mor").status_code == 302
    html = mine.get(REFERRALS).get_data(as_text=True)
    table = html[html.index('id="referrals"') : html.index("</table>")]
    assert "Henvist Hansen" in table and "Henvist Jensen" in table  # same day: the names tell them apart
    assert "Kollegas Mor" not in html
    assert "/mother_groups/mothers/" not in table  # names only: the mother's page is the coordinator's


# --- a second referral of the same mother ----------------------------------------------------------------


def test_referring_a_pending_mother_again_warns_and_needs_confirmation(app, client_for, tenant_a):
    visitor = client_for("alpha", "municipal_staff")
    assert _refer(visitor, name="Dobbelt Ahmed").status_code == 302
    before = _referrals(app, tenant_a)
    again = _refer(visitor, name="  dobbelt   AHMED ")
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert 'id="possible-duplicate"' in html and "samme navn" in html and "en henvisning venter på afgørelse" in html
    assert 'name="confirm_duplicate"' in html
    assert _referrals(app, tenant_a) == before  # nothing written
    confirmed = _refer(visitor, name="Dobbelt Ahmed", confirm_duplicate="1")
    assert confirmed.status_code == 302
    assert _referrals(app, tenant_a) == before + 1


def test_the_same_cpr_number_under_another_name_warns(app, client_for, tenant_a):
    visitor = client_for("alpha", "municipal_staff")
    assert _refer(visitor, name="Cpr Først", cpr="010190-1230").status_code == 302
    again = _refer(visitor, name="Helt Andet Navn", cpr="0101901230")
    assert again.status_code == 409
    assert "samme CPR-nummer" in again.get_data(as_text=True)


def test_an_enrolled_mother_warns_and_the_coordinator_gets_a_link(app, client_for, tenant_a):
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant_a):
        course = Course(name="Dubletforløb", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), status="running")
        db.session.add(course)
        mother = create_mother({"name": "Indskrevet Iqbal"}, "test")
        db.session.flush()
        db.session.add(Enrolment(course_id=course.id, mother_id=mother.id, status="enrolled", joined_on=date(2026, 1, 6)))
        db.session.commit()
        mother_id = mother.id
    coordinator = client_for("alpha", "partner_staff")
    html = _refer(coordinator, name="Indskrevet Iqbal").get_data(as_text=True)
    assert "indskrevet på et forløb" in html
    assert f'href="/alpha/mother_groups/mothers/{mother_id}"' in html[html.index('id="possible-duplicate"') :]


def test_no_warning_for_an_erased_or_declined_mother(app, client_for, tenant_a):
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant_a):
        declined = create_mother({"name": "Afvist Ali"}, "test")
        db.session.flush()
        db.session.add(Referral(mother_id=declined.id, referred_by="x", referred_on=date(2026, 1, 1), status="declined"))
        db.session.commit()
    assert _refer(client_for("alpha", "municipal_staff"), name="Afvist Ali").status_code == 302


def test_the_duplicate_check_stays_in_the_tenant(app, client_for, tenant_b):
    from plugins.mother_groups.services import refer

    with app.app_context(), tenant_context(tenant_b):
        refer({"name": "Betas Mor"}, "test")
        db.session.commit()  # the test is the unit of work here: services never commit
    assert _refer(client_for("alpha", "municipal_staff"), name="Betas Mor").status_code == 302


# --- another municipality's page ----------------------------------------------------------------------


def _normalised(html: str) -> str:
    """The page without its form token and the language switch's way back (the path she asked for, echoed)."""
    return re.sub(r'name="(csrf_token|next)" value="[^"]*"', "", html)


def test_another_municipalitys_page_explains_and_offers_sign_out(app, client_for, tenant_b):
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant_b):
        secret = create_mother({"name": "Hemmelig Betamor"}, "test")
        db.session.commit()
        secret_id = secret.id
    alpha = client_for("alpha", "partner_staff")
    paths = [
        f"/beta/mother_groups/mothers/{secret_id}",  # a row that exists there
        "/beta/mother_groups/mothers/987654",  # one that does not
        "/beta/mother_groups/mothers/",
        "/beta/",
        "/beta/no/such/page",
        "/beta/mother_groups/mothers/99999999999",  # beyond any id: refused before the slug is read
        "/beta/auth/login",
    ]
    bodies = set()
    for path in paths:
        response = alpha.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "Siden hører til en anden kommune" in html, path
        assert "Du er logget ind i Alfa Kommune" in html and "Beta Kommune" in html
        assert "Hemmelig Betamor" not in html
        assert 'action="/auth/logout"' in html and 'href="/alpha/"' in html
        bodies.add(_normalised(html))
    assert len(bodies) == 1  # the same page whatever the path names: nothing tells what exists there


def test_a_missing_row_of_ones_own_tenant_and_the_api_keep_the_plain_404(client_for, client):
    alpha = client_for("alpha", "partner_staff")
    own = alpha.get("/alpha/mother_groups/mothers/987654")
    assert own.status_code == 404 and "anden kommune" not in own.get_data(as_text=True)
    api = alpha.get("/beta/api/v1/mother_groups/courses")
    assert api.status_code == 404 and api.is_json
    anonymous = client.get("/beta/no/such/page")
    assert anonymous.status_code == 404 and "anden kommune" not in anonymous.get_data(as_text=True)


def test_a_national_coordinator_is_told_she_is_signed_in_to_the_platform(client_for):
    coordinator = client_for(None, "national_coordinator")
    html = coordinator.get("/beta/").get_data(as_text=True)
    assert "Du er logget ind på platformen" in html and "Beta Kommune" in html


# --- counters lead to their lists; the front page to the public pages --------------------------------------------


def test_home_counters_link_to_their_lists_for_those_who_may_open_them(client_for):
    staff = client_for("alpha", "partner_staff").get("/alpha/").get_data(as_text=True)
    for href in ("/alpha/mother_groups/", "/alpha/mother_groups/referrals/", "/alpha/volunteers/", "/alpha/volunteer_association/"):
        assert f'href="{href}"' in staff, href
    municipal = client_for("alpha", "municipal_staff").get("/alpha/").get_data(as_text=True)
    assert 'href="/alpha/mother_groups/referrals/"' in municipal  # she refers mothers
    assert 'href="/alpha/volunteers/"' not in municipal  # the registry is not hers: the count is plain text
    assert "Henvisninger, der venter på afgørelse" in municipal


@pytest.mark.parametrize("slug", ["alpha", "beta"])
def test_the_front_page_links_the_public_opening_hours(client, slug):
    html = client.get("/").get_data(as_text=True)
    assert f'href="/{slug}/open_counselling/public"' in html
    assert "/gamma/open_counselling/public" not in html  # gamma runs no open counselling
    assert client.get(f"/{slug}/open_counselling/public").status_code == 200


def test_the_referral_form_still_records_one_mother_per_referral(app, client_for, tenant_a):
    visitor = client_for("alpha", "municipal_staff")
    assert _refer(visitor, name="Enkelt Mor").status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Mother).where(Mother.name == "Enkelt Mor")) == 1


def test_the_api_refuses_a_second_referral_until_it_is_confirmed(app, client_for, tenant_a):
    visitor = client_for("alpha", "municipal_staff")
    api = "/alpha/api/v1/mother_groups/referrals"
    assert visitor.post(api, json={"name": "Api Dobbelt", "consent": True}).status_code == 201
    again = visitor.post(api, json={"name": "api dobbelt", "consent": True})
    assert again.status_code == 409
    assert "confirm_duplicate" in again.get_json()["errors"]["json"]
    assert _referrals(app, tenant_a) == 1
    assert visitor.post(api, json={"name": "api dobbelt", "consent": True, "confirm_duplicate": True}).status_code == 201
    assert _referrals(app, tenant_a) == 2


# --- in a browser: the page links and the search box pass axe, at desktop and on a phone --------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_and_search_in_a_browser(app, tenant_a, width, page):  # noqa: F811  (the fixture imported above)
    from plugins.mother_groups.services import create_mother
    from tests.test_browser import check_accessibility, log_in

    with app.app_context(), tenant_context(tenant_a):
        for n in range(7):
            create_mother({"name": f"Browsermor {n}"}, "test")
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "Alfa Kommune", "Testmedarbejder, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.goto("/alpha/mother_groups/mothers/?per_page=3")
    check_accessibility(page)
    assert "Browsermor 0" in page.locator("#mothers").inner_text()
    page.locator("nav.pagination a[rel=next]").click()
    page.wait_for_url("**page=2**")
    assert "Browsermor 3" in page.locator("#mothers").inner_text() and "Browsermor 0" not in page.locator("#mothers").inner_text()
    page.get_by_label("Søg på navn").fill("browsermor 6")
    page.get_by_role("button", name="Søg", exact=True).click()
    page.wait_for_url("**q=**")
    assert page.locator("#mothers").inner_text().strip() == "Browsermor 6"
    check_accessibility(page)
