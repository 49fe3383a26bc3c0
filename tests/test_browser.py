"""A person in real Chromium: sign in, open a tenant, fill a generated form.

Runs the app in a thread on 127.0.0.1 and drives Debian's Chromium with
Playwright. Skipped only when no Chromium is installed outside CI.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live_server):
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI (.ci/run installs it)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(base_url=live_server)
        yield context.new_page()
        context.close()
        browser.close()


# Structural accessibility checks on the rendered page: one <main>, a lang,
# every form control labelled, a skip link first.
ACCESSIBILITY_PROBLEMS = """
() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one <main>');
  const first = document.querySelector('body a');
  if (!first || first.getAttribute('href') !== '#main-content') problems.push('skip link is not first');
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.getAttribute('aria-label');
    if (!labelled) problems.push(`unlabelled ${el.tagName} ${el.name}`);
  }
  return problems;
}
"""


def test_staff_signs_in_and_creates_a_household_through_the_form(page, lookalike_data):
    page.goto("/")
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []
    page.get_by_role("link", name="Log ind").click()
    page.get_by_label("Demobruger").select_option("dev:alpha:staff")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/alpha/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alfa Kommune"
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []

    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Husstande").click()
    page.wait_for_url("**/alpha/example/")
    assert page.locator("#households").inner_text().strip() == "Familien Hansen"  # not beta's look-alike twice

    page.get_by_label("Name").fill("X")
    page.get_by_role("button", name="Gem").click()
    assert "Skriv mellem 2 og 100 tegn." in page.locator(".form-error-message").first.inner_text()
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []

    page.get_by_label("Name").fill("Familien Olsen")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/alpha/example/")
    assert "Familien Olsen" in page.locator("#households").inner_text()

    assert page.goto("/beta/example/").status == 404  # another municipality's pages do not exist for her

    page.goto("/alpha/")
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("navigation", name="Main menu").is_visible()
