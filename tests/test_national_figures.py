"""The national view's figures come from the plugins (``samvirke_national_figures``); core knows no plugin's tables."""

from __future__ import annotations

import ast

import pytest
from flask_babel import force_locale

from config import ROOT
from core.db import db
from core.national import contributions
from core.national.contributions import Measure, NationalFigures
from core.plugins.host import PluginError, plugin_host
from core.tenancy.context import cross_tenant, tenant_context
from tests import example_plugin
from tests.national.test_dashboard import YEAR, _rendered, _row, coordinator


@pytest.fixture
def households(app, tenant_a, tenant_b):
    """Alpha: 6 households, 8 members; beta: 5 households, 5 members (no count under the threshold)."""
    from tests.example_plugin.models import Household, Member

    with app.app_context():
        for tenant, sizes in ((tenant_a, [3, 1, 1, 1, 1, 1]), (tenant_b, [1, 1, 1, 1, 1])):
            with tenant_context(tenant):
                for n, size in enumerate(sizes):
                    household = Household(name=f"Zyxhus {n}", note="Qwert notat")
                    household.members = [Member(name=f"Qwertmedlem {n}.{m}") for m in range(size)]
                    db.session.add(household)
                db.session.commit()
        db.session.remove()


def test_a_plugins_national_figures_appear_through_the_hook(app, households):
    html = _rendered(coordinator(app), f"/national/?year={YEAR}")
    # The example plugin's declared columns, headed in the viewer's language, its aggregate per municipality.
    with app.test_request_context(), force_locale("da"):
        headings = [str(m.heading) for m in example_plugin.national_figures().measures]
    table = html.split('id="table-example.municipalities"')[1].split("</table>")[0]
    assert all(f">{h}<" in table for h in headings), headings
    assert _row(html, "example.municipalities", "Alfa Kommune") == ["6", "8"]
    assert _row(html, "example.municipalities", "Beta Kommune") == ["5", "5"]
    assert _row(html, "example.municipalities", "Alle kommuner") == ["11", "13"]
    assert 'id="chart-example.compare"' in html  # the comparison chart of its main count
    assert "example.legacy" not in html  # its figures replace its reports' old national table
    assert "Zyxhus" not in html and "Qwert" not in html  # no name or note of a household or member


def test_a_programme_without_national_figures_shows_its_reports_national_table(app, households, monkeypatch):
    monkeypatch.setattr(example_plugin, "national_figures", lambda: None)
    app.extensions.pop(contributions.EXTENSION, None)  # asked once per app: ask again
    try:
        html = _rendered(coordinator(app), f"/national/?year={YEAR}")
    finally:
        app.extensions.pop(contributions.EXTENSION, None)
    assert 'id="table-example.municipalities"' not in html
    assert 'id="table-example.legacy.example.households"' in html


def test_the_contributions_are_asked_of_the_plugins_once_per_app(app):
    with app.app_context():
        found = contributions.installed()
        assert {"example", "mother_groups", "open_counselling", "volunteer_association"} <= set(found)
        assert contributions.installed() is found
        assert found["mother_groups"].main == "mothers"


def test_an_aggregate_counts_only_the_tenants_of_its_window(app, households, tenant_a, tenant_b):
    """Window.of_tenants bounds every programme's aggregate (IN on SQLite, one array parameter on PostgreSQL)."""
    with app.app_context(), cross_tenant("test: the window's tenants"):
        for key, figures in contributions.installed().items():
            for tenants in ([tenant_a], [tenant_b], [tenant_a, tenant_b]):
                found = contributions.run(figures, tenants, [YEAR])
                assert {tenant for tenant, _year in found} <= set(tenants), key
        both = contributions.run(contributions.installed()["example"], [tenant_a, tenant_b], [YEAR])
        assert both[(tenant_a, YEAR)]["households"] == 6 and both[(tenant_b, YEAR)]["households"] == 5
        assert set(contributions.run(contributions.installed()["example"], [tenant_b], [YEAR])) == {(tenant_b, YEAR)}


def test_a_select_without_a_declared_column_is_refused(app, tenant_a):
    from sqlalchemy import literal, select

    broken = NationalFigures(
        [Measure("n", "N")], lambda window: select(literal(1).label("tenant_id"), window.table.c.year.label("year")), main="n"
    )
    with app.app_context(), cross_tenant("test: a broken national aggregate"):
        with pytest.raises(LookupError, match="'n'"):
            contributions.run(broken, [tenant_a], [YEAR])


def test_only_a_programmes_own_plugin_gives_national_figures(app, monkeypatch):
    import types

    from core.plugins import hookimpl

    library = types.ModuleType("national_library_plugin")
    library.samvirke_national_figures = hookimpl(lambda: example_plugin.national_figures())
    host = plugin_host(app)
    host.pm.register(library, name="national_library_plugin")
    app.extensions.pop(contributions.EXTENSION, None)
    try:
        with app.app_context(), pytest.raises(PluginError, match="programme"):
            contributions.installed()
    finally:
        host.pm.unregister(library)
        app.extensions.pop(contributions.EXTENSION, None)


def test_a_measure_declares_a_known_kind_and_a_rate_its_parts():
    with pytest.raises(ValueError, match="kind"):
        Measure("x", "X", "average")
    with pytest.raises(ValueError, match="rate_of"):
        Measure("x", "X", "percent")
    with pytest.raises(ValueError, match="main"):
        NationalFigures([Measure("x", "X")], lambda window: None, main="y")


def _imports_and_strings(path) -> tuple[list[str], list[str]]:
    tree = ast.parse(path.read_text())
    imported, strings = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
    return imported, strings


def test_core_national_imports_no_plugin_and_names_no_plugin_table(app):
    """The national view reads a programme only through its hook: no import, and no table looked up by name."""
    prefixes = tuple(f"{key}_" for key in plugin_host(app).programmes())
    offenders = []
    for path in sorted((ROOT / "core" / "national").rglob("*.py")):
        imported, strings = _imports_and_strings(path)
        offenders += [f"{path.name}: import {m}" for m in imported if m.split(".")[0] in {"plugins", "tests"}]
        offenders += [f"{path.name}: {s!r}" for s in strings if s.startswith(prefixes)]
    assert offenders == []
