"""The national view's filters: the year, the programme and the municipality, checked on the server.

Values arrive as text (query string, form, command line). A malformed one is
refused with a Danish sentence (400), never a 500; a programme or
municipality the person does not cover is refused with the same sentence as
one that does not exist, so the answer tells nothing about other
organisations' agreements.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields

from core.reports.params import FIRST_YEAR, LAST_YEAR, default_year
from core.schemas import N_, Schema

TREND_YEARS = 5  # the trend shows the last five years (core.national.report.window)
YEAR_MESSAGE = N_("The year must be a whole number between 2000 and 2100.")
PROGRAMME_MESSAGE = N_("Choose one of your programmes.")
MUNICIPALITY_MESSAGE = N_("Choose one of the municipalities of your agreements.")


class _Year(fields.Field):
    """A calendar year from text; one message for every way it can be wrong."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip()
        if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
            raise ValidationError(YEAR_MESSAGE)
        return int(text)


class _Choice(fields.Field):
    """A key among the choices the view gives the schema per person (``NationalParameters(choices=...)``)."""

    def __init__(self, message: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(value).strip()
        allowed = getattr(self.parent, "choices", {}).get(self.name or "", ())
        if text not in allowed:
            raise ValidationError(self.message)
        return text


class NationalParameters(Schema):
    class Meta:
        unknown = EXCLUDE  # a language switch or other query values are not filters

    year = _Year(load_default=default_year, metadata={"label": N_("Year")})
    programme = _Choice(PROGRAMME_MESSAGE, load_default=None, metadata={"label": N_("Programme")})
    municipality = _Choice(MUNICIPALITY_MESSAGE, load_default=None, metadata={"label": N_("Municipality")})

    def __init__(self, *args: Any, choices: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.choices = choices or {}  # {"programme": keys, "municipality": slugs} the person covers


def load(raw: dict[str, str], programmes: list[str], municipalities: list[str]) -> dict[str, Any]:
    """The filters loaded (``BadParameters`` when one does not load); an empty value is "not given"."""
    from core.reports.params import BadParameters

    values = {k: v for k, v in raw.items() if v != "" and k in ("year", "programme", "municipality")}
    try:
        return dict(NationalParameters(choices={"programme": programmes, "municipality": municipalities}).load(values))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise BadParameters(messages) from None
