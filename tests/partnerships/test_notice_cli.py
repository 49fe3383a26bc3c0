"""`samvirke agreements notice`: the earliest end under each agreement's terms, counted by hand.

Ishøj–DRC (tenants/ishoj.toml): 30 working days' written notice, days off beside the public
holidays 5 June, 24 and 31 December, ends 31 December 2025. Fredericia–Mødrehjælpen
(tenants/fredericia.toml): 6 months' notice to the end of a calendar year, open-ended.
The test tenant alpha: 30 working days, no declared days off. The skipped days are listed
next to each expected date.
"""

from __future__ import annotations

import pytest

from config import ROOT
from core.testing.fixtures import build_app


@pytest.fixture(scope="module")
def real(database_factory):
    """An app whose tenants and organisations are the repository's own files."""
    return build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))


def notice(app, *args: str):
    return app.test_cli_runner().invoke(args=["agreements", "notice", *args])


ISHOJ = "ny-mor-i-danmark: 30 arbejdsdages skriftligt varsel; earliest end {}"
FREDERICIA = "moedrehjaelpen-fredericia: 6 måneders varsel til udgangen af et kalenderår; earliest end {}"


@pytest.mark.parametrize(
    ("given", "end"),
    [
        # Easter 2025: Mon 31 March; skipped: weekends, Maundy Thursday 17 April, Good Friday
        # 18 April, Easter Monday 21 April (1 May is a working day here) -> Thu 15 May.
        ("2025-03-31", "2025-05-15"),
        # Ascension and Whitsun 2025: Fri 16 May; skipped: Ascension Day 29 May (the day after
        # counts), Constitution Day 5 June (declared), Whit Monday 9 June -> Wed 2 July.
        ("2025-05-16", "2025-07-02"),
        # Christmas 2024: Mon 25 November; skipped: 24 December (declared), 25 and 26
        # December, 31 December (declared), 1 January -> Mon 13 January 2025.
        ("2024-11-25", "2025-01-13"),
        # Notice in December 2025 would run into 2026: the agreement ends 31 December 2025 anyway.
        ("2025-12-01", "2025-12-31"),
    ],
)
def test_ishoj_thirty_working_days(real, given, end):
    result = notice(real, "--tenant", "ishoj", "--agreement", "ny-mor-i-danmark", "--given", given)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ISHOJ.format(end)


def test_ishoj_after_the_end_says_so(real):
    result = notice(real, "--tenant", "ishoj", "--agreement", "ny-mor-i-danmark", "--given", "2026-01-05")
    assert result.exit_code == 0
    assert (
        result.output.strip()
        == "ny-mor-i-danmark: 30 arbejdsdages skriftligt varsel; no notice on 2026-01-05: the agreement ends 2025-12-31"
    )


@pytest.mark.parametrize(
    ("given", "end"),
    [
        ("2026-06-30", "2026-12-31"),  # 6 months later is 30 December: still this year
        ("2026-07-01", "2027-12-31"),  # 6 months later is 1 January: next year
        ("2025-04-18", "2025-12-31"),  # Good Friday: holidays do not matter for months
        ("2025-05-29", "2025-12-31"),  # Ascension Day
        ("2025-06-09", "2025-12-31"),  # Whit Monday
        ("2025-12-24", "2026-12-31"),  # Christmas Eve
        ("2020-01-01", "2020-12-31"),  # the first day of the agreement
    ],
)
def test_fredericia_six_months_to_the_end_of_a_calendar_year(real, given, end):
    result = notice(real, "--tenant", "fredericia", "--given", given, "--agreement", "moedrehjaelpen-fredericia")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == FREDERICIA.format(end)


def test_every_agreement_of_a_tenant_without_agreement(real):
    # Fredericia's DRC demo agreement: 30 working days, days off 5 June, 24 and 31 December.
    # Wed 13 May 2026; skipped: Ascension Day 14 May, Whit Monday 25 May, Constitution Day
    # Fri 5 June -> Mon 29 June 2026.
    result = notice(real, "--tenant", "fredericia", "--given", "2026-05-13")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        FREDERICIA.format("2026-12-31"),
        "ny-mor-i-danmark: 30 arbejdsdages skriftligt varsel; earliest end 2026-06-29",
    ]


def test_the_test_tenant_counts_christmas_eve_without_declared_days_off(runner):
    # Tue 1 December 2026; skipped: 25 December and 1 January only (24 and 31 December
    # are working days when not declared) -> Thu 14 January 2027.
    result = runner.invoke(args=["agreements", "notice", "--tenant", "alpha", "--given", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "testaftale: 30 arbejdsdages skriftligt varsel; earliest end 2027-01-14"


def test_before_the_start_says_so(runner):
    result = runner.invoke(args=["agreements", "notice", "--tenant", "alpha", "--given", "2019-06-03"])
    assert result.exit_code == 0
    assert "no notice on 2019-06-03: the agreement starts 2020-01-01" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "atlantis", "--given", "2026-01-05"], "no active tenant 'atlantis'"),
        (["--tenant", "alpha", "--given", "2026-01-05", "--agreement", "findes-ikke"], "tenant 'alpha' has no agreement 'findes-ikke'"),
        (["--tenant", "alpha", "--given", "2026-02-30"], "'2026-02-30' is not a date as YYYY-MM-DD"),
        (["--tenant", "alpha", "--given", "5/1/2026"], "'5/1/2026' is not a date as YYYY-MM-DD"),
        (["--tenant", "alpha"], "Missing option '--given'"),
    ],
)
def test_unknown_tenant_agreement_or_bad_date_is_a_clear_error(runner, args, message):
    result = runner.invoke(args=["agreements", "notice", *args])
    assert result.exit_code == 2
    assert message in result.output
