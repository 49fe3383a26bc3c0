"""An intruder's view of a published table set, by linear programming: written apart from core's own audit.

Input is only what is published: each cell's shown value, or its marker
("<5": between 1 and threshold-1; "x": hidden), and the linear relations an
intruder knows hold (written out by the test from the tables' shape, not
taken from core). For every hidden cell it computes the least and greatest
value consistent with all of it (HiGHS via ``scipy.optimize.linprog``), as
two intruders: one who uses only the shown figures and the relations, and one
who also reads the markers (a "<5" cell is 1..threshold-1; an "x" cell is at
least the threshold, since small ones are "<5" and zeros are shown; a ".."
cell, withheld, anything not negative).

``failures`` lists every hidden cell an intruder can narrow too far: an
interval narrower than the threshold for the first, a "<5" pinned to a single
value for the second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linprog

Key = Any  # a cell's name: anything hashable
# sum(coefficient * cell) == 0
Equation = Sequence[tuple[Key, int]]


def sum_of(total: Key, parts: Sequence[Key]) -> Equation:
    return [(total, 1), *((p, -1) for p in parts)]


def _bounds(marker: str, threshold: int, read_markers: bool) -> tuple[float, float | None]:
    if not read_markers or marker == "..":
        return (0.0, None)
    if marker.startswith("<"):
        return (1.0, float(threshold - 1))
    return (float(threshold), None)


def intervals(
    published: Mapping[Key, int | str],
    equations: Sequence[Equation],
    threshold: int,
    *,
    read_markers: bool,
) -> dict[Key, tuple[float, float]]:
    hidden = sorted((k for k, v in published.items() if isinstance(v, str)), key=repr)
    if not hidden:
        return {}
    index = {k: i for i, k in enumerate(hidden)}
    a_eq, b_eq = [], []
    for equation in equations:
        row = np.zeros(len(hidden))
        known = 0.0
        for cell, coefficient in equation:
            value = published[cell]
            if isinstance(value, str):
                row[index[cell]] += coefficient
            else:
                known += coefficient * value
        if row.any():
            a_eq.append(row)
            b_eq.append(-known)
        else:
            assert abs(known) < 1e-9, f"the published figures break a relation: {equation}"
    bounds = [_bounds(str(published[k]), threshold, read_markers) for k in hidden]
    out = {}
    for cell in hidden:
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(hidden))
            objective[index[cell]] = sign
            answer = linprog(objective, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None, bounds=bounds, method="highs")
            if answer.status == 3:
                ends.append(float("inf"))
                continue
            assert answer.status == 0 and answer.fun is not None, answer.message
            ends.append(sign * answer.fun)
        out[cell] = (ends[0], ends[1])
    return out


def failures(published: Mapping[Key, int | str], equations: Sequence[Equation], threshold: int) -> list[str]:
    found = []
    for cell, (low, high) in intervals(published, equations, threshold, read_markers=False).items():
        if high - low < threshold - 1e-6:
            found.append(f"{cell}: from the shown figures it lies in [{low:g}, {high:g}], narrower than {threshold}")
    for cell, (low, high) in intervals(published, equations, threshold, read_markers=True).items():
        if str(published[cell]).startswith("<") and high - low < 1 - 1e-6:
            found.append(f"{cell}: with the markers read it is exactly {low:g}")
    return found


def grid_equations(rows: Sequence[Key], columns: Sequence[Key], total_row: Key, total_column: Key | None, cell) -> list[Equation]:
    """Every row sum and column sum of a table with a total row (and a margin column)."""
    equations: list[Equation] = []
    inner_rows = [r for r in rows if r != total_row]
    inner_columns = [c for c in columns if c != total_column]
    for column in columns:
        equations.append(sum_of(cell(total_row, column), [cell(r, column) for r in inner_rows]))
    if total_column is not None:
        for row in rows:
            equations.append(sum_of(cell(row, total_column), [cell(row, c) for c in inner_columns]))
    return equations
