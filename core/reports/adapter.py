"""The old report hook's ``ReportDefinition`` as a ``Report``, so plugins keep working until converted.

A ``ReportDefinition`` builds one ``ReportResult`` (column keys and rows)
from the query values as text. The adapter makes that one table whose
columns are ``raw``: cells shown as the old viewer showed them (strings
through ``column_labels_da`` in Danish), headings from ``column_labels_da``
(Danish) and the key made readable (English). It declares no counts, so no
disclosure control applies to it and no rule is stated: a converted report
declares its counts and gets both.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import INCLUDE

from core.plugins.types import ReportDefinition
from core.reports.definitions import Bilingual, Column, Report, Table, TableData
from core.reports.params import BadParameters, Period
from core.schemas import Schema

TABLE = "result"


class LegacyParameters(Schema):
    """Whatever the query holds, as text: the old ``build`` reads and checks it itself."""

    class Meta:
        unknown = INCLUDE


def _english(key: str) -> str:
    return key.replace("_", " ").strip().capitalize() or key


def _period(params: dict[str, Any]) -> Period | None:
    year = str(params.get("year") or "").strip()
    return Period.of_year(int(year)) if year.isdigit() and 1900 <= int(year) <= 9999 else None


def adapt(definition: ReportDefinition) -> Report:
    labels = definition.column_labels_da  # a live mapping: it may learn labels while it builds

    def compute(params: dict[str, Any]) -> dict[str, TableData]:
        try:
            result = definition.build(params)
        except ValueError:
            # The old reports refuse a malformed parameter (course_id=abc) with ValueError.
            raise BadParameters({"_schema": [gettext("The report's parameters are not valid.")]}) from None
        keys = [str(c) for c in result.columns]
        columns = [Column(k, Bilingual(da=labels.get(k, k), en=_english(k)), kind="raw", labels=labels) for k in keys]
        rows = [{**dict(zip(keys, row, strict=False)), "_key": str(i)} for i, row in enumerate(result.rows)]
        return {TABLE: TableData(rows=rows, columns=columns)}

    title = Bilingual(da=definition.title_da, en=definition.title_en)
    return Report(
        key=definition.key,
        title=title,
        parameters=LegacyParameters,
        compute=compute,
        tables=[Table(TABLE, title=title, columns=(), legacy=True)],
        period=_period,
        legacy=definition,
    )


def as_report(value: Report | ReportDefinition) -> Report:
    if isinstance(value, Report):
        return value
    if isinstance(value, ReportDefinition):
        return adapt(value)
    raise TypeError(f"samvirke_reports gave {type(value).__name__}, not a Report or ReportDefinition")
