"""The café through its real pages and API: a session created, its children counted and volunteers recorded, the year's report."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.programme import Volunteer, db
from core.testing.fixtures import csrf_from, organisation_id, tenant_context
from plugins.homework_cafe.cafe import CafeSession, Helper

PAGES, API = "/alpha/homework_cafe", "/alpha/api/v1/homework_cafe"
DAY = date(2026, 11, 3)


@pytest.fixture
def volunteers(app, tenant_a) -> dict[str, int]:
    """Testforeningen's Lise (certificate valid on DAY) and Ole (expired the day before); Anden Forening's Kim."""
    with app.app_context(), tenant_context(tenant_a):
        ours, theirs = organisation_id(app, "testforeningen"), organisation_id(app, "andenforening")
        people = {
            "lise": Volunteer(name="Lise Frivillig", organisation_id=ours, certificate_result="approved", certificate_valid_until=DAY),
            "ole": Volunteer(
                name="Ole Frivillig", organisation_id=ours, certificate_result="approved", certificate_valid_until=DAY - timedelta(1)
            ),
            "kim": Volunteer(name="Kim Andenforening", organisation_id=theirs, certificate_result="approved", certificate_valid_until=DAY),
        }
        db.session.add_all(people.values())
        db.session.commit()
        return {key: v.id for key, v in people.items()}


def _sessions(app, tenant_a) -> int:
    with app.app_context(), tenant_context(tenant_a):
        return db.session.scalar(select(func.count(CafeSession.id))) or 0


def test_a_session_from_creation_to_the_report(app, client_for, tenant_a, volunteers):
    staff = client_for("alpha")
    index = staff.get(f"{PAGES}/")
    assert index.status_code == 200 and "Lektiecafé" in index.get_data(as_text=True)
    token = csrf_from(index.get_data(as_text=True))
    form = {
        "csrf_token": token,
        "day": DAY.isoformat(),
        "place": "Vibeholmskolen",
        "starts": "15:00",
        "ends": "17:30",
        "notes": "Stille eftermiddag",
    }

    backwards = staff.post(f"{PAGES}/", data={**form, "ends": "14:00"})
    assert backwards.status_code == 422 and 'id="field-ends-error"' in backwards.get_data(as_text=True)
    assert "Eftermiddagen" in backwards.get_data(as_text=True)  # the message, in Danish
    assert _sessions(app, tenant_a) == 0  # a refused form leaves nothing behind

    created = staff.post(f"{PAGES}/", data=form)
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    page = staff.get(detail_url).get_data(as_text=True)
    assert "Lise Frivillig" in page and "Ole Frivillig" in page and "Kim Andenforening" not in page  # one's own organisation's volunteers
    assert "Stille eftermiddag" in page
    assert page.count('class="certificate-valid"') == 1 and page.count('class="certificate-missing"') == 1  # Lise's valid, Ole's expired

    counts = {"csrf_token": token, "children_6_9": "6", "children_10_12": "7", "children_13_16": "8", "children_17_plus": "9"}
    foreign = staff.post(detail_url, data={**counts, "volunteer_ids": [str(volunteers["lise"]), str(volunteers["kim"])]})
    assert foreign.status_code == 422  # another organisation's volunteer is refused like a missing one
    negative = staff.post(detail_url, data={**counts, "children_6_9": "-1"})
    assert negative.status_code == 422
    saved = staff.post(detail_url, data={**counts, "volunteer_ids": [str(volunteers["lise"]), str(volunteers["ole"])]})
    assert saved.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        row = db.session.scalars(select(CafeSession)).one()
        assert (row.children_6_9, row.children_10_12, row.children_13_16, row.children_17_plus, row.minutes) == (6, 7, 8, 9, 150)
        assert sorted(db.session.scalars(select(Helper.volunteer_id))) == sorted([volunteers["lise"], volunteers["ole"]])

    listing = staff.get(f"{API}/sessions")
    assert listing.status_code == 200 and json.loads(listing.headers["X-Pagination"])["total"] == 1
    (item,) = listing.get_json()
    assert item["children_13_16"] == 8 and item["notes"] == "Stille eftermiddag"
    assert {v["name"]: v["certificate_valid"] for v in item["volunteers"]} == {"Lise Frivillig": True, "Ole Frivillig": False}
    assert staff.get(f"{API}/sessions/{item['id']}").get_json() == item
    # The municipality sees the counts, not the notes nor who helped.
    municipal = client_for("alpha", "municipal_staff").get(f"{API}/sessions/{item['id']}").get_json()
    assert municipal["children_17_plus"] == 9 and "notes" not in municipal and "volunteers" not in municipal
    assert client_for("beta").get(f"/beta/api/v1/homework_cafe/sessions/{item['id']}").status_code == 404

    report = client_for("alpha", "tenant_admin").get("/alpha/reports/homework_cafe.year?year=2026")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "Vibeholmskolen" in html and ">30<" in html  # 6 + 7 + 8 + 9 child visits
    assert ">5,0<" in html  # two volunteers for two and a half hours


def test_demo_data_loads_once(app, tenant_a):
    from core.programme import Tenant
    from plugins.homework_cafe import samvirke_demo_data

    with app.app_context(), tenant_context(tenant_a):
        tenant = db.session.get(Tenant, tenant_a)
        samvirke_demo_data(tenant)
        samvirke_demo_data(tenant)
        assert db.session.scalar(select(func.count(CafeSession.id))) == 20
        db.session.rollback()
