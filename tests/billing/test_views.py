"""The billing pages for the partner organisation's finance staff and the municipality's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from core.calendar import copenhagen_today
from core.testing.fixtures import csrf_from, sign_in
from tests.billing.helpers import invoices, series, tenant_of


def client_as(app, slug, role, organisation=None):
    client = app.test_client()
    sign_in(app, client, role, slug, organisation)
    return client


@pytest.fixture
def drc_ishoj(real):
    return client_as(real, "ishoj", "partner_finance", "drc-integration")


def post(client, url, data=None):
    page = client.get(url.rsplit("/", 1)[0] if url.endswith(("/send", "/paid", "/credit", "/issue")) else url.replace("/runs", "/"))
    token = csrf_from(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def start_run(client, slug, period, **extra):
    page = client.get(f"/{slug}/billing/")
    assert page.status_code == 200
    response = client.post(f"/{slug}/billing/runs", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "period": period, **extra})
    return response


def test_partner_finance_runs_ishoj_from_the_page_and_sees_the_progress(real, drc_ishoj):
    for year in ("2023", "2024", "2025"):
        response = start_run(drc_ishoj, "ishoj", year)
        assert response.status_code == 303
        run_page = drc_ishoj.get(response.headers["Location"])
        body = run_page.get_data(as_text=True)
        assert run_page.status_code == 200
        assert 'data-run-state="done"' in body and 'value="100"' in body
        assert "Refresh" not in run_page.headers  # done: the page stops refreshing itself
    assert [(r["period"], r["total"]) for r in invoices(real, "ishoj")] == [
        ("2023", Decimal("14000.00")),
        ("2024", Decimal("28000.00")),
        ("2025", Decimal("42000.00")),
    ]
    body = drc_ishoj.get("/ishoj/billing/").get_data(as_text=True)
    for amount in ("14.000,00 kr.", "28.000,00 kr.", "42.000,00 kr."):
        assert amount in body
    statement = drc_ishoj.get("/ishoj/billing/statement").get_data(as_text=True)
    assert statement.count("84.000,00 kr.") >= 2  # agreed in all, invoiced in all


def test_a_running_run_refreshes_its_page(real, drc_ishoj):
    from core.billing.models import BillingRun
    from core.db import db
    from core.tenancy.context import tenant_context

    with real.app_context(), tenant_context(tenant_of(real, "ishoj")):
        run = BillingRun(
            period_label="2024",
            period_start=__import__("datetime").date(2024, 1, 1),
            period_end=__import__("datetime").date(2024, 12, 31),
            started_by="test",
            organisation_id=_org(real, "drc-integration"),
            state="running",
            total=4,
            done=1,
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        db.session.remove()
    page = drc_ishoj.get(f"/ishoj/billing/runs/{run_id}")
    assert page.headers["Refresh"] == "2"
    assert 'value="25"' in page.get_data(as_text=True) and "1 af 4 aftaler" in page.get_data(as_text=True)


def _org(app, slug):
    from core.testing.fixtures import organisation_id

    return organisation_id(app, slug)


def test_a_bad_period_on_the_page_is_explained_in_danish_and_nothing_runs(real, drc_ishoj):
    response = start_run(drc_ishoj, "ishoj", "2024-Q7")
    assert response.status_code == 422
    assert "Angiv perioden som et år (2024), et kvartal (2024-Q1) eller en måned (2024-03)." in response.get_data(as_text=True)
    assert invoices(real, "ishoj") == []


def _invoice_id(real, slug, period):
    return next(r["id"] for r in invoices(real, slug) if r["period"] == period)


def test_download_send_pay_and_credit(real, drc_ishoj):
    assert start_run(drc_ishoj, "ishoj", "2024").status_code == 303
    invoice_id = _invoice_id(real, "ishoj", "2024")
    url = f"/ishoj/billing/invoices/{invoice_id}"
    page = drc_ishoj.get(url).get_data(as_text=True)
    assert "28.000,00 kr." in page and "DEMO-NYMOR" in page and "Udstedt" in page
    pdf = drc_ishoj.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and "faktura-1.pdf" in pdf.headers["Content-Disposition"]
    xml = drc_ishoj.get(f"{url}.xml")
    assert xml.status_code == 200 and b"<cbc:ID>1</cbc:ID>" in xml.data

    sent = post(drc_ishoj, f"{url}/send")
    assert sent.status_code == 303, sent.get_data(as_text=True)
    assert invoices(real, "ishoj")[0]["state"] == "sent"
    outbox = list((__import__("pathlib").Path(real.config["BILLING_OUTBOX_DIR"])).rglob("Invoice-1.xml"))
    assert len(outbox) == 1

    refused = post(drc_ishoj, f"{url}/paid", {"paid_on": "2024-01-01", "amount": "28.000,00"})
    assert refused.status_code == 422  # before the invoice date
    assert "fakturadatoen" in refused.get_data(as_text=True)
    too_much = post(drc_ishoj, f"{url}/paid", {"paid_on": copenhagen_today().isoformat(), "amount": "30000"})
    assert too_much.status_code == 422 and "udestående" in too_much.get_data(as_text=True)
    paid = post(drc_ishoj, f"{url}/paid", {"paid_on": invoices(real, "ishoj")[0]["issue_date"].isoformat(), "amount": "28.000,00"})
    assert paid.status_code == 303
    assert invoices(real, "ishoj")[0]["state"] == "paid"

    no_reason = post(drc_ishoj, f"{url}/credit", {"reason": ""})
    assert no_reason.status_code == 422
    partial = post(drc_ishoj, f"{url}/credit", {"reason": "Lukket i juli", "amount": "2.000,00"})
    assert partial.status_code == 303
    rows = invoices(real, "ishoj")
    note = next(r for r in rows if r["kind"] == "credit_note")
    assert (note["number"], note["total"], note["state"]) == (2, Decimal("2000.00"), "issued")  # the same series
    assert next(r for r in rows if r["kind"] == "invoice")["state"] == "paid"
    rest = post(drc_ishoj, f"{url}/credit", {"reason": "Aftalen ophørt"})
    assert rest.status_code == 303
    rows = invoices(real, "ishoj")
    assert next(r for r in rows if r["kind"] == "invoice")["state"] == "credited"
    assert sorted(r["total"] for r in rows if r["kind"] == "credit_note") == [Decimal("2000.00"), Decimal("26000.00")]
    note_page = drc_ishoj.get(rest.headers["Location"]).get_data(as_text=True)
    assert "Kreditering af faktura 1: Aftalen ophørt" in note_page
    note_xml = drc_ishoj.get(rest.headers["Location"] + ".xml").data
    assert b"<CreditNote" in note_xml and b"<cbc:ID>1</cbc:ID>" in note_xml  # BillingReference to invoice 1
    statement = drc_ishoj.get("/ishoj/billing/statement").get_data(as_text=True)
    row_2024 = re.search(r'<tr data-year="2024">(.*?)</tr>', statement, re.S).group(1)
    cells = re.findall(r'<td class="align-text-right">([^<]*)</td>', row_2024)
    # Agreed, invoiced (nothing, after the credit notes), paid, outstanding (to be paid back).
    assert cells == ["28.000,00 kr.", "0,00 kr.", "28.000,00 kr.", "-28.000,00 kr."]
    assert series(real)["drc-integration"] == 3


def test_a_document_failing_a_rule_is_never_sent_and_the_page_says_which_rule_and_why(real, drc_ishoj, monkeypatch):
    import dataclasses

    from core.billing import mapping, views

    assert start_run(drc_ishoj, "ishoj", "2024").status_code == 303
    invoice_id = _invoice_id(real, "ishoj", "2024")

    def without_bank_account(invoice):
        doc = mapping.document_of(invoice)
        return dataclasses.replace(doc, payment=dataclasses.replace(doc.payment, account_no=""))

    monkeypatch.setattr(views, "document_of", without_bank_account)
    response = post(drc_ishoj, f"/ishoj/billing/invoices/{invoice_id}/send")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-severity="fatal"' in body
    rules = re.findall(r'data-rule="([^"]+)" data-severity="fatal"', body)
    assert rules, body
    assert "kan ikke markeres som sendt" in body
    assert invoices(real, "ishoj")[0]["state"] == "issued"
    assert not list(__import__("pathlib").Path(real.config["BILLING_OUTBOX_DIR"]).rglob("*.xml"))


def test_a_draft_is_issued_from_its_page_once(real, drc_ishoj):
    assert start_run(drc_ishoj, "ishoj", "2024", draft="y").status_code == 303
    (draft,) = invoices(real, "ishoj")
    assert draft["state"] == "draft"
    assert drc_ishoj.get(f"/ishoj/billing/invoices/{draft['id']}.pdf").status_code == 409
    assert post(drc_ishoj, f"/ishoj/billing/invoices/{draft['id']}/issue").status_code == 303
    again = post(drc_ishoj, f"/ishoj/billing/invoices/{draft['id']}/issue")
    assert again.status_code == 422 and "Kun en kladde kan udstedes." in again.get_data(as_text=True)
    assert [(r["state"], r["number"]) for r in invoices(real, "ishoj")] == [("issued", 1)]


def test_municipal_finance_reads_its_own_invoices_and_documents_and_changes_nothing(real, drc_ishoj):
    assert start_run(drc_ishoj, "ishoj", "2024").status_code == 303
    invoice_id = _invoice_id(real, "ishoj", "2024")
    finance = client_as(real, "ishoj", "finance")
    assert "28.000,00 kr." in finance.get("/ishoj/billing/").get_data(as_text=True)
    assert finance.get(f"/ishoj/billing/invoices/{invoice_id}.pdf").status_code == 200
    assert finance.get(f"/ishoj/billing/invoices/{invoice_id}.xml").status_code == 200
    page = finance.get(f"/ishoj/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert (
        'id="send-form"' not in page
        and 'id="credit-form"' not in page
        and 'id="run-form"' not in finance.get("/ishoj/billing/").get_data(as_text=True)
    )
    token = csrf_from(page)
    for action in ("send", "paid", "credit", "issue"):
        assert finance.post(f"/ishoj/billing/invoices/{invoice_id}/{action}", data={"csrf_token": token}).status_code == 403
    assert finance.post("/ishoj/billing/runs", data={"csrf_token": token, "period": "2025"}).status_code == 403
    assert invoices(real, "ishoj")[0]["state"] == "issued"


def test_the_menu_shows_billing_to_finance_only(real):
    assert 'href="/ishoj/billing/"' in client_as(real, "ishoj", "finance").get("/ishoj/").get_data(as_text=True)
    assert 'href="/ishoj/billing/"' in client_as(real, "ishoj", "partner_finance", "drc-integration").get("/ishoj/").get_data(as_text=True)
    assert 'href="/ishoj/billing/"' not in client_as(real, "ishoj", "municipal_staff").get("/ishoj/").get_data(as_text=True)
    assert 'href="/ishoj/billing/"' not in client_as(real, "ishoj", "partner_staff", "drc-integration").get("/ishoj/").get_data(
        as_text=True
    )


# --- isolation: a distinctive value of another tenant or organisation never shows -------------


@pytest.fixture
def billed_everywhere(real, cli):
    result = cli.invoke(args=["billing", "run", "--period", "2025"])
    assert result.exit_code == 0, result.output
    return {slug: invoices(real, slug) for slug in ("ishoj", "fredericia", "kolding")}


@pytest.fixture
def cli(real):
    return real.test_cli_runner()


FREDERICIA_PAGES = ("/fredericia/billing/", "/fredericia/billing/statement")


def test_fredericia_finance_never_sees_kolding_or_ishoj_invoices(real, billed_everywhere):
    kolding = billed_everywhere["kolding"]
    ishoj = billed_everywhere["ishoj"]
    assert {r["total"] for r in kolding} == {Decimal("30000.00")} and ishoj[0]["total"] == Decimal("42000.00")
    for role, organisation in (("finance", None), ("partner_finance", "modrehjaelpen")):
        client = client_as(real, "fredericia", role, organisation)
        pages = [client.get(url) for url in FREDERICIA_PAGES]
        pages += [client.get(f"/fredericia/billing/invoices/{r['id']}") for r in billed_everywhere["fredericia"]]
        for page in pages:
            body = page.get_data(as_text=True)
            # Kolding's quarterly 30,000 and its buyer reference; Ishøj's EAN.
            for secret in ("30.000,00", "DEMO-KOLDING", "5798999906216", "5798999901839", "Kolding", "Ishøj"):
                assert secret not in body, (role, page.request.path, secret)
        for other in (*kolding, *ishoj):  # another tenant's invoice id looks missing
            for suffix in ("", ".pdf", ".xml"):
                assert client.get(f"/fredericia/billing/invoices/{other['id']}{suffix}").status_code == 404
        # Another tenant's pages do not exist for them.
        assert client.get("/kolding/billing/").status_code == 404


def test_an_organisations_finance_staff_see_only_their_own_invoices_in_the_tenant(real, billed_everywhere):
    fredericia = billed_everywhere["fredericia"]
    drc = [r for r in fredericia if r["issuer"] == "drc-integration"]
    own = [r for r in fredericia if r["issuer"] == "modrehjaelpen"]
    assert drc and drc[0]["total"] == Decimal("28000.00") and {r["total"] for r in own} == {Decimal("40000.00")}
    client = client_as(real, "fredericia", "partner_finance", "modrehjaelpen")
    body = client.get("/fredericia/billing/").get_data(as_text=True)
    assert body.count("40.000,00 kr.") == 4 and "28.000,00" not in body and "DRC" not in body
    statement = client.get("/fredericia/billing/statement").get_data(as_text=True)
    assert "Ny mor i Danmark" not in statement and "160.000,00 kr." in statement
    assert client.get(f"/fredericia/billing/invoices/{drc[0]['id']}").status_code == 404
    assert client.get(f"/fredericia/billing/invoices/{drc[0]['id']}.pdf").status_code == 404
    token = csrf_from(client.get(f"/fredericia/billing/invoices/{own[0]['id']}").get_data(as_text=True))
    assert (
        client.post(f"/fredericia/billing/invoices/{drc[0]['id']}/credit", data={"csrf_token": token, "reason": "x y z"}).status_code == 404
    )
    # The municipality sees both organisations' invoices.
    municipal = client_as(real, "fredericia", "finance").get("/fredericia/billing/").get_data(as_text=True)
    assert "28.000,00 kr." in municipal and municipal.count("40.000,00 kr.") == 4
    # A run started by Mødrehjælpen's staff bills Mødrehjælpen's agreements only.
    response = start_run(client, "fredericia", "2026-Q1")
    assert response.status_code == 303
    run_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ny mor i Danmark" not in run_page
    assert {r["issuer"] for r in invoices(real, "fredericia") if r["period"].startswith("2026")} == {"modrehjaelpen"}


def _signed_in_without_organisation(app, slug, role):
    import secrets

    from core.db import db
    from core.identity.digests import secret_digest
    from core.identity.models import User, UserSession
    from core.tenancy.context import tenant_context

    client, key = app.test_client(), secrets.token_urlsafe(16)
    with app.app_context():
        user = User(issuer="https://test-idp.invalid", subject=f"{slug}-{role}-{key[:6]}", display_name="Test")
        db.session.add(user)
        db.session.flush()
        with tenant_context(tenant_of(app, slug)):
            db.session.add(UserSession(id=secret_digest(key, "session"), user_id=user.id, tenant_id=tenant_of(app, slug), roles=[role]))
            db.session.commit()
        db.session.remove()
    with client.session_transaction() as session:
        session["sid"] = key
    return client


def test_partner_finance_without_an_organisation_sees_and_runs_nothing(real, billed_everywhere):
    client = _signed_in_without_organisation(real, "fredericia", "partner_finance")
    body = client.get("/fredericia/billing/").get_data(as_text=True)
    assert "40.000,00" not in body and "28.000,00" not in body
    assert client.get(f"/fredericia/billing/invoices/{billed_everywhere['fredericia'][0]['id']}").status_code == 404
    token = csrf_from(body)
    assert client.post("/fredericia/billing/runs", data={"csrf_token": token, "period": "2026"}).status_code == 403


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-5", "0", "1e999", "12,345", "abc", "1.000.000.000.000,00", "40000\x00"])
def test_a_bad_amount_is_explained_never_a_500(real, drc_ishoj, amount):
    assert start_run(drc_ishoj, "ishoj", "2024").status_code == 303
    invoice_id = _invoice_id(real, "ishoj", "2024")
    for action, data in (("paid", {"paid_on": "2026-01-01", "amount": amount}), ("credit", {"reason": "Fejl i beløbet", "amount": amount})):
        response = post(drc_ishoj, f"/ishoj/billing/invoices/{invoice_id}/{action}", data)
        assert response.status_code in (400, 422), (action, amount, response.status_code)  # 400: a NUL, refused centrally
    assert invoices(real, "ishoj")[0]["state"] == "issued"
    assert len(invoices(real, "ishoj")) == 1


@pytest.mark.parametrize("page", ["0", "-3", "x", "1" + "0" * 30])
def test_any_page_number_gives_a_page(real, drc_ishoj, page):
    assert drc_ishoj.get(f"/ishoj/billing/?page={page}").status_code == 200


def test_the_development_provider_offers_each_partys_finance_staff(real):
    from core.identity.dev_idp import demo_users

    with real.app_context():
        users = {u.subject: u for u in demo_users("fredericia", "Fredericia Kommune", tenant_of(real, "fredericia"))}
    finance = users["fredericia-modrehjaelpen-finance"]
    assert finance.roles == ("partner_finance",) and finance.partner_organisation == "modrehjaelpen"
    assert "fredericia-drc-integration-finance" in users and "fredericia-familienetvaerket-finance" not in users
