"""The national view: hand-computed figures, filters, files in every format, and who sees what."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from core.db import db
from core.identity import roles as R
from core.tenancy.context import tenant_context
from core.testing.fixtures import sign_in

YEAR = 2025


def _course(name: str, mothers: int, present: list[int], visit: bool, *, start=date(YEAR, 2, 1), end=date(YEAR, 11, 30)) -> None:
    """A course with ``mothers`` enrolled, one held session per entry of ``present`` (that many present, the rest absent)."""
    from plugins.mother_groups.models import Attendance, Course, CourseSession, Enrolment, Mother, SessionActivity

    course = Course(name=name, start_date=start, end_date=end, weekday=1, status="running")
    db.session.add(course)
    db.session.flush()
    enrolments = []
    for n in range(mothers):
        mother = Mother(name=f"Mor {name} {n}", phone="12345678")
        db.session.add(mother)
        db.session.flush()
        enrolment = Enrolment(course_id=course.id, mother_id=mother.id, status="enrolled", joined_on=start)
        db.session.add(enrolment)
        enrolments.append(enrolment)
    db.session.flush()
    for i, here in enumerate(present):
        session = CourseSession(course_id=course.id, date=date(YEAR, 3, 1 + 7 * i), start_time=start_time(), status="held")
        db.session.add(session)
        db.session.flush()
        if visit and i == 0:
            db.session.add(SessionActivity(session_id=session.id, activity="health_visitor_visit"))
        for n, enrolment in enumerate(enrolments):
            db.session.add(
                Attendance(session_id=session.id, enrolment_id=enrolment.id, status="present" if n < here else "absent", recorded_by="test")
            )
    db.session.commit()


def start_time():
    from datetime import time

    return time(10, 0)


def _contacts(families: int, per_family: int) -> None:
    from plugins.open_counselling.models import Contact, Family

    for n in range(families):
        family = Family(family_number=f"F{n}", name=f"Familie {n}")
        db.session.add(family)
        db.session.flush()
        for c in range(per_family):
            db.session.add(
                Contact(family_id=family.id, day=date(YEAR, 4, 1 + c), channel="phone", duration_minutes=30, counsellor="t", need_level=1)
            )
    db.session.commit()


@pytest.fixture
def figures(app, tenant_a, tenant_b):
    """Alpha: 7 mothers, attendance 12 of 14, a visit; beta: 6 mothers, 6 of 6, no visit; contacts in alpha only."""
    with app.app_context():
        with tenant_context(tenant_a):
            _course("Alfa hold", 7, [7, 5], visit=True)
            _contacts(6, 2)
        with tenant_context(tenant_b):
            _course("Beta hold", 6, [6], visit=False)
        db.session.remove()


def coordinator(app, organisation: str = "testforeningen"):
    client = app.test_client()
    sign_in(app, client, R.NATIONAL_COORDINATOR, None, organisation)
    return client


def _rendered(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _row(html: str, table: str, header: str) -> list[str]:
    """The cells of the row headed ``header`` in the table with id ``table-<table>``."""
    import html as html_lib
    import re

    start = html.index(f'id="table-{table}"')
    body = html[start : html.index("</table>", start)]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells and cells[0] == header:
            return cells[1:]
    raise AssertionError(f"no row {header!r} in {table}")


def test_the_figures_are_those_computed_by_hand(app, figures):
    html = _rendered(coordinator(app), f"/national/?year={YEAR}")
    # courses, mothers, attendance, visit compliance, volunteers
    assert _row(html, "mother_groups.municipalities", "Alfa Kommune") == ["1", "7", "85,7 %", "100,0 %", "0"]
    assert _row(html, "mother_groups.municipalities", "Beta Kommune") == ["1", "6", "100,0 %", "0,0 %", "0"]
    assert _row(html, "mother_groups.municipalities", "Alle kommuner") == ["2", "13", "90,0 %", "50,0 %", "0"]
    assert _row(html, "mother_groups.years", str(YEAR)) == ["2", "13", "90,0 %", "50,0 %", "0"]
    assert _row(html, "mother_groups.years", str(YEAR - 1)) == ["0", "0", "", "", "0"]
    assert _row(html, "open_counselling.municipalities", "Alfa Kommune") == ["12", "6"]
    assert "Mor Alfa hold" not in html and "Familie 0" not in html and "12345678" not in html
    assert 'id="chart-mother_groups.compare"' in html and 'id="chart-mother_groups.trend"' in html
    assert "Diskretionering" in html  # the rule, stated on the page


def test_small_counts_are_shown_as_under_five_and_their_complements_hidden(app, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_a):
            _course("Alfa hold", 7, [7], visit=True)
        with tenant_context(tenant_b):
            _course("Beta hold", 3, [3], visit=False)
        db.session.remove()
    html = _rendered(coordinator(app), f"/national/?year={YEAR}")
    beta = _row(html, "mother_groups.municipalities", "Beta Kommune")
    assert beta[1] == "<5" and beta[2] == "x"  # the attendance rate goes with its count
    alpha = _row(html, "mother_groups.municipalities", "Alfa Kommune")
    total = _row(html, "mother_groups.municipalities", "Alle kommuner")
    assert "x" in (alpha[1], total[1])  # else 10 - 7 gives beta's 3 back
    # The trend's year shows the same total as the table: hidden in both or shown in both.
    assert (_row(html, "mother_groups.years", str(YEAR))[1] == total[1]) or total[1] in ("x", "..")
    assert ">3<" not in html.split('id="table-mother_groups.municipalities"')[1].split("</table>")[0]


def test_filters_narrow_the_figures(app, figures):
    client = coordinator(app)
    only_alpha = _rendered(client, f"/national/?year={YEAR}&municipality=alpha")
    assert "Alfa Kommune" in only_alpha.split('id="table-mother_groups.municipalities"')[1]
    assert "Beta Kommune" not in only_alpha.split('id="national-agreements"')[1]
    only_counselling = _rendered(client, f"/national/?year={YEAR}&programme=open_counselling")
    assert 'id="table-open_counselling.municipalities"' in only_counselling
    assert 'id="table-mother_groups.municipalities"' not in only_counselling
    earlier = _rendered(client, f"/national/?year={YEAR - 1}")
    assert _row(earlier, "mother_groups.municipalities", "Alfa Kommune")[1] == "0"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Året skal være et helt tal mellem 2000 og 2100."),
        ("year=1999", "Året skal være et helt tal mellem 2000 og 2100."),
        ("programme=nonsense", "Vælg en af dine indsatser."),
        ("municipality=gamma", "Vælg en af kommunerne i dine aftaler."),  # a real municipality, not in the agreements
        ("municipality=findesikke", "Vælg en af kommunerne i dine aftaler."),
    ],
)
def test_bad_filters_are_refused_in_danish(app, query, message):
    for url in (f"/national/?{query}", f"/national/download?format=csv&{query}"):
        response = coordinator(app).get(url)
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True)


def test_an_organisation_without_agreements_sees_no_municipality(app, figures):
    html = _rendered(coordinator(app, "andenforening"), "/national/")
    assert "Alfa Kommune" not in html and "Beta Kommune" not in html
    assert coordinator(app, "andenforening").get("/national/?municipality=alpha").status_code == 400


def test_every_format_opens_and_states_the_rule(app, figures):
    client = coordinator(app)
    made = {}
    for fmt in ("csv", "xlsx", "pdf", "html"):
        response = client.get(f"/national/download?format={fmt}&year={YEAR}")
        assert response.status_code == 200, fmt
        assert f"national-{YEAR}.{fmt}" in response.headers["Content-Disposition"]
        made[fmt] = response.data
    text = made["csv"].decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert any("Diskretionering" in cell for line in lines for cell in line)
    assert ["Alfa Kommune", "1", "7", "85,7", "100,0", "0"] in lines

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(made["xlsx"]))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert 7 in cells and any(isinstance(v, str) and "Diskretionering" in v for v in cells)

    from pypdf import PdfReader

    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(made["pdf"])).pages)
    assert "Alfa Kommune" in pdf and "<5" in pdf or "Diskretionering" in pdf
    assert b"Alfa Kommune" in made["html"] and b"<script" not in made["html"]


def test_every_file_is_recorded_in_the_audit_trail(app, figures):
    from sqlalchemy import select

    from core.audit.models import AuditEvent
    from core.tenancy.context import cross_tenant

    coordinator(app).get(f"/national/download?format=xlsx&year={YEAR}")
    with app.app_context(), cross_tenant("test: read the audit trail"):
        found = db.session.scalars(select(AuditEvent.criterion).where(AuditEvent.criterion == f"report national (xlsx, {YEAR})")).all()
    assert found


def test_in_english_every_heading_is_translated(app, figures):
    client = coordinator(app)
    html = _rendered(client, f"/national/?year={YEAR}&lang=en")
    for key in ("mother_groups.municipalities", "cofinancing.years"):
        assert key not in html.replace(f'id="table-{key}', "").replace(f"table-{key}-heading", "").replace('id="chart-', "")
