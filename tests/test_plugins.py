"""The plugin host: specs documented and exercised, discovery, per-tenant enabling."""

from __future__ import annotations

import ast
import inspect
import json
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from config import ROOT
from core.db import db
from core.plugins import hookimpl
from core.plugins.hookspecs import spec_functions
from core.plugins.host import PluginError, PluginHost, plugin_host
from core.tenancy.context import tenant_context
from core.testing.fixtures import create_app_for_tests, installed_programmes
from tests import example_plugin

# Each hook spec and the test below that shows it working through the example plugin.
HOOK_TESTS = {
    "samvirke_sample_rows": "test_the_sample_rows_hook_fills_every_rule",
    "samvirke_programme": "test_programme_metadata_and_plugins_list",
    "samvirke_models": "test_models_and_migrations_are_registered",
    "samvirke_migrations": "test_models_and_migrations_are_registered",
    "samvirke_blueprints": "test_pages_menu_and_widgets_exist_only_where_enabled",
    "samvirke_api_blueprints": "test_api_exists_only_where_enabled",
    "samvirke_schemas": "test_schemas_become_openapi_components",
    "samvirke_billing_rules": "test_billing_rules_are_collected",
    "samvirke_reports": "test_reports_are_collected_and_run_in_the_tenant",
    "samvirke_permissions": "test_permissions_and_personal_data_declarations",
    "samvirke_personal_data": "test_permissions_and_personal_data_declarations",
    "samvirke_authorization": "test_every_route_is_in_the_matrix",
    "samvirke_annual_figures": "test_annual_figures_come_from_enabled_plugins_in_the_tenant",
    "samvirke_annual_sections": "test_annual_sections_make_the_agreements_annual_report",
    "samvirke_national_figures": "test_a_plugins_national_figures_appear_through_the_hook",
    "samvirke_menu_entries": "test_pages_menu_and_widgets_exist_only_where_enabled",
    "samvirke_dashboard_widgets": "test_pages_menu_and_widgets_exist_only_where_enabled",
    "samvirke_jobs": "test_periodic_job_runs_only_for_tenants_that_enable_it",
    "samvirke_demo_data": "test_demo_data_loads_per_enabled_tenant_and_twice_is_harmless",
}


@pytest.mark.parametrize("name", sorted(spec_functions()))
def test_every_hook_spec_is_documented_typed_and_tested(name):
    spec = spec_functions()[name]
    doc = inspect.getdoc(spec) or ""
    assert "Called" in doc, f"{name}: say when it is called"
    assert "Returns" in doc, f"{name}: say what it returns"
    signature = inspect.signature(spec)
    assert signature.return_annotation is not inspect.Signature.empty, f"{name}: no return type"
    for parameter in signature.parameters.values():
        assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter.name}): no type"
        assert f"``{parameter.name}``" in doc, f"{name}: document parameter {parameter.name}"
    assert name in HOOK_TESTS, f"{name}: map it to a test in HOOK_TESTS"
    assert HOOK_TESTS[name] in globals() or _defined_elsewhere(HOOK_TESTS[name]), f"{HOOK_TESTS[name]} is missing"
    assert hasattr(example_plugin, name), f"the example plugin does not implement {name}"


def _defined_elsewhere(test_name: str) -> bool:
    return any(f"def {test_name}(" in p.read_text() for p in Path(__file__).parent.glob("test_*.py"))


def test_programme_metadata_and_plugins_list(app, runner):
    programme = plugin_host(app).programmes()["example"]
    with app.test_request_context(), force_locale("da"):
        assert str(programme.name) == "Eksempelprogram"  # from the plugin's own catalogue beside its code
    with app.test_request_context(), force_locale("en"):
        assert str(programme.name) == "Example programme"
    assert not hasattr(programme, "partner_organisation")  # the agreement names who runs it
    listed = json.loads(runner.invoke(args=["plugins", "list", "--json"]).output)
    by_name = {p["name"]: p for p in listed}
    assert by_name["samvirke-core.jobs"]["programme"] is None
    assert "samvirke_jobs" in by_name["samvirke-core.jobs"]["hooks"]  # core uses its own hooks, one module per concern
    assert {"samvirke-core.tables", "samvirke-core.navigation", "samvirke-core.volunteers"} <= set(by_name)
    example = by_name["tests.example_plugin"]
    assert example["programme"] == {"key": "example", "name": "Eksempelprogram"}  # the CLI speaks Danish
    assert sorted(example["hooks"]) == sorted(spec_functions())


def test_models_and_migrations_are_registered(app):
    assert {"example_households", "example_members"} <= set(db.metadata.tables)
    with app.app_context():
        from core.migrations import lineages

        assert [m.branch for m in lineages()] == ["core", *installed_programmes(app)]


def test_misspelt_hook_fails_at_start_up():
    plugin = types.ModuleType("typo_plugin")

    @hookimpl
    def samvirke_menu_entry(tenant):  # the spec is samvirke_menu_entries
        return []

    plugin.samvirke_menu_entry = samvirke_menu_entry
    import sys

    sys.modules["typo_plugin"] = plugin
    try:
        with pytest.raises(PluginError, match="samvirke_menu_entry"):
            PluginHost.load(entry_points=False, extra=["typo_plugin"], core_plugins=())
    finally:
        del sys.modules["typo_plugin"]


def test_two_plugins_with_one_programme_key_fail_at_start_up():
    from core.plugins.types import Programme

    twin = types.ModuleType("twin_plugin")
    twin.samvirke_programme = hookimpl(lambda: Programme("example", "x", "x"))
    import sys

    sys.modules["twin_plugin"] = twin
    try:
        with pytest.raises(PluginError, match="example"):
            PluginHost.load(entry_points=False, extra=["tests.example_plugin", "twin_plugin"], core_plugins=())
    finally:
        del sys.modules["twin_plugin"]


def test_plugins_are_found_through_the_entry_point_group(tmp_path, monkeypatch):
    # A real installed-distribution record, as `pip install samvirke-example` would leave.
    dist = tmp_path / "samvirke_example-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: samvirke-example\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[samvirke.plugins]\nexample = tests.example_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    host = PluginHost.load(entry_points=True, extra=[], core_plugins=())
    assert "example" in host.programmes()
    assert "example" in [p.name for p in host.plugins() if p.programme]  # registered under its entry-point name


def test_one_plugin_manager_per_app(database_factory):
    url = database_factory()
    first, second = create_app_for_tests(url), create_app_for_tests(url, SAMVIRKE_EXTRA_PLUGINS=[])
    assert plugin_host(first) is not plugin_host(second)
    assert "example" in plugin_host(first).programmes() and "example" not in plugin_host(second).programmes()


def test_pages_menu_and_widgets_exist_only_where_enabled(app, client_for, lookalike_data):
    alpha = client_for("alpha")
    page = alpha.get("/alpha/example/")
    assert page.status_code == 200 and "Familien Hansen" in page.get_data(as_text=True)
    home = alpha.get("/alpha/").get_data(as_text=True)
    assert 'href="/alpha/example/"' in home  # menu entry
    assert "Husstande: 1" in home  # dashboard widget, counted in alpha only
    assert "Eksempelprogram" in home
    admin = client_for(None)  # may enter every tenant, so 404 can only come from the programme switch
    assert admin.get("/gamma/example/").status_code == 404
    gamma_home = admin.get("/gamma/").get_data(as_text=True)
    assert "/gamma/example/" not in gamma_home and "Husstande:" not in gamma_home and "Eksempelprogram" not in gamma_home


def test_api_exists_only_where_enabled(client_for, lookalike_data):
    admin = client_for(None)
    assert admin.get("/alpha/api/v1/example/households").status_code == 200
    response = admin.get("/gamma/api/v1/example/households")
    assert response.status_code == 404 and response.is_json


def test_schemas_become_openapi_components(client):
    doc = client.get("/alpha/api/v1/openapi.json").get_json()
    assert "ExampleHousehold" in doc["components"]["schemas"]
    assert set(doc["components"]["schemas"]["ExampleHousehold"]["properties"]) == {"id", "name", "note", "size"}


def test_billing_rules_are_collected(app):
    with app.app_context():
        rules = {r.key: r for r in plugin_host().collect("samvirke_billing_rules")}
    lines = rules["example.flat_fee"].lines({"amount_per_year": 1000}, date(2024, 1, 1), date(2025, 12, 31))
    assert [(line.period_start.year, line.amount) for line in lines] == [(2024, Decimal(1000)), (2025, Decimal(1000))]


def test_reports_are_collected_and_run_in_the_tenant(app, tenant_a, lookalike_data):
    with app.app_context():
        reports = {r.key: r for r in plugin_host().collect("samvirke_reports", enabled=["example"])}
        assert plugin_host().collect("samvirke_reports", enabled=[]) == []  # disabled: not offered
        with tenant_context(tenant_a):
            result = reports["example.households"].compute({"year": 2026})["households"]
    assert [(r["household"], r["members"]) for r in result] == [("Familien Hansen", 2)]  # alpha's two members, not four


def test_permissions_and_personal_data_declarations(app):
    with app.app_context():
        permissions = {p.name for p in plugin_host().collect("samvirke_permissions")}
        personal = plugin_host().collect("samvirke_personal_data")
    assert {"example.edit", "core.view_tenant"} <= permissions
    assert ("Member", "name", "confidential") in [(f.model, f.field, f.sensitivity) for f in personal]
    assert ("Mother", "background", "sensitive") in [(f.model, f.field, f.sensitivity) for f in personal]


def test_periodic_job_runs_only_for_tenants_that_enable_it(app, tenant_a, tenant_b, lookalike_data):
    from core.jobs.models import JobRun
    from core.jobs.runner import dispatch_periodic
    from core.tenancy.context import cross_tenant

    with app.app_context():
        assert dispatch_periodic("example.count_households", "2026-01-01T00:00+00:00") == 2
        with cross_tenant("test: every tenant's runs"):
            runs = db.session.scalars(select(JobRun).where(JobRun.job_name == "example.count_households")).all()
            assert sorted(r.tenant_id for r in runs) == sorted([tenant_a, tenant_b])  # not gamma
            assert {r.status for r in runs} == {"succeeded"}


def test_demo_data_loads_per_enabled_tenant_and_twice_is_harmless(app, runner, tenant_a):
    from core.tenancy.context import cross_tenant
    from tests.example_plugin.models import Household

    for _ in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    with app.app_context(), cross_tenant("test: count demo rows per tenant"):
        names = sorted(db.session.scalars(select(Household.name)).all())
    assert names == ["Demo-husstand alpha", "Demo-husstand beta"]


def test_core_never_imports_a_plugin():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        if path.is_relative_to(ROOT / "core" / "testing"):
            continue  # the test kit: the platform's test data includes the example plugin's households
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in {"plugins", "tests"}]
    assert offenders == []


def test_annual_figures_come_from_enabled_plugins_in_the_tenant(app, tenant_a, lookalike_data):
    from core.tenancy.models import Tenant

    with app.app_context(), tenant_context(tenant_a):
        tenant = db.session.get(Tenant, tenant_a)
        figures = plugin_host().collect("samvirke_annual_figures", enabled=tenant.enabled_programmes, tenant=tenant, year=2026)
        assert ("example.households", 1) in [(f.key, f.value) for f in figures]  # alpha's one, not beta's
        assert plugin_host().collect("samvirke_annual_figures", enabled=[], tenant=tenant, year=2026) == []


def test_annual_sections_make_the_agreements_annual_report(app, tenant_a, lookalike_data):
    """The example programme's section, in the annual report of the agreement covering it, beside core's co-financing."""
    from core.reports.annual import documents
    from core.reports.engine import build

    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        alone = [r.key for r in plugin_host().collect("samvirke_annual_sections", enabled=["example"])]
        assert sorted(alone) == ["core.cofinancing", "example.annual_section"]
        (document,) = [d for d in documents(["example"]) if d.key == "annual.testaftale"]
        rendered = build(document, {"year": 2026}, disclose=False)
    tables = {t.key: t for t in rendered.tables}
    assert list(tables) == ["example.annual_section.households", "core.cofinancing.summary", "core.cofinancing.documents"]
    assert [c.text for c in tables["example.annual_section.households"].rows[0]] == ["Alle", "1", "2"]  # alpha's, not beta's


def test_dispatch_is_pluggys_own_so_wrappers_and_tracing_see_every_plugin(app):
    """``call_each`` calls plugin by plugin through pluggy's subset caller, not around it."""
    host = plugin_host(app)
    wrapped: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def samvirke_menu_entries(self, tenant):
            result = yield
            wrapped.append(f"{len(result)} result(s)")
            return result

    traced: list[str] = []
    undo = host.pm.add_hookcall_monitoring(lambda name, impls, kwargs: traced.append(name), lambda *args: None)
    host.pm.register(Wrapper(), name="test-wrapper")
    try:
        with app.app_context():
            tenant = types.SimpleNamespace(id=1, slug="alpha")
            pairs = host.call_each("samvirke_menu_entries", tenant=tenant)
    finally:
        host.pm.unregister(name="test-wrapper")
        undo()
    assert pairs and len(wrapped) == len(pairs)  # the wrapper ran around each plugin's call
    assert traced.count("samvirke_menu_entries") == len(pairs)
    assert "example" in {programme.key for programme, _ in pairs if programme is not None}
