"""Disclosure control: small counts hidden, and hidden so that they cannot be worked out.

Every count a report shows to someone who may not see the persons behind it
goes through ``protect``, once per *table set* (every table shown together on
one page or in one export, with the linear relations between their cells).

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is shown as
   ``<threshold`` ("<5"). Zero is shown: it counts nobody.
2. **Secondary (complementary) suppression.** A hidden cell in a relation
   (a total and its parts, a row and its margin, the same figure in two
   views) with every other cell shown is recomputed by subtraction, so more
   cells are hidden ("x"): for each relation holding exactly one hidden cell,
   the smallest non-zero other cell, repeated to a fixpoint.
3. **Audit by linear programming**, the step that makes it safe rather than
   hopeful. For every hidden cell the interval of values consistent with
   everything published is computed (minimum and maximum by linear
   programming, HiGHS through ``highspy``), under two intruders:

   - *A*, who knows the shown values, the relations and that counts are not
     negative: every hidden cell's interval must be at least ``threshold``
     wide;
   - *B*, who also reads the markers: a "<5" cell is between 1 and 4, an "x"
     cell is at least ``threshold`` (small ones are "<5" and zeros shown): no
     "<5" cell may be pinned to one value.

   Where a check fails, the smallest non-zero shown cell of a relation of the
   failing cell (or of its connected hidden cells) is hidden too, and the
   audit runs again. When nothing is left to hide there, every cell of the
   connected part of the table set is *withheld* ("..", with no claim about
   its size), which leaves an intruder only the relations.

Cells are addressed as ``Cell(table, row, column)``; values are whole
numbers not below zero. Declared relations must hold on the values (a
relation that does not hold is a bug in the report, and refused).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

MINIMUM_THRESHOLD = 3  # never lower, whatever a deployment sets
DEFAULT_THRESHOLD = 5
# LP answers are floating point; widths are compared with this much slack.
EPSILON = 1e-6

Status = Literal["primary", "secondary", "withheld"]


class Cell(NamedTuple):
    table: str
    row: str
    column: str


@dataclass(frozen=True)
class Relation:
    """``total`` equals the sum of ``parts`` (one part: the same figure shown twice)."""

    total: Cell
    parts: tuple[Cell, ...]

    @classmethod
    def sum(cls, total: Cell, parts: Iterable[Cell]) -> Relation:
        return cls(total, tuple(parts))

    @classmethod
    def same(cls, a: Cell, b: Cell) -> Relation:
        """Two cells that show the same figure (e.g. a year's total in a by-year and a by-municipality view)."""
        return cls(a, (b,))

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)

    def terms(self) -> list[tuple[Cell, int]]:
        """The relation as ``sum(coefficient * cell) == 0``."""
        return [(self.total, 1), *((p, -1) for p in self.parts)]


@dataclass
class Disclosure:
    """What ``protect`` decided: the hidden cells and why, for the renderers and the audit."""

    threshold: int
    hidden: dict[Cell, Status] = field(default_factory=dict)
    rounds: int = 0  # audit rounds it took (for the record of how hard the table set was)

    def status(self, cell: Cell) -> Status | None:
        return self.hidden.get(cell)

    def marker(self, cell: Cell) -> str | None:
        """What is printed instead of the value: "<5", "x", ".." (withheld), or None (the value is shown)."""
        status = self.hidden.get(cell)
        if status is None:
            return None
        return {"primary": f"<{self.threshold}", "secondary": "x", "withheld": ".."}[status]

    @property
    def primary(self) -> set[Cell]:
        return {c for c, s in self.hidden.items() if s == "primary"}


class DisclosureError(ValueError):
    """A table set that cannot be protected as declared (a relation that does not hold, an unknown cell)."""


def check_threshold(threshold: object) -> int:
    """The deployment's threshold, refused below ``MINIMUM_THRESHOLD`` (called at start-up)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | str):
        raise ValueError(f"DISCLOSURE_THRESHOLD must be a whole number, not {threshold!r}")
    try:
        value = int(threshold)
    except ValueError:
        raise ValueError(f"DISCLOSURE_THRESHOLD must be a whole number, not {threshold!r}") from None
    if value < MINIMUM_THRESHOLD:
        raise ValueError(f"DISCLOSURE_THRESHOLD is {value}; it may never be below {MINIMUM_THRESHOLD}")
    return value


def _validate(values: Mapping[Cell, int], relations: Sequence[Relation]) -> None:
    for cell, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DisclosureError(f"{cell}: a protected count must be a whole number not below zero, not {value!r}")
    for relation in relations:
        missing = [c for c in relation.cells if c not in values]
        if missing:
            raise DisclosureError(f"a relation names cells that are not counts of the table set: {missing}")
        if values[relation.total] != sum(values[p] for p in relation.parts):
            raise DisclosureError(f"the relation for {relation.total} does not hold on the figures")


def protect(
    values: Mapping[Cell, int],
    relations: Sequence[Relation] = (),
    threshold: int = DEFAULT_THRESHOLD,
    *,
    secondary: bool = True,
) -> Disclosure:
    """Decide which cells of a table set are hidden; see the module docstring.

    ``secondary=False`` does primary suppression only: for the tests that
    show the audit catches what secondary suppression prevents.
    """
    threshold = check_threshold(threshold)
    relations = [r for r in relations if r.parts]
    _validate(values, relations)
    result = Disclosure(threshold, {c: "primary" for c, v in values.items() if 1 <= v < threshold})
    if not secondary or not result.hidden:
        return result
    by_cell: dict[Cell, list[Relation]] = {}
    for relation in relations:
        for cell in relation.cells:
            by_cell.setdefault(cell, []).append(relation)
    _complements(values, relations, result)
    # Each round hides at least one more cell or withholds a component, so this ends.
    for _ in range(len(values) + 1):
        result.rounds += 1
        failing = audit(values, relations, result)
        if not failing:
            return result
        for component in _components_of(failing, result, relations):
            # One more cell for each failing cell of the component (from its own relations first).
            added = False
            for target in sorted(c for c in component if c in failing):
                extra = _candidate(values, result, by_cell.get(target, [])) or _candidate(
                    values, result, [r for c in component for r in by_cell.get(c, [])]
                )
                if extra is not None:
                    result.hidden[extra] = "secondary"
                    added = True
            if not added:
                _withhold(component, values, relations, result)
        _complements(values, relations, result)
    raise AssertionError("disclosure control did not reach a safe table set")  # pragma: no cover


def _candidate(values: Mapping[Cell, int], result: Disclosure, relations: Iterable[Relation]) -> Cell | None:
    """The cell to hide next among those relations: the smallest non-zero shown one, parts before totals."""
    best: tuple[int, int, Cell] | None = None
    for relation in relations:
        for cell in relation.cells:
            if cell in result.hidden or values[cell] == 0:
                continue
            key = (values[cell], 1 if cell == relation.total else 0, cell)
            if best is None or key < best:
                best = key
    return None if best is None else best[2]


def _complements(values: Mapping[Cell, int], relations: Sequence[Relation], result: Disclosure) -> None:
    """Hide complements until every relation passes the local checks (the LP audit then sees the whole).

    A relation with one hidden cell gives it back by subtraction. One whose
    total is shown tells the sum of its hidden parts: that sum must be at
    least the threshold (else each part lies in too narrow a range), and
    must exceed what the markers already say of them (a "<5" is at least 1,
    an "x" at least the threshold), else a "<5" is pinned (``<5`` + ``5`` =
    ``6`` gives 1). Each time, the smallest non-zero shown cell of the
    relation is hidden too.
    """
    threshold = result.threshold
    changed = True
    while changed:
        changed = False
        for relation in relations:
            hidden = [c for c in relation.cells if c in result.hidden]
            if not hidden:
                continue
            weak = len(hidden) == 1
            if not weak and relation.total not in result.hidden:
                known_sum = sum(values[c] for c in hidden)
                least = sum(1 if result.hidden[c] == "primary" else threshold for c in hidden if result.hidden[c] != "withheld")
                weak = known_sum < threshold or known_sum - least < 1
            if weak:
                extra = _candidate(values, result, [relation])
                if extra is not None:  # else every other cell is 0: nothing left to hide here
                    result.hidden[extra] = "secondary"
                    changed = True


def _components_of(cells: Iterable[Cell], result: Disclosure, relations: Sequence[Relation]) -> list[set[Cell]]:
    """The connected parts of the hidden cells (linked by relations) that contain ``cells``."""
    components = _components(set(result.hidden), relations)
    wanted = set(cells)
    return [c for c in components if c & wanted]


def _components(hidden: set[Cell], relations: Sequence[Relation]) -> list[set[Cell]]:
    parent = {c: c for c in hidden}

    def find(c: Cell) -> Cell:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for relation in relations:
        inside = [c for c in relation.cells if c in parent]
        for other in inside[1:]:
            parent[find(other)] = find(inside[0])
    groups: dict[Cell, set[Cell]] = {}
    for c in hidden:
        groups.setdefault(find(c), set()).add(c)
    return list(groups.values())


def _withhold(component: set[Cell], values: Mapping[Cell, int], relations: Sequence[Relation], result: Disclosure) -> None:
    """Hide every cell of every relation the component touches, as withheld (no claim about size), to a fixpoint."""
    grown = set(component)
    while True:
        more = {c for r in relations if any(x in grown for x in r.cells) for c in r.cells} - grown
        if not more:
            break
        grown |= more
    for cell in grown:
        result.hidden[cell] = "withheld"


# --- The audit ---------------------------------------------------------------------------------


class Interval(NamedTuple):
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def intervals(
    values: Mapping[Cell, int],
    relations: Sequence[Relation],
    hidden: Mapping[Cell, Status],
    threshold: int,
    *,
    read_markers: bool,
    only: Iterable[Cell] | None = None,
) -> dict[Cell, Interval]:
    """For each hidden cell (or each of ``only``), the least and greatest value consistent with what is published.

    ``read_markers``: intruder B (a "<5" cell is 1..threshold-1, an "x" cell
    is at least the threshold, a withheld one anything not negative), else A
    (only that counts are not negative). One linear programme per connected
    part of the hidden cells, minimised and maximised for each cell.
    """
    import numpy as np

    wanted = set(hidden) if only is None else set(only)
    out: dict[Cell, Interval] = {}
    highs = _solver()
    for component in _components(set(hidden), relations):
        targets = sorted(component & wanted)
        if not targets:
            continue
        cells = sorted(component)
        index = {c: i for i, c in enumerate(cells)}
        highs.clearModel()
        bounds = [_bounds(hidden[c], threshold) if read_markers else (0.0, None) for c in cells]
        lower = np.array([b[0] for b in bounds], dtype=float)
        upper = np.array([_INF if b[1] is None else b[1] for b in bounds], dtype=float)
        highs.addVars(len(cells), lower, upper)
        for relation in relations:
            if not any(c in index for c in relation.cells):
                continue
            coefficients: dict[int, float] = {}
            known = 0.0
            for cell, coefficient in relation.terms():
                if cell in index:
                    coefficients[index[cell]] = coefficients.get(index[cell], 0.0) + coefficient
                else:
                    known += coefficient * values[cell]
            columns = np.array(list(coefficients), dtype=np.int32)
            highs.addRow(-known, -known, len(columns), columns, np.array(list(coefficients.values()), dtype=float))
        for cell in targets:
            highs.changeColCost(index[cell], 1.0)
            low = _optimum(highs)
            highs.changeColCost(index[cell], -1.0)
            high = _optimum(highs)
            highs.changeColCost(index[cell], 0.0)
            out[cell] = Interval(low, -high)
    return out


_INF = float("inf")
_solver_lock = threading.Lock()
_local = threading.local()
_banner_silenced = False


def _solver():
    """This thread's HiGHS instance (kept: a new one costs more than a small solve)."""
    global _banner_silenced
    highs = getattr(_local, "highs", None)
    if highs is None:
        import highspy

        with _solver_lock:
            if _banner_silenced:
                highs = highspy.Highs()
            else:
                # HiGHS prints a banner on the C standard output once per process, at the first
                # instance; it would land in a command's output (``samvirke reports run``).
                sys.stdout.flush()
                saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                try:
                    highs = highspy.Highs()
                finally:
                    os.dup2(saved, 1)
                    os.close(saved)
                    os.close(devnull)
                _banner_silenced = True
        highs.setOptionValue("output_flag", False)
        _local.highs = highs
    return highs


def _optimum(highs) -> float:
    """The minimum of the current objective; -inf when it has none (the maximum of the cell is unbounded)."""
    import highspy

    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(highs.getInfo().objective_function_value)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return -_INF  # the true figures are a solution, so it is feasible: unbounded
    raise DisclosureError(f"the audit could not solve the table set ({highs.modelStatusToString(status)})")


def _bounds(status: Status, threshold: int) -> tuple[float, float | None]:
    if status == "primary":
        return (1.0, float(threshold - 1))
    if status == "secondary":
        return (float(threshold), None)
    return (0.0, None)


def audit(values: Mapping[Cell, int], relations: Sequence[Relation], result: Disclosure) -> set[Cell]:
    """The hidden cells that the published table set does not protect (empty: safe)."""
    if not result.hidden:
        return set()
    threshold = result.threshold
    failing = {
        c
        for c, span in intervals(values, relations, result.hidden, threshold, read_markers=False).items()
        if span.width < threshold - EPSILON
    }
    marked = intervals(values, relations, result.hidden, threshold, read_markers=True, only=result.primary)
    failing |= {c for c, span in marked.items() if span.width < 1 - EPSILON}
    return failing
