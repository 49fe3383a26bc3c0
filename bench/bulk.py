"""Bulk writing for the generator: ids handed out in Python, rows written per table in one go.

Rows point at each other by id (the composite tenant keys), so the generator
gives every row its id itself instead of asking the database for each one:
``Ids`` starts after the largest id a table holds. ``Writer`` then writes a
table's rows with one ``COPY`` on PostgreSQL (psycopg) or one executemany
``INSERT`` elsewhere (SQLite), parents before children, and moves each
PostgreSQL sequence past the ids it used, so rows the app inserts later get
fresh ids.

The connection is the tables' owner (a superuser on the benchmark's server),
never the application's role: row-level security is the app's wall, not the
generator's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection


class Ids:
    """The next free id of each table, read once per table and then counted in Python."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.next: dict[str, int] = {}

    def take(self, table: Table) -> int:
        name = table.name
        if name not in self.next:
            self.next[name] = int(self.connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
        value = self.next[name]
        self.next[name] = value + 1
        return value


class Writer:
    """Collects rows per table (in dependency order) and writes them with COPY or executemany."""

    def __init__(self, connection: Connection, ids: Ids | None = None):
        self.connection = connection
        self.ids = ids or Ids(connection)
        self.rows: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        self.order: list[Table] = []
        self.written: dict[str, int] = defaultdict(int)
        self._defaults: dict[Table, list[tuple[str, Any]]] = {}

    @property
    def postgres(self) -> bool:
        return self.connection.dialect.name == "postgresql"

    def add(self, table: Table, **values: Any) -> int:
        """Queue one row; returns its id (given here unless the row names one)."""
        if "id" not in values and "id" in table.c:
            values["id"] = self.ids.take(table)
        for name, default in self._column_defaults(table):
            if name not in values:
                values[name] = default.arg(None) if default.is_callable else default.arg
        if table not in self.rows:
            self.order.append(table)
        self.rows[table].append(values)
        return values.get("id", 0)

    def _column_defaults(self, table: Table) -> list[tuple[str, Any]]:
        """The Python-side defaults (``default=utcnow``, ``default=False`` ...): COPY does not apply them."""
        if table not in self._defaults:
            self._defaults[table] = [
                (c.name, c.default) for c in table.c if c.default is not None and (c.default.is_scalar or c.default.is_callable)
            ]
        return self._defaults[table]

    def flush(self) -> None:
        """Write everything queued: parents first (the order tables were first added in)."""
        for table in self.order:
            rows = self.rows.pop(table, [])
            if rows:
                (self._copy if self.postgres else self._insert)(table, rows)
                self.written[table.name] += len(rows)
        self.order = []

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = sorted({key for row in rows for key in row})
        self.connection.execute(table.insert(), [{c: row.get(c) for c in columns} for row in rows])

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = sorted({key for row in rows for key in row})
        json_columns = {c.name for c in table.c if c.type.__class__.__name__ == "JSON"}
        raw = self.connection.connection.driver_connection  # psycopg's connection, for COPY
        assert raw is not None
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row.get(c)) if c in json_columns and row.get(c) is not None else row.get(c) for c in columns])

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        """PostgreSQL: move each table's id sequence past the largest id (no-op elsewhere)."""
        if not self.postgres:
            return
        for table in tables:
            if "id" not in table.c:
                continue
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence(:t, 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{table.name}\"), 1))"),
                {"t": table.name},
            )
