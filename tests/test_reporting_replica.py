"""The national view's reads: from the reporting replica when ``REPORTING_DATABASE_URL`` is set,
and only of the year asked for.

In the tests the "replica" is the same database (as the cross-tenant role on PostgreSQL):
what is checked is which connection the reads go to, not replication.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from core.db import db
from core.tenancy.session import CROSS_TENANT_BIND, REPORTING_BIND
from core.testing.fixtures import CROSS_ROLE, build_app, sign_in


@pytest.fixture(scope="module")
def replica_app(database_factory):
    app_url, owner_url = database_factory()
    replica = make_url(owner_url).set(username=CROSS_ROLE, password=None) if owner_url else make_url(app_url)
    return build_app((app_url, owner_url), REPORTING_DATABASE_URL=replica.render_as_string(hide_password=False))


def _count_on(engine, seen: list[str]):
    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return lambda: event.remove(engine, "before_cursor_execute", note)


def test_the_national_view_reads_from_the_reporting_replica(replica_app):
    client = replica_app.test_client()
    sign_in(replica_app, client, "platform_admin", None)
    on_replica: list[str] = []
    on_cross: list[str] = []
    with replica_app.app_context():
        stop = [_count_on(db.engines[REPORTING_BIND], on_replica)]
        if CROSS_TENANT_BIND in db.engines:
            stop.append(_count_on(db.engines[CROSS_TENANT_BIND], on_cross))
    try:
        response = client.get("/national/")
    finally:
        for remove in stop:
            remove()
    assert response.status_code == 200
    assert any("agreements" in s for s in on_replica), on_replica  # the agreements and every national report
    assert any("example_households" in s for s in on_replica), on_replica
    assert on_cross == []


def test_without_a_replica_nothing_reads_from_one(app):
    with app.app_context():
        assert REPORTING_BIND not in db.engines


def test_the_national_view_counts_the_year_asked_for_and_refuses_a_bad_one(app, client_for):
    client = client_for(None)  # a platform administrator
    page = client.get("/national/?year=2031")
    assert page.status_code == 200 and 'value="2031"' in page.get_data(as_text=True)
    for bad in ("abc", "1999", "20311", "-1"):
        refused = client.get(f"/national/?year={bad}")
        assert refused.status_code == 400
        assert "Året skal være et helt tal mellem 2000 og 2100." in refused.get_data(as_text=True)


def test_a_national_report_asked_for_a_year_reads_that_year_only(app, tenant_a):
    """The mother groups' national figures (all history without a year) are those of the year asked for."""
    from datetime import date

    from core.tenancy.context import cross_tenant, tenant_context
    from plugins.mother_groups.models import Course
    from plugins.mother_groups.reports import report_definitions

    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all(
            [
                Course(name="Gammelt forløb", start_date=date(2021, 2, 1), end_date=date(2021, 11, 30), weekday=1, status="completed"),
                Course(name="Nyt forløb", start_date=date(2024, 9, 1), end_date=date(2025, 5, 31), weekday=2, status="running"),
            ]
        )
        db.session.commit()
    counts = {}
    for year in ("", "2021", "2025", "2023"):
        with app.app_context(), cross_tenant("test: national by year"):
            course_national = next(r for r in report_definitions() if r.key == "mother_groups.course")
            rows = course_national.build_national({"year": year} if year else {}).rows
            counts[year] = {r[0]: r[1] for r in rows}[tenant_a]
    assert counts == {"": 2, "2021": 1, "2025": 1, "2023": 0}
