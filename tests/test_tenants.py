"""Tenant files, `samvirke tenants sync`, and resolving a request's tenant."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from config import ROOT
from core.db import db
from core.tenancy.files import TenantFileError, read_tenant_files
from core.tenancy.models import Tenant
from core.tenancy.sync import sync_tenants
from core.testing.fixtures import TEST_TENANTS, build_app

REAL_TENANTS = ROOT / "tenants"


def test_the_eleven_real_tenant_files_are_valid():
    files = read_tenant_files(REAL_TENANTS)
    by_slug = {tf.data["slug"]: tf.data for tf in files}
    assert len(files) == 11
    expected = {
        "ishoj": ("183", "11931316"),
        "fredericia": ("607", "69116418"),
        "aarhus": ("751", "55133018"),
        "esbjerg": ("561", "29189803"),
        "vejle": ("630", "29189900"),
    }
    for slug, (code, cvr) in expected.items():
        assert (by_slug[slug]["municipality_code"], by_slug[slug]["cvr"]) == (code, cvr)
    assert "mother_groups" in by_slug["ishoj"]["programmes"]["enabled"]
    assert {"open_counselling", "volunteer_association"} <= set(by_slug["fredericia"]["programmes"]["enabled"])
    for data in by_slug.values():  # every file says where its settings are demo values
        assert data["identity_provider"]["demo"] is True


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(TEST_TENANTS, target)
    return target


@pytest.fixture
def fresh(database_factory):
    """An app with its own migrated database and no tenants yet."""
    return build_app(database_factory(), sync=False)


def _tenants(app) -> dict[str, Tenant]:
    with app.app_context():
        return {t.slug: t for t in db.session.scalars(select(Tenant)).all()}


def _sync(app, folder):
    with app.app_context():
        return sync_tenants(folder, ["example"])


def test_sync_is_idempotent(fresh, folder):
    _sync(fresh, folder)
    before = {slug: (t.updated_at, t.source_digest) for slug, t in _tenants(fresh).items()}
    report = _sync(fresh, folder)
    assert not report.changed and sorted(report.unchanged) == ["alpha", "beta", "gamma"]
    assert {slug: (t.updated_at, t.source_digest) for slug, t in _tenants(fresh).items()} == before


def test_edited_file_updates_its_tenant(fresh, folder):
    _sync(fresh, folder)
    path = folder / "gamma.toml"
    path.write_text(
        path.read_text().replace('name = "Gamma Kommune"', 'name = "Gamma Storkommune"').replace("enabled = []", 'enabled = ["example"]')
    )
    report = _sync(fresh, folder)
    assert report.updated == ["gamma"]
    gamma = _tenants(fresh)["gamma"]
    assert gamma.name == "Gamma Storkommune"
    with fresh.app_context():
        assert db.session.get(Tenant, gamma.id).enabled_programmes == {"example"}


def test_removed_file_deactivates_and_deletes_nothing(fresh, folder):
    _sync(fresh, folder)
    (folder / "beta.toml").unlink()
    report = _sync(fresh, folder)
    assert report.deactivated == ["beta"]
    beta = _tenants(fresh)["beta"]
    assert beta.active is False
    assert fresh.test_client().get("/beta/api/v1/openapi.json").status_code == 404
    # Put it back: the same tenant (same id) comes back to life.
    shutil.copy(TEST_TENANTS / "beta.toml", folder / "beta.toml")
    assert _sync(fresh, folder).updated == ["beta"]
    assert _tenants(fresh)["beta"].id == beta.id and _tenants(fresh)["beta"].active


@pytest.mark.parametrize(
    ("replace", "by", "field", "reason"),
    [
        ('cvr = "29189900"', 'cvr = "29189901"', "cvr", "not a valid CVR"),
        ('invoice_ean = "5798999909033"', 'invoice_ean = "5798999909034"', "invoice_ean", "check digit"),
        ('invoice_ean = "5798999909033"', 'invoice_ean = "579899990903"', "invoice_ean", "13-digit"),
        ('municipality_code = "903"', 'municipality_code = "93"', "municipality_code", "3-digit"),
        ('client_id = "samvirke-gamma"\n', "", "identity_provider.client_id", "Missing data"),
        ('slug = "gamma"', 'slug = "Gamma!"', "slug", "lowercase"),
        ('name = "Gamma Kommune"', 'name = "Gamma Kommune"\ncolour = "blue"', "colour", "Unknown field"),
        ('name = "Gamma Kommune"', 'name = "Gamma Kommune', "(syntax)", ""),
    ],
)
def test_malformed_file_names_file_field_and_reason_and_applies_nothing(fresh, folder, replace, by, field, reason):
    path = folder / "gamma.toml"
    assert replace in path.read_text()
    path.write_text(path.read_text().replace(replace, by))
    with pytest.raises(TenantFileError) as caught:
        _sync(fresh, folder)
    assert any(f == "gamma.toml" and fld == field and reason in why for f, fld, why in caught.value.problems), caught.value.problems
    assert _tenants(fresh) == {}  # alpha and beta were valid, and still nothing was applied


def test_duplicate_municipality_code_is_refused(fresh, folder):
    path = folder / "gamma.toml"
    path.write_text(path.read_text().replace('"903"', '"901"'))
    with pytest.raises(TenantFileError, match="municipality_code"):
        _sync(fresh, folder)


def test_cli_sync_reports_errors_and_lists_json(fresh, folder):
    runner = fresh.test_cli_runner()
    result = runner.invoke(args=["tenants", "sync", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "created: alpha" in result.output
    listed = json.loads(runner.invoke(args=["tenants", "list", "--json"]).output)
    assert [t["slug"] for t in listed] == ["alpha", "beta", "gamma"]
    assert (
        listed[0]["programmes"] == sorted(tomllib.loads((TEST_TENANTS / "alpha.toml").read_text())["programmes"]["enabled"])
        and listed[0]["cvr"] == "11931316"
    )
    (folder / "beta.toml").write_text("slug = 'beta'\n")
    result = runner.invoke(args=["tenants", "sync", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "beta.toml: name:" in result.output and "nothing was applied" in result.output


def test_request_resolves_exactly_one_tenant_from_its_path(client_for):
    client = client_for("alpha")
    assert client.get("/alpha/api/v1/tenant").get_json()["slug"] == "alpha"


@pytest.mark.parametrize("path", ["/nowhere/", "/nowhere/api/v1/tenant", "/api/v1/tenant", "/tenant", "/nowhere/api/v1/openapi.json"])
def test_unknown_tenant_or_no_tenant_is_404(client_for, path):
    assert client_for(None).get(path, follow_redirects=True).status_code == 404
