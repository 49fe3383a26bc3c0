"""The agreement pages: who sees which agreement, what a page shows, recording notice, the calculator.

The test tenants (alpha, beta) each have the agreement "testaftale" with Testforeningen
(30 working days' notice, no days off, from 2020-01-01, open-ended); Andenforening is
party to nothing. The two real agreements (tenants/ishoj.toml, tenants/fredericia.toml)
are read from the repository's files into an app of their own (``real``). "Today" is
fixed by patching ``copenhagen_today`` in the views. Expected dates are counted by hand
and written literally.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import db
from core.partnerships.models import Agreement, AgreementNotice
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from, installed_programmes, sign_in, tenant_id

TODAY = date(2026, 12, 1)
ALPHA_TITLE = "Testaftale Alfa Kommune"
BETA_TITLE = "Testaftale Beta Kommune"
FREDERICIA_TITLE = "Samarbejdsaftale mellem Mødrehjælpen og Fredericia Kommune"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("core.partnerships.views.copenhagen_today", lambda: TODAY)
    return TODAY


def agreement_id(app, slug: str, key: str) -> int:
    tid = tenant_id(app, slug)
    with app.app_context(), tenant_context(tid):
        found = db.session.scalar(select(Agreement.id).where(Agreement.key == key))
    assert found is not None
    return found


def notices(app, aid: int) -> list[AgreementNotice]:
    with app.app_context(), cross_tenant("test"):
        rows = list(db.session.scalars(select(AgreementNotice).where(AgreementNotice.agreement_id == aid)))
        db.session.expunge_all()
    return rows


def audit_count(app, slug: str, subject: str, criterion: str) -> int:
    from core.audit.models import AuditEvent
    from core.tenancy.context import tenant_context

    tid = tenant_id(app, slug)
    with app.app_context(), tenant_context(tid):  # the audit trail is under row-level security on PostgreSQL
        return db.session.scalars(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.tenant_id == tid, AuditEvent.subject == subject, AuditEvent.criterion == criterion
            )
        ).one()


def signed_in(app, role: str, slug: str | None, organisation: str | None = None):
    client = app.test_client()
    sign_in(app, client, role, slug, organisation)
    return client


def text_of(html: str) -> str:
    """The page's text without tags and with single spaces (for phrases spanning elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def post_notice(client, slug: str, aid: int, **form):
    page = client.get(f"/{slug}/agreements/{aid}").get_data(as_text=True)
    return client.post(f"/{slug}/agreements/{aid}/notice", data={"csrf_token": csrf_from(page), **form})


@pytest.fixture
def alpha_agreement(app) -> int:
    return agreement_id(app, "alpha", "testaftale")


@pytest.fixture
def beta_agreement(app) -> int:
    return agreement_id(app, "beta", "testaftale")


# --- who sees which agreement ----------------------------------------------------------


@pytest.mark.parametrize("role", ["tenant_admin", "municipal_staff", "finance", "partner_staff"])
def test_the_list_shows_the_tenants_agreements_to_municipal_people_and_party_staff(app, role, alpha_agreement):
    response = signed_in(app, role, "alpha").get("/alpha/agreements/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ALPHA_TITLE in html and f'href="/alpha/agreements/{alpha_agreement}"' in html
    assert "Testforeningen" in html and "Alfa Kommune" in html
    assert "Aktiv" in html and "tidsubegrænset" in html  # status today, open-ended period
    assert BETA_TITLE not in html


def test_platform_admin_sees_every_tenants_agreements(app, alpha_agreement):
    client = signed_in(app, "platform_admin", None)
    assert ALPHA_TITLE in client.get("/alpha/agreements/").get_data(as_text=True)
    assert ALPHA_TITLE in client.get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True)


def test_staff_of_an_organisation_party_to_nothing_see_no_agreement(app, alpha_agreement):
    client = signed_in(app, "partner_staff", "alpha", "andenforening")
    listing = client.get("/alpha/agreements/")
    assert listing.status_code == 200
    assert ALPHA_TITLE not in listing.get_data(as_text=True) and "Ingen aftaler." in listing.get_data(as_text=True)
    page = client.get(f"/alpha/agreements/{alpha_agreement}")
    missing = client.get("/alpha/agreements/987654")
    assert page.status_code == missing.status_code == 404
    assert ALPHA_TITLE not in page.get_data(as_text=True)
    assert page.get_data() == missing.get_data()


def test_another_tenants_agreement_is_not_found_like_a_missing_id(app, beta_agreement):
    client = signed_in(app, "tenant_admin", "alpha")
    foreign = client.get(f"/alpha/agreements/{beta_agreement}")
    missing = client.get("/alpha/agreements/987654")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()
    assert BETA_TITLE not in foreign.get_data(as_text=True)


def test_volunteers_and_national_coordinators_do_not_reach_the_pages(app, alpha_agreement):
    volunteer = signed_in(app, "volunteer", "alpha")
    for url in ("/alpha/agreements/", f"/alpha/agreements/{alpha_agreement}"):
        response = volunteer.get(url)
        assert response.status_code == 403 and ALPHA_TITLE not in response.get_data(as_text=True)
    national = signed_in(app, "national_coordinator", None)
    response = national.get(f"/alpha/agreements/{alpha_agreement}")
    assert response.status_code == 404 and ALPHA_TITLE not in response.get_data(as_text=True)


def test_the_menu_links_to_the_agreements_for_those_who_may_open_them(app):
    link = 'href="/alpha/agreements/"'
    for role in ("tenant_admin", "municipal_staff", "finance", "partner_staff"):
        html = signed_in(app, role, "alpha").get("/alpha/").get_data(as_text=True)
        assert link in html and "Samarbejdsaftaler" in html, role
    assert link not in signed_in(app, "volunteer", "alpha").get("/alpha/").get_data(as_text=True)


# --- the page --------------------------------------------------------------------------


def test_the_page_shows_parties_terms_and_what_the_rule_bills(app, alpha_agreement):
    html = signed_in(app, "municipal_staff", "alpha").get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True)
    text = text_of(html)
    assert ALPHA_TITLE in html
    assert "Alfa Kommune" in html and "11931316" in html  # the municipality with its CVR
    assert "Testforeningen" in html and "99990902" in html  # the organisation with its CVR
    assert "30 arbejdsdages skriftligt varsel" in html
    assert "Underskrevet af kommunen ikke registreret" in text and "Politisk godkendelse ikke registreret" in text
    assert "Slutdato tidsubegrænset" in text
    assert "Startdato 1. januar 2020" in text
    assert "Aktiv" in html
    # example.flat_fee, 1,000 a year, open-ended: 2020 to next year (2027)
    assert "1.000,00 kr." in html and "8.000,00 kr." in html
    assert 'data-year="2020"' in html and 'data-year="2027"' in html and 'data-year="2028"' not in html
    assert 'id="notice-form"' not in html  # municipal staff do not record notice


def test_the_calculator_shows_the_earliest_end_and_writes_nothing(app, alpha_agreement):
    client = signed_in(app, "finance", "alpha")
    # 30 working days after Tue 1 Dec 2026, no declared days off: 24 and 31 December count,
    # 25 December and 1 January do not -> Thu 14 January 2027.
    response = client.get(f"/alpha/agreements/{alpha_agreement}?given=2026-12-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="calculation-result"' in html and '<time datetime="2027-01-14">14. januar 2027</time>' in html
    assert notices(app, alpha_agreement) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("2026-13-01", "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ("i morgen", "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ("", "Skriv den dato, opsigelsen ville blive givet."),
        ("2019-12-31", "Der kan ikke opsiges før aftalen træder i kraft den 1. januar 2020."),
    ],
)
def test_the_calculator_explains_a_bad_date(app, alpha_agreement, given, message):
    response = signed_in(app, "tenant_admin", "alpha").get(f"/alpha/agreements/{alpha_agreement}", query_string={"given": given})
    html = text_of(response.get_data(as_text=True))
    assert response.status_code == 422
    assert message in html and 'id="calculation-result"' not in response.get_data(as_text=True)


# --- recording notice ------------------------------------------------------------------


def test_tenant_admin_records_notice_and_the_status_and_earliest_end_change(app, alpha_agreement):
    client = signed_in(app, "tenant_admin", "alpha")
    subject = f"agreement:{alpha_agreement}"
    before = audit_count(app, "alpha", subject, "notice given")
    response = post_notice(client, "alpha", alpha_agreement, given_on="2026-12-01", given_by="municipality")
    assert response.status_code == 303
    [notice] = notices(app, alpha_agreement)
    assert (notice.given_on, notice.given_by, notice.earliest_end) == (date(2026, 12, 1), "municipality", date(2027, 1, 14))
    assert notice.recorded_by.startswith("user:")
    assert audit_count(app, "alpha", subject, "notice given") == before + 1
    html = client.get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True)
    assert 'id="notice-given"' in html and 'data-status="under_notice">Opsagt<' in html
    assert "Aftalen blev opsagt den 1. december 2026 af Alfa Kommune" in text_of(html) and '<time datetime="2027-01-14">' in html
    assert 'id="notice-form"' not in html  # recorded once
    listing = client.get("/alpha/agreements/").get_data(as_text=True)
    assert 'data-status="under_notice"' in listing and "14. januar 2027" in listing


def test_a_second_notice_is_refused(app, alpha_agreement):
    client = signed_in(app, "tenant_admin", "alpha")
    assert post_notice(client, "alpha", alpha_agreement, given_on="2026-11-02", given_by="municipality").status_code == 303
    again = post_notice(client, "alpha", alpha_agreement, given_on="2026-11-20", given_by="testforeningen")
    assert again.status_code == 422
    assert "der kan ikke registreres en opsigelse mere" in again.get_data(as_text=True)
    [notice] = notices(app, alpha_agreement)
    assert notice.given_on == date(2026, 11, 2)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"given_by": "municipality"}, "Feltet skal udfyldes."),
        ({"given_on": "2026-02-30", "given_by": "municipality"}, "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ({"given_on": "2026-11-02", "given_by": "nogen-andre"}, "Vælg en af aftalens parter."),
        ({"given_on": "2026-11-02", "given_by": "andenforening"}, "Vælg en af aftalens parter."),
        ({"given_on": "2019-12-31", "given_by": "municipality"}, "Der kan ikke opsiges før aftalen træder i kraft den 1. januar 2020."),
        ({"given_on": "2026-12-02", "given_by": "municipality"}, "Datoen må ikke ligge efter i dag"),
    ],
)
def test_bad_notice_input_is_explained_and_nothing_is_written(app, alpha_agreement, form, message):
    response = post_notice(signed_in(app, "tenant_admin", "alpha"), "alpha", alpha_agreement, **form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'class="form-error-message"' in response.get_data(as_text=True)
    assert notices(app, alpha_agreement) == []


def test_partner_staff_record_notice_for_their_own_organisation_only(app, alpha_agreement):
    client = signed_in(app, "partner_staff", "alpha")
    page = client.get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True)
    assert 'id="notice-form"' in page and 'value="testforeningen"' in page and 'value="municipality"' not in page
    refused = post_notice(client, "alpha", alpha_agreement, given_on="2026-11-02", given_by="municipality")
    assert refused.status_code == 403 and notices(app, alpha_agreement) == []
    assert post_notice(client, "alpha", alpha_agreement, given_on="2026-11-02", given_by="testforeningen").status_code == 303
    [notice] = notices(app, alpha_agreement)
    assert notice.given_by == "testforeningen"
    assert "Testforeningen" in text_of(client.get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True))


@pytest.mark.parametrize("role", ["municipal_staff", "finance"])
def test_municipal_staff_and_finance_do_not_record_notice(app, alpha_agreement, role):
    client = signed_in(app, role, "alpha")
    response = post_notice(client, "alpha", alpha_agreement, given_on="2026-11-02", given_by="municipality")
    assert response.status_code == 403 and notices(app, alpha_agreement) == []


def test_other_organisations_staff_and_other_tenants_get_404_on_recording(app, alpha_agreement, beta_agreement):
    other = signed_in(app, "partner_staff", "alpha", "andenforening")
    token = csrf_from(other.get("/alpha/").get_data(as_text=True))
    response = other.post(
        f"/alpha/agreements/{alpha_agreement}/notice", data={"csrf_token": token, "given_on": "2026-11-02", "given_by": "andenforening"}
    )
    assert response.status_code == 404 and ALPHA_TITLE not in response.get_data(as_text=True)
    admin = signed_in(app, "tenant_admin", "alpha")
    token = csrf_from(admin.get("/alpha/").get_data(as_text=True))
    response = admin.post(
        f"/alpha/agreements/{beta_agreement}/notice", data={"csrf_token": token, "given_on": "2026-11-02", "given_by": "municipality"}
    )
    assert response.status_code == 404 and BETA_TITLE not in response.get_data(as_text=True)
    assert notices(app, alpha_agreement) == notices(app, beta_agreement) == []


def test_recording_without_the_csrf_token_is_refused(app, alpha_agreement):
    client = signed_in(app, "tenant_admin", "alpha")
    response = client.post(f"/alpha/agreements/{alpha_agreement}/notice", data={"given_on": "2026-11-02", "given_by": "municipality"})
    assert response.status_code == 400 and notices(app, alpha_agreement) == []


def test_a_sync_keeps_a_recorded_notice(app, alpha_agreement):
    from core.tenancy.sync import sync_tenants

    client = signed_in(app, "tenant_admin", "alpha")
    assert post_notice(client, "alpha", alpha_agreement, given_on="2026-11-02", given_by="municipality").status_code == 303
    with app.app_context():
        from core.tenancy.models import Tenant

        with cross_tenant("test: force the tenant and its agreement to be rewritten"):
            db.session.get(Tenant, tenant_id(app, "alpha")).source_digest = "changed"
            db.session.get(Agreement, alpha_agreement).source_digest = "changed"
            db.session.commit()
        report = sync_tenants(app.config["TENANTS_DIR"], installed_programmes(app))
        assert report.updated == ["alpha"]
        with cross_tenant("test"):
            agreement = db.session.get(Agreement, alpha_agreement)
            assert agreement.source_digest != "changed"  # it was rewritten from the file
            assert agreement.status_on(TODAY) == "under_notice"
        db.session.remove()
    [notice] = notices(app, alpha_agreement)
    assert (notice.given_on, notice.earliest_end) == (date(2026, 11, 2), date(2026, 12, 14))
    assert 'id="notice-given"' in client.get(f"/alpha/agreements/{alpha_agreement}").get_data(as_text=True)


# --- the two real agreements -----------------------------------------------------------


def test_ishoj_page_shows_the_staircase_and_the_terms(real):
    aid = agreement_id(real, "ishoj", "ny-mor-i-danmark")
    response = signed_in(real, "tenant_admin", "ishoj").get(f"/ishoj/agreements/{aid}")
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert response.status_code == 200 and "Ny mor i Danmark" in html
    assert "DRC Integration" in html and "Ishøj Kommune" in html and "11931316" in html
    for year, amount in ((2023, "14.000,00 kr."), (2024, "28.000,00 kr."), (2025, "42.000,00 kr.")):
        assert re.search(rf'data-year="{year}".*?{re.escape(amount)}', html, re.S), year
    assert 'data-year="2026"' not in html
    assert re.search(r'id="billing-total"><strong>84\.000,00 kr\.</strong>', html)
    assert "30 arbejdsdages skriftligt varsel" in html
    assert "14 arbejdsdage efter skriftligt påkrav om misligholdelsen" in text
    assert "Fællesmøde: halvårligt" in text
    assert "Slutdato 31. december 2025" in text
    assert 'data-status="ended">Ophørt<' in html  # 1 December 2026 is after the end
    assert "Ingen kommende frister." in html
    assert "Ny mor i Danmark (mødregrupper)" in html and "Forløb 3" in text and "Mødre i alt 24" in text  # targets


def test_fredericia_page_shows_four_quarters_a_year_and_the_next_deadlines(real):
    aid = agreement_id(real, "fredericia", "moedrehjaelpen-fredericia")
    html = signed_in(real, "municipal_staff", "fredericia").get(f"/fredericia/agreements/{aid}").get_data(as_text=True)
    text = text_of(html)
    assert FREDERICIA_TITLE in html and "Mødrehjælpen" in html
    for year in range(2020, 2028):  # open-ended: from the start to next year
        rows = re.findall(rf'<tr data-year="{year}">.*?</tr>', html, re.S)
        assert len(rows) == 4 and all("40.000,00 kr." in row for row in rows), year
        assert re.search(rf'data-year-total="{year}".*?160\.000,00 kr\.', html, re.S)
    assert "Underskrevet af kommunen 29. oktober 2019" in text and "Politisk godkendelse ikke registreret" in text
    assert "Slutdato tidsubegrænset" in text
    assert "6 måneders varsel til udgangen af et kalenderår" in html
    assert "én gang om året inden 30. juni" in html
    assert "Styregruppe: halvårligt; Følgegruppe: kvartalsvis" in text
    assert 'data-status="active">Aktiv<' in html
    deadlines = dict(re.findall(r'<tr data-kind="([^"]+)">.*?datetime="([\d-]+)"', html, re.S))
    assert deadlines == {
        "governance:steering_group": "2026-12-31",
        "governance:follow_group": "2026-12-31",
        "review": "2027-06-30",
        "notice_deadline": "2027-06-30",  # notice by 30 June 2027 ends it on 31 December 2027
    }
    assert "Sidste frist for opsigelse, så aftalen ophører den 31. december 2027" in text


def test_fredericia_calculator_counts_to_the_end_of_a_calendar_year(real):
    aid = agreement_id(real, "fredericia", "moedrehjaelpen-fredericia")
    client = signed_in(real, "tenant_admin", "fredericia")
    for given, end in (("2026-06-30", "2026-12-31"), ("2026-07-01", "2027-12-31"), ("2026-12-24", "2027-12-31")):
        html = client.get(f"/fredericia/agreements/{aid}?given={given}").get_data(as_text=True)
        assert re.search(rf'id="calculation-result".*?datetime="{end}"', html, re.S), given


def test_fredericia_notice_by_mothers_help_staff(real):
    aid = agreement_id(real, "fredericia", "moedrehjaelpen-fredericia")
    client = signed_in(real, "partner_staff", "fredericia", "modrehjaelpen")
    response = post_notice(client, "fredericia", aid, given_on="2026-06-30", given_by="modrehjaelpen")
    assert response.status_code == 303
    [notice] = notices(real, aid)
    assert notice.earliest_end == date(2026, 12, 31)
    html = client.get(f"/fredericia/agreements/{aid}").get_data(as_text=True)
    assert 'data-status="under_notice"' in html
    assert "Aftalen blev opsagt den 30. juni 2026 af Mødrehjælpen" in text_of(html)
    assert 'data-kind="notice_deadline"' not in html  # notice is given: no deadline left
    assert re.search(r'<tr data-kind="end">.*?datetime="2026-12-31"', html, re.S)


def test_drc_staff_in_fredericia_see_only_drcs_agreement(real):
    mothers_help = agreement_id(real, "fredericia", "moedrehjaelpen-fredericia")
    drc = agreement_id(real, "fredericia", "ny-mor-i-danmark")
    client = signed_in(real, "partner_staff", "fredericia", "drc-integration")
    listing = client.get("/fredericia/agreements/").get_data(as_text=True)
    assert "Ny mor i Danmark (demo)" in listing and FREDERICIA_TITLE not in listing
    page = client.get(f"/fredericia/agreements/{mothers_help}")
    assert page.status_code == 404 and FREDERICIA_TITLE not in page.get_data(as_text=True)
    assert client.get(f"/fredericia/agreements/{drc}").status_code == 200
