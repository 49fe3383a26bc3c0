"""The marshmallow base schema plugins build forms and API input on.

- Field and validator error messages go through Flask-Babel, so a form shows
  "Feltet skal udfyldes." in Danish and the same key gives "This field is
  required." in English; also in the JSON API.
- Input the database cannot hold is refused here, for every field of every
  schema (list items and nested schemas too), with a field error instead of a
  database error: text with a NUL byte (PostgreSQL refuses it), integers
  beyond the 32-bit INTEGER columns, times with a UTC offset (the columns are
  local times without a zone).
- ``Reference(Model)`` is an id of a row of the tenant in context: a missing
  id or another tenant's is a field error, never a foreign-key violation.
- Decimal and float fields accept numbers as Danes write them (``1234,50``,
  ``1.234,50``) besides ``1234.50`` and JSON numbers: every ``fields.Decimal``
  and ``fields.Float`` of a schema on this base reads text through
  ``parse_number_text`` (``Decimal`` and ``Float`` here are the same fields, to
  declare explicitly). ``1.234`` could be either, so it is refused with a
  message that says how to write it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from flask import current_app, has_request_context
from flask_babel import gettext
from marshmallow import Schema as _Schema
from marshmallow import ValidationError, fields, post_dump, validate


class _Translated(str):
    """An English message id that translates itself when marshmallow formats it.

    A ``str`` (marshmallow only formats strings), whose ``format`` looks up
    the UI language at error time, not when the schema was declared.
    """

    def format(self, *args: Any, **kwargs: Any) -> str:
        return gettext(str.__str__(self)).format(*args, **kwargs)

    def __str__(self) -> str:
        return gettext(str.__str__(self))


def N_(message: str) -> _Translated:
    return _Translated(message)


FIELD_MESSAGES: dict[str, Any] = {
    "required": N_("This field is required."),
    "null": N_("This field may not be empty."),
    "validator_failed": N_("The value is not valid."),
}
TYPE_MESSAGES: dict[type, Any] = {
    fields.String: N_("Enter text."),
    fields.Integer: N_("Enter a whole number."),
    fields.Decimal: N_("Enter a number, for example 1234.50."),
    fields.Float: N_("Enter a number, for example 1234.50."),
    fields.Boolean: N_("Choose yes or no."),
    fields.Date: N_("Enter a date as YYYY-MM-DD."),
    fields.DateTime: N_("Enter a date and time."),
    fields.Time: N_("Enter a time as HH:MM."),
    fields.Email: N_("Enter a valid e-mail address."),
    fields.Url: N_("Enter a valid web address."),
    fields.List: N_("Enter a list."),
}
VALIDATOR_MESSAGES: dict[type, dict[str, Any]] = {
    validate.Length: {
        "message_min": N_("Enter at least {min} characters."),
        "message_max": N_("Enter at most {max} characters."),
        "message_all": N_("Enter between {min} and {max} characters."),
        "message_equal": N_("Enter exactly {equal} characters."),
    },
    validate.Range: {
        "message_min": N_("Enter {min} or more."),
        "message_max": N_("Enter {max} or less."),
        "message_all": N_("Enter a value from {min} to {max}."),
        "message_gte": N_("Enter {min} or more."),
        "message_lte": N_("Enter {max} or less."),
        "message_gt": N_("Enter more than {min}."),
        "message_lt": N_("Enter less than {max}."),
    },
    validate.OneOf: {"default_message": N_("Choose one of the options.")},
    validate.Regexp: {"default_message": N_("The value has the wrong format.")},
    validate.Email: {"default_message": N_("Enter a valid e-mail address.")},
}


# The range of an INTEGER column (ids, counts) on PostgreSQL; SQLite's is wider.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
NUL_MESSAGE = N_("The text contains an invalid character (NUL).")
INTEGER_RANGE_MESSAGE = N_("The number is too large or too small.")
TIME_ZONE_MESSAGE = N_("Enter the time without a time zone, e.g. 10:00.")


def refuse_nul(value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(NUL_MESSAGE)


def refuse_time_zone(value: Any) -> None:
    if getattr(value, "tzinfo", None) is not None:
        raise ValidationError(TIME_ZONE_MESSAGE)


class _IntegerColumnRange(validate.Range):
    """The range of an INTEGER column (a class of its own, so a field's own Range is told apart)."""


REFERENCE_MESSAGE = N_("Does not exist.")


class _Identified(Protocol):
    """A model with an ``id`` primary key, which ``Reference`` looks rows up by."""

    id: Any


class Reference(fields.Integer):
    """The id of a row of ``model`` in the tenant in context.

    ``model`` is the class or a function returning it (for models defined
    later). The row is looked up through the tenant-scoped session, so another
    tenant's id is refused exactly like a missing one. ``where`` narrows the
    rows that may be chosen (e.g. courses not completed).
    """

    def __init__(
        self,
        model: type[_Identified] | Callable[[], type[_Identified]],
        *,
        where: Callable[[type[Any]], Any] | None = None,
        **kwargs: Any,
    ):
        super().__init__(strict=False, **kwargs)
        self.model, self.where = model, where
        self.validators.append(self._exists)

    def _model(self) -> type[_Identified]:
        if isinstance(self.model, type):
            return self.model
        return self.model()

    def _exists(self, value: int) -> None:
        if not INTEGER_MIN <= value <= INTEGER_MAX:
            return  # the range check reports it
        from sqlalchemy import select

        from core.db import db

        model = self._model()
        query = select(model.id).where(model.id == value)
        if self.where is not None:
            query = query.where(self.where(model))
        if db.session.scalar(query) is None:
            raise ValidationError(REFERENCE_MESSAGE)


AMBIGUOUS_NUMBER_MESSAGE = N_("Write the number without a thousands separator (1234) or with a decimal comma (1,234).")
_BLANKS = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"(?i)\s*(kr\.?|dkk)$")
_DIGITS = re.compile(r"\d+")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")  # 1234,50
_DANISH_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")  # 1.234,50 / 1.234.567
_ENGLISH_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+\.\d+")  # 1,234.50 (with decimals, else it is ambiguous)
_DECIMAL_POINT = re.compile(r"\d*\.\d+")  # 1234.50 / .5
_AMBIGUOUS = re.compile(r"[1-9]\d{0,2}\.\d{3}")  # 1.234: a thousand and 234, or one point two three four?


class AmbiguousNumber(ValueError):
    """Text such as ``1.234`` that is a different number in Danish and in English."""


def parse_number_text(text: str) -> str | None:
    """A number written by a person as plain ``1234.50`` text, or None when it is not one.

    Accepts ``1234,50``, ``1.234,50``, ``1.234.567``, ``1234.50``, ``1,234.50``, a sign,
    spaces and a trailing ``kr.``; raises ``AmbiguousNumber`` for ``1.234``.
    """
    value = _CURRENCY.sub("", _BLANKS.sub("", text))
    sign, body = ("-", value[1:]) if value[:1] in ("-", "\u2212") else ("", value.removeprefix("+"))
    if _DIGITS.fullmatch(body) or _DECIMAL_POINT.fullmatch(body) and not _AMBIGUOUS.fullmatch(body):
        return sign + body
    if _AMBIGUOUS.fullmatch(body):
        raise AmbiguousNumber(text)
    if _DECIMAL_COMMA.fullmatch(body) or _DANISH_GROUPED.fullmatch(body):
        return sign + body.replace(".", "").replace(",", ".")
    if _ENGLISH_GROUPED.fullmatch(body):
        return sign + body.replace(",", "")
    return None


class DanishNumber(fields.Number):
    """Reads text as ``parse_number_text`` does, then as the number field it is mixed into.

    Text that is no number goes on unchanged, so the field refuses it with its own message.
    """

    default_error_messages = {"ambiguous": AMBIGUOUS_NUMBER_MESSAGE}  # marshmallow merges these per class

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and len(value) <= 100:
            try:
                value = parse_number_text(value) or value
            except AmbiguousNumber as exc:
                raise self.make_error("ambiguous") from exc
        return super()._deserialize(value, attr, data, **kwargs)


class Decimal(DanishNumber, fields.Decimal):
    """A decimal number that accepts Danish input (``1.234,50``)."""


class Float(DanishNumber, fields.Float):
    """A float that accepts Danish input (``1234,5``)."""


@cache
def _danish_class(cls: type[fields.Field]) -> type[fields.Field]:
    return type(cls.__name__, (DanishNumber, cls), {"__module__": cls.__module__, "__doc__": cls.__doc__})


def _read_danish_numbers(field_obj: fields.Field) -> None:
    """Make a decimal or float field (a plugin's own subclass too) read Danish input."""
    if isinstance(field_obj, fields.Decimal | fields.Float) and not isinstance(field_obj, DanishNumber):
        field_obj.__class__ = _danish_class(type(field_obj))  # type: ignore[assignment]  # the same field, reading Danish too
        field_obj.error_messages = {"ambiguous": AMBIGUOUS_NUMBER_MESSAGE, **field_obj.error_messages}


def _within_integer_column(field_obj: fields.Field) -> bool:
    """Whether the field's own Range already keeps it inside an INTEGER column."""
    return any(
        isinstance(v, validate.Range) and v.min is not None and v.max is not None and v.min >= INTEGER_MIN and v.max <= INTEGER_MAX
        for v in field_obj.validators
    )


def _storable_input_checks(field_obj: fields.Field) -> list[Any]:
    """The validators that keep a field's value storable (see the module docstring)."""
    if field_obj.dump_only:
        return []
    if isinstance(field_obj, fields.String):
        return [refuse_nul]
    if isinstance(field_obj, fields.Integer):
        if not _within_integer_column(field_obj):
            return [_IntegerColumnRange(min=INTEGER_MIN, max=INTEGER_MAX, error=INTEGER_RANGE_MESSAGE)]
    if isinstance(field_obj, fields.Time):
        return [refuse_time_zone]
    return []


def _inner_fields(field_obj: fields.Field) -> list[fields.Field]:
    """Fields inside a container field, which marshmallow does not pass to ``on_bind_field``."""
    if isinstance(field_obj, fields.List):
        return [field_obj.inner]
    if isinstance(field_obj, fields.Tuple):
        return list(field_obj.tuple_fields)
    if isinstance(field_obj, fields.Mapping):
        return [f for f in (field_obj.key_field, field_obj.value_field) if f is not None]
    return []


def _as_text(messages: Any) -> Any:
    """Error messages with every lazily translated text rendered in the UI language.

    Needed for JSON: a ``_Translated`` is a ``str``, so the JSON encoder would
    write its English message id without asking it to translate.
    """
    if isinstance(messages, dict):
        return {key: _as_text(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_as_text(value) for value in messages]
    if isinstance(messages, _Translated):
        return str(messages)
    return messages


# Who acts is identity's business, a layer above every schema: core.identity registers the
# answer here (app.extensions) instead of this base importing it. No answer registered: nobody may.
PARTNER_ONLY_READER = "samvirke_partner_only_reader"


def may_see_partner_only() -> bool:
    """Whether the acting person may see data marked partner-only.

    Outside a request (jobs, commands) nobody does: such code works with
    aggregates or must not dump partner-only fields.
    """
    if not has_request_context():
        return False
    reader: Callable[[], bool] | None = current_app.extensions.get(PARTNER_ONLY_READER)
    return reader is not None and bool(reader())


def is_partner_only(field_obj: fields.Field) -> bool:
    return bool(field_obj.metadata.get("partner_only"))


class Schema(_Schema):
    """Base for every form and API schema.

    - Error messages follow the UI language.
    - Values the database cannot store are field errors (``_storable_input_checks``).
    - Fields with ``metadata={"partner_only": True}`` (the partner's
      "authority-free room", e.g. a counsellor's notes) are left out of every
      dump for anyone but partner staff and the tenant administrator, and
      of the forms they see.
    """

    error_messages = {"unknown": N_("This field is not known."), "type": N_("The input has the wrong type.")}

    @post_dump
    def _hide_partner_only(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not may_see_partner_only():
            for name, field_obj in self.dump_fields.items():
                if is_partner_only(field_obj):
                    data.pop(field_obj.data_key or name, None)
        return data

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        if isinstance(error.messages, dict):
            translated = _as_text(error.messages)
            error.messages.clear()
            error.messages.update(translated)
        elif isinstance(error.messages, list):
            error.messages[:] = _as_text(error.messages)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _prepare_field(field_obj)


def _prepare_field(field_obj: fields.Field) -> None:
    """Translated messages and the storable-input checks, for a field and the fields inside it."""
    for inner in _inner_fields(field_obj):
        _prepare_field(inner)
    _read_danish_numbers(field_obj)
    messages = dict(field_obj.error_messages)
    for key, text in FIELD_MESSAGES.items():
        if key in messages:
            messages[key] = text
    for cls in type(field_obj).__mro__:
        if cls in TYPE_MESSAGES and "invalid" in messages:
            messages["invalid"] = TYPE_MESSAGES[cls]
            break
    if messages.get("special") == fields.Decimal.default_error_messages["special"]:
        messages["special"] = TYPE_MESSAGES[fields.Decimal]  # NaN, Infinity: marshmallow's English, not a number to a person
    field_obj.error_messages = messages
    for validator in field_obj.validators:
        for cls, attributes in VALIDATOR_MESSAGES.items():
            if not isinstance(validator, cls):
                continue
            for attribute, text in attributes.items():
                if attribute == "default_message":
                    # OneOf, Regexp, Email copy their default into .error at
                    # init; replace only that default, never an author's text.
                    if validator.error == cls.default_message:  # type: ignore[attr-defined]
                        validator.error = text  # type: ignore[attr-defined]
                elif getattr(validator, "error", None) is None:
                    setattr(validator, attribute, text)
    # marshmallow copies fields shallowly per schema instance: the validators
    # list is shared, so each check is added once.
    present = [type(v) if isinstance(v, _IntegerColumnRange) else v for v in field_obj.validators]
    for check in _storable_input_checks(field_obj):
        if (type(check) if isinstance(check, _IntegerColumnRange) else check) not in present:
            field_obj.validators.append(check)
