"""Real Chromium (Playwright) against the session's live server, at desktop width and at 390 px.

- ``page``: a fresh browser context per test, at the ``viewport`` fixture's
  size (``desktop`` unless a test parametrizes ``viewport``).
- axe-core (vendored in tests/vendor) must find no serious or critical
  WCAG 2.1 A/AA violation on *every* page the test shows: each document the
  page navigates to is counted, and a test that leaves one unchecked fails.
- A failing test leaves a full-page screenshot in test-artifacts/ (the CI
  artifact folder; SAMVIRKE_TEST_ARTIFACTS overrides it), named after the test.
- Without Chromium these tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.chromium import chromium_browser

AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(os.environ.get("SAMVIRKE_TEST_ARTIFACTS") or Path(__file__).parent.parent.parent / "test-artifacts")
# Documents that move on by themselves at once (the log-out's meta refresh to the provider): no one reads them.
TRANSIT_PATHS = {"/auth/logout"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE_SERIOUS = """
async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}
"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """On a failure, while the page is still open: its screenshot, for the CI artifacts."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.failed and report.when in ("call", "teardown") and page is not None and not page.is_closed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # a screenshot must not hide the test's own failure
            report.sections.append(("screenshot", f"no screenshot: {exc}"))
    return report


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API runs an event loop, and other test
    # modules (tests/test_browser.py...) start their own once this one has stopped.
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def viewport() -> str:
    return "desktop"


class Pages:
    """Every document the page shows, and which of them axe has checked."""

    def __init__(self, page: Any, base_url: str):
        self.page = page
        self.base_url = base_url
        self.shown: list[str] = []
        self.checked: set[int] = set()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.shown.append(frame.url)

    def check(self) -> None:
        """axe-core on the current document: no serious or critical WCAG 2.1 A/AA violation."""
        self.page.wait_for_load_state()
        self.page.add_script_tag(content=AXE)
        violations = self.page.evaluate(AXE_SERIOUS)
        assert violations == [], f"{self.page.url}: {violations}"
        self.checked.add(len(self.shown) - 1)

    def unchecked(self) -> list[str]:
        return [url for i, url in enumerate(self.shown) if i not in self.checked and urlsplit(url).path not in TRANSIT_PATHS]


@pytest.fixture
def page(chromium, live_url, viewport) -> Iterator[Any]:
    # bypass_csp only so axe can be injected; the app's own pages run under their CSP
    # (tests/browser/test_header.py checks the menu without it).
    context = chromium.new_context(base_url=live_url, bypass_csp=True, viewport=VIEWPORTS[viewport], locale="da-DK")
    page = context.new_page()
    page.pages = Pages(page, live_url)  # the test and the fixtures reach it through the page
    yield page
    context.close()


@pytest.fixture
def axe(page, request) -> Iterator[Any]:
    """``axe()`` checks the page shown; at the end, every page the test showed must have been checked."""
    yield page.pages.check
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.passed:
        assert page.pages.unchecked() == [], "pages shown but not checked with axe-core"


def signed_in(page: Any, app: Any, role: str, slug: str | None, organisation: str | None = None) -> None:
    """Give the browser a server-side session (core.testing.fixtures.sign_in), for tests not about logging in."""
    from core.testing.fixtures import sign_in

    client = app.test_client()
    sign_in(app, client, role, slug, organisation)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.pages.base_url}])


def log_in(page: Any, axe: Any, tenant_name: str, user_label: str) -> None:
    """Through the front page and the development identity provider, as a person does."""
    page.goto("/")
    axe()
    page.get_by_role("link", name=tenant_name).click()
    page.wait_for_url("**/dev-idp/**")
    axe()
    page.get_by_label(user_label).check()
    page.get_by_role("button", name="Log ind").click()
