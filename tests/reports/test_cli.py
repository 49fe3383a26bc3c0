"""``samvirke reports list`` and ``samvirke reports run``."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reports.conftest import read_csv

COUNTS = {"Ishøj": [8, 3], "Fredericia": [10, 14], "Vejle": [20, 18]}


def test_list_gives_one_report_a_line_key_then_title(runner, sample_reports):
    result = runner.invoke(args=["reports", "list", "--tenant", "alpha"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "sample.household_sizes\tHusstande efter størrelse" in lines
    assert "example.households\tHusstande" in lines  # a programme's report
    assert "annual.testaftale\tÅrsrapport: Testaftale Alfa Kommune" in lines  # the agreement's annual report
    assert all(len(line.split("\t")) == 2 for line in lines)
    english = runner.invoke(args=["reports", "list", "--tenant", "alpha", "--lang", "en"]).output.splitlines()
    assert "sample.household_sizes\tHouseholds by size" in english


def test_list_leaves_out_the_programmes_a_tenant_has_not_enabled(runner):
    lines = runner.invoke(args=["reports", "list", "--tenant", "gamma"]).output.splitlines()
    assert not any(line.startswith("mother_groups.") for line in lines)


def test_run_writes_each_format(runner, sample_reports, tmp_path):
    sample_reports.CRAFTED.update(years=[2024, 2025], counts=COUNTS)
    outputs = {}
    for fmt in ("html", "csv", "xlsx", "pdf"):
        path = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            args=["reports", "run", "sample.crafted", "--tenant", "alpha", "--year", "2025", "--format", fmt, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{path}: ")
        outputs[fmt] = path.read_bytes()
    assert "1. januar 2025 – 31. december 2025" in outputs["html"].decode()
    rows = read_csv(outputs["csv"])
    assert ["Periode", "1. januar 2025 – 31. december 2025"] in rows and ["Ishøj", "x", "<5", "11"] in rows
    assert load_workbook(io.BytesIO(outputs["xlsx"]))["Efter år"]["B5"].value == 38
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(outputs["pdf"])).pages)
    assert "Deltagere efter kommune og år" in text and "Diskretionering" in text


def test_run_refuses_an_unknown_report_and_bad_parameters(runner, sample_reports, tmp_path):
    path = tmp_path / "out.pdf"
    unknown = runner.invoke(args=["reports", "run", "sample.nothing", "--tenant", "alpha", "-o", str(path)])
    assert unknown.exit_code == 2 and "no report 'sample.nothing'" in unknown.output
    bad = runner.invoke(args=["reports", "run", "sample.crafted", "--tenant", "alpha", "--year", "1800", "-o", str(path)])
    assert bad.exit_code == 2 and "year" in bad.output
    assert not path.exists()
    assert runner.invoke(args=["reports", "list", "--tenant", "nowhere"]).exit_code == 2
