"""Organisation files and the agreements in tenant files: validation, sync, and the two real agreements."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import db
from core.identity import roles as R
from core.partnerships.models import Agreement, Organisation
from core.tenancy.context import tenant_context
from core.tenancy.files import TenantFileError
from core.tenancy.models import Tenant
from core.tenancy.sync import sync_tenants
from core.testing.fixtures import TEST_ORGANISATIONS, TEST_TENANTS, build_app, installed_programmes, sign_in


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    tenants, organisations = tmp_path / "tenants", tmp_path / "organisations"
    shutil.copytree(TEST_TENANTS, tenants)
    shutil.copytree(TEST_ORGANISATIONS, organisations)
    return tenants, organisations


@pytest.fixture
def fresh(database_factory):
    return build_app(database_factory(), sync=False)


def _sync(app, folders):
    tenants, organisations = folders
    with app.app_context():
        return sync_tenants(tenants, installed_programmes(app), organisations_dir=organisations)


def _problems(app, folders) -> list[tuple[str, str, str]]:
    with pytest.raises(TenantFileError) as caught:
        _sync(app, folders)
    return caught.value.problems


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_sync_creates_organisations_and_agreements_and_twice_changes_nothing(fresh, folders):
    first = _sync(fresh, folders)
    assert sorted(first.organisations.created) == ["andenforening", "testforeningen"]
    second = _sync(fresh, folders)
    assert not second.changed and sorted(second.organisations.unchanged) == ["andenforening", "testforeningen"]
    with fresh.app_context():
        alpha = db.session.scalar(select(Tenant).where(Tenant.slug == "alpha"))
        with tenant_context(alpha.id):
            agreement = db.session.scalars(select(Agreement)).one()
            assert [o.slug for o in agreement.organisations] == ["testforeningen"]
            said = tomllib.loads((TEST_TENANTS / "alpha.toml").read_text())["agreements"][0]["programmes"]
            assert agreement.programme_keys == sorted(said)  # as alpha.toml says
            assert agreement.targets == {"mother_groups": {"courses": 3, "mothers": 24}}


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "reason"),
    [
        ("organisations/testforeningen.toml", 'cvr = "99990902"', 'cvr = "99990903"', "cvr", "not a valid CVR"),
        ("organisations/testforeningen.toml", 'ean = "5799999900013"', 'ean = "5799999900014"', "invoicing.ean", "check digit"),
        ("organisations/testforeningen.toml", 'claim = "testforeningen"', 'claim = "andenforening"', "login.claim", "also used"),
        (
            "tenants/alpha.toml",
            'partners = ["testforeningen"]',
            'partners = ["ingen-forening"]',
            "agreements.0.partners",
            "no organisation file",
        ),
        ("tenants/alpha.toml", 'rule = "example.flat_fee"', 'rule = "example.gone"', "agreements.0.billing.rule", "no installed plugin"),
        (
            "tenants/alpha.toml",
            "parameters = { amount_per_year = 1000 }",
            'parameters = { amount_per_year = "mange" }',
            "agreements.0.billing.parameters.amount_per_year",
            "number",
        ),
        (
            "tenants/alpha.toml",
            "parameters = { amount_per_year = 1000 }",
            "parameters = { }",
            "agreements.0.billing.parameters.amount_per_year",
            "required",
        ),
        (
            "tenants/alpha.toml",
            "notice = { working_days = 30 }",
            "notice = { working_days = 30, months = 2 }",
            "agreements.0.notice",
            "not both",
        ),
        ("tenants/alpha.toml", 'status = "approved"', 'status = "active"', "agreements.0.status", "draft or approved"),
        ("tenants/alpha.toml", 'start = "2020-01-01"', 'start = "2020-01-01"\nend = "2019-12-31"', "agreements.0.end", "before it starts"),
        (
            "tenants/alpha.toml",
            'programmes = ["example", "homework_cafe"',
            'programmes = ["unknown_programme", "example", "homework_cafe"',
            "agreements.0.programmes",
            "not in programmes.enabled",
        ),
    ],
)
def test_a_bad_file_is_refused_with_file_field_and_reason_and_nothing_is_written(fresh, folders, file, old, new, field, reason):
    base = folders[0].parent
    _edit(base / file, old, new)
    problems = _problems(fresh, folders)
    assert any(Path(f).name == Path(file).name and fld == field and reason in why for f, fld, why in problems), problems
    with fresh.app_context():
        assert db.session.scalars(select(Organisation)).all() == []
        assert db.session.scalars(select(Tenant)).all() == []


def test_an_agreement_gone_from_its_file_is_kept_but_gives_no_access(fresh, folders, client_for=None):
    _sync(fresh, folders)
    alpha = folders[0] / "alpha.toml"
    text = alpha.read_text()
    alpha.write_text(text[: text.index("[[agreements]]")])
    _sync(fresh, folders)
    with fresh.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
        with tenant_context(tenant_id):
            agreement = db.session.scalars(select(Agreement)).one()
            assert agreement.active is False
    client = fresh.test_client()
    sign_in(fresh, client, R.PARTNER_STAFF, "alpha", "testforeningen")
    assert client.get("/alpha/example/").status_code == 404
    municipal = fresh.test_client()
    sign_in(fresh, municipal, R.TENANT_ADMIN, "alpha")
    assert municipal.get("/alpha/example/").status_code == 200


# --- the real files -----------------------------------------------------------


def _agreement(app, slug: str, key: str) -> Agreement:
    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id).where(Tenant.slug == slug)).one()
        with tenant_context(tenant_id):
            agreement = db.session.scalars(select(Agreement).where(Agreement.key == key)).one()
            db.session.expunge_all()
            return agreement


def test_the_seeds_agreements_are_real_data(real):
    ishoj = _agreement(real, "ishoj", "ny-mor-i-danmark")
    assert (ishoj.demo, ishoj.starts_on, ishoj.ends_on) == (False, date(2023, 1, 1), date(2025, 12, 31))
    assert ishoj.terms["notice"] == {"working_days": 30} and ishoj.terms["remedy"] == {"working_days": 14}
    assert ishoj.terms["governance"] == [{"body": "joint_meeting", "every_months": 6}]
    assert ishoj.targets["mother_groups"]["courses"] == 3 and ishoj.targets["mother_groups"]["mothers"] == 24
    assert ishoj.billing_rule == "mother_groups.staircase" and ishoj.status_on(date(2026, 12, 1)) == "ended"
    fredericia = _agreement(real, "fredericia", "moedrehjaelpen-fredericia")
    assert (fredericia.demo, fredericia.starts_on, fredericia.ends_on) == (False, date(2020, 1, 1), None)
    assert fredericia.signed_by_municipality_on == date(2019, 10, 29)
    assert fredericia.terms["notice"] == {"months": 6, "to": "year_end"}
    assert fredericia.terms["review"] == {"every": "year", "by": "06-30"}
    assert {g["body"]: g["every_months"] for g in fredericia.terms["governance"]} == {"steering_group": 6, "follow_group": 3}
    assert fredericia.status_on(date(2026, 12, 1)) == "active"


def test_the_seeds_agreements_bill_what_the_seeds_say(real):
    from core.partnerships.billing import lines_for

    ishoj = _agreement(real, "ishoj", "ny-mor-i-danmark")
    fredericia = _agreement(real, "fredericia", "moedrehjaelpen-fredericia")
    with real.app_context():
        per_year = {
            year: sum(line.amount for line in lines_for(ishoj, date(year, 1, 1), date(year, 12, 31))) for year in (2023, 2024, 2025, 2026)
        }
        quarters = lines_for(fredericia, date(2026, 1, 1), date(2026, 12, 31))
    assert per_year == {2023: Decimal("14000"), 2024: Decimal("28000"), 2025: Decimal("42000"), 2026: 0}
    assert sum(per_year.values()) == Decimal("84000")
    assert [line.amount for line in quarters] == [Decimal("40000.00")] * 4


def test_one_programme_type_is_run_by_two_organisations(real):
    with real.app_context():
        runners = {}
        for slug in ("fredericia", "kolding"):
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            with tenant_context(tenant_id):
                from core.partnerships import organisations_of_programme

                runners[slug] = [o.slug for o in organisations_of_programme("open_counselling")]
    assert runners == {"fredericia": ["modrehjaelpen"], "kolding": ["familienetvaerket"]}


def test_drc_in_fredericia_gets_404_on_every_open_counselling_page_and_api_route(real):
    """DRC Integration is party to Fredericia's mother-group agreement, not to the counselling one."""
    from plugins.open_counselling.services import register_contact

    with real.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "fredericia"))
        with tenant_context(tenant_id):
            contact = register_contact(
                {
                    "family_number": "F-7781",
                    "day": date(2026, 11, 3),
                    "channel": "phone",
                    "duration_minutes": 20,
                    "reasons": ["housing"],
                    "need_level": 2,
                    "description": "Særlig fortrolig beskrivelse 7781",
                },
                "test",
            )
            db.session.commit()
            ids = {"contact_id": contact.id, "family_id": contact.family_id}
    drc, mh = real.test_client(), real.test_client()
    sign_in(real, drc, R.PARTNER_STAFF, "fredericia", "drc-integration")
    sign_in(real, mh, R.PARTNER_STAFF, "fredericia", "modrehjaelpen")
    assert drc.get("/fredericia/mother_groups/").status_code == 200  # DRC's own programme there
    checked = 0
    for rule in real.url_map.iter_rules():
        if not (rule.rule.startswith("/<tenant>/open_counselling") or rule.rule.startswith("/<tenant>/api/v1/open_counselling")):
            continue
        if rule.rule.endswith("/public") or rule.rule.endswith(".ics"):
            assert drc.get(rule.rule.replace("<tenant>", "fredericia")).status_code == 200  # public pages are for everyone
            continue
        url = rule.rule.replace("<tenant>", "fredericia")
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        url = __import__("re").sub(r"<int:\w+>", "1", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = drc.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)
            assert "7781" not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 10
    own = mh.get(f"/fredericia/open_counselling/contacts/{ids['contact_id']}")
    assert own.status_code == 200 and "Særlig fortrolig beskrivelse 7781" in own.get_data(as_text=True)
