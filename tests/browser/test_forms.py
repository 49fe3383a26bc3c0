"""Generated forms in the browser: errors look like errors, name fields by label, checkboxes sit by their labels."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in

pytestmark = pytest.mark.browser
CONSENT = "Hun har givet samtykke til at deltage og til registrering af sine oplysninger"


def beside_its_label(page, label: str) -> None:
    """The (visually replaced) checkbox is at its label's left edge, on its line, not somewhere else on the page."""
    box = page.get_by_label(label).bounding_box()
    text = page.locator("label", has_text=label).bounding_box()
    assert box and text
    assert abs(box["x"] - text["x"]) <= 4, (box, text)
    assert text["y"] - 4 <= box["y"] <= text["y"] + text["height"], (box, text)


def refer_a_mother(page, axe, name: str) -> None:
    page.goto("/alpha/mother_groups/referrals/")
    axe()
    page.get_by_label("Navn", exact=True).fill(name)
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Send henvisning").click()
    page.get_by_text("Henvisningen er sendt til projektkoordinatoren.").wait_for()
    axe()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_form_shows_errors_as_errors_by_label_beside_the_field(page, axe, app, viewport):
    from playwright.sync_api import expect

    signed_in(page, app, "municipal_staff", "alpha")
    page.goto("/alpha/mother_groups/referrals/")
    axe()
    beside_its_label(page, CONSENT)
    # The numeric and date inputs: a date picker, no typed ISO format.
    assert page.get_by_label("Barnets fødselsdato").get_attribute("type") == "date"

    page.get_by_label("Navn", exact=True).fill("Hodan Abdi")
    page.get_by_role("button", name="Send henvisning").click()  # without her consent
    summary = page.locator(".alert-error[data-module='error-summary']")
    expect(summary).to_be_visible()
    axe()
    # The summary names the field by its label and links to it, never by its key.
    entry = summary.get_by_role("link", name=CONSENT)
    expect(entry).to_be_visible()
    assert "consent" not in summary.inner_text()
    consent = page.get_by_label(CONSENT)
    assert consent.get_attribute("aria-invalid") == "true"
    group = page.locator(".form-group.form-error", has=consent)
    expect(group.locator(".form-error-message")).to_be_visible()
    # DKFDS's error colour on the group's left border: it looks like an error, not like text.
    assert group.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    beside_its_label(page, CONSENT)
    assert page.get_by_label("Navn", exact=True).input_value() == "Hodan Abdi"  # what she typed is kept


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_decision_is_an_error_message_naming_the_field_by_its_label(page, axe, app, viewport):
    """ "Afgørelsen kunne ikke gemmes" was a green success box saying ``course_id: ...``."""
    from playwright.sync_api import expect

    signed_in(page, app, "municipal_staff", "alpha")
    refer_a_mother(page, axe, "Hodan Abdi")
    page.context.clear_cookies()

    signed_in(page, app, "partner_staff", "alpha")
    page.goto("/alpha/mother_groups/referrals/")
    axe()
    row = page.locator("#referrals tbody tr", has_text="Hodan Abdi")
    row.get_by_label("Afgørelse").select_option("enrol")  # and no course chosen
    row.get_by_role("button", name="Gem afgørelse").click()
    alert = page.locator("[data-flash]", has_text="Afgørelsen kunne ikke gemmes")
    expect(alert).to_be_visible()
    axe()
    assert alert.get_attribute("data-flash") == "error"
    assert "alert-error" in (alert.get_attribute("class") or "") and alert.get_attribute("role") == "alert"
    assert alert.get_by_role("img", name="Fejl").count() == 1  # named, not told by colour alone
    text = alert.inner_text()
    assert "Forløb: " in text and "course_id" not in text


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_success_is_a_success_message(page, axe, app, viewport):
    signed_in(page, app, "municipal_staff", "alpha")
    refer_a_mother(page, axe, "Amina Yusuf")
    alert = page.locator("[data-flash]", has_text="Henvisningen er sendt")
    assert alert.get_attribute("data-flash") == "success" and "alert-success" in (alert.get_attribute("class") or "")
    assert alert.get_attribute("role") == "status"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_child_certificate_consent_sits_beside_its_label(page, axe, app, viewport):
    signed_in(page, app, "partner_staff", "alpha")
    page.goto("/alpha/volunteers/")
    axe()
    beside_its_label(page, "Den frivillige samtykker til, at børneattesten indhentes")
