"""A person in real Chromium: log in through the development provider, work, log out.

Drives Debian's Chromium with Playwright against the session's live server.
axe-core (vendored in tests/vendor) runs on every page visited: no serious or
critical WCAG 2.1 A/AA violations. A failing test leaves a screenshot in
test-artifacts/. In CI the browser must be there; elsewhere, without
Chromium, these tests are skipped and the summary says why.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.calendar import copenhagen_today
from core.testing.fixtures import organisation_id
from tests.chromium import chromium_browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
pytestmark = pytest.mark.browser

AXE_SERIOUS = """
async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}
"""


@pytest.fixture
def page(live_url, request):
    with chromium_browser() as browser:
        # bypass_csp only so axe can be injected; the app's own pages run under their CSP.
        context = browser.new_context(base_url=live_url, bypass_csp=True)
        page = context.new_page()
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


def check_accessibility(page) -> None:
    page.add_script_tag(content=AXE)
    assert page.evaluate(AXE_SERIOUS) == [], page.url


def log_in(page, tenant_name: str, user_label: str) -> None:
    page.goto("/")
    check_accessibility(page)
    page.get_by_role("link", name=tenant_name).click()  # the tenant asks its provider
    page.wait_for_url("**/dev-idp/**")
    check_accessibility(page)
    page.get_by_label(user_label).check()
    page.get_by_role("button", name="Log ind").click()


def test_health_visitor_logs_in_sees_own_municipality_not_another_and_logs_out(page):
    log_in(page, "Alfa Kommune", "Sundhedsplejerske, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alfa Kommune"
    check_accessibility(page)

    response = page.goto("/beta/")
    assert response.status == 404
    check_accessibility(page)

    page.goto("/alpha/")
    page.get_by_role("button", name="Log ud").click()  # via the provider's log-out, back to the front page
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    check_accessibility(page)
    page.goto("/alpha/")
    assert "/dev-idp/alpha/authorize" in page.url  # signed out: asked to log in again


def test_partner_staff_creates_a_household_through_the_generated_form(page, lookalike_data):
    log_in(page, "Alfa Kommune", "Testmedarbejder, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Husstande").click()
    page.wait_for_url("**/alpha/example/")
    assert page.locator("#households").inner_text().strip() == "Familien Hansen"  # not beta's look-alike
    check_accessibility(page)

    page.get_by_label("Navn").fill("X")
    page.get_by_role("button", name="Gem").click()
    assert "Skriv mellem 2 og 100 tegn." in page.locator(".form-error-message").first.inner_text()
    assert page.get_by_label("Navn").get_attribute("aria-invalid") == "true"
    check_accessibility(page)

    page.get_by_label("Navn").fill("Familien Olsen")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/alpha/example/")
    assert "Familien Olsen" in page.locator("#households").inner_text()

    page.get_by_role("button", name="English").click()
    assert page.get_by_role("navigation", name="Main menu").is_visible()
    check_accessibility(page)


def test_health_visitor_refers_coordinator_enrols_volunteer_records_attendance(page, app, live_url, tenant_a):
    """The mother-groups journey across three people, each through the development provider."""
    from datetime import timedelta

    from core.db import db
    from core.tenancy.context import tenant_context
    from core.volunteers.models import Volunteer
    from plugins.mother_groups.models import Course, CourseVolunteer
    from plugins.mother_groups.services import generate_sessions

    today = copenhagen_today()
    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Forløb Strandparken",
            start_date=today - timedelta(days=14),
            end_date=today + timedelta(days=270),
            weekday=today.weekday(),
            status="running",
        )
        volunteer = Volunteer(
            name="Birgitte Holm",
            organisation_id=organisation_id(app, "testforeningen"),
            login_subject=f"{live_url}/dev-idp/alpha|alpha-testforeningen-volunteer",
        )
        db.session.add_all([course, volunteer])
        db.session.flush()
        db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=volunteer.id))
        generate_sessions(course)
        db.session.commit()  # the test is the unit of work here: services never commit

    def sign_out():
        page.goto("/alpha/")
        page.get_by_role("button", name="Log ud").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/")

    # 1. The health visitor refers a mother, with her consent.
    log_in(page, "Alfa Kommune", "Sundhedsplejerske, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.goto("/alpha/mother_groups/referrals/")
    check_accessibility(page)
    page.get_by_label("Navn").fill("Hodan Abdi")
    page.get_by_label("Sprog").fill("somali")
    page.get_by_label("Hun har givet samtykke til at deltage og til registrering af sine oplysninger").check()
    page.get_by_role("button", name="Send henvisning").click()
    assert "Afventer" in page.locator("#referrals").inner_text()
    # Her referral's name and status (issue 14), not the group: no link to the mother's page.
    assert "Hodan Abdi" in page.locator("#referrals").inner_text()
    assert page.locator("#referrals a").count() == 0
    sign_out()

    # 2. The coordinator enrols her on the course.
    page.context.clear_cookies()
    log_in(page, "Alfa Kommune", "Testmedarbejder, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.goto("/alpha/mother_groups/referrals/")
    check_accessibility(page)
    row = page.locator("#referrals tbody tr", has_text="Hodan Abdi")
    row.get_by_label("Afgørelse").select_option("enrol")
    row.get_by_label("Forløb").select_option(label="Forløb Strandparken")
    row.get_by_role("button", name="Gem afgørelse").click()
    assert "Indskrevet" in page.locator("#referrals").inner_text()
    sign_out()

    # 3. The volunteer records the day's attendance on her phone.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "Alfa Kommune", "Frivillig, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.goto("/alpha/mother_groups/my-sessions")
    page.get_by_role("link", name=re.compile("Forløb Strandparken")).first.click()
    check_accessibility(page)
    page.get_by_role("group", name="Hodan Abdi").get_by_label("Til stede").check()
    page.get_by_role("group", name="Hodan Abdi").get_by_label("Barnet med").check()
    page.get_by_role("button", name="Gem fremmøde").click()
    page.get_by_text("Fremmødet er gemt.").first.wait_for()  # waits for the next page
    assert page.get_by_role("group", name="Hodan Abdi").get_by_label("Til stede").is_checked()


def test_counsellor_registers_an_anonymous_contact_the_municipality_sees_only_the_aggregate(page, app, tenant_a):
    """Open counselling's authority-free room, end to end."""

    year = copenhagen_today().year
    log_in(page, "Alfa Kommune", "Testmedarbejder, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Åben rådgivning").click()
    check_accessibility(page)
    form = page.locator("#new-contact")
    form.get_by_label("Familienummer").fill("FR-777")
    form.get_by_label("Kanal").select_option("in_person")
    form.get_by_label("Varighed (minutter)").fill("45")
    form.get_by_label("Forældreskab").check()
    form.get_by_label("Beskrivelse af problemet").fill("Fortroligt: bekymret for søvn og økonomi")
    form.get_by_label("Behovsniveau").select_option("2")
    form.get_by_role("button", name="Registrér").click()
    page.get_by_text("Henvendelsen er registreret.").first.wait_for()  # waits for the next page
    assert "FR-777" in page.locator("#recent-contacts").inner_text()
    page.goto("/alpha/")
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")

    page.context.clear_cookies()
    log_in(page, "Alfa Kommune", "Sundhedsplejerske, Alfa Kommune (demo)")  # municipal staff
    page.wait_for_url("**/alpha/")
    assert page.goto("/alpha/open_counselling/").status == 403
    page.goto(f"/alpha/reports/open_counselling.annual?year={year}")
    check_accessibility(page)
    report = page.locator("main").inner_text()
    assert "Forældreskab" in report  # the reason, counted
    assert "FR-777" not in report and "Fortroligt" not in report  # no family number, no free text


def test_volunteer_signs_up_for_a_shift_and_records_the_days_takings(page, app, live_url, tenant_a):
    """The shop, on a phone: sign up for today's shift, then record the takings."""
    from datetime import time

    from core.db import db
    from core.tenancy.context import tenant_context
    from core.volunteers.models import Volunteer
    from plugins.volunteer_association.models import Shift

    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all(
            [
                Shift(day=copenhagen_today(), starts=time(10, 0), ends=time(14, 0), needed=2),
                Volunteer(
                    name="Grethe Nielsen",
                    organisation_id=organisation_id(app, "testforeningen"),
                    login_subject=f"{live_url}/dev-idp/alpha|alpha-testforeningen-volunteer",
                ),
            ]
        )
        db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "Alfa Kommune", "Frivillig, Testforeningen, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    page.goto("/alpha/volunteer_association/")
    check_accessibility(page)
    assert "For få frivillige" in page.locator("#roster").inner_text()
    page.locator("#roster li").first.get_by_role("button", name=re.compile("Skriv mig op")).click()
    page.get_by_text("Du er skrevet op til vagten.").first.wait_for()  # waits for the next page
    page.locator("#roster li").first.get_by_role("link", name=re.compile("Dagens omsætning")).click()
    check_accessibility(page)
    page.get_by_label("Kontantsalg (kr.)").fill("1250,50")  # a Danish decimal comma
    page.get_by_label("Kort (kr.)").fill("2300")
    page.get_by_label("MobilePay (kr.)").fill("640")
    page.get_by_label("Optalte kontanter i kassen (kr.)").fill("1250.50")
    page.get_by_role("button", name="Gem omsætning").click()
    page.get_by_text("Dagens omsætning er gemt.").first.wait_for()  # waits for the next page
    assert "4.190,50 kr." in page.locator("main").inner_text()


def test_log_out_reaches_an_external_provider_on_another_origin(page, app, live_url, monkeypatch):
    """Under the app's own CSP (form-action 'self'), log-out still gets to the provider's end-session endpoint.

    The provider is tests/fake_provider.py on another port of 127.0.0.1: another origin.
    """
    from tests.fake_provider import running_provider, tenant_uses

    with running_provider() as provider, tenant_uses(app, "gamma", provider.idp()):
        monkeypatch.setenv(provider.secret_env, provider.client_secret)
        # A context of its own, without bypass_csp: the CSP is what this test is about.
        context = page.context.browser.new_context(base_url=live_url)
        try:
            own = context.new_page()
            blocked: list[str] = []
            own.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
            own.goto("/gamma/auth/login")  # the provider answers at once for someone signed in there
            own.wait_for_url("**/gamma/")
            own.get_by_role("button", name="Log ud").click()
            own.wait_for_url(lambda url: urlsplit(url).path == "/" and urlsplit(url).port == urlsplit(live_url).port)
            assert len(provider.logouts) == 1, blocked
            assert provider.logouts[0]["id_token_hint"] and provider.logouts[0]["post_logout_redirect_uri"] == f"{live_url}/"
            assert blocked == []
        finally:
            context.close()
    from sqlalchemy import func, select

    from core.db import db
    from core.identity.models import UserSession
    from core.tenancy.context import cross_tenant

    with app.app_context(), cross_tenant("test: every open session"):  # and signed out here
        assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 0
