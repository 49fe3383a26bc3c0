"""The accessibility statement and the privacy notice: public, linked from every page, built from the declarations."""

from __future__ import annotations

import re

import pytest

from core.plugins.types import PersonalDataField
from core.testing.fixtures import sign_in


def test_core_calls_the_personal_data_hook_per_enabled_programme(app):
    """``samvirke_personal_data`` has its caller: the record of processing, limited to the tenant's programmes."""
    from core.web.legal import processing_record

    with app.test_request_context():
        everything = {p.programme.key if p.programme else None: p for p in processing_record(None)}
        only_example = {p.programme.key if p.programme else None: p for p in processing_record(["example"])}
    assert {"example", "mother_groups", "open_counselling", "volunteer_association", None} <= set(everything)
    assert set(only_example) == {"example", None}  # core's own (volunteers) always, disabled programmes never
    example = only_example["example"]
    assert [(f.model, f.field) for f in example.fields] == [("Member", "name")]
    assert all(isinstance(f, PersonalDataField) for p in everything.values() for f in p.fields)
    assert list(everything)[-1] is None  # core's declarations after the programmes', in one section
    assert ("Volunteer", "name") in [(f.model, f.field) for f in everything[None].fields]


def test_tenant_privacy_notice_names_the_municipality_and_shows_only_its_programmes(app, client):
    """alpha enables the example programme and the three real ones; gamma none."""
    page = client.get("/alpha/privacy")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Alfa Kommune" in body and "Dataansvarlig" in body
    assert body.count('data-programme="core"') == 1
    assert 'data-programme="mother_groups"' in body and 'data-programme="core"' in body
    # The legal basis and retention come from the plugins' declarations.
    assert "GDPR art. 6(1)(a) and 9(2)(a): her explicit consent" in body or "udtrykkelige samtykke" in body
    assert "1 year after the last contact" in body or "1 år" in body
    assert "Datatilsynet" in body and "Carl Jacobsens Vej 35" in body

    gamma = client.get("/gamma/privacy").get_data(as_text=True)
    assert "Gamma" in gamma
    assert 'data-programme="core"' in gamma
    assert 'data-programme="mother_groups"' not in gamma and 'data-programme="example"' not in gamma  # not enabled: not described
    assert "Alfa Kommune" not in gamma  # nor another municipality


def test_platform_pages_list_every_municipality_notice_and_the_statement(client):
    privacy = client.get("/privacy")
    assert privacy.status_code == 200
    body = privacy.get_data(as_text=True)
    for slug in ("alpha", "beta", "gamma"):
        assert f'href="/{slug}/privacy"' in body
    statement = client.get("/accessibility")
    text = statement.get_data(as_text=True)
    assert statement.status_code == 200
    assert "Tilgængelighedserklæring" in text
    assert "WCAG" in text and "2.1" in text and "AA" in text
    for section in ("Overholdelsesstatus", "Ikke-tilgængeligt indhold", "Feedback og kontaktoplysninger", "Håndhævelsesprocedure"):
        assert section in text
    assert "Digitaliseringsstyrelsen" in text


def test_tenant_statement_names_the_municipality_as_responsible(client):
    text = client.get("/beta/accessibility").get_data(as_text=True)
    assert "Beta Kommune" in text


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/", ""),
        ("/privacy", ""),
        ("/accessibility", ""),
        ("/alpha/privacy", "/alpha"),
        ("/alpha/open_counselling/public", "/alpha"),  # a tenant's public page: its own statement and notice
        ("/alpha/no-such-page", ""),  # error pages name no tenant
        ("/nosuch/", ""),
    ],
)
def test_every_page_links_both_from_its_footer(client, path, prefix):
    response = client.get(path)
    footer = response.get_data(as_text=True).split("<footer", 1)[1]
    assert {f"{prefix}/accessibility", f"{prefix}/privacy"} <= set(re.findall(r'href="([^"]+)"', footer))


def test_signed_in_tenant_pages_link_the_tenants_own_notice(app, client):
    sign_in(app, client, "tenant_admin", "alpha")
    footer = client.get("/alpha/").get_data(as_text=True).split("<footer", 1)[1]
    assert 'href="/alpha/privacy"' in footer and 'href="/alpha/accessibility"' in footer


def test_error_page_footer_never_names_the_tenant(client):
    """A foreign or missing tenant's 404 links the platform's pages, so it looks like any other 404."""
    body = client.get("/beta/no-such-page").get_data(as_text=True)
    assert "/beta/" not in body
    assert 'href="/privacy"' in body


def test_legal_pages_in_english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    text = client.get("/alpha/accessibility").get_data(as_text=True)
    assert "Accessibility statement for Samvirke" in text and "Enforcement procedure" in text
