"""Every format of a report opens and says the same: the page with its chart, CSV, Excel, PDF.

Danish first, English available; headings translated (never a column's key);
the period and the disclosure rule on the page and in every file; the counts
protected for anyone who may not see the persons behind them.
"""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from core.db import db
from core.tenancy.context import tenant_context
from tests.reports.conftest import read_csv

URL = "/alpha/reports/sample.household_sizes"
SECRET = "Familien Zxqwerty"  # a household's name: never in a report


@pytest.fixture
def households(app, tenant_a, tenant_b, sample_reports):
    """Alpha: 6 one-member, 2 two-member, 8 three-member households. Beta: 9 one-member ones."""
    from tests.example_plugin.models import Household, Member

    with app.app_context():
        with tenant_context(tenant_a):
            for size, count in ((1, 6), (2, 2), (3, 8)):
                for i in range(count):
                    db.session.add(Household(name=f"{SECRET} {size}-{i}", members=[Member(name=f"M{j}") for j in range(size)]))
            db.session.commit()
        with tenant_context(tenant_b):
            db.session.add_all([Household(name=f"Beta {i}", members=[Member(name="B")]) for i in range(9)])
            db.session.commit()
        db.session.remove()


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def test_the_page_in_danish_has_period_rule_chart_and_protected_counts(client_for, households):
    response = client_for("alpha", "municipal_staff").get(f"{URL}?year=2025")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Husstande efter størrelse</h1>" in html
    assert "1. januar 2025 – 31. december 2025" in html
    assert "Diskretionering: antal fra 1 til 4 vises som" in html
    assert 'src="data:image/svg+xml;base64,' in html and "Søjlediagram" in html  # the chart and its summary
    assert '<th scope="row">To medlemmer</th><td class="align-text-right">&lt;5</td>' in html
    assert '<th scope="row">Ét medlem</th><td class="align-text-right">x</td>' in html  # the complement
    assert '<th scope="row">Tre eller flere</th><td class="align-text-right">8</td>' in html
    assert ">16<" in html and SECRET not in html
    assert '<option value="2025" selected>2025</option>' in html  # the year picker
    # The chart is a data: image, which the page's policy admits; no script but the site's own.
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy and "default-src 'self'" in policy and "unsafe-inline" not in policy
    for key in ("three_plus", ">households<", ">size<"):
        assert key not in html


def test_the_page_in_english(client_for, households):
    html = english(client_for("alpha", "municipal_staff")).get(f"{URL}?year=2024").get_data(as_text=True)
    assert "<h1>Households by size</h1>" in html and "January 1, 2024 – December 31, 2024" in html
    assert "Disclosure control: counts from 1 to 4 are shown as" in html and "Two members" in html
    assert ">Households<" in html  # a lazy Babel heading, in English


def test_the_running_organisations_staff_see_the_figures_on_the_page_but_not_in_files(client_for, households):
    staff = client_for("alpha", "partner_staff")
    html = staff.get(f"{URL}?year=2025").get_data(as_text=True)
    assert '<th scope="row">To medlemmer</th><td class="align-text-right">2</td>' in html
    assert "Diskretionering" not in html
    rows = read_csv(staff.get(f"{URL}.csv?year=2025").get_data())
    assert ["To medlemmer", "<5", "<5"] in rows


def test_csv_for_danish_excel(client_for, households):
    response = client_for("alpha", "municipal_staff").get(f"{URL}.csv?year=2025")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="sample.household_sizes-alpha-2025.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert rows[0] == ["Husstande efter størrelse"]
    assert ["Kommune", "Alfa Kommune"] in rows and ["Periode", "1. januar 2025 – 31. december 2025"] in rows
    assert any(r and r[0].startswith("Diskretionering: antal fra 1 til 4") for r in rows)
    assert ["Størrelse", "Husstande", "Medlemmer"] in rows
    assert ["Ét medlem", "x", "x"] in rows and ["To medlemmer", "<5", "<5"] in rows
    assert ["Tre eller flere", "8", "24"] in rows and ["I alt", "16", "34"] in rows
    assert SECRET.encode() not in response.get_data()


def test_excel_workbook_has_typed_cells_and_danish_headings(client_for, households):
    response = client_for("alpha", "municipal_staff").get(f"{URL}.xlsx?year=2025")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Om rapporten", "Husstande efter antal medlemmer"]
    about = [[c.value for c in row] for row in book["Om rapporten"].iter_rows()]
    assert ["Periode", "1. januar 2025 – 31. december 2025"] in about
    sheet = book["Husstande efter antal medlemmer"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=9)]
    assert rows[0] == ["Størrelse", "Husstande", "Medlemmer"]
    assert rows[1:] == [
        ["Ingen medlemmer", 0, 0],
        ["Ét medlem", "x", "x"],
        ["To medlemmer", "<5", "<5"],
        ["Tre eller flere", 8, 24],
        ["I alt", 16, 34],
    ]
    assert sheet["B8"].data_type == "n" and sheet["B8"].number_format == "#,##0"
    assert len(sheet._charts) == 0  # its bars would draw a hidden figure as 0: no Excel chart then


def test_pdf_opens_with_title_period_and_rule_on_the_page(client_for, households):
    response = client_for("alpha", "municipal_staff").get(f"{URL}.pdf?year=2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Husstande efter størrelse" in text and "1. januar 2025 – 31. december 2025" in text
    assert "Tre eller flere" in text and "<5" in text and "Diskretionering" in text
    assert "Side 1 / " in text  # the running footer
    assert SECRET not in text


def test_an_html_file_stands_alone(app, client_for, households):
    from core.reports.engine import build
    from core.reports.registry import find_report
    from core.reports.render_html import render_document

    with app.test_request_context("/alpha/"), tenant_context(app_tenant := db.session.scalar(_alpha())), force_locale("da"):
        _, report = find_report("sample.household_sizes", ["example"])
        html = render_document(build(report, {"year": 2025}, disclose=True, tenant_name="Alfa Kommune"))
    assert app_tenant and "<style>" in html and "http" not in html.split("<body>")[1].replace("http://www.w3.org", "")


def _alpha():
    from sqlalchemy import select

    from core.tenancy.models import Tenant

    return select(Tenant.id).where(Tenant.slug == "alpha")


def test_files_are_audited(app, client_for, households):
    from sqlalchemy import func, select

    from core.audit.models import AuditEvent
    from core.tenancy.context import cross_tenant

    with app.app_context(), cross_tenant("test: the audit trail"):
        since = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    client = client_for("alpha", "municipal_staff")
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"{URL}.{fmt}?year=2025").status_code == 200
    with app.app_context(), cross_tenant("test: the audit trail"):
        criteria = set(db.session.scalars(select(AuditEvent.criterion).where(AuditEvent.id > since, AuditEvent.action == "export")))
    assert criteria == {"report sample.household_sizes", "report sample.household_sizes (xlsx)", "report sample.household_sizes (pdf)"}


@pytest.mark.parametrize("query", ["year=abc", "year=1800", "year=99999999999"])
def test_a_bad_year_is_a_danish_400(client_for, households, query):
    for url in (f"{URL}?{query}", f"{URL}.csv?{query}", f"{URL}.pdf?{query}"):
        response = client_for("alpha", "municipal_staff").get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert "Oplysningerne kunne ikke bruges" in html and ("Skriv et helt tal" in html or "Angiv en værdi fra" in html)


def test_another_tenants_figures_are_not_in_the_report(client_for, households):
    rows = read_csv(client_for("beta", "municipal_staff").get("/beta/reports/sample.household_sizes.csv?year=2025").get_data())
    assert ["Ét medlem", "9", "9"] in rows and ["I alt", "9", "9"] in rows


def test_the_statements_of_a_page_do_not_grow_with_the_data(app, client_for, households, tenant_a):
    from sqlalchemy import event

    from tests.example_plugin.models import Household, Member

    def statements() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        client = client_for("alpha", "municipal_staff")
        with app.app_context():
            engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"{URL}?year=2025").status_code == 200
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all([Household(name=f"Mere {i}", members=[Member(name="x"), Member(name="y")]) for i in range(40)])
        db.session.commit()
    assert statements() == before


def test_no_heading_of_any_report_is_its_key(app, sample_reports, tenant_a):
    """Every report of every plugin, in both languages: each table's headings and each chart's title are words."""
    from core.plugins.host import plugin_host
    from core.reports.engine import build

    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        new_shape = list(plugin_host().collect("samvirke_reports"))
        keys = {r.key for r in new_shape}
        assert {"sample.household_sizes", "sample.crafted", "open_counselling.annual", "mother_groups.course"} <= keys
        for lang in ("da", "en"):
            with force_locale(lang):
                for report in new_shape:
                    rendered = build(report, {"year": 2025}, disclose=True, threshold=5)
                    for table in rendered.tables:
                        for column, heading in zip(table.columns, table.headings, strict=True):
                            assert heading and heading != column.key, (report.key, lang, column.key)
                        for row in table.rows:
                            for column, cell in zip(table.columns, row, strict=True):
                                if column.kind == "label":
                                    assert cell.text not in column.labels or cell.text == str(column.labels[cell.text]), cell.text
                    assert all(c.title and c.summary for c in rendered.charts)
