"""Counting the SQL statements a request sends, on every engine (the app's, the cross-tenant bind, the audit's).

``with count_statements() as seen:`` records each statement a DBAPI cursor
executes in the block (SQLAlchemy's ``before_cursor_execute`` on the
``Engine`` class, so every engine of the process is included): its text,
its parameters and whether it ran on the cross-tenant connection. Used by
the load run's report and by tests/test_statement_counts.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements that only set what row-level security reads, counted apart in the report.
SETTING = ("select set_config", "select pg_catalog.set_config")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    cross_tenant: bool

    @property
    def is_setting(self) -> bool:
        return self.sql.lstrip().lower().startswith(SETTING)


@dataclass
class Seen:
    statements: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def settings(self) -> int:
        return sum(1 for s in self.statements if s.is_setting)

    def queries(self) -> list[Statement]:
        """The statements that are not settings (what the page itself asks)."""
        return [s for s in self.statements if not s.is_setting]

    def summary(self, limit: int = 80) -> str:
        """The statements, one line each, the same texts counted: for a failing assertion's message."""
        counts: dict[str, int] = {}
        for s in self.statements:
            line = " ".join(s.sql.split())[:limit]
            counts[line] = counts.get(line, 0) + 1
        return "\n".join(f"{n:4d} x {line}" for line, n in sorted(counts.items(), key=lambda kv: -kv[1]))


@contextmanager
def count_statements() -> Iterator[Seen]:
    seen = Seen()

    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.statements.append(Statement(statement, parameters, bool(conn.info.get("samvirke_cross"))))

    event.listen(Engine, "before_cursor_execute", _before)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", _before)
