"""The national view's tables under an intruder's audit (tests/reports/lp_audit.py, written apart from core's).

The three views of each programme (municipalities in the year, the country per
year, per municipality and year) are published together, so differencing one
against another is what an intruder tries: a year's total minus the other
municipalities, a municipality's row in the comparison against its row in the
detail. The equations are written here from the tables' shape, not taken
from core's declared relations.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from core.national import figures as F
from core.national import report as national_report
from core.national.report import TOTAL, NationalReport, window
from core.national.scope import Coverage, Municipality
from core.reports.disclosure import Cell
from core.reports.engine import build
from plugins.mother_groups.national import FIGURES as MOTHER_GROUPS
from plugins.open_counselling.national import FIGURES as OPEN_COUNSELLING
from tests.reports import lp_audit

T = 5
YEAR = 2025
YEARS = window(YEAR)  # the canonical years: the last five up to the default year
# The counts each programme declares (its plugin's national figures), the cells the audit solves for.
COUNTS = {"mother_groups": MOTHER_GROUPS.counts(), "open_counselling": OPEN_COUNSELLING.counts()}


def _coverage(n: int) -> Coverage:
    municipalities = {t: Municipality(t, f"k{t:02d}", f"Kommune {t:02d}") for t in range(1, n + 1)}
    spans: dict[int, list[tuple[date, date | None]]] = {t: [(date(2000, 1, 1), None)] for t in municipalities}
    return Coverage(agreements=[], periods={"mother_groups": dict(spans), "open_counselling": dict(spans)}, municipalities=municipalities)


def _published(rendered) -> dict[Cell, int | str]:
    """What the page shows of every count: the figure, or its marker."""
    shown: dict[Cell, int | str] = {}
    for table in rendered.tables:
        for key, row in zip(table.row_keys, table.rows, strict=True):
            for column, cell in zip(table.columns, row, strict=True):
                if column.kind == "count":
                    shown[Cell(table.key, key, column.key)] = cell.value if isinstance(cell.value, str) else int(cell.value)
    return shown


def _equations(n: int) -> list[lp_audit.Equation]:
    """What a reader can add up: the comparison's total row, each year of the trend, each municipality in both views."""
    equations: list[lp_audit.Equation] = []
    slugs = [f"k{t:02d}" for t in range(1, n + 1)]
    for programme, counts in COUNTS.items():
        for column in counts:
            municipalities, years, detail = (f"{programme}.{v}" for v in ("municipalities", "years", "detail"))
            equations.append(lp_audit.sum_of(Cell(municipalities, TOTAL, column), [Cell(municipalities, s, column) for s in slugs]))
            for y in YEARS:
                equations.append(lp_audit.sum_of(Cell(years, str(y), column), [Cell(detail, f"{s}:{y}", column) for s in slugs]))
            for s in slugs:
                equations.append(lp_audit.sum_of(Cell(municipalities, s, column), [Cell(detail, f"{s}:{YEAR}", column)]))
            equations.append(lp_audit.sum_of(Cell(years, str(YEAR), column), [Cell(municipalities, TOTAL, column)]))
    return equations


def _figures(seed: int, n: int, small_share: float):
    rng = random.Random(seed)

    def count() -> int:
        return rng.randint(1, 4) if rng.random() < small_share else rng.choice([0, rng.randint(5, 40)])

    mothers = {
        (t, y): {"courses": 1, "mothers": count(), "volunteers": count(), "_present": 10, "_recorded": 12, "_visited": 1}
        for t in range(1, n + 1)
        for y in YEARS
    }
    contacts = {}
    for t in range(1, n + 1):
        for y in YEARS:
            families = count()
            contacts[(t, y)] = {"families": families, "contacts": families * rng.randint(1, 3)}
    return mothers, contacts


def _given(monkeypatch, figures: dict) -> None:
    """The programmes' aggregates replaced by these figures (the rates from their parts, as core computes them)."""

    def programme(key, tenants, years):
        out = {}
        for cell, values in figures[key].items():
            values = dict(values)
            if key == "mother_groups":
                for rate, part, whole in (("attendance", "_present", "_recorded"), ("visits", "_visited", "courses")):
                    values[rate] = F.percent(values[part], values[whole])
                    values[f"_{rate}_part"], values[f"_{rate}_whole"] = values[part], values[whole]
            out[cell] = values
        return out

    monkeypatch.setattr(F, "programme", programme)


def _render(app, monkeypatch, n: int, seed: int, small_share: float = 0.3, *, secondary: bool = True, relations: bool = True):
    mothers, contacts = _figures(seed, n, small_share)
    _given(monkeypatch, {"mother_groups": mothers, "open_counselling": contacts})
    if not relations:  # disclosure control not told that the views show the same counts
        protect = national_report.protect
        monkeypatch.setattr(national_report, "protect", lambda values, relations, threshold, **kw: protect(values, [], threshold, **kw))
    national = NationalReport(
        _coverage(n), {"mother_groups": "Mødregrupper", "open_counselling": "Åben rådgivning"}, threshold=T, secondary=secondary
    )
    with app.test_request_context("/national/"):
        return build(national.report(YEAR), {"year": YEAR, "programme": None, "municipality": None}, disclose=True, threshold=T)


@pytest.mark.parametrize(("n", "seed"), [(2, 1), (3, 2), (6, 3), (12, 4), (12, 5), (20, 6)])
def test_no_hidden_count_can_be_worked_out_across_the_views(app, monkeypatch, n, seed):
    rendered = _render(app, monkeypatch, n, seed)
    shown = _published(rendered)
    assert any(isinstance(v, str) and v.startswith("<") for v in shown.values())  # the case has small counts
    assert lp_audit.failures(shown, _equations(n), T) == []


def test_every_small_count_is_shown_as_under_the_threshold(app, monkeypatch):
    rendered = _render(app, monkeypatch, 6, 7)
    mothers, _ = _figures(7, 6, 0.3)
    detail = next(t for t in rendered.tables if t.key == "mother_groups.detail")
    column = [c.key for c in detail.columns].index("mothers")
    for key, row in zip(detail.row_keys, detail.rows, strict=True):
        slug, year = key.split(":")
        value = mothers[(int(slug[1:]), int(year))]["mothers"]
        if 1 <= value < T:
            assert row[column].text == "<5", key


def test_differencing_the_views_gives_counts_back_when_their_relations_are_not_declared(app, monkeypatch):
    """The same audit fails when disclosure control is not told that the views show the same counts."""
    failing = 0
    for seed in range(10, 16):
        rendered = _render(app, monkeypatch, 6, seed, relations=False)
        failing += bool(lp_audit.failures(_published(rendered), _equations(6), T))
    assert failing


def test_the_audit_fails_without_secondary_suppression(app, monkeypatch):
    rendered = _render(app, monkeypatch, 6, 3, secondary=False)
    assert lp_audit.failures(_published(rendered), _equations(6), T) != []


def test_the_page_of_real_data_passes_the_audit(app, monkeypatch, tenant_a, tenant_b):
    """The served page's own figures (small courses beside a larger one, in two years) under the same audit."""
    from core.db import db
    from core.national import exports  # the page, its files and its exports are built there
    from core.tenancy.context import tenant_context
    from tests.national.test_dashboard import _course, coordinator

    with app.app_context():
        with tenant_context(tenant_a):
            _course("Alfa hold", 9, [9], visit=True)
            _course("Alfa gammelt hold", 2, [2], visit=False, start=date(YEAR - 1, 2, 1), end=date(YEAR - 1, 11, 30))
        with tenant_context(tenant_b):
            _course("Beta hold", 3, [3], visit=False)
            _course("Beta gammelt hold", 6, [6], visit=False, start=date(YEAR - 1, 2, 1), end=date(YEAR - 1, 11, 30))
        db.session.remove()
    seen = []

    def keep(*args, **kwargs):
        seen.append(build(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(exports, "build", keep)
    html = coordinator(app).get(f"/national/?year={YEAR}&programme=mother_groups").get_data(as_text=True)
    shown = _published(seen[0])
    assert shown[Cell("mother_groups.municipalities", "beta", "mothers")] == "<5"
    assert shown[Cell("mother_groups.detail", f"alpha:{YEAR - 1}", "mothers")] == "<5"
    slugs = ["alpha", "beta"]
    equations = [
        lp_audit.sum_of(
            Cell("mother_groups.municipalities", TOTAL, "mothers"), [Cell("mother_groups.municipalities", s, "mothers") for s in slugs]
        )
    ]
    for y in YEARS:
        equations.append(
            lp_audit.sum_of(
                Cell("mother_groups.years", str(y), "mothers"), [Cell("mother_groups.detail", f"{s}:{y}", "mothers") for s in slugs]
            )
        )
    for s in slugs:
        equations.append(
            lp_audit.sum_of(Cell("mother_groups.municipalities", s, "mothers"), [Cell("mother_groups.detail", f"{s}:{YEAR}", "mothers")])
        )
    assert lp_audit.failures(shown, equations, T) == []
    assert "Alfa hold" not in html and "Mor " not in html


def test_every_request_hides_the_same_cells(app, monkeypatch):
    """Two years asked for, or one municipality, show each figure hidden or shown alike: no differencing across requests."""
    mothers, contacts = _figures(8, 8, 0.3)
    _given(monkeypatch, {"mother_groups": mothers, "open_counselling": contacts})

    def detail(year: int, municipality: int | None) -> dict[Cell, int | str]:
        national = NationalReport(_coverage(8), {"mother_groups": "M", "open_counselling": "O"}, municipality=municipality, threshold=T)
        with app.test_request_context("/national/"):
            rendered = build(national.report(year), {"year": year, "programme": None, "municipality": None}, disclose=True, threshold=T)
        return {c: v for c, v in _published(rendered).items() if c.table.endswith(".detail")}

    everything = detail(YEAR, None)
    assert detail(YEAR - 1, None) == everything
    one = detail(YEAR, 3)
    assert one and all(everything[cell] == value for cell, value in one.items())
