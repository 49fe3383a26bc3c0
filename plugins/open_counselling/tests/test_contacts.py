"""Contacts and families: anonymous by default, counted by family number, partner-only text."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.programme import copenhagen_today, db
from core.testing import tenant_context
from core.testing.fixtures import csrf_from
from plugins.open_counselling.models import Contact, Family

API = "/alpha/api/v1/open_counselling"
CONTACT = {
    "family_number": "FR-001",
    "day": "2026-03-03",
    "channel": "in_person",
    "duration_minutes": 45,
    "reasons": ["parenthood", "housing_economy"],
    "need_level": 2,
    "description": "Fortroligt: restance på husleje",
    "referrals": ["financial_counselling"],
}


def test_an_anonymous_contact_through_the_form(app, client_for, tenant_a):
    client = client_for("alpha")
    page = client.get("/alpha/open_counselling/")
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post("/alpha/open_counselling/contacts", data={"csrf_token": token, "family_number": "FR-1", "day": "2026-03-03"})
    assert bad.status_code == 422 and "Feltet skal udfyldes." in bad.get_data(as_text=True)
    form = {**CONTACT, "csrf_token": token}
    form.pop("reasons")
    form.pop("referrals")
    response = client.post("/alpha/open_counselling/contacts", data={**form, "reasons": ["parenthood", "violence"]})
    assert response.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        family = db.session.scalars(select(Family)).one()
        assert family.name is None and family.family_number == "FR-001"  # anonymous: a number, no identity
        contact = db.session.scalars(select(Contact)).one()
        assert sorted(r.reason for r in contact.reasons) == ["parenthood", "violence"]


def test_repeated_contacts_of_one_family_attach_to_it(app, client_for, tenant_a):
    client = client_for("alpha")
    for day in ("2026-03-03", "2026-03-17"):
        assert client.post(f"{API}/contacts", json={**CONTACT, "day": day}).status_code == 201
    assert client.post(f"{API}/contacts", json={**CONTACT, "family_number": "FR-002"}).status_code == 201
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Family)) == 2
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 3


def test_a_contact_the_database_refuses_leaves_no_new_family_behind(app, client_for, tenant_a, monkeypatch):
    # The new family is flushed before the contact; the request is the one unit of work, so the refusal takes both back.
    from plugins.open_counselling import services
    from plugins.open_counselling.models import ContactReason

    monkeypatch.setattr(services, "ContactReason", lambda reason: ContactReason(reason="parenthood"))  # the same reason twice: UNIQUE
    client = client_for("alpha")
    answer = client.post(f"{API}/contacts", json={**CONTACT, "family_number": "FR-HALF"})
    assert answer.status_code == 409
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Family)) == 0
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_name_needs_consent(client_for):
    client = client_for("alpha")
    client.post(f"{API}/contacts", json=CONTACT)
    family_id = client.get(f"{API}/families").get_json()[0]["id"]
    refused = client.put(f"{API}/families/{family_id}", json={"family_number": "FR-001", "name": "Sara Jensen"})
    assert refused.status_code == 422 and "consent" in refused.get_json()["errors"]["json"]
    ok = client.put(
        f"{API}/families/{family_id}",
        json={"family_number": "FR-001", "name": "Sara Jensen", "consent": True, "children_count": 2, "children_ages": "0,3"},
    )
    assert ok.status_code == 200 and ok.get_json()["name"] == "Sara Jensen"


def test_municipal_staff_never_reach_contacts_or_free_text(app, client_for):
    client_for("alpha").post(f"{API}/contacts", json=CONTACT)
    municipal = client_for("alpha", "municipal_staff")
    for url in ("/alpha/open_counselling/", "/alpha/open_counselling/families/", f"{API}/contacts", f"{API}/families"):
        response = municipal.get(url)
        assert response.status_code == 403, url
        assert b"restance" not in response.get_data()


def test_only_the_running_organisations_counsellor_reads_the_free_text(client_for):
    """The authority-free room: the municipality's tenant administrator and a platform administrator
    get 403 (the latter reaches it only through break-the-glass), another organisation's staff 404."""
    counsellor = client_for("alpha")
    assert counsellor.post(f"{API}/contacts", json=CONTACT).status_code == 201
    contacts = counsellor.get(f"{API}/contacts").get_json()
    assert contacts[0]["description"] == CONTACT["description"]
    contact_id, family_id = contacts[0]["id"], counsellor.get(f"{API}/families").get_json()[0]["id"]
    assert CONTACT["description"] in counsellor.get(f"/alpha/open_counselling/contacts/{contact_id}").get_data(as_text=True)
    urls = (
        f"{API}/contacts",
        f"{API}/contacts/{contact_id}",
        f"{API}/families",
        f"{API}/families/{family_id}",
        "/alpha/open_counselling/",
        f"/alpha/open_counselling/contacts/{contact_id}",
        "/alpha/open_counselling/families/",
        f"/alpha/open_counselling/families/{family_id}",
    )
    for who, client, status in (
        ("tenant_admin", client_for("alpha", "tenant_admin"), 403),
        ("municipal_staff", client_for("alpha", "municipal_staff"), 403),
        ("finance", client_for("alpha", "finance"), 403),
        ("platform_admin", client_for(None), 403),
        ("other organisation", client_for("alpha", "partner_staff", organisation="andenforening"), 404),
    ):
        for url in urls:
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == status, (who, url)
            assert "restance" not in body and "FR-001" not in body, (who, url)


def test_future_dates_and_unknown_reasons_are_refused(client_for):
    client = client_for("alpha")
    future = client.post(f"{API}/contacts", json={**CONTACT, "day": (copenhagen_today() + timedelta(days=2)).isoformat()})
    unknown = client.post(f"{API}/contacts", json={**CONTACT, "reasons": ["astrology"]})
    assert future.status_code == unknown.status_code == 422


def test_erasure_removes_identity_and_free_text_and_keeps_the_numbers(app, client_for, tenant_a):
    client = client_for("alpha")
    client.post(f"{API}/contacts", json=CONTACT)
    family_id = client.get(f"{API}/families").get_json()[0]["id"]
    client.put(f"{API}/families/{family_id}", json={"family_number": "FR-001", "name": "Sara Jensen", "consent": True})
    page = client.get(f"/alpha/open_counselling/families/{family_id}").get_data(as_text=True)
    assert client.post(f"/alpha/open_counselling/families/{family_id}/erase", data={"csrf_token": csrf_from(page)}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        family = db.session.get(Family, family_id)
        assert family.name is None and family.anonymised_at is not None
        contact = db.session.scalars(select(Contact)).one()
        assert contact.description is None and contact.need_level == 2 and len(contact.reasons) == 2


def test_retention_job_forgets_identity_after_the_last_contact(app, tenant_a):
    from core.testing import enqueue
    from plugins.open_counselling.services import register_contact, save_family

    with app.app_context():
        with tenant_context(tenant_a):
            old = register_contact({**CONTACT, "family_number": "OLD-1", "day": copenhagen_today() - timedelta(days=400)}, "test")
            save_family({"family_number": "OLD-1", "name": "Gammel", "consent": True}, "test", old.family)
            recent = register_contact({**CONTACT, "family_number": "NEW-1", "day": copenhagen_today() - timedelta(days=10)}, "test")
            db.session.commit()
            old_id, recent_id = old.family_id, recent.family_id
        assert enqueue("open_counselling.retention", tenant_a).status == "succeeded"
        with tenant_context(tenant_a):
            assert db.session.get(Family, old_id).name is None and db.session.get(Family, old_id).anonymised_at
            assert db.session.get(Family, recent_id).anonymised_at is None


def test_foreign_contact_and_family_ids_look_missing(app, client_for, tenant_b):
    from plugins.open_counselling.services import register_contact

    with app.app_context(), tenant_context(tenant_b):
        contact = register_contact({**CONTACT, "day": date(2026, 3, 3)}, "test")
        db.session.commit()  # the service flushes; the caller (here the test) is the unit of work
        ids = (contact.id, contact.family_id)
    client = client_for("alpha")
    for url in (
        f"{API}/contacts/{ids[0]}",
        f"{API}/families/{ids[1]}",
        f"/alpha/open_counselling/contacts/{ids[0]}",
        f"/alpha/open_counselling/families/{ids[1]}",
    ):
        foreign, missing = client.get(url), client.get(url.rsplit("/", 1)[0] + "/987654")
        assert foreign.status_code == missing.status_code == 404, url
        assert foreign.get_data() == missing.get_data()


def test_demo_year_of_contacts(app, runner, tenant_a):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context(), tenant_context(tenant_a):
        families = db.session.scalar(select(func.count()).select_from(Family))
        contacts = db.session.scalar(select(func.count()).select_from(Contact))
        span = db.session.execute(select(func.min(Contact.day), func.max(Contact.day))).one()
    assert families == 130 and contacts > families
    assert (span[1] - span[0]).days > 300


def test_fredericia_tenant_file_agreement_bills_40000_a_quarter():
    """The real tenant file, read the new way: the agreement's billing rule and its parameters."""
    from decimal import Decimal

    from config import ROOT
    from core.testing import read_tenant_files
    from plugins.open_counselling.billing import billing_rules

    fredericia = next(t.data for t in read_tenant_files(ROOT / "tenants") if t.data["slug"] == "fredericia")
    (agreement,) = [a for a in fredericia["agreements"] if a["billing"]["rule"] == "open_counselling.quarterly"]
    (rule,) = [r for r in billing_rules() if r.key == agreement["billing"]["rule"]]
    params = rule.parameters().load(agreement["billing"]["parameters"])
    assert params == {"amount_per_year": Decimal("160000")}
    assert (agreement["start"], agreement.get("end")) == (date(2020, 1, 1), None)  # open-ended
    for year in (2020, 2026):
        lines = rule.lines({**params, "start": agreement["start"], "end": agreement.get("end")}, date(year, 1, 1), date(year, 12, 31))
        assert [line.amount for line in lines] == [Decimal("40000.00")] * 4
        assert sum(line.amount for line in lines) == Decimal("160000.00")
