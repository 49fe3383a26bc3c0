"""CSV cells that a spreadsheet program will never run as a formula.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel and LibreOffice (CSV injection, OWASP), and so is
one where such a character follows leading whitespace (`` =HYPERLINK(...)``):
the programs skip the blanks. Every CSV the platform exports (reports, the
audit trail) writes its cells through ``safe_cell``; text typed by users must
never become a formula on a caseworker's machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# What makes a spreadsheet program read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_LEADING_BLANKS = " \t\r\n\f\v\u00a0"


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: ``None`` is empty, formula-like text gets a leading ``'``.

    Numbers are left as they are (a negative number is a number, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value.lstrip(_LEADING_BLANKS).startswith(FORMULA_PREFIXES)):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of one row through ``safe_cell``."""
    return [safe_cell(v) for v in values]
