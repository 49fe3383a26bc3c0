"""One working page of each programme plugin, at desktop width and at 390 px, through axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.conftest import signed_in

pytestmark = pytest.mark.browser
VIEWPORTS = ["desktop", "phone"]


def no_sideways_scroll(page) -> None:
    """At 390 px the page reflows (WCAG 1.4.10): only tables may scroll inside their own box."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_mother_groups_course_page(page, axe, app, tenant_a, viewport):
    from core.calendar import copenhagen_today
    from core.db import db
    from core.tenancy.context import tenant_context
    from plugins.mother_groups.models import Course

    today = copenhagen_today()
    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Forløb Strandparken",
            start_date=today - timedelta(days=7),
            end_date=today + timedelta(days=120),
            weekday=2,
            status="running",
        )
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    signed_in(page, app, "partner_staff", "alpha")
    page.goto(f"/alpha/mother_groups/courses/{course_id}")
    axe()
    assert page.get_by_role("heading", level=1).inner_text() == "Forløb Strandparken"
    assert page.get_by_label("Mor").is_visible()  # the enrolment form
    no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_open_counselling_families_list_and_a_family(page, axe, app, tenant_a, viewport):
    from core.db import db
    from core.tenancy.context import tenant_context
    from plugins.open_counselling.models import Family

    with app.app_context(), tenant_context(tenant_a):
        db.session.add(Family(family_number="FR-4711", children_count=2))
        db.session.commit()
    signed_in(page, app, "partner_staff", "alpha")
    page.goto("/alpha/open_counselling/families/")
    axe()
    page.get_by_role("link", name="FR-4711").click()
    page.wait_for_url("**/open_counselling/families/*")
    axe()
    pregnant = page.get_by_label("Gravid", exact=True)
    box, label = pregnant.bounding_box(), page.locator("label", has_text="Gravid").first.bounding_box()
    assert box and label and abs(box["x"] - label["x"]) <= 4 and label["y"] - 4 <= box["y"] <= label["y"] + label["height"]
    no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_volunteer_association_shop_page(page, axe, app, viewport):
    signed_in(page, app, "partner_staff", "alpha")
    page.goto("/alpha/volunteer_association/shop/")
    axe()
    assert "butik" in page.get_by_role("heading", level=1).inner_text().lower()
    no_sideways_scroll(page)
