"""The DKFDS header and footer: the phone's menu drawer (navigation, language, sign-out), the legal pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import VIEWPORTS, log_in

pytestmark = pytest.mark.browser
STAFF = "Testmedarbejder, Testforeningen, Alfa Kommune (demo)"


@pytest.mark.parametrize("viewport", ["phone"])
def test_on_a_phone_the_menu_opens_switches_language_and_signs_out(page, axe, viewport):
    from playwright.sync_api import expect

    log_in(page, axe, "Alfa Kommune", STAFF)
    page.wait_for_url("**/alpha/")
    axe()
    # Closed: the desktop bar's links and sign-out are hidden at 390 px; the menu button is what there is.
    assert page.get_by_role("button", name="Log ud").count() == 0
    assert page.get_by_role("navigation", name="Hovedmenu").count() == 0
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_have_attribute("aria-expanded", "false")

    menu.click()
    drawer = page.locator("#mobile-menu")
    expect(drawer).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(drawer.get_by_role("button", name="Luk menu")).to_be_focused()  # DKFDS moves focus into the drawer
    nav = page.get_by_role("navigation", name="Hovedmenu")
    expect(nav.get_by_role("link", name="Husstande")).to_be_visible()
    axe()  # with the drawer open
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(menu).to_be_focused()  # and back to the button

    menu.click()
    drawer.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    axe()
    page.get_by_role("button", name="Menu", exact=True).click()
    english = page.get_by_role("navigation", name="Main menu")
    expect(english).to_be_visible()
    english.get_by_role("link", name="Households").click()
    page.wait_for_url("**/alpha/example/")
    axe()

    page.get_by_role("button", name="Menu", exact=True).click()
    page.locator("#mobile-menu").get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    axe()
    page.goto("/alpha/")
    assert "/dev-idp/alpha/authorize" in page.url  # signed out: asked to sign in again
    axe()


def test_at_desktop_width_the_bar_shows_the_menu_and_sign_out_and_no_menu_button(page, axe):
    log_in(page, axe, "Alfa Kommune", STAFF)
    page.wait_for_url("**/alpha/")
    axe()
    assert page.get_by_role("button", name="Menu", exact=True).count() == 0
    assert page.locator("#mobile-menu").is_hidden()
    assert page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Husstande").is_visible()
    assert page.get_by_role("button", name="Log ud").count() == 1


def test_the_menu_works_under_the_apps_own_content_security_policy(chromium, live_url):
    """No inline script: DKFDS and init.js are files; nothing is blocked and the drawer opens."""
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=live_url, viewport=VIEWPORTS["phone"])  # no bypass_csp
    try:
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto("/privacy")
        page.get_by_role("button", name="Menu", exact=True).click()
        expect(page.locator("#mobile-menu")).to_be_visible()
        expect(
            page.locator("#mobile-menu").get_by_role("link", name="Log ind som administrator eller national koordinator")
        ).to_be_visible()
        assert blocked == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_footer_links_the_municipalitys_accessibility_statement_and_privacy_notice(page, axe, app, viewport):
    from tests.browser.conftest import signed_in

    signed_in(page, app, "municipal_staff", "alpha")
    page.goto("/alpha/")
    axe()
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Tilgængelighedserklæring").click()
    page.wait_for_url("**/alpha/accessibility")
    assert "Alfa Kommune" in page.get_by_role("main").inner_text()
    axe()
    page.get_by_role("contentinfo").get_by_role("link", name="Privatlivspolitik").click()
    page.wait_for_url("**/alpha/privacy")
    assert page.get_by_role("heading", level=1).inner_text() == "Privatlivspolitik: Alfa Kommune"
    axe()
    page.goto("/privacy")  # the platform's, for everyone before choosing a municipality
    axe()
    page.goto("/accessibility")
    axe()
