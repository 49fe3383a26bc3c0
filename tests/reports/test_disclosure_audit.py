"""Disclosure control, proven by an independent audit (tests/reports/lp_audit.py).

For every hidden cell of every published table set (crafted small-cell
cases, random tables, and a report whose three views of one set of counts
invite differencing) the audit computes by linear programming the interval of
values consistent with everything published, and fails when it is narrower
than the threshold, or when a "<5" is pinned to one value. The same audit
fails when secondary suppression is switched off, or when the views'
relations are not declared: the check can see what it guards against.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

import pytest

from core.reports.disclosure import Cell, Relation, check_threshold, protect
from tests.reports import lp_audit

T = 5


# --- Table sets written out by hand -------------------------------------------------------------


@dataclasses.dataclass
class Case:
    name: str
    values: dict[Cell, int]
    relations: list[Relation]  # what core is told
    equations: list[lp_audit.Equation]  # what the intruder knows (written from the shape, not from core)


def grid(name: str, matrix: Sequence[Sequence[int]], *, margins: bool = True) -> Case:
    """A table with a total row, and (``margins``) a total column; one column alone is a list with a total."""
    rows = [f"r{i}" for i in range(len(matrix))]
    columns = [f"c{j}" for j in range(len(matrix[0]))]
    values: dict[Cell, int] = {}
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            values[Cell(name, rows[i], columns[j])] = v
    all_columns = columns + (["total"] if margins else [])
    for r in rows:
        if margins:
            values[Cell(name, r, "total")] = sum(values[Cell(name, r, c)] for c in columns)
    for c in all_columns:
        values[Cell(name, "total", c)] = sum(values[Cell(name, r, c)] for r in rows)
    relations = [Relation.sum(Cell(name, "total", c), [Cell(name, r, c) for r in rows]) for c in all_columns]
    if margins:
        relations += [Relation.sum(Cell(name, r, "total"), [Cell(name, r, c) for c in columns]) for r in [*rows, "total"]]
    equations = lp_audit.grid_equations([*rows, "total"], all_columns, "total", "total" if margins else None, lambda r, c: Cell(name, r, c))
    return Case(name, values, relations, equations)


def column(name: str, parts: Sequence[int]) -> Case:
    return grid(name, [[p] for p in parts], margins=False)


CRAFTED = [
    column("one small in a list", [3, 20, 17]),
    column("two small in a list", [2, 2, 30]),
    column("a small cell that is the whole total", [3, 0, 0]),
    column("the marker gives it away", [1, 5]),  # "x" means at least 5, the total is 6: the "<5" would be 1
    column("only ones", [1, 1, 1, 1]),  # the total "<5" and four "<5" parts: each is 1
    column("nothing small", [0, 12, 40]),
    grid("two by two", [[3, 10], [12, 40]]),
    grid("a small row total", [[1, 2], [30, 40]]),
    grid("zeros but one", [[0, 0], [0, 3]]),
    grid("three by four", [[1, 0, 7, 12], [4, 9, 0, 2], [15, 3, 8, 20]]),
    grid("every cell small", [[1, 2, 3], [2, 1, 4], [3, 3, 1]]),
]


def published(values: dict[Cell, int], disclosure) -> dict[Cell, int | str]:
    """What a reader sees: each figure, or its marker."""
    return {cell: disclosure.marker(cell) or value for cell, value in values.items()}


def audit(case: Case, *, secondary: bool = True, threshold: int = T) -> list[str]:
    disclosure = protect(case.values, case.relations, threshold, secondary=secondary)
    return lp_audit.failures(published(case.values, disclosure), case.equations, threshold)


@pytest.mark.parametrize("case", CRAFTED, ids=[c.name for c in CRAFTED])
def test_crafted_small_cells_cannot_be_worked_out(case):
    assert audit(case) == []


@pytest.mark.parametrize("case", CRAFTED, ids=[c.name for c in CRAFTED])
def test_every_small_count_is_shown_as_under_the_threshold(case):
    disclosure = protect(case.values, case.relations, T)
    for cell, value in case.values.items():
        if 1 <= value < T:
            assert disclosure.marker(cell) in ("<5", ".."), cell
        if disclosure.marker(cell) is None:
            assert value == 0 or value >= T, cell


def test_without_secondary_suppression_the_audit_fails():
    failing = {c.name for c in CRAFTED if audit(c, secondary=False)}
    # Broken by primary suppression alone: every case but those whose relations hold only hidden
    # cells (a small total and its small part) or whose margins are wide enough on their own.
    safe_alone = {"nothing small", "a small cell that is the whole total", "zeros but one", "every cell small"}
    assert failing == {c.name for c in CRAFTED} - safe_alone, failing
    assert "the marker gives it away" in failing


def test_the_marker_attack_hides_the_total_too():
    case = column("the marker gives it away", [1, 5])
    disclosure = protect(case.values, case.relations, T)
    # One relation with the "<5" and the 5 hidden still tells 1 (5 + 1 = 6): the total is hidden too.
    assert disclosure.marker(Cell(case.name, "total", "c0")) == "x"


def test_only_ones_are_withheld():
    case = column("only ones", [1, 1, 1, 1])
    disclosure = protect(case.values, case.relations, T)
    assert {disclosure.marker(c) for c in case.values} == {".."}


# --- Random tables -------------------------------------------------------------------------------


def random_grid(seed: int) -> Case:
    rng = random.Random(seed)
    rows, columns = rng.randint(2, 5), rng.randint(2, 5)
    matrix = [
        [rng.choice([0, 1, 2, 3, 4, rng.randint(5, 12), rng.randint(5, 60), rng.randint(20, 200)]) for _ in range(columns)]
        for _ in range(rows)
    ]
    return grid(f"random {seed}", matrix)


@pytest.mark.parametrize(("threshold", "tables"), [(3, 20), (5, 40), (10, 20)])
def test_random_tables_pass_the_audit(threshold, tables):
    failures = {}
    for seed in range(tables):
        found = audit(random_grid(seed), threshold=threshold)
        if found:
            failures[seed] = found
    assert failures == {}


def test_the_linear_programme_finds_what_the_local_rules_miss():
    """Complements chosen relation by relation are not enough: the audit's rounds make the difference."""
    from core.reports.disclosure import Disclosure, _complements

    missed = []
    for seed in range(40):
        case = random_grid(seed)
        local = Disclosure(T, {c: "primary" for c, v in case.values.items() if 1 <= v < T})
        _complements(case.values, case.relations, local)
        if lp_audit.failures(published(case.values, local), case.equations, T):
            missed.append(seed)
            assert protect(case.values, case.relations, T).rounds > 1
    assert missed, "no random table needed the audit's rounds: the test shows nothing"


def test_random_tables_fail_without_secondary_suppression():
    broken = sum(1 for seed in range(20) if audit(random_grid(seed), secondary=False))
    assert broken >= 15  # nearly every random table with a small cell can be worked out by subtraction


# --- Differencing between views of a report ------------------------------------------------------

YEARS = [2023, 2024, 2025]
COUNTS = {"Ishøj": [8, 3, 12], "Fredericia": [10, 14, 9], "Kolding": [6, 7, 2], "Vejle": [20, 18, 16], "Aarhus": [1, 30, 25]}


def _published_report(rendered) -> dict[Cell, int | str]:
    """Every count the report shows, as published: the number, or the marker."""
    out: dict[Cell, int | str] = {}
    for table in rendered.tables:
        for key, row in zip(table.row_keys, table.rows, strict=True):
            for column, cell in zip(table.columns, row, strict=True):
                if column.is_protected:
                    out[Cell(table.key, key, column.key)] = cell.value if cell.hidden is None else cell.text
    return out


def _report_equations() -> list[lp_audit.Equation]:
    """What a reader knows about the three views, from their headings alone."""
    places, years = list(COUNTS), [f"y{y}" for y in YEARS]
    equations = lp_audit.grid_equations([*places, "total"], [*years, "all"], "total", "all", lambda r, c: Cell("by_place", r, c))
    equations.append(lp_audit.sum_of(Cell("by_year", "total", "people"), [Cell("by_year", str(y), "people") for y in YEARS]))
    equations += [lp_audit.sum_of(Cell("by_year", str(y), "people"), [Cell("by_place", "total", f"y{y}")]) for y in YEARS]
    equations.append(lp_audit.sum_of(Cell("by_year", "total", "people"), [Cell("by_place", "total", "all")]))
    equations.append(lp_audit.sum_of(Cell("earlier", "total", "people"), [Cell("earlier", p, "people") for p in places]))
    for place in [*places, "total"]:
        last = Cell("by_place", place, f"y{YEARS[-1]}")
        equations.append(lp_audit.sum_of(Cell("by_place", place, "all"), [Cell("earlier", place, "people"), last]))
    return equations


@pytest.fixture
def crafted(app, sample_reports):
    sample_reports.CRAFTED.update(years=YEARS, counts=COUNTS)
    with app.test_request_context("/alpha/"):
        yield sample_reports.crafted_report()


def _build(report, **kwargs):
    from core.reports.engine import build

    return build(report, {"year": 2025}, disclose=True, threshold=T, **kwargs)


def test_by_year_and_by_municipality_views_cannot_be_differenced(crafted):
    rendered = _build(crafted)
    shown = _published_report(rendered)
    assert "<5" in shown.values() and "x" in shown.values()
    assert lp_audit.failures(shown, _report_equations(), T) == []


def test_views_without_their_relations_declared_can_be_differenced(crafted):
    # Each table protected on its own: Kolding's 2 in 2025 is hidden in the grid, but
    # "all years" less "the earlier years" gives it back.
    rendered = _build(dataclasses.replace(crafted, relations=None))
    assert lp_audit.failures(_published_report(rendered), _report_equations(), T) != []


def test_the_report_fails_the_audit_without_secondary_suppression(crafted):
    rendered = _build(crafted, secondary=False)
    assert lp_audit.failures(_published_report(rendered), _report_equations(), T) != []


# --- The threshold -------------------------------------------------------------------------------


def test_the_threshold_is_never_below_three():
    assert check_threshold(3) == 3 and check_threshold("7") == 7
    for bad in (2, 0, -1, "2", "fem", None, True):
        with pytest.raises(ValueError):
            check_threshold(bad)


def test_an_app_with_a_threshold_below_three_refuses_to_start(database_factory):
    from config import ConfigurationError
    from core.testing.fixtures import create_app_for_tests

    with pytest.raises(ConfigurationError, match="DISCLOSURE_THRESHOLD"):
        create_app_for_tests(database_factory(), DISCLOSURE_THRESHOLD="2")


def test_a_relation_that_does_not_hold_is_refused():
    from core.reports.disclosure import DisclosureError

    a, b, t = Cell("t", "a", "n"), Cell("t", "b", "n"), Cell("t", "total", "n")
    with pytest.raises(DisclosureError):
        protect({a: 3, b: 10, t: 14}, [Relation.sum(t, [a, b])])
