"""The national view sends as many SQL statements for six municipalities with data as for two.

Each figure is one query grouped by tenant and year across tenants (the
cross-tenant path), never a query per tenant: a loop over municipalities
would send more statements the second time and fail here.
"""

from __future__ import annotations

from bench.counting import count_statements
from core.identity import roles as R
from core.testing.fixtures import sign_in
from tests.national.conftest import SIX, fill


def _count(app, url: str) -> tuple[int, str, bool]:
    client = app.test_client()
    sign_in(app, client, R.NATIONAL_COORDINATOR, None, "testforeningen")
    assert client.get(url).status_code == 200  # caches filled per process or person are not counted
    with count_statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    crossed = all(s.cross_tenant for s in seen.queries() if "mother_groups_courses" in s.sql)
    return seen.count, seen.summary(), crossed


def test_two_or_six_municipalities_with_data_send_the_same_statements(six_app):
    fill(six_app, SIX[:2])
    two, two_sql, _ = _count(six_app, "/national/")
    two_file, _, _ = _count(six_app, "/national/download?format=csv")
    fill(six_app, SIX[2:])
    six, six_sql, crossed = _count(six_app, "/national/")
    six_file, _, _ = _count(six_app, "/national/download?format=csv")
    assert two == six, f"2 tenants:\n{two_sql}\n6 tenants:\n{six_sql}"
    assert two_file == six_file
    assert six <= 12, six_sql  # the agreements, their notices, one query per programme, the co-financing
    if six_app.config["CROSS_TENANT_DATABASE_URL"]:
        assert crossed  # on PostgreSQL the figures are read as the cross-tenant role


def test_the_page_shows_every_municipality_with_figures(six_app):
    fill(six_app, SIX)
    client = six_app.test_client()
    sign_in(six_app, client, R.NATIONAL_COORDINATOR, None, "testforeningen")
    html = client.get("/national/").get_data(as_text=True)
    for n in range(1, 7):
        assert f"Testkommune {n}" in html
    assert "Medlem" not in html and "(bench)" not in html  # no names or notes of persons
