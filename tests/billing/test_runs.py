"""The seeds' figures end to end through `samvirke billing`: runs, numbers, idempotence, refusals."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from core.billing.services import BANK_DAYS_OFF, bank_day_on_or_after, due_date_for, is_bank_day
from tests.billing.helpers import agreement_changed, all_invoices, invoices, series


def run(cli, *args):
    return cli.invoke(args=["billing", "run", *args])


def test_ishoj_gets_one_invoice_each_for_2023_2024_2025_of_the_staircase(cli, real):
    for number, (year, amount) in enumerate((("2023", "14.000,00"), ("2024", "28.000,00"), ("2025", "42.000,00")), start=1):
        result = run(cli, "--period", year, "--tenant", "ishoj")
        assert result.exit_code == 0, result.output
        assert f"ishoj: Ny mor i Danmark: Faktura {number} for {year}: {amount} kr." in result.output
    rows = invoices(real, "ishoj")
    assert [(r["period"], r["total"], r["kind"], r["state"], r["issuer"]) for r in rows] == [
        ("2023", Decimal("14000.00"), "invoice", "issued", "drc-integration"),
        ("2024", Decimal("28000.00"), "invoice", "issued", "drc-integration"),
        ("2025", Decimal("42000.00"), "invoice", "issued", "drc-integration"),
    ]
    assert sum(r["total"] for r in rows) == Decimal("84000.00")
    assert [r["number"] for r in rows] == [1, 2, 3]  # DRC Integration's series
    listed = json.loads(cli.invoke(args=["billing", "invoices", "--tenant", "ishoj", "--json"]).output)
    assert [(r["number"], r["period"], r["agreement"], r["total"], r["state"]) for r in listed] == [
        (1, "2023", "ny-mor-i-danmark", "14000.00", "issued"),
        (2, "2024", "ny-mor-i-danmark", "28000.00", "issued"),
        (3, "2025", "ny-mor-i-danmark", "42000.00", "issued"),
    ]
    assert listed[0]["lines"][0]["description"] == "Trappemodel (kommunal medfinansiering) 2023"
    assert listed[0]["buyer_reference"] == "DEMO-NYMOR"


def test_fredericia_gets_four_quarterly_invoices_of_40000_numbered_consecutively(cli, real):
    result = run(cli, "--period", "2024", "--tenant", "fredericia", "--organisation", "modrehjaelpen")
    assert result.exit_code == 0, result.output
    rows = invoices(real, "fredericia", issuer_organisation_id=_organisation(real, "modrehjaelpen"))
    assert [(r["period"], r["total"]) for r in rows] == [(f"2024-Q{q}", Decimal("40000.00")) for q in (1, 2, 3, 4)]
    assert [r["number"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["lines"] == [("Åben rådgivning, 1. kvartal 2024", Decimal("40000.00"))]
    # The organisation filter left DRC's demo agreement in Fredericia alone.
    assert {r["issuer"] for r in invoices(real, "fredericia")} == {"modrehjaelpen"}
    # The next quarter continues the series.
    assert run(cli, "--period", "2025-Q1", "--tenant", "fredericia").exit_code == 0
    modrehjaelpen = invoices(real, "fredericia", issuer_organisation_id=_organisation(real, "modrehjaelpen"))
    assert [r["number"] for r in modrehjaelpen] == [1, 2, 3, 4, 5]


def _organisation(app, slug):
    from core.testing.fixtures import organisation_id

    return organisation_id(app, slug)


def test_one_series_per_organisation_across_its_tenants_and_running_twice_changes_nothing(cli, real):
    first = run(cli, "--period", "2024")
    assert first.exit_code == 0, first.output
    before = sorted(all_invoices(real))
    again = run(cli, "--period", "2024")
    assert again.exit_code == 0, again.output
    assert "Allerede faktureret" in again.output or "Already invoiced" in again.output
    assert sorted(all_invoices(real)) == before  # still exactly one per agreement and period
    by_issuer: dict[str, list[int]] = {}
    tenants_of: dict[str, set[int]] = {}
    for tenant_id, _agreement, _period, number, issuer, _kind in before:
        by_issuer.setdefault(issuer, []).append(number)
        tenants_of.setdefault(issuer, set()).add(tenant_id)
    for issuer, numbers in by_issuer.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"{issuer}: gapless from 1"
    assert len(tenants_of["drc-integration"]) >= 6  # DRC's one series runs through Ishøj, Aarhus, Fredericia, ...
    assert series(real) == {issuer: len(numbers) for issuer, numbers in by_issuer.items()}
    keys = [(t, a, p) for t, a, p, _n, _i, kind in before if kind == "invoice"]
    assert len(keys) == len(set(keys))


def test_the_due_date_is_a_danish_bank_day_after_the_organisations_terms(cli, real, monkeypatch):
    import core.billing.runs as runs

    monkeypatch.setattr(runs, "copenhagen_today", lambda: date(2025, 12, 1))
    assert run(cli, "--period", "2025", "--tenant", "ishoj").exit_code == 0
    (row,) = invoices(real, "ishoj")
    # DRC Integration: 30 days. 31 December is no bank day, 1 January a holiday, 3-4 January a weekend.
    assert row["issue_date"] == date(2025, 12, 1)
    assert row["due_date"] == date(2026, 1, 2) == bank_day_on_or_after(date(2025, 12, 31))
    # Familienetværket (Kolding): 14 days.
    monkeypatch.setattr(runs, "copenhagen_today", lambda: date(2025, 5, 15))
    assert run(cli, "--period", "2025-Q2", "--tenant", "kolding").exit_code == 0
    (kolding,) = invoices(real, "kolding")
    # 29 May is Ascension Day, the 30th the banks' day off after it, then a weekend.
    assert kolding["due_date"] == date(2025, 6, 2)


def test_bank_days_leave_out_the_holidays_banks_keep():
    assert "12-24" in BANK_DAYS_OFF and "06-05" in BANK_DAYS_OFF
    assert not is_bank_day(date(2025, 5, 29))  # Ascension Day
    assert not is_bank_day(date(2025, 5, 30))  # the day after: banks are closed
    assert not is_bank_day(date(2025, 6, 5))  # Constitution Day
    assert is_bank_day(date(2025, 5, 1))  # 1 May: banks are open
    assert due_date_for(date(2025, 5, 16), 14) == date(2025, 6, 2)


def test_a_draft_run_numbers_nothing_and_the_next_run_issues_the_drafts(cli, real):
    result = run(cli, "--period", "2024", "--tenant", "ishoj", "--draft")
    assert result.exit_code == 0, result.output
    (draft,) = invoices(real, "ishoj")
    assert (draft["state"], draft["number"], draft["total"]) == ("draft", None, Decimal("28000.00"))
    assert series(real).get("drc-integration") is None
    assert run(cli, "--period", "2024", "--tenant", "ishoj", "--draft").exit_code == 0
    assert len(invoices(real, "ishoj")) == 1
    assert run(cli, "--period", "2024", "--tenant", "ishoj").exit_code == 0
    (issued,) = invoices(real, "ishoj")
    assert (issued["id"], issued["state"], issued["number"]) == (draft["id"], "issued", 1)


def test_a_period_overlapping_one_already_invoiced_is_refused(cli, real):
    assert run(cli, "--period", "2024", "--tenant", "ishoj").exit_code == 0
    result = run(cli, "--period", "2024-Q2", "--tenant", "ishoj")
    assert result.exit_code == 1
    assert "overlapper" in result.output or "overlaps" in result.output
    assert [r["period"] for r in invoices(real, "ishoj")] == ["2024"]
    assert series(real)["drc-integration"] == 1


# --- bad input: a clear Danish message, nothing written ---------------------------------------


def _nothing_written(real, slug):
    assert invoices(real, slug) == []
    assert series(real) == {}


def test_a_wrong_ean_check_digit_on_the_payer_is_refused(cli, real):
    with agreement_changed(real, "ishoj", "ny-mor-i-danmark", payer={"ean": "5798999901838", "buyer_reference": "DEMO-NYMOR"}):
        result = run(cli, "--period", "2024", "--tenant", "ishoj")
    assert result.exit_code == 1
    assert "5798999901838" in result.output and "kontrolciffer" in result.output
    _nothing_written(real, "ishoj")


def test_a_missing_buyer_reference_is_refused(cli, real):
    with agreement_changed(real, "ishoj", "ny-mor-i-danmark", payer={"ean": "5798999901839", "contact": "Sundhedsplejen"}):
        result = run(cli, "--period", "2024", "--tenant", "ishoj")
    assert result.exit_code == 1
    assert "købers reference" in result.output or "buyer reference" in result.output
    _nothing_written(real, "ishoj")


def test_a_period_outside_the_agreement_is_refused(cli, real):
    result = run(cli, "--period", "2019", "--tenant", "ishoj")  # before every agreement of Ishøj (its lektiecafé demo runs from 2026)
    assert "uden for aftalen" in result.output or "outside the agreement" in result.output
    _nothing_written(real, "ishoj")


def test_a_rule_yielding_a_negative_total_is_refused(cli, real):
    from plugins.mother_groups.billing import StaircaseParameters

    # The rule's own schema refuses a negative amount; a rule can still yield one.
    original = StaircaseParameters.load
    with agreement_changed(real, "ishoj", "ny-mor-i-danmark", billing_parameters={"amounts": {"2024": -500}}):
        StaircaseParameters.load = lambda self, data, **kw: {"amounts": {"2024": -500}}
        try:
            result = run(cli, "--period", "2024", "--tenant", "ishoj")
        finally:
            StaircaseParameters.load = original
    assert result.exit_code == 1
    assert "negativ" in result.output
    _nothing_written(real, "ishoj")


@pytest.mark.parametrize("period", ["2024-Q5", "24", "2024-13", "næste år"])
def test_a_bad_period_is_refused_before_anything_runs(cli, real, period):
    result = run(cli, "--period", period)
    assert result.exit_code == 2
    assert "Angiv perioden som et år (2024), et kvartal (2024-Q1) eller en måned (2024-03)" in result.output
    assert all_invoices(real) == []


def test_an_unknown_tenant_or_organisation_is_refused(cli, real):
    assert "ingen aktiv kommune" in run(cli, "--period", "2024", "--tenant", "atlantis").output
    assert "ingen aktiv organisation" in run(cli, "--period", "2024", "--organisation", "atlantis").output


# --- export -------------------------------------------------------------------------------


def test_export_writes_a_validated_peppol_document_and_a_pdf(cli, real, tmp_path):
    assert run(cli, "--period", "2024", "--tenant", "ishoj").exit_code == 0
    xml_file, pdf_file = tmp_path / "1.xml", tmp_path / "1.pdf"
    result = cli.invoke(
        args=["billing", "export", "--invoice", "1", "--organisation", "drc-integration", "--format", "peppol", "-o", str(xml_file)]
    )
    assert result.exit_code == 0, result.output
    assert "valideret" in result.output
    xml = xml_file.read_text()
    for expected in (
        'schemeID="0184">99990104<',
        'schemeID="0088">5798999901839<',
        "<cbc:BuyerReference>DEMO-NYMOR<",
        "VATEX-EU-132-1G",
        "28000.00",
    ):
        assert expected in xml
    result = cli.invoke(
        args=["billing", "export", "--invoice", "1", "--organisation", "drc-integration", "--format", "pdf", "-o", str(pdf_file)]
    )
    assert result.exit_code == 0, result.output
    assert pdf_file.read_bytes().startswith(b"%PDF")


def test_export_of_a_number_several_issuers_use_asks_which(cli, real, tmp_path):
    assert run(cli, "--period", "2024").exit_code == 0
    result = cli.invoke(args=["billing", "export", "--invoice", "1", "--format", "pdf", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "--organisation" in result.output
    assert cli.invoke(args=["billing", "export", "--invoice", "999", "--format", "pdf", "-o", str(tmp_path / "x.pdf")]).exit_code == 2


def test_twelve_monthly_runs_bill_each_month_once_and_the_year_adds_up(cli, real):
    # Many inserts on one pooled connection: psycopg prepares the statement after five, and the
    # (agreement, period) key must still be found (a regression: the partial index's predicate).
    for month in range(1, 13):
        assert run(cli, "--period", f"2024-{month:02d}", "--tenant", "ishoj").exit_code == 0
    for month in range(1, 13):
        assert run(cli, "--period", f"2024-{month:02d}", "--tenant", "ishoj").exit_code == 0
    rows = invoices(real, "ishoj")
    assert [r["period"] for r in rows] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert abs(sum(r["total"] for r in rows) - Decimal("28000")) < Decimal("0.10")  # whole øre per month
    assert [r["number"] for r in rows] == list(range(1, 13))
