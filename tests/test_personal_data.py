"""Personal data stays out of logs and exports, and every read of it is in the audit trail.

- A failed INSERT is logged (Flask's "Exception on ...", werkzeug's "Error on
  request", ``log.exception`` with the error as an argument, a failed job's
  record) without the values it tried to write: SQLAlchemy's bound parameters
  are hidden, PostgreSQL's DETAIL ("Failing row contains (...)") is dropped.
- CSV exports (reports and the audit trail) never hand a spreadsheet a formula,
  also when it hides behind leading whitespace; one function does it for both.
- Reads through the API are audited like the pages: attendance and referrals,
  and a list names every person it showed. A refusal names what was asked for.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
import urllib.error
import urllib.request
from datetime import date, time

import pytest
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from core.audit.models import AuditEvent
from core.csvsafe import safe_cell
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import build_app
from core.volunteers.models import Volunteer

# Distinctive values: if one shows up in a log, a value leaked.
PHONE = "+45 31 41 59 26"
EMAIL = "zenobia.ravnsborg@example.invalid"
FAILING_RULE = "/test/failed-insert"


def _failing_insert(tenant: int) -> None:
    """An INSERT the database refuses (no name), carrying a phone number and an e-mail address."""
    with tenant_context(tenant):
        db.session.add(Volunteer(name=None, phone=PHONE, email=EMAIL))
        db.session.commit()


@pytest.fixture(scope="module")
def failing_app(database_factory):
    """An app of its own with one extra route whose INSERT fails (the session app takes no new routes)."""
    app = build_app(database_factory())
    from core.tenancy.models import Tenant

    with app.app_context():
        alpha = db.session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))

    @app.get(FAILING_RULE)
    def failed_insert():
        try:
            _failing_insert(alpha)
        except Exception as exc:
            db.session.rollback()
            # Wrapped, so no handler for database errors turns it into a 4xx: this
            # is about what reaches the log when something does go wrong.
            raise RuntimeError("provoked for the test") from exc
        return "not reached"

    app.extensions["samvirke_authz"][FAILING_RULE] = {"GET": frozenset({"public"})}
    app.config["_alpha"] = alpha
    return app


def _assert_no_values(text: str) -> None:
    assert PHONE not in text and EMAIL not in text
    assert "31 41 59" not in text and "ravnsborg" not in text.lower()


def test_the_engine_hides_bound_parameters(app):
    with app.app_context():
        assert db.engine.hide_parameters is True
        assert all(engine.hide_parameters for engine in db.engines.values())  # every bind (cross-tenant too)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


def test_a_failed_insert_is_logged_by_flask_without_the_values(failing_app, caplog):
    failing_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: Flask logs and answers 500
    try:
        with caplog.at_level(logging.ERROR):
            response = failing_app.test_client().get(FAILING_RULE)
    finally:
        failing_app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    logged = caplog.text
    assert f"Exception on {FAILING_RULE}" in logged
    # Still useful: which error, on which table and column, and the statement.
    assert "IntegrityError" in logged and "volunteers" in logged and "INSERT INTO volunteers" in logged
    assert "parameters hidden" in logged
    _assert_no_values(logged)
    # The formatted record is what any handler writes; the message holds nothing either.
    _assert_no_values(" ".join(r.getMessage() for r in caplog.records))


def test_a_failed_insert_is_logged_by_werkzeug_without_the_values(failing_app, caplog):
    # TESTING propagates the error to the server, which logs "Error on request" with the traceback.
    # Not threaded: the request is handled inside serve_forever, so once the thread has joined the
    # server has written its log line (it does so after sending the 500, which races a threaded server).
    server = make_server("127.0.0.1", 0, failing_app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with caplog.at_level(logging.ERROR):
        thread.start()
        try:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{FAILING_RULE}", timeout=10)
        finally:
            server.shutdown()
            thread.join()
    answer.value.close()
    assert answer.value.code == 500
    assert "Error on request" in caplog.text and "IntegrityError" in caplog.text
    _assert_no_values(caplog.text)


def test_a_database_error_logged_as_an_argument_or_with_exception_has_no_values(failing_app, caplog):
    log = logging.getLogger("samvirke.test")
    with failing_app.app_context(), caplog.at_level(logging.INFO):
        try:
            _failing_insert(failing_app.config["_alpha"])
        except Exception as exc:
            db.session.rollback()
            log.warning("could not save: %s", exc)
            log.error("could not save %r", exc)
            log.exception("could not save")
            failing_app.logger.exception("could not save")
    assert len(caplog.records) == 4
    _assert_no_values(caplog.text)
    assert caplog.text.count("volunteers") >= 4


def test_a_failed_jobs_record_has_no_values(app, tenant_a, monkeypatch, client_for):
    from core.jobs.runner import enqueue
    from tests.example_plugin import jobs

    monkeypatch.setattr(jobs, "fail", lambda tenant_id: _failing_insert(tenant_id))
    with app.app_context():
        run = enqueue("example.fail", tenant_a)
        assert run.status == "failed"
        assert "IntegrityError" in run.error and "volunteers" in run.error
        _assert_no_values(run.error)


def _data_error(tenant_id: int) -> None:
    """PostgreSQL quotes the offending input of a data error (SQLSTATE class 22) in its message."""
    with tenant_context(tenant_id):
        db.session.execute(text("SELECT CAST(:phone AS integer)"), {"phone": PHONE})


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")
def test_a_data_error_quoting_the_input_is_logged_and_recorded_without_it(app, tenant_a, monkeypatch, caplog):
    from core.jobs.runner import enqueue
    from tests.example_plugin import jobs

    monkeypatch.setattr(jobs, "fail", _data_error)
    with app.app_context(), caplog.at_level(logging.ERROR):
        run = enqueue("example.fail", tenant_a)
        assert run.status == "failed" and "InvalidTextRepresentation" in run.error and "22P02" in run.error
        _assert_no_values(run.error)
    assert "job example.fail" in caplog.text and "22P02" in caplog.text
    _assert_no_values(caplog.text)


# --- CSV exports ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://evil")',
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        ' =HYPERLINK("http://evil")',
        "  +cmd",
        "\t -1",
        "\n=1",
        "\u00a0@SUM(A1)",
    ],
)
def test_formula_like_text_is_neutralised(typed):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize("value", ["Familien Hansen", " Hansen", "", 12, -3, 4.5, "a=b", "1-2"])
def test_other_cells_are_left_alone(value):
    assert safe_cell(value) == value
    assert safe_cell(None) == ""


def test_the_report_csv_neutralises_formulas_behind_whitespace(app, client_for, tenant_a):
    from tests.example_plugin.models import Household

    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all([Household(name=' =HYPERLINK("http://evil.invalid")'), Household(name="=1+1")])
        db.session.commit()
    content = client_for("alpha", "municipal_staff").get("/alpha/reports/example.households.csv").get_data()
    names = [r[0] for r in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";") if r]
    assert '\' =HYPERLINK("http://evil.invalid")' in names and "'=1+1" in names


def test_the_audit_csv_neutralises_formulas_like_the_report_csv(app, client_for, tenant_a):
    subject = "example.household:formula-test"
    with app.test_request_context(), tenant_context(tenant_a):
        from core.audit import record

        record("view", subject=subject, purpose=' =HYPERLINK("http://evil.invalid")', actor="user:0")
        record("view", subject=subject, purpose="@SUM(A1)", criterion="-2+3", actor="user:0")
    export = client_for("alpha", "tenant_admin").get(f"/alpha/admin/audit.csv?subject={subject}")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    purposes = [r["purpose"] for r in rows if r["action"] == "view"]
    assert purposes == ["'@SUM(A1)", '\' =HYPERLINK("http://evil.invalid")']  # newest first
    assert "'-2+3" in [r["criterion"] for r in rows]


def test_one_function_neutralises_both_exports():
    import core.audit.views
    import core.reports.render_csv

    assert core.audit.views.safe_row is core.reports.render_csv.safe_row


# --- Reads through the API are audited -------------------------------------------------


API = "/alpha/api/v1/mother_groups"


def _since(app) -> int:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return db.session.scalars(select(func.coalesce(func.max(AuditEvent.id), 0))).one()


def _events(app, since: int) -> list[tuple[str, str | None, str | None, str | None]]:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return [
            (action, subject, criterion, route)
            for action, subject, criterion, route in db.session.execute(
                select(AuditEvent.action, AuditEvent.subject, AuditEvent.criterion, AuditEvent.route)
                .where(AuditEvent.id > since)
                .order_by(AuditEvent.id)
            )
        ]


@pytest.fixture
def group(app, tenant_a):
    """A course with two enrolled mothers, one session with their attendance, one referral."""
    from plugins.mother_groups.models import (
        Attendance,
        Course,
        CourseSession,
        Enrolment,
        Referral,
    )
    from plugins.mother_groups.services import create_mother

    with app.app_context(), tenant_context(tenant_a):
        course = Course(
            name="Forløb P",
            start_date=date(2026, 1, 6),
            end_date=date(2026, 10, 20),
            weekday=1,
            capacity_min=2,
            capacity_max=8,
            status="running",
        )
        mothers = [create_mother({"name": f"Mor {n}"}, "test") for n in range(3)]
        db.session.add(course)
        db.session.flush()
        enrolments = [Enrolment(course_id=course.id, mother_id=m.id, status="enrolled") for m in mothers[:2]]
        meeting = CourseSession(course_id=course.id, date=date(2026, 1, 6), start_time=time(10, 0), status="planned")
        db.session.add_all([*enrolments, meeting])
        db.session.flush()
        db.session.add_all(
            [Attendance(session_id=meeting.id, enrolment_id=e.id, status="present", recorded_by="user:0") for e in enrolments]
        )
        referral = Referral(
            mother_id=mothers[2].id, referred_on=date(2026, 1, 2), source="health_visitor", status="pending", referred_by="user:0"
        )
        db.session.add(referral)
        db.session.commit()
        return {
            "course": course.id,
            "session": meeting.id,
            "referral": referral.id,
            "mothers": [f"mother_groups.mother:{m.id}" for m in mothers],
        }


def test_attendance_read_through_the_api_names_each_mother(app, client_for, group):
    since = _since(app)
    response = client_for("alpha").get(f"{API}/sessions/{group['session']}/attendance")
    assert response.status_code == 200 and len(response.get_json()) == 2
    events = _events(app, since)
    assert [(a, s) for a, s, *_ in events] == [("search", group["mothers"][0]), ("search", group["mothers"][1])]
    assert {c for _, _, c, _ in events} == {f"attendance session {group['session']}"}


def test_referrals_read_through_the_api_are_audited(app, client_for, group):
    coordinator = client_for("alpha")
    since = _since(app)
    queue = coordinator.get(f"{API}/referrals")
    assert queue.status_code == 200 and [r["id"] for r in queue.get_json()] == [group["referral"]]
    one = coordinator.get(f"{API}/referrals/{group['referral']}")
    assert one.status_code == 200
    events = _events(app, since)
    assert ("search", group["mothers"][2], "referral queue") in [e[:3] for e in events]
    assert ("view", group["mothers"][2], f"referral {group['referral']}") in [e[:3] for e in events]


def test_a_list_records_every_person_it_shows(app, client_for, group):
    since = _since(app)
    response = client_for("alpha").get(f"{API}/courses/{group['course']}/enrolments")
    assert response.status_code == 200 and len(response.get_json()) == 2
    assert [(a, s) for a, s, *_ in _events(app, since)] == [("search", m) for m in group["mothers"][:2]]


def test_an_empty_list_still_leaves_one_row(app, client_for, tenant_a):
    from plugins.mother_groups.models import Course

    with app.app_context(), tenant_context(tenant_a):
        course = Course(name="Tomt forløb", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), status="planned")
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    since = _since(app)
    assert client_for("alpha").get(f"{API}/courses/{course_id}/enrolments").get_json() == []
    assert [(a, s, c) for a, s, c, _ in _events(app, since)] == [("search", None, f"course {course_id} participants")]


def test_a_refusal_names_the_object_requested(app, client_for, lookalike_data):
    household = lookalike_data["alpha"]["household"]
    since = _since(app)
    # Beta's staff asking for alpha's household: refused as if missing, and the row says what was asked for.
    assert client_for("beta", "municipal_staff").get(f"/alpha/api/v1/example/households/{household}").status_code == 404
    client_for("alpha", "volunteer").get("/alpha/admin/audit")
    criteria = [c for a, _, c, _ in _events(app, since) if a == "refused"]
    assert f"GET foreign tenant: /<tenant>/api/v1/example/households/<int:household_id> household_id={household}" in criteria
    assert "GET role: /<tenant>/admin/audit" in criteria
