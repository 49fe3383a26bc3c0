"""A report page with its chart, and an export's progress page, in real Chromium: axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from core.db import db
from core.tenancy.context import tenant_context
from tests.test_browser import check_accessibility, log_in, page  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


def test_a_report_page_with_a_chart_and_an_export_pass_axe(page, app, tenant_a, sample_reports):  # noqa: F811
    from tests.example_plugin.models import Household, Member

    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all(
            [Household(name=f"H{i}", members=[Member(name="m")] * 0 + [Member(name=f"m{i}") for _ in range(i % 3 + 1)]) for i in range(14)]
        )
        db.session.commit()
    sample_reports.CRAFTED.update(years=[2024, 2025], counts={"Ishøj": [8, 3], "Fredericia": [10, 14], "Vejle": [20, 18]})
    log_in(page, "Alfa Kommune", "Sundhedsplejerske, Alfa Kommune (demo)")
    page.wait_for_url("**/alpha/")
    for key in ("sample.household_sizes", "sample.crafted"):
        page.goto(f"/alpha/reports/{key}?year=2025")
        assert page.locator("figure img").first.get_attribute("src").startswith("data:image/svg+xml;base64,")
        assert page.locator("figure img").first.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP lets it load
        page.locator("details summary").first.click()
        check_accessibility(page)
    page.locator("#field-year").select_option("2024")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url("**year=2024**")
    assert "1. januar 2024 – 31. december 2024" in page.locator("main").inner_text()

    page.get_by_label("Dan en fil i baggrunden").select_option("pdf")
    page.get_by_role("button", name="Start eksporten").click()
    page.wait_for_url("**/alpha/reports/exports/*")
    page.get_by_role("link", name="Hent sample.crafted-alpha-2024.pdf").wait_for()
    check_accessibility(page)
    page.goto("/alpha/reports/exports")
    check_accessibility(page)
