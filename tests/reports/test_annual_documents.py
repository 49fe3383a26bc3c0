"""The annual report per agreement and year, on the repository's real agreements (Fredericia–Mødrehjælpen, Ishøj–DRC).

Deterministic data is made here, in an app of its own on the real tenant and
organisation files, and every figure is checked against what is worked out by
hand below. The documents are composed of the covered programmes' sections
and core's co-financing (``core.reports.annual``); the municipality sees them
under disclosure control, the running organisation's staff as they are.
"""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, func, select

from config import ROOT
from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from core.testing.fixtures import build_app, sign_in
from tests.reports.conftest import read_csv

YEAR = 2025
FREDERICIA_DOC = "annual.moedrehjaelpen-fredericia"
ISHOJ_DOC = "annual.ny-mor-i-danmark"
PERIOD = "1. januar 2025 – 31. december 2025"
ISHOJ_AREA = "Gadekæret Zqxw"  # a housing area only Ishøj has: never in Fredericia's documents
SECRETS = ("Fortroligt", "FR-2025", "Mor Zqxw")


@pytest.fixture(scope="module")
def real(database_factory):
    """The real tenants, organisations and agreements, with this module's data in Fredericia and Ishøj."""
    app = build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    with app.test_request_context("/"):
        _counselling(tenant(app, "fredericia"))
        _association(tenant(app, "fredericia"))
        _mother_groups(tenant(app, "ishoj"))
        _invoices(app, "fredericia", "moedrehjaelpen-fredericia", paid=2)
        _invoices(app, "ishoj", "ny-mor-i-danmark", paid=0)
        db.session.remove()
    return app


def tenant(app, slug: str) -> int:
    return db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one()


def _counselling(tid: int, *, families: int = 6, year: int = YEAR, prefix: str = "FR") -> None:
    """One family with three contacts, ``families`` more with one each; two notifications in the year, one the year before."""
    from plugins.open_counselling import models as oc

    with tenant_context(tid):
        first = oc.Family(
            family_number=f"{prefix}-{year}-1",
            income_basis="cash_benefit",
            employment_status="unemployed",
            parent_age_band="18_24",
            household="single",
            pregnant=True,
            children_count=2,
            children_ages="0,2",
        )
        others = [
            oc.Family(
                family_number=f"{prefix}-{year}-{i + 2}",
                income_basis="wages",
                employment_status="employed",
                parent_age_band="30_39",
                household="couple",
                children_ages="4",
            )
            for i in range(families)
        ]
        db.session.add_all([first, *others])
        db.session.flush()

        def contact(family, day, level, reasons, referrals=()):
            c = oc.Contact(
                family_id=family.id,
                day=day,
                channel="in_person",
                duration_minutes=30,
                counsellor="test",
                description="Fortroligt",
                need_level=level,
            )
            c.reasons = [oc.ContactReason(reason=r) for r in reasons]
            c.referrals = [oc.ContactReferral(referral=r) for r in referrals]
            db.session.add(c)

        contact(first, date(year, 2, 1), 1, ["housing_economy", "parenthood"], ["financial_counselling"])
        contact(first, date(year, 5, 1), 3, ["housing_economy"], ["legal_aid"])
        contact(first, date(year, 9, 1), 2, ["violence"])
        for family in others:
            contact(family, date(year, 3, 1), 2, ["parenthood"])
        for day in (date(year, 4, 2), date(year, 10, 1), date(year - 1, 6, 1)):
            db.session.add(
                oc.Notification(
                    family_id=first.id, day=day, ground="Fortroligt", author="test", recipient_unit="Familieafdelingen", channel="digital"
                )
            )
        db.session.commit()


def _association(tid: int) -> None:
    from plugins.volunteer_association.models import Activity

    with tenant_context(tid):
        db.session.add_all(
            [
                Activity(kind="help", title="Juletræ", day=date(YEAR, 12, 10), families=7, children=12),
                Activity(kind="help", title="Madkasser", day=date(YEAR, 4, 1), families=5, children=8),
                Activity(kind="experience", title="Zoo", day=date(YEAR, 6, 1), families=6, children=9),
                Activity(kind="network", title="Café", day=date(YEAR - 1, 6, 1), families=40, children=50),
            ]
        )
        db.session.commit()


def _mother_groups(tid: int, area_name: str = ISHOJ_AREA) -> None:
    """One course in 2025 with seven mothers (one left), three sessions, two volunteers (one certificate valid)."""
    from core.volunteers.models import Volunteer
    from plugins.mother_groups import models as mg

    with tenant_context(tid):
        area = mg.HousingArea(name=area_name)
        db.session.add(area)
        db.session.flush()
        course = mg.Course(name="Forløb Vest", start_date=date(YEAR, 2, 1), end_date=date(YEAR, 11, 30), status="running")
        mothers = [mg.Mother(name=f"Mor Zqxw {i}", housing_area_id=area.id if i < 5 else None) for i in range(8)]
        db.session.add_all([course, *mothers])
        db.session.flush()
        enrolments = []
        for i, mother in enumerate(mothers[:7]):
            e = mg.Enrolment(
                course_id=course.id,
                mother_id=mother.id,
                status="left" if i == 6 else "enrolled",
                joined_on=date(YEAR, 2, 1),
                left_on=date(YEAR, 5, 1) if i == 6 else None,
            )
            db.session.add(e)
            enrolments.append(e)
        db.session.flush()
        for day, activities in (
            (date(YEAR, 2, 5), ["language_wellbeing"]),
            (date(YEAR, 2, 12), ["early_parenthood", "health_visitor_visit"]),
        ):
            s = mg.CourseSession(course_id=course.id, date=day, start_time=time(10), status="held")
            db.session.add(s)
            db.session.flush()
            db.session.add_all(mg.SessionActivity(session_id=s.id, activity=a) for a in activities)
            # 6 present and 1 absent at each: 12 of 14 recorded
            db.session.add_all(
                mg.Attendance(session_id=s.id, enrolment_id=e.id, status="absent" if i == 6 else "present", recorded_by="t")
                for i, e in enumerate(enrolments)
            )
        db.session.add(mg.CourseSession(course_id=course.id, date=date(YEAR, 2, 19), start_time=time(10), status="cancelled"))
        valid = Volunteer(
            name="Frivillig A",
            certificate_result="approved",
            certificate_valid_until=date(YEAR + 2, 1, 1),
            insured_from=date(YEAR - 1, 1, 1),
        )
        expired = Volunteer(name="Frivillig B", certificate_result="approved", certificate_valid_until=date(YEAR, 6, 1))
        db.session.add_all([valid, expired])
        db.session.flush()
        db.session.add_all([mg.CourseVolunteer(course_id=course.id, volunteer_id=v.id) for v in (valid, expired)])
        for i, mother in enumerate(mothers):
            source = "health_visitor" if i < 6 else "drc"
            status = "enrolled" if i < 7 else "pending"
            db.session.add(mg.Referral(mother_id=mother.id, source=source, status=status, referred_by="t", referred_on=date(YEAR, 1, 15)))
        db.session.commit()


def _invoices(app, slug: str, agreement_key: str, *, paid: int) -> None:
    """The agreement's invoices for the year, issued through core.billing; the first ``paid`` of them paid."""
    from core.billing.periods import year as billing_year
    from core.billing.services import mark_paid, plan, write_planned
    from core.partnerships.models import Agreement

    with tenant_context(tenant(app, slug)):
        agreement = db.session.execute(select(Agreement).where(Agreement.key == agreement_key)).scalar_one()
        ids = []
        for planned in plan(agreement, billing_year(YEAR)):
            ids += write_planned(agreement, planned, issue=True, actor="test", today=date(YEAR, 12, 31)).invoice_ids
        db.session.commit()
        from core.billing.models import Invoice

        for invoice_id in ids[:paid]:
            invoice = db.session.get_one(Invoice, invoice_id)
            mark_paid(invoice, paid_on=date(YEAR, 12, 31), amount=invoice.total, actor="test", today=date(YEAR, 12, 31))
        db.session.commit()


def client(app, slug: str, role: str, organisation: str | None = None):
    c = app.test_client()
    sign_in(app, c, role, slug, organisation)
    return c


def figures(app, slug: str, key: str, year: int = YEAR, *, disclose: bool = False, lang: str = "da"):
    """The document as the engine renders it: {table key: {row key: [cell texts]}}, and the rendered report."""
    from core.reports.engine import build
    from core.reports.registry import find_report

    with app.test_request_context(f"/{slug}/"), tenant_context(tenant(app, slug)), force_locale(lang):
        programmes = db.session.get_one(Tenant, tenant(app, slug)).enabled_programmes
        found = find_report(key, programmes)
        if found is None:
            raise AssertionError(f"no report {key!r} for {slug}")
        _, report = found
        rendered = build(report, {"year": year}, disclose=disclose, threshold=5)
    tables = {t.key: {k: [c.text for c in row] for k, row in zip(t.row_keys, t.rows, strict=True)} for t in rendered.tables}
    return tables, rendered


# --- Figures, worked out by hand ----------------------------------------------------------


def test_fredericia_document_has_every_figure_the_agreement_asks_for(real):
    t, rendered = figures(real, "fredericia", FREDERICIA_DOC)
    oc = "open_counselling.annual_section."
    assert rendered.title == "Årsrapport: Samarbejdsaftale mellem Mødrehjælpen og Fredericia Kommune"
    assert rendered.period_text == PERIOD
    # Seven families, nine contacts (one family came three times); one of them pregnant.
    assert t[oc + "overview"] == {"all": ["Alle familier med en henvendelse i året", "7", "9"], "pregnant": ["Heraf gravide", "1", "3"]}
    # A family counts at its highest level (3 for the first); contacts at their own.
    levels = t[oc + "need_level"]
    assert [levels[f"level_{n}"][1:] for n in (1, 2, 3, 4)] == [["0", "1"], ["6", "7"], ["1", "1"], ["0", "0"]]
    assert t[oc + "reason"]["housing_economy"][1:] == ["1", "2"] and t[oc + "reason"]["parenthood"][1:] == ["7", "7"]
    assert t[oc + "income_basis"]["cash_benefit"] == ["Kontanthjælp", "1", "3"] and t[oc + "income_basis"]["wages"][1:] == ["6", "6"]
    assert t[oc + "employment"]["unemployed"][1:] == ["1", "3"] and t[oc + "parent_age"]["30_39"][1:] == ["6", "6"]
    assert t[oc + "children_age"]["age_0"][1:] == ["1", "3"] and t[oc + "children_age"]["age_3_6"][1:] == ["6", "6"]
    assert t[oc + "household"]["single"] == ["Enlig", "1", "3"] and t[oc + "household"]["couple"][1:] == ["6", "6"]
    assert t[oc + "referral"]["legal_aid"][1:] == ["1", "1"] and t[oc + "referral"]["financial_counselling"][1:] == ["1", "1"]
    assert t[oc + "notifications"] == {"notifications_sent": ["Sendte underretninger", "2"]}  # a count, nothing else
    va = "volunteer_association.annual_section."
    assert t[va + "activities"]["help"] == ["Hjælpeaktivitet", "2", "12", "20"]
    assert t[va + "activities"]["experience"][1:] == ["1", "6", "9"] and t[va + "activities"]["network"][1:] == ["0", "0", "0"]
    assert t[va + "activities"]["total"][1:] == ["3", "18", "29"]  # the café of 2024 is not in 2025
    co = "core.cofinancing."
    assert t[co + "summary"] == {
        "agreed": ["Aftalt for året", "160.000,00 kr."],
        "invoiced": ["Faktureret (fratrukket kreditnotaer)", "160.000,00 kr."],
        "paid": ["Betalt", "80.000,00 kr."],
        "outstanding": ["Udestående", "80.000,00 kr."],
    }
    assert [row[0] for row in t[co + "documents"].values()] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert [row[3] for row in t[co + "documents"].values()] == ["Betalt", "Betalt", "Udstedt", "Udstedt"]
    # The agreement covers open counselling and the association, not Fredericia's (demo) mother groups.
    assert not any(key.startswith("mother_groups.") for key in t)
    assert [t.section for t in rendered.tables][0] == "Åben rådgivning"


def test_ishoj_document_measures_against_the_agreements_targets(real):
    t, rendered = figures(real, "ishoj", ISHOJ_DOC)
    mg = "mother_groups.annual_section."
    (course,) = [k for k in t[mg + "courses"] if k != "total"]
    assert t[mg + "courses"][course][4:] == ["7", "1", "6"]  # enrolled, left early, stayed
    # Two sessions held (the cancelled one is not), one with the health visitor; 12 present of 14 recorded.
    assert t[mg + "sessions"][course][1:] == ["2", "1", "1", "1", "0", "85,7 %"]
    assert t[mg + "volunteers"][course][1:] == ["2", "1", "1"]  # one certificate ran out in June; one insured
    assert t[mg + "by_source"]["health_visitor"][1:] == ["0", "6", "0", "0", "6"]
    assert t[mg + "by_source"]["drc"][1:] == ["1", "1", "0", "0", "2"] and t[mg + "by_source"]["total"][-1] == "8"
    area = next(row for row in t[mg + "by_area"].values() if row[0] == ISHOJ_AREA)
    assert area[1:] == ["0", "5", "0", "0", "5"]
    targets = {row[0]: row[1:] for row in t[mg + "targets"].values()}
    assert targets == {
        "Forløb i gang i året": ["3", "1"],
        "Forløb med det aftalte antal mødre": ["6–8", "1"],
        "Forløb med det aftalte antal frivillige": ["2–3", "1"],
        "Forløb med de aftalte besøg af sundhedsplejersken i året": ["≥ 1", "1"],
    }
    mothers = {row[0]: row[1:] for row in t[mg + "mothers"].values()}
    assert mothers["Mødre på årets forløb"] == ["7", "24", "29,2 %"]
    assert mothers["Mødre siden aftalens start"] == ["7", "24", "29,2 %"]
    co = "core.cofinancing."
    assert t[co + "summary"]["agreed"][1] == "42.000,00 kr."  # the staircase's third year
    assert t[co + "summary"]["invoiced"][1] == "42.000,00 kr." and t[co + "summary"]["paid"][1] == "0,00 kr."


def test_the_year_picker_changes_the_figures(real):
    this, _ = figures(real, "fredericia", FREDERICIA_DOC, YEAR)
    before, rendered = figures(real, "fredericia", FREDERICIA_DOC, YEAR - 1)
    oc = "open_counselling.annual_section."
    assert this[oc + "overview"]["all"][1:] == ["7", "9"] and before[oc + "overview"]["all"][1:] == ["0", "0"]
    assert before[oc + "notifications"]["notifications_sent"][1] == "1"
    assert before["volunteer_association.annual_section.activities"]["network"][1:] == ["1", "40", "50"]
    assert before["core.cofinancing.summary"]["invoiced"][1] == "0,00 kr."
    assert rendered.period_text == "1. januar 2024 – 31. december 2024"
    page = client(real, "fredericia", "partner_staff", "modrehjaelpen").get(f"/fredericia/reports/{FREDERICIA_DOC}?year={YEAR - 1}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1. januar 2024 – 31. december 2024" in html
    assert f'<option value="{YEAR - 1}" selected>{YEAR - 1}</option>' in html and f'<option value="{YEAR}">' in html
    # Ishøj's agreement ended with 2025: its years are its own, a later one is a Danish 400.
    refused = client(real, "ishoj", "municipal_staff").get(f"/ishoj/reports/{ISHOJ_DOC}?year=2027")
    assert refused.status_code == 400 and "Oplysningerne kunne ikke bruges" in refused.get_data(as_text=True)


# --- Disclosure control ----------------------------------------------------------------------


def test_a_municipal_user_sees_small_counts_only_as_under_5(real):
    page = client(real, "fredericia", "municipal_staff").get(f"/fredericia/reports/{FREDERICIA_DOC}?year={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Diskretionering: antal fra 1 til 4 vises som" in html  # the rule, stated
    assert '<th scope="row">Sendte underretninger</th><td class="align-text-right">&lt;5</td>' in html
    assert '<th scope="row">Kontanthjælp</th><td class="align-text-right">&lt;5</td><td class="align-text-right">&lt;5</td>' in html
    assert '<th scope="row">Heraf gravide</th><td class="align-text-right">&lt;5</td>' in html
    # Every count of the document: none from 1 to 4 is shown, on the page or in a file.
    _, rendered = figures(real, "fredericia", FREDERICIA_DOC, disclose=True)
    for table in rendered.tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row, strict=True):
                if column.is_protected:
                    assert cell.text not in {"1", "2", "3", "4"}, (table.key, column.key, cell.text)
    for secret in SECRETS:
        assert secret not in html
    # The running organisation's own staff see the figures as they are, and no rule.
    own = client(real, "fredericia", "partner_staff", "modrehjaelpen").get(f"/fredericia/reports/{FREDERICIA_DOC}?year={YEAR}")
    assert '<th scope="row">Sendte underretninger</th><td class="align-text-right">2</td>' in own.get_data(as_text=True)


def _equations(rendered) -> list:
    """What a reader knows adds up in the documents, written from their shape (not taken from core's relations)."""
    from core.reports.disclosure import Cell
    from tests.reports import lp_audit

    rows = {t.key: t.row_keys for t in rendered.tables}
    equations = []
    oc = "open_counselling.annual_section."
    if oc + "overview" in rows:
        for table in ("need_level", "income_basis", "employment", "parent_age", "household"):
            for column in ("families", "contacts"):
                parts = [Cell(oc + table, k, column) for k in rows[oc + table]]
                equations.append(lp_audit.sum_of(Cell(oc + "overview", "all", column), parts))
    va = "volunteer_association.annual_section.activities"
    if va in rows:
        for column in ("families", "children"):
            equations.append(lp_audit.sum_of(Cell(va, "total", column), [Cell(va, k, column) for k in rows[va] if k != "total"]))
    mg = "mother_groups.annual_section."
    if mg + "courses" in rows:
        courses = [k for k in rows[mg + "courses"] if k != "total"]
        for column in ("enrolled", "left", "stayed"):
            equations.append(lp_audit.sum_of(Cell(mg + "courses", "total", column), [Cell(mg + "courses", k, column) for k in courses]))
        for k in rows[mg + "courses"]:
            equations.append(lp_audit.sum_of(Cell(mg + "courses", k, "enrolled"), [Cell(mg + "courses", k, c) for c in ("left", "stayed")]))
        for column in ("volunteers", "certified", "insured"):
            equations.append(
                lp_audit.sum_of(Cell(mg + "volunteers", "total", column), [Cell(mg + "volunteers", k, column) for k in courses])
            )
        statuses = ("pending", "enrolled", "waitlisted", "declined")
        for table in ("by_source", "by_area"):
            keys = [k for k in rows[mg + table] if k != "total"]
            equations += lp_audit.grid_equations(
                [*keys, "total"], [*statuses, "total"], "total", "total", lambda r, c, t=table: Cell(mg + t, r, c)
            )
        for column in (*statuses, "total"):
            equations.append(lp_audit.sum_of(Cell(mg + "by_source", "total", column), [Cell(mg + "by_area", "total", column)]))
    return equations


def test_the_documents_pass_the_disclosure_audit(real):
    """The independent LP audit (tests/reports/lp_audit.py) on everything each document publishes together."""
    from core.reports.engine import normalise, protected_values
    from core.reports.registry import find_report
    from tests.reports import lp_audit

    for slug, key in (("fredericia", FREDERICIA_DOC), ("ishoj", ISHOJ_DOC)):
        _, rendered = figures(real, slug, key, disclose=True)
        with real.test_request_context(f"/{slug}/"), tenant_context(tenant(real, slug)):
            _, report = find_report(key, db.session.get(Tenant, tenant(real, slug)).enabled_programmes)
            values = protected_values(report, normalise(report, report.compute({"year": YEAR})))
        disclosure = rendered.disclosure
        assert disclosure is not None and disclosure.hidden, key
        published = {cell: disclosure.marker(cell) or value for cell, value in values.items()}
        assert lp_audit.failures(published, _equations(rendered), 5) == [], key


# --- Every format -------------------------------------------------------------------------------


def test_every_format_opens_with_the_period_and_the_rule(real):
    c = client(real, "fredericia", "municipal_staff")
    rows = read_csv(c.get(f"/fredericia/reports/{FREDERICIA_DOC}.csv?year={YEAR}").get_data())
    assert rows[0] == ["Årsrapport: Samarbejdsaftale mellem Mødrehjælpen og Fredericia Kommune"]
    assert ["Kommune", "Fredericia Kommune"] in rows and ["Periode", PERIOD] in rows
    assert any(r and r[0].startswith("Diskretionering: antal fra 1 til 4") for r in rows)
    assert ["ÅBEN RÅDGIVNING"] in rows and ["MEDFINANSIERING"] in rows
    assert ["Sendte underretninger", "<5"] in rows and ["Aftalt for året", "160000,00"] in rows

    book = load_workbook(io.BytesIO(c.get(f"/fredericia/reports/{FREDERICIA_DOC}.xlsx?year={YEAR}").get_data()))
    about = [[cell.value for cell in row] for row in book["Om rapporten"].iter_rows()]
    assert ["Periode", PERIOD] in about
    for sheet in book.worksheets[1:]:
        assert sheet["A2"].value == f"Periode: {PERIOD}", sheet.title  # the period on every sheet
    money = next(s for s in book.worksheets if s["A1"].value == "Medfinansiering aftalt, faktureret og betalt")
    assert [money["A5"].value, money["B5"].value] == ["Aftalt for året", 160000.0] and money["B5"].data_type == "n"

    pdf = c.get(f"/fredericia/reports/{FREDERICIA_DOC}.pdf?year={YEAR}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]  # the running header may wrap
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):  # every page names the period and states the rule
        assert "1. januar 2025 – 31. december 2025" in page and "Diskretionering" in page and f"Side {number} / {len(pages)}" in page
    text = "\n".join(pages)
    assert "Sendte underretninger" in text and "Medfinansiering" in text
    for secret in SECRETS:
        assert secret not in text


def test_a_background_export_of_the_document_is_under_disclosure_control(real):
    from core.testing.fixtures import csrf_from

    staff = client(real, "fredericia", "partner_staff", "modrehjaelpen")  # sees the figures on the page, never in a file
    url = f"/fredericia/reports/{FREDERICIA_DOC}"
    token = csrf_from(staff.get(f"{url}?year={YEAR}").get_data(as_text=True))
    started = staff.post(f"{url}/exports", data={"csrf_token": token, "format": "html", "year": str(YEAR)})
    assert started.status_code == 303
    export_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    html = staff.get(f"/fredericia/reports/exports/{export_id}/download").get_data(as_text=True)
    assert PERIOD in html and "Diskretionering" in html and "Sendte underretninger" in html
    assert ">2<" not in html.split("Sendte underretninger", 1)[1][:80]  # the two notifications are "<5" in a file
    bad = staff.post(f"{url}/exports", data={"csrf_token": token, "format": "pdf", "year": "1999"})
    assert bad.status_code == 400


def test_the_command_line_lists_and_makes_the_documents(real, tmp_path):
    runner = real.test_cli_runner()
    listed = runner.invoke(args=["reports", "list", "--tenant", "fredericia"]).output.splitlines()
    assert f"{FREDERICIA_DOC}\tÅrsrapport: Samarbejdsaftale mellem Mødrehjælpen og Fredericia Kommune" in listed
    assert f"{ISHOJ_DOC}\tÅrsrapport: Ny mor i Danmark (demo)" in listed
    path = tmp_path / "aarsrapport.html"
    result = runner.invoke(
        args=["reports", "run", ISHOJ_DOC, "--tenant", "ishoj", "--year", str(YEAR), "--format", "html", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    html = path.read_text()
    assert PERIOD in html and "Diskretionering" in html and "Mål i aftalen: forløb" in html and "42.000,00 kr." in html
    assert "Mor Zqxw" not in html
    bad = runner.invoke(args=["reports", "run", ISHOJ_DOC, "--tenant", "ishoj", "--year", "2019", "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and "year" in bad.output


# --- Reaching it, headings, isolation, statements -----------------------------------------------


def test_the_agreement_page_and_the_reports_index_link_to_the_document(real):
    from core.partnerships.models import Agreement

    with real.app_context(), tenant_context(tenant(real, "fredericia")):
        agreement_id = db.session.scalar(select(Agreement.id).where(Agreement.key == "moedrehjaelpen-fredericia"))
    c = client(real, "fredericia", "municipal_staff")
    page = c.get(f"/fredericia/agreements/{agreement_id}").get_data(as_text=True)
    assert f'href="/fredericia/reports/{FREDERICIA_DOC}"' in page
    index = c.get("/fredericia/reports/").get_data(as_text=True)
    assert f'href="/fredericia/reports/{FREDERICIA_DOC}"' in index and f'href="/fredericia/reports/{ISHOJ_DOC}"' in index
    # Mødrehjælpen's staff are offered their own agreement's document, not DRC's.
    own = client(real, "fredericia", "partner_staff", "modrehjaelpen")
    listed = own.get("/fredericia/reports/").get_data(as_text=True)
    assert FREDERICIA_DOC in listed and ISHOJ_DOC not in listed
    assert own.get(f"/fredericia/reports/{ISHOJ_DOC}").status_code == 404
    assert client(real, "ishoj", "municipal_staff").get(f"/ishoj/reports/{FREDERICIA_DOC}").status_code == 404


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_heading_or_label_is_a_key(real, lang):
    for slug, key in (("fredericia", FREDERICIA_DOC), ("ishoj", ISHOJ_DOC), ("fredericia", ISHOJ_DOC)):
        _, rendered = figures(real, slug, key, lang=lang)
        for table in rendered.tables:
            assert table.title and table.section
            for column, heading in zip(table.columns, table.headings, strict=True):
                assert heading and heading != column.key and "_" not in heading, (key, lang, column.key)
            for row in table.rows:
                for column, cell in zip(table.columns, row, strict=True):
                    if column.kind == "label":
                        assert "_" not in cell.text and cell.text not in ("all", "total", "agreed"), (table.key, cell.text)
        assert all(c.title and c.summary for c in rendered.charts)
    if lang == "en":
        assert rendered.title == "Annual report: Ny mor i Danmark (demo)"


def test_another_tenants_distinctive_value_never_appears(real):
    ishoj = client(real, "ishoj", "partner_staff", "drc-integration").get(f"/ishoj/reports/{ISHOJ_DOC}?year={YEAR}")
    assert ISHOJ_AREA in ishoj.get_data(as_text=True)  # it is there where it belongs
    c = client(real, "fredericia", "municipal_staff")
    for key in (FREDERICIA_DOC, ISHOJ_DOC):
        for suffix in ("", ".csv", ".xlsx"):
            body = c.get(f"/fredericia/reports/{key}{suffix}?year={YEAR}").get_data()
            assert ISHOJ_AREA.encode() not in body, (key, suffix)
    t, _ = figures(real, "fredericia", ISHOJ_DOC)
    assert t["mother_groups.annual_section.courses"] == {}  # Fredericia's demo mother groups have no course here
    assert t["core.cofinancing.summary"]["invoiced"][1] == "0,00 kr."  # Ishøj's invoice is Ishøj's


def test_the_documents_statements_do_not_grow_with_the_data(real):
    def statements(key: str, slug: str) -> int:
        c = client(real, slug, "municipal_staff")
        c.get(f"/{slug}/reports/{key}?year={YEAR}")  # caches of a first request (directory, session) are not the page's
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        with real.app_context():
            engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        try:
            assert c.get(f"/{slug}/reports/{key}?year={YEAR}").status_code == 200
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = statements(FREDERICIA_DOC, "fredericia"), statements(ISHOJ_DOC, "ishoj")
    with real.test_request_context("/"):
        _counselling(tenant(real, "fredericia"), families=30, prefix="FX")  # 31 more families, 33 more contacts
        _association(tenant(real, "fredericia"))
        _mother_groups(tenant(real, "ishoj"), "Nyt område")  # a second course, eight more mothers and referrals
        db.session.remove()
    # Every figure test above reads the module's own data; this one and the next grow it (they run last).
    assert (statements(FREDERICIA_DOC, "fredericia"), statements(ISHOJ_DOC, "ishoj")) == before


def test_demo_data_gives_consistent_documents(real):
    """On the demo data: the document builds for every agreement, and its families equal a direct count."""
    from core.demo import load_demo_data
    from plugins.open_counselling.models import Contact

    with real.app_context():
        load_demo_data()
        db.session.remove()
    from core.calendar import copenhagen_today

    year = copenhagen_today().year
    t, rendered = figures(real, "fredericia", FREDERICIA_DOC, year, disclose=True)
    with real.app_context(), tenant_context(tenant(real, "fredericia")):
        families = db.session.scalar(
            select(func.count(func.distinct(Contact.family_id))).where(Contact.day.between(date(year, 1, 1), date(year, 12, 31)))
        )
    shown = t["open_counselling.annual_section.overview"]["all"][1]
    assert shown == (str(families) if families >= 5 or families == 0 else "<5")
    assert rendered.disclosure is not None
    figures(real, "ishoj", ISHOJ_DOC, year, disclose=True)
