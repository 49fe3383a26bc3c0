"""Background exports: queued, followed, finished, downloaded by their owner only, and expired.

With Redis a worker runs the job; here the run is recorded but held back (as
RQ would hold it until a worker takes it), then executed, so each state is
seen. Another person, another tenant's people and anyone after the expiry
get 404, and the export's distinctive figure never reaches them.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import db
from core.jobs.models import JobRun
from core.reports.models import ReportExport
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import utcnow
from core.testing.fixtures import csrf_from
from tests.reports.conftest import read_csv

REPORT = "/alpha/reports/sample.crafted"
# A count no other test data has: it must reach only the export's owner.
DISTINCTIVE = 4711


@pytest.fixture
def crafted(sample_reports):
    sample_reports.CRAFTED.update(years=[2024, 2025], counts={"Ishøj": [DISTINCTIVE, 40], "Fredericia": [30, 25], "Kolding": [12, 9]})
    return sample_reports


def start(client, fmt: str = "xlsx", **fields) -> object:
    token = csrf_from(client.get(f"{REPORT}?year=2025").get_data(as_text=True))
    return client.post(f"{REPORT}/exports", data={"csrf_token": token, "format": fmt, "year": "2025", **fields})


def export_id_of(response) -> int:
    match = re.search(r"/reports/exports/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_an_export_goes_from_waiting_to_ready_and_its_owner_downloads_it(app, client_for, crafted, held_back):
    client = client_for("alpha", "municipal_staff")
    response = start(client)
    assert response.status_code == 303
    export_id = export_id_of(response)

    page = client.get(f"/alpha/reports/exports/{export_id}").get_data(as_text=True)
    assert '<progress id="export-progress" max="100" value="0">' in page and "Afventer" in page
    assert client.get(f"/alpha/reports/exports/{export_id}/status").get_json()["status"] == "queued"
    assert client.get(f"/alpha/reports/exports/{export_id}/download").status_code == 404  # not ready
    listing = client.get("/alpha/reports/exports").get_data(as_text=True)
    assert "Deltagere efter kommune og år" in listing and "Afventer (0 %)" in listing

    assert held_back.work(app) == ["succeeded"]

    status = client.get(f"/alpha/reports/exports/{export_id}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 100 and status["text"] == "Filen er klar."
    download = client.get(f"/alpha/reports/exports/{export_id}/download")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="sample.crafted-alpha-2025.xlsx"' in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(download.get_data()))
    values = [c.value for row in book["Efter kommune og år"].iter_rows() for c in row]
    assert DISTINCTIVE in values
    assert "Hent sample.crafted-alpha-2025.xlsx" in client.get("/alpha/reports/exports").get_data(as_text=True)


def test_in_process_the_export_is_ready_at_once_and_is_under_disclosure_control(client_for, crafted):
    staff = client_for("alpha", "partner_staff")  # sees the figures on the page, never unprotected in a file
    crafted.CRAFTED["counts"]["Kolding"] = [12, 3]
    export_id = export_id_of(start(staff, "csv"))
    rows = read_csv(staff.get(f"/alpha/reports/exports/{export_id}/download").get_data())
    kolding = next(r for r in rows if r and r[0] == "Kolding")
    assert kolding[2] == "<5" and "3" not in kolding
    assert any(r and r[0].startswith("Diskretionering") for r in rows)


def test_nobody_else_reaches_an_export(app, client_for, crafted):
    owner = client_for("alpha", "municipal_staff")
    export_id = export_id_of(start(owner, "csv"))
    others = [
        client_for("alpha", "municipal_staff"),  # a colleague in the same municipality
        client_for("alpha", "tenant_admin"),
        client_for(None),  # a platform administrator
        client_for("beta", "municipal_staff"),
    ]
    for other in others:
        for path in ("", "/status", "/download"):
            for tenant in ("alpha", "beta"):
                response = other.get(f"/{tenant}/reports/exports/{export_id}{path}")
                assert response.status_code == 404, (path, tenant)
                assert str(DISTINCTIVE).encode() not in response.get_data()
        listing = other.get("/alpha/reports/exports")
        assert str(DISTINCTIVE).encode() not in listing.get_data() and f"/exports/{export_id}".encode() not in listing.get_data()
    assert str(DISTINCTIVE).encode() in owner.get(f"/alpha/reports/exports/{export_id}/download").get_data()


def test_bad_input_is_refused_before_anything_is_written(app, client_for, crafted):
    client = client_for("alpha", "municipal_staff")

    def exports() -> int:
        with app.app_context(), cross_tenant("test: count exports"):
            exports = db.session.scalar(select(func.count()).select_from(ReportExport)) or 0
            runs = db.session.scalar(select(func.count()).select_from(JobRun)) or 0
            return exports + runs

    before = exports()
    for fields in ({"year": "abc"}, {"year": "1800"}, {"format": "exe"}):
        response = start(client, **fields) if "format" not in fields else start(client, fields["format"])
        assert response.status_code == 400
        assert "Oplysningerne kunne ikke bruges" in response.get_data(as_text=True)
    assert exports() == before


def test_expired_exports_are_not_served_and_are_purged(app, client_for, crafted, tenant_a, tenant_b):
    from core.jobs.runner import enqueue
    from core.reports.exports import PURGE_JOB

    client = client_for("alpha", "municipal_staff")
    old, fresh = export_id_of(start(client, "csv")), export_id_of(start(client, "pdf"))
    beta_client = client_for("beta", "municipal_staff")
    beta_old = export_id_of(
        beta_client.post(
            "/beta/reports/sample.crafted/exports",
            data={"csrf_token": csrf_from(beta_client.get("/beta/reports/sample.crafted").get_data(as_text=True)), "format": "csv"},
        )
    )
    with app.app_context():
        for tenant, export_id in ((tenant_a, old), (tenant_b, beta_old)):
            with tenant_context(tenant):
                db.session.get_one(ReportExport, export_id).expires_at = utcnow() - timedelta(minutes=1)
                db.session.commit()
    assert client.get(f"/alpha/reports/exports/{old}/download").status_code == 404  # expired: never served
    assert f"/exports/{old}" not in client.get("/alpha/reports/exports").get_data(as_text=True)

    with app.app_context():
        run = enqueue(PURGE_JOB, tenant_a)
        assert run is not None and run.status == "succeeded"
        with cross_tenant("test: what is left"):
            left = set(db.session.scalars(select(ReportExport.id)))
    assert old not in left and fresh in left
    assert beta_old in left  # alpha's purge touches alpha's exports only
    assert client.get(f"/alpha/reports/exports/{fresh}/download").status_code == 200


def test_the_purge_is_a_periodic_job(app):
    from core.jobs.runner import periodic_jobs

    with app.app_context():
        assert ("core.purge_report_exports", "37 * * * *") in periodic_jobs()


def test_a_worker_without_a_request_makes_a_pdf(app, client_for, crafted, held_back):
    client = client_for("alpha", "municipal_staff")
    export_id = export_id_of(start(client, "pdf"))
    assert held_back.work(app) == ["succeeded"]
    download = client.get(f"/alpha/reports/exports/{export_id}/download")
    assert download.mimetype == "application/pdf" and download.get_data().startswith(b"%PDF")


def test_a_failed_export_says_so_and_the_run_records_the_error(app, client_for, crafted, held_back, monkeypatch):
    from core.reports import engine

    client = client_for("alpha", "municipal_staff")
    export_id = export_id_of(start(client, "pdf"))

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(engine, "build", broken)
    assert held_back.work(app) == ["failed"]
    with app.app_context(), cross_tenant("test: the run's record"):
        assert "RuntimeError: the renderer broke" in db.session.scalar(select(JobRun.error).where(JobRun.id == held_back.ids[0]))
    status = client.get(f"/alpha/reports/exports/{export_id}/status").get_json()
    assert status["status"] == "failed" and "kunne ikke dannes" in status["text"]
    assert client.get(f"/alpha/reports/exports/{export_id}/download").status_code == 404
