"""The server-rendered shell: pages, sign-in, language, forms, CSRF, headers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy.context import cross_tenant
from core.testing.fixtures import csrf_from
from tests.example_plugin.models import Household


def test_platform_page_lists_active_tenants_without_sign_in(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Alfa Kommune" in html and "Beta Kommune" in html and "Gamma Kommune" in html
    assert '<html lang="da">' in html and 'class="skipnav"' in html and "<main" in html
    assert "Eksempelprogram" in html


def test_tenant_page_needs_sign_in(client):
    response = client.get("/alpha/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/alpha/auth/login")


def test_signed_in_user_of_another_tenant_gets_404_not_a_sign_in_page(client_for):
    response = client_for("beta").get("/alpha/")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    # A page that explains (issue 14; tests/test_usability.py), never the other tenant's menu or content.
    assert "Siden hører til en anden kommune" in html and "Du er logget ind i Beta Kommune" in html
    assert 'href="/alpha/example/"' not in html and 'href="/alpha/"' not in html


def test_tenant_home_shows_programmes_menu_and_widgets(client_for):
    html = client_for("alpha").get("/alpha/").get_data(as_text=True)
    assert "Alfa Kommune" in html and "Eksempelprogram" in html
    assert 'aria-label="Hovedmenu"' in html and 'href="/alpha/example/"' in html
    assert "Fejlede baggrundsjob: 0" in html  # core's own widget


def test_language_switches_to_english_and_back(client_for):
    client = client_for("alpha")
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    client.post("/language", data={"lang": "en", "next": "/alpha/", "csrf_token": token})
    html = client.get("/alpha/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Example programme" in html and "Main menu" in html
    client.post("/language", data={"lang": "da", "next": "/alpha/", "csrf_token": token})
    assert "Hovedmenu" in client.get("/alpha/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.host/x", "/\t/evil.host/x", "/\\evil.host/x", "https://evil.host/", "//evil.host/", "/\n/evil.host"],
)
def test_language_switch_never_redirects_off_site(client_for, target):
    client = client_for("alpha")
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    # What a browser does with the Location: tabs and line breaks dropped, backslashes as slashes.
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    assert seen.startswith("/") and not seen.startswith("//") and "evil.host" not in seen.split("/")[1]


def test_form_from_schema_shows_danish_field_errors_and_writes_nothing(app, client_for):
    client = client_for("alpha")
    page = client.get("/alpha/example/").get_data(as_text=True)
    assert 'for="field-name"' in page
    response = client.post("/alpha/example/", data={"name": "X", "size": "abc", "csrf_token": csrf_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv mellem 2 og 100 tegn." in html and "Skriv et helt tal." in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    with app.app_context(), cross_tenant("test: nothing written"):
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_valid_form_post_creates_in_the_tenant(app, client_for, tenant_a):
    client = client_for("alpha")
    token = csrf_from(client.get("/alpha/example/").get_data(as_text=True))
    response = client.post("/alpha/example/", data={"name": "Familien Jensen", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context(), cross_tenant("test: where did it land"):
        assert db.session.scalars(select(Household.tenant_id)).all() == [tenant_a]


def test_form_without_csrf_token_is_refused(app, client_for):
    response = client_for("alpha").post("/alpha/example/", data={"name": "Familien Jensen"})
    assert response.status_code == 400
    with app.app_context(), cross_tenant("test: nothing written"):
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_vendored_design_system_is_served(client):
    for path in ("/static/dkfds/css/dkfds-virkdk.min.css", "/static/dkfds/js/dkfds.min.js", "/static/js/init.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
