"""Programme routes declare their roles (core/plugins/routes.py, merged by core/identity/authz.py), and the kit's checks bite.

The first half builds apps with tiny programmes whose routes are declared
wrongly: each mistake stops the start-up (or the import) with a clear error.
The second half runs each check of the programme kit (core.testing.kit) on
tests/kit_plugin, a probe programme, once as it is (the check holds) and
once broken on purpose (the check fails): a check that cannot fail guards nothing.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.views import MethodView
from werkzeug.serving import make_server

from core.identity.authz import MatrixError, allowed_roles, role_group
from core.plugins import hookimpl
from core.plugins.routes import ApiBlueprint, PageBlueprint
from core.plugins.types import Programme
from core.testing.fixtures import EXAMPLE_PLUGIN, TEST_TENANTS, build_app, create_app_for_tests
from core.testing.kit import KitRows, check_axe, check_declared, check_isolation, check_matrix, check_scoping, check_statements
from core.testing.kit_checks import sample_rows
from core.testing.kit_walk import OTHER, OWN, PERSONAS, RUNNING
from tests import kit_plugin

PROBE = "tests.kit_plugin"


# --- the routes mechanism ------------------------------------------------------------------------


def test_a_route_without_roles_fails_at_import():
    bp = PageBlueprint("no_roles", __name__)
    with pytest.raises(TypeError, match="declares no roles"):

        @bp.get("/courses")
        def courses() -> str:
            return ""

    blp = ApiBlueprint("no_roles_api", __name__)
    with pytest.raises(TypeError, match="declares no roles"):

        @blp.route("/courses")
        class Courses(MethodView):
            def get(self) -> list:
                return []


def _programme(
    monkeypatch, name: str, page: PageBlueprint | None = None, api: ApiBlueprint | None = None, rules: dict | None = None
) -> str:
    """A programme plugin module made here, whose blueprints are given through the hooks."""
    module = types.ModuleType(name)

    @hookimpl
    def samvirke_programme() -> Programme:
        return Programme(key=name, name=name)

    module.samvirke_programme = samvirke_programme  # type: ignore[attr-defined]
    if page is not None:
        module.samvirke_blueprints = hookimpl(lambda: [page])  # type: ignore[attr-defined]
    if api is not None:
        module.samvirke_api_blueprints = hookimpl(lambda: [api])  # type: ignore[attr-defined]
    if rules is not None:
        module.samvirke_authorization = hookimpl(lambda: rules)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    return name


def _app(database_factory, *plugins: str) -> Flask:
    return create_app_for_tests(database_factory(), SAMVIRKE_EXTRA_PLUGINS=[EXAMPLE_PLUGIN, *plugins])


def test_roles_land_under_the_full_rule(monkeypatch, database_factory):
    page, api = PageBlueprint("probe_a", __name__), ApiBlueprint("probe_a_api", __name__)
    page.get("/courses/<int:course_id>", endpoint="course", roles=["programme_managers"])(lambda course_id: "")
    page.route("/courses", methods=["GET", "POST"], endpoint="courses", roles={"GET": "tenant_people", "POST": ["tenant_admin"]})(
        lambda: ""
    )

    @api.route("/courses", roles="partner_staff")
    class Courses(MethodView):
        def get(self) -> list:
            return []

        def post(self) -> list:
            return []

    app = _app(database_factory, _programme(monkeypatch, "probe_a", page, api))
    assert allowed_roles("/<tenant>/probe_a/courses/<int:course_id>", "GET", app) == role_group("programme_managers")
    assert allowed_roles("/<tenant>/probe_a/courses", "GET", app) == role_group("tenant_people")
    assert allowed_roles("/<tenant>/probe_a/courses", "POST", app) == {"tenant_admin"}
    assert allowed_roles("/<tenant>/api/v1/probe_a/courses", "POST", app) == {"partner_staff"}
    assert "/courses" not in app.extensions["samvirke_authz"]  # no rule of its own, only under the mount point


def test_a_list_applies_only_to_the_routes_own_methods(monkeypatch, database_factory):
    page = PageBlueprint("probe_b", __name__)
    page.get("/only-get", endpoint="only_get", roles=["tenant_people"])(lambda: "shown")
    app = _app(database_factory, _programme(monkeypatch, "probe_b", page))
    assert allowed_roles("/<tenant>/probe_b/only-get", "GET", app) == role_group("tenant_people")
    assert allowed_roles("/<tenant>/probe_b/only-get", "POST", app) == frozenset()  # refused for everyone
    assert app.test_client().post("/alpha/probe_b/only-get").status_code == 405


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"GET": ["tenant_people"]}, "the route answers"),  # POST is not named
        (["tenant_staff"], "unknown role or group"),
        ({"GET": "no_such_group", "POST": "tenant_admins"}, "unknown role or group"),
    ],
    ids=["a-method-left-out", "unknown-role", "unknown-group"],
)
def test_a_wrong_declaration_stops_the_start_up(monkeypatch, database_factory, roles, message):
    page = PageBlueprint("probe_c", __name__)
    page.route("/x", methods=["GET", "POST"], endpoint="x", roles=roles)(lambda: "")
    with pytest.raises(MatrixError, match=message):
        _app(database_factory, _programme(monkeypatch, "probe_c", page))


@pytest.mark.parametrize("where", ["toml", "hook"])
def test_a_rule_declared_on_the_route_and_in_the_matrix_stops_the_start_up(monkeypatch, database_factory, tmp_path, where):
    import core.identity.authz as authz

    page = PageBlueprint("probe_d", __name__)
    page.get("/x", endpoint="x", roles=["tenant_people"])(lambda: "")
    rule = "/<tenant>/probe_d/x"
    if where == "toml":  # config/authorization.toml also lists it
        matrix = tmp_path / "authorization.toml"
        matrix.write_text(authz.MATRIX_FILE.read_text(encoding="utf-8") + f'"{rule}" = ["tenant_admin"]\n', encoding="utf-8")
        monkeypatch.setattr(authz, "MATRIX_FILE", matrix)
    plugin = _programme(monkeypatch, "probe_d", page, rules={rule: ["tenant_admin"]} if where == "hook" else None)
    with pytest.raises(MatrixError, match="already in the matrix"):
        _app(database_factory, plugin)


# --- the kit's checks, on a probe programme --------------------------------------------------------


@pytest.fixture(scope="module")
def probe(database_factory, tmp_path_factory) -> Iterator[Flask]:
    """An app with the probe programme enabled (and covered by the test agreement) in alpha and beta."""
    folder = tmp_path_factory.mktemp("kit_tenants")
    for path in TEST_TENANTS.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(text.replace('"volunteer_association"]', f'"volunteer_association", "{kit_plugin.KEY}"]'))
    yield build_app(database_factory(), TENANTS_DIR=str(folder), SAMVIRKE_EXTRA_PLUGINS=[EXAMPLE_PLUGIN, PROBE])
    kit_plugin.BROKEN.clear()


@pytest.fixture
def broken(probe) -> Iterator[set[str]]:
    kit_plugin.BROKEN.clear()
    yield kit_plugin.BROKEN
    kit_plugin.BROKEN.clear()


def test_the_sample_rows_hook_fills_every_rule(probe):
    """samvirke_sample_rows: called in the tenant, committed, its ids fill the programme's URLs, its texts carry the marker."""
    implemented = {impl.plugin_name for impl in probe.extensions["samvirke_plugins"].hook.samvirke_sample_rows.get_hookimpls()}
    assert {PROBE, EXAMPLE_PLUGIN} <= implemented
    rows = sample_rows(probe, OWN, "Mprobe1", kit_plugin.KEY)[kit_plugin.KEY]
    assert set(rows.ids) == {"household_id"} and all("Mprobe1" in text for text in rows.confidential)
    everyone = sample_rows(probe, OWN, "Mprobe2")  # every programme's hook, for core's suites
    assert {kit_plugin.KEY, "example"} <= set(everyone)


def test_check_declared_holds_and_fails_on_routes_without_declared_roles(probe):
    assert check_declared(probe, kit_plugin.KEY) == []
    # The example programme gives its rules through samvirke_authorization and plain blueprints.
    failures = check_declared(probe, "example")
    assert failures and all("not declared on the route" in failure for failure in failures)


@pytest.mark.parametrize(
    ("role", "organisation"), [(r, o) for r, o in PERSONAS if (r, o) in {("partner_staff", RUNNING), ("municipal_staff", None)}]
)
def test_check_matrix_holds_and_fails_on_a_confidential_text_shown(probe, broken, role, organisation):
    assert check_matrix(probe, kit_plugin.KEY, KitRows.make(probe, kit_plugin.KEY), role, organisation) == []
    broken.add("confidential")
    failures = check_matrix(probe, kit_plugin.KEY, KitRows.make(probe, kit_plugin.KEY), role, organisation)
    if role == "partner_staff":
        assert failures == []  # the running organisation's staff may read it
    else:
        assert any("shows 'Hemmeligt" in failure for failure in failures)


def test_check_isolation_holds_and_fails_on_a_view_reading_across_tenants(probe, broken):
    kit = KitRows.make(probe, kit_plugin.KEY)
    assert check_isolation(probe, kit_plugin.KEY, kit) == []
    broken.add("leak")
    failures = check_isolation(probe, kit_plugin.KEY, kit)
    assert any(f"shows alpha's rows ({kit.markers[OWN]!r})" in failure for failure in failures)  # the list page and the API list
    assert any("an id of alpha" in failure and "expected 404" in failure for failure in failures)  # the detail page


def test_check_scoping_holds_and_fails_on_a_confidential_text_for_municipal_roles(probe, broken):
    kit = KitRows.make(probe, kit_plugin.KEY)
    assert check_scoping(probe, kit_plugin.KEY, kit) == []
    broken.add("confidential")
    failures = check_scoping(probe, kit_plugin.KEY, kit)
    assert any("as municipal_staff/None shows 'Hemmeligt" in failure for failure in failures)
    assert not any(OTHER in failure for failure in failures)  # the other organisation still gets 404 (core's part)


def test_check_statements_holds_and_fails_on_an_n_plus_one(probe, broken):
    assert check_statements(probe, kit_plugin.KEY) == []
    broken.add("n_plus_one")
    failures = check_statements(probe, kit_plugin.KEY)
    assert any(failure.startswith(f"/<tenant>/{kit_plugin.KEY}/:") and "(an N+1)" in failure for failure in failures)


@pytest.mark.browser
def test_check_axe_holds_and_fails_on_an_image_without_a_text(probe, broken):
    server = make_server("127.0.0.1", 0, probe, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        kit = KitRows.make(probe, kit_plugin.KEY)
        assert check_axe(probe, url, kit_plugin.KEY, kit) == []
        broken.add("inaccessible")
        assert any("image-alt" in failure for failure in check_axe(probe, url, kit_plugin.KEY, kit))
    finally:
        server.shutdown()
        thread.join()


def test_the_probe_plugin_is_not_part_of_the_session_app(app):
    # The probe is the self-tests' alone: no other suite walks it.
    assert kit_plugin.KEY not in app.extensions["samvirke_plugins"].programmes()
    assert Path(kit_plugin.__file__).parent.name == "kit_plugin"
