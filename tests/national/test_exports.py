"""The national view's files as background exports: ordered, followed, downloaded by their owner only, expired.

The same mechanism as a tenant's exports (``core.reports.exports``) with the
platform as owner. Here the run is held back (as RQ holds it until a worker
takes it) where a test needs to see it waiting; on Redis a real worker runs
it. Another coordinator (of another organisation or of the same one), a
platform administrator and a municipality's people never reach someone's
export: 404 (or the matrix's 403), and its distinctive figure is not in what
they get. The file holds what the file made in the request holds, under the
same disclosure control.
"""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.audit.models import AuditEvent
from core.db import db
from core.identity import roles as R
from core.jobs.models import JobRun
from core.reports.models import PlatformExport, ReportExport
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import utcnow
from core.testing.fixtures import csrf_from, sign_in
from tests.national.test_dashboard import YEAR, _course

# Mothers enrolled in alpha: a figure no other data here has, so it shows where the export's content went.
DISTINCTIVE = 131


@pytest.fixture
def figures(app, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_a):
            _course("Alfa hold", DISTINCTIVE, [DISTINCTIVE], visit=True)
        with tenant_context(tenant_b):
            _course("Beta hold", 6, [6], visit=False)
        db.session.remove()


def person(app, role: str = R.NATIONAL_COORDINATOR, slug: str | None = None, organisation: str | None = "testforeningen"):
    client = app.test_client()
    client.user_id = sign_in(app, client, role, slug, organisation if role in R.ORGANISATION_ROLES else None)
    return client


def order(client, fmt: str = "csv", query: str = f"year={YEAR}", **fields):
    token = csrf_from(client.get(f"/national/?{query}").get_data(as_text=True))
    return client.post("/national/exports", data={"csrf_token": token, "format": fmt, "year": str(YEAR), **fields})


def export_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/national/exports/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def csv_rows(content: bytes) -> list[list[str]]:
    from tests.reports.conftest import read_csv

    return [r for r in read_csv(content) if not (r and r[0] == "Dannet")]  # the time it was made differs


def test_the_page_orders_files_and_follows_them_to_the_download(app, figures, held_back):
    client = person(app)
    page = client.get(f"/national/?year={YEAR}").get_data(as_text=True)
    for label in ("Excel-projektmappe", "PDF", "CSV (Excel, semikolon)", "HTML"):
        assert f"Bestil fil: {label}" in page
    assert (
        'action="/national/exports"' in page and 'href="/national/download' not in page
    )  # files are ordered, not made in the page's request
    export_id = export_id_of(order(client, "xlsx"))

    status_page = client.get(f"/national/exports/{export_id}").get_data(as_text=True)
    assert '<progress id="export-progress" max="100" value="0">' in status_page and "Afventer" in status_page
    assert "report-export.js" in status_page and "<script>" not in status_page  # followed without inline script (CSP)
    assert f'data-status-url="/national/exports/{export_id}/status"' in status_page
    assert client.get(f"/national/exports/{export_id}/status").get_json()["status"] == "queued"
    assert client.get(f"/national/exports/{export_id}/download").status_code == 404  # not ready
    listed = client.get(f"/national/?year={YEAR}").get_data(as_text=True)
    assert f"Landsoversigt {YEAR}" in listed and '<progress max="100" value="0"' in listed and "Afventer (0 %)" in listed

    assert held_back.work(app) == ["succeeded"]

    status = client.get(f"/national/exports/{export_id}/status").get_json()
    assert status == {"status": "done", "progress": 100, "text": "Filen er klar.", "download_text": f"Hent national-{YEAR}.xlsx"}
    download = client.get(f"/national/exports/{export_id}/download")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert f'filename="national-{YEAR}.xlsx"' in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    from openpyxl import load_workbook

    cells = [c.value for sheet in load_workbook(io.BytesIO(download.get_data())).worksheets for row in sheet.iter_rows() for c in row]
    assert DISTINCTIVE in cells and any(isinstance(v, str) and "Diskretionering" in v for v in cells)
    for listing in (client.get("/national/exports"), client.get(f"/national/?year={YEAR}")):
        assert f'href="/national/exports/{export_id}/download">Hent national-{YEAR}.xlsx' in listing.get_data(as_text=True)


def test_in_process_every_format_is_ready_at_once_and_is_the_file_made_in_the_request(app, figures):
    client = person(app)
    made = {}
    for fmt in ("csv", "xlsx", "pdf", "html"):
        response = client.get(f"/national/exports/{export_id_of(order(client, fmt))}/download")
        assert response.status_code == 200, fmt
        made[fmt] = response.get_data()
    assert made["pdf"].startswith(b"%PDF") and b"Alfa Kommune" in made["html"] and b"<script" not in made["html"]
    at_once = client.get(f"/national/download?format=csv&year={YEAR}").get_data()
    assert csv_rows(made["csv"]) == csv_rows(at_once)  # the same figures, the same cells hidden, the same rule stated
    assert any(r and r[0] == "Alfa Kommune" and str(DISTINCTIVE) in r for r in csv_rows(made["csv"]))


def test_the_filters_go_with_the_order_and_small_counts_stay_hidden(app, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_a):
            _course("Alfa hold", 7, [7], visit=True)
        with tenant_context(tenant_b):
            _course("Beta hold", 3, [3], visit=False)
        db.session.remove()
    client = person(app)
    query = f"year={YEAR}&programme=mother_groups&municipality=beta"
    token = csrf_from(client.get(f"/national/?{query}").get_data(as_text=True))
    export_id = export_id_of(
        client.post(
            "/national/exports",
            data={"csrf_token": token, "format": "csv", "year": str(YEAR), "programme": "mother_groups", "municipality": "beta"},
        )
    )
    content = client.get(f"/national/exports/{export_id}/download").get_data()
    assert csv_rows(content) == csv_rows(client.get(f"/national/download?format=csv&{query}").get_data())
    beta = next(r for r in csv_rows(content) if r and r[0] == "Beta Kommune")
    assert beta[2] == "<5" and "3" not in beta and not any(r and r[0] == "Alfa Kommune" for r in csv_rows(content))
    listing = client.get("/national/exports").get_data(as_text=True)
    assert re.search(rf"Landsoversigt {YEAR}: [^<]+, Beta Kommune</a>", listing)  # the programme's name, then the municipality's


def test_nobody_else_lists_follows_or_downloads_an_export(app, figures):
    owner = person(app)
    export_id = export_id_of(order(owner, "csv"))
    assert str(DISTINCTIVE).encode() in owner.get(f"/national/exports/{export_id}/download").get_data()
    others = {
        "colleague": person(app),  # another coordinator of the same organisation
        "other organisation": person(app, organisation="andenforening"),
        "platform administrator": person(app, R.PLATFORM_ADMIN, organisation=None),
    }
    for who, other in others.items():
        for path in ("", "/status", "/download"):
            response = other.get(f"/national/exports/{export_id}{path}")
            assert response.status_code == 404, (who, path)
            assert str(DISTINCTIVE).encode() not in response.get_data(), (who, path)
        for listing in (other.get("/national/exports"), other.get(f"/national/?year={YEAR}")):
            assert f"/national/exports/{export_id}".encode() not in listing.get_data(), who
        assert "Ingen eksporter." in other.get("/national/exports").get_data(as_text=True)
    for role in (R.MUNICIPAL_STAFF, R.TENANT_ADMIN, R.PARTNER_STAFF):  # the matrix does not admit a municipality's people
        other = person(app, role, "alpha")
        for path in ("", "/status", "/download"):
            response = other.get(f"/national/exports/{export_id}{path}")
            assert response.status_code == 403 and str(DISTINCTIVE).encode() not in response.get_data(), (role, path)
        assert other.get("/national/exports").status_code == 403
        # Nor through a tenant's export pages, which look in the tenant's exports only.
        for path in ("", "/status", "/download"):
            assert other.get(f"/alpha/reports/exports/{export_id}{path}").status_code == 404
    # A platform administrator's own export covers every agreement, and is hers alone.
    admin = others["platform administrator"]
    mine = export_id_of(order(admin, "csv"))
    assert str(DISTINCTIVE).encode() in admin.get(f"/national/exports/{mine}/download").get_data()
    assert owner.get(f"/national/exports/{mine}/download").status_code == 404


def test_another_organisation_orders_only_what_it_covers(app, figures):
    other = person(app, organisation="andenforening")  # party to no agreement
    content = other.get(f"/national/exports/{export_id_of(order(other, 'csv'))}/download").get_data()
    assert b"Alfa Kommune" not in content and str(DISTINCTIVE).encode() not in content


def _written(app) -> int:
    with app.app_context(), cross_tenant("test: count exports and runs"):
        return sum(db.session.scalar(select(func.count()).select_from(m)) or 0 for m in (PlatformExport, ReportExport, JobRun))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"format": "exe"}, "Vælg et af filformaterne"),
        ({"year": "abc"}, "Oplysningerne kunne ikke bruges"),
        ({"programme": "nonsense"}, "Oplysningerne kunne ikke bruges"),
        ({"municipality": "gamma-does-not-exist"}, "Oplysningerne kunne ikke bruges"),
    ],
)
def test_bad_input_is_a_danish_400_and_writes_nothing(app, figures, fields, message):
    client = person(app)
    before = _written(app)
    token = csrf_from(client.get("/national/").get_data(as_text=True))
    response = client.post("/national/exports", data={"csrf_token": token, "format": "csv", **fields})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _written(app) == before
    assert client.post("/national/exports", data={"format": "csv"}).status_code == 400  # no CSRF token: refused too
    assert _written(app) == before


def test_the_export_is_recorded_in_the_owners_name(app, figures):
    client = person(app)
    export_id = export_id_of(order(client, "pdf", programme="mother_groups"))
    client.get(f"/national/exports/{export_id}/download")
    with app.app_context(), cross_tenant("test: read the audit trail"):
        rows = db.session.execute(
            select(AuditEvent.actor, AuditEvent.criterion, AuditEvent.tenant_id).where(AuditEvent.action == "export")
        ).all()
    assert (f"user:{client.user_id}", f"report national (pdf, {YEAR}, mother_groups)", None) in rows  # made by the job for her
    assert any(r.criterion == "report national (pdf, download)" and r.tenant_id is None for r in rows)  # and downloaded


def test_expired_exports_are_not_served_and_the_platforms_purge_deletes_them(app, figures, tenant_a):
    from core.jobs.runner import enqueue, periodic_jobs
    from core.reports.exports import PLATFORM_PURGE_JOB, PURGE_JOB

    client = person(app)
    old, fresh = export_id_of(order(client, "csv")), export_id_of(order(client, "html"))
    with app.app_context():
        with tenant_context(tenant_a):  # an expired export of a tenant: its own purge's, not the platform's
            db.session.add(
                ReportExport(
                    owner_user_id=client.user_id,
                    report_key="example.households",
                    format="csv",
                    params={},
                    expires_at=utcnow() - timedelta(minutes=1),
                )
            )
            db.session.commit()
        with cross_tenant("test: expire an export"):
            db.session.get_one(PlatformExport, old).expires_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
    assert client.get(f"/national/exports/{old}/download").status_code == 404  # expired: never served
    assert f"/national/exports/{old}" not in client.get("/national/exports").get_data(as_text=True)
    with app.app_context():
        assert {(PURGE_JOB, "37 * * * *"), (PLATFORM_PURGE_JOB, "37 * * * *")} <= set(periodic_jobs())
        run = enqueue(PLATFORM_PURGE_JOB, None)
        assert run is not None and run.status == "succeeded"
        with cross_tenant("test: what is left"):
            left = set(db.session.scalars(select(PlatformExport.id)))
            tenant_left = db.session.scalar(select(func.count()).select_from(ReportExport))
        assert old not in left and fresh in left and tenant_left == 1
        assert enqueue(PURGE_JOB, tenant_a).status == "succeeded"
        with cross_tenant("test: what is left"):
            assert db.session.scalar(select(func.count()).select_from(ReportExport)) == 0
            assert set(db.session.scalars(select(PlatformExport.id))) == {fresh}  # the tenant's purge leaves the platform's
    assert client.get(f"/national/exports/{fresh}/download").status_code == 200


def test_a_failed_export_says_so(app, figures, held_back, monkeypatch):
    from core.national import exports as national

    client = person(app)
    export_id = export_id_of(order(client, "pdf"))

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(national, "rendered", broken)
    assert held_back.work(app) == ["failed"]
    with app.app_context(), cross_tenant("test: the run's record"):
        assert "RuntimeError: the renderer broke" in db.session.scalar(select(JobRun.error).where(JobRun.id == held_back.ids[0]))
    status = client.get(f"/national/exports/{export_id}/status").get_json()
    assert status["status"] == "failed" and "kunne ikke dannes" in status["text"]
    assert client.get(f"/national/exports/{export_id}/download").status_code == 404


# --- PostgreSQL and Redis ------------------------------------------------------------------------

postgresql = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")


def _as_app_role(app, client, sql: str, params: dict | None = None, tenant_id: int | None = None):
    """``sql`` as the application's role, in the scope of ``client``'s session (the platform's, or a tenant's)."""
    from contextlib import nullcontext

    cookie = client.get_cookie("session")
    with app.test_request_context("/national/", headers={"Cookie": f"session={cookie.value}"}):
        with tenant_context(tenant_id) if tenant_id is not None else nullcontext():
            try:
                return db.session.execute(text(sql), params or {}).all()
            finally:
                db.session.rollback()


@postgresql
def test_on_postgresql_row_level_security_alone_keeps_an_export_its_owners(app, figures, tenant_a):
    owner, other = person(app), person(app)
    export_id = export_id_of(order(owner, "csv"))
    every = "SELECT id FROM platform_exports"
    assert _as_app_role(app, owner, every) == [(export_id,)]
    assert _as_app_role(app, other, every) == []  # no ORM filter here: the database's own policy
    assert _as_app_role(app, owner, every, tenant_id=tenant_a) == []  # in a tenant's scope: none
    with pytest.raises(Exception, match="row-level security"):
        _as_app_role(
            app,
            other,
            "INSERT INTO platform_exports (coverage, owner_user_id, report_key, format, params, locale, disclose, status, progress,"
            " created_at, expires_at) VALUES ('all', :owner, 'national', 'csv', '{}', 'da', true, 'done', 100, now(), now())",
            {"owner": owner.user_id},
        )
    assert _as_app_role(app, other, "UPDATE platform_exports SET owner_user_id = :me RETURNING id", {"me": other.user_id}) == []
    with app.app_context(), cross_tenant("test: the export is still there, its owner's"):
        assert db.session.get_one(PlatformExport, export_id).owner_user_id == owner.user_id


@pytest.mark.redis
def test_an_rq_worker_makes_the_national_export(app, figures):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL not set (the PostgreSQL + Redis CI pass sets it)")
    from redis import Redis
    from rq import Queue as RQueue
    from rq import SimpleWorker

    from core.jobs.runner import QUEUE_NAME

    connection = Redis.from_url(redis_url)
    queue = RQueue(QUEUE_NAME, connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = redis_url
    try:
        client = person(app)
        export_id = export_id_of(order(client, "xlsx"))
        assert client.get(f"/national/exports/{export_id}/status").get_json()["status"] == "queued"  # not run in the request
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
        assert len(queue.failed_job_registry) == 0
        status = client.get(f"/national/exports/{export_id}/status").get_json()
        assert status["status"] == "done" and status["progress"] == 100
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(client.get(f"/national/exports/{export_id}/download").get_data()))
        assert DISTINCTIVE in [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    finally:
        app.config["REDIS_URL"] = ""
        queue.empty()
